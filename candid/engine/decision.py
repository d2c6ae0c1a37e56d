"""What a question is worth: how likely its answer is to change what the person is told.

Ranking questions by information about the causes (entropy) asks what sharpens the
posterior, whether or not the person would be told anything different; it kept asking long
after the advice had settled. Here a question's value is the expected change, over its
possible answers, in the three things the results lead with: the urgency, the checks to
offer and the first causes with their order, each weighted by the pack (interview.yaml
`value`). A question that cannot change any of them is worth nothing and is not asked
(docs/interview.md).

Every candidate answer is played out on every step, so `question_values` does it in one
batch: the posteriors of all what-if answers are one array operation on the answers given so
far, and only the rules, stages and workup items that read the question are tested again.
The arithmetic is the same as playing the answers out one at a time (`told`, kept as the
reference and for the few questions an assumption depends on), so the values are equal to
the last bit; `tests/test_whatif_batch.py` checks that on random answers.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from candid.engine.compiled import CompiledPack, FloatArray, with_assumptions
from candid.engine.conditions import Facts, FactValue, Test
from candid.engine.infer import Posterior, condition, posterior, priors, sigmoid, used_evidence
from candid.engine.ranking import ranking
from candid.engine.triage import Triage, triage
from candid.engine.workup import open_stages, workup
from candid.knowledge.models import ValueWeights

TOP = 3
"""How many causes the results lead with."""
UNLIKELY_ANSWER = 1e-3
"""Answers less likely than this are not played out (their share of the value is noise)."""


@dataclass(frozen=True)
class Told:
    """What the person is told, as far as choosing questions goes."""

    rank: int
    top: tuple[int, ...]
    """The first causes shown, in order (causes impossible for the person left out)."""
    probability: FloatArray
    checks: frozenset[str]
    """The evaluations recommended."""


Memo = dict[tuple[object, ...], object]


def told_from(
    cp: CompiledPack, effective: Facts, post: Posterior, rank: int, memo: Memo | None = None
) -> Told:
    order = ranking(cp, effective, post)
    top = tuple(k for k in order if post.prior[k] > 0)[:TOP]
    opened = open_stages(cp, effective, post.probability)
    key = ("checks", tuple(opened), *(effective.get(f) for f in cp.workup_facts))
    checks = memo.get(key) if memo is not None else None
    if not isinstance(checks, frozenset):
        checks = frozenset(e.id for e in workup(cp, effective, opened) if e.status == "recommended")
        if memo is not None:
            memo[key] = checks
    return Told(rank, top, post.probability, checks)


def told(cp: CompiledPack, facts: Facts, memo: Memo | None = None) -> Told:
    """What the person would be told with these answers. `memo` shares, within one choice
    of question, the urgency and checks of what-if answers that leave their facts alone."""
    effective, _ = with_assumptions(cp, facts)
    key = ("rank", *(effective.get(f) for f in cp.rule_facts))
    rank = memo.get(key) if memo is not None else None
    if not isinstance(rank, int):
        rank = triage(cp, effective).rank
        if memo is not None:
            memo[key] = rank
    return told_from(cp, effective, posterior(cp, effective), rank, memo)


def difference(w: ValueWeights, before: Told, after: Told) -> float:
    """How much changed between two versions of what the person is told.

    A cause counts as moving into the first three (or to the top) only when it clearly
    overtakes the cause it displaces: by at least `w.margin` times its probability. Two
    causes at 20% and 21% swap places on almost any answer, and a question chosen for that
    would tell the person nothing they could act on.
    """
    out = w.urgency_level * abs(after.rank - before.rank)
    out += w.check * len(after.checks ^ before.checks)
    p = after.probability
    new_first = after.top and before.top and after.top[0] != before.top[0]
    if new_first and p[after.top[0]] >= w.margin * p[before.top[0]]:
        out += w.top_cause
    left = [k for k in before.top if k not in after.top]
    if left:
        floor = w.margin * max(float(p[k]) for k in left)
        out += w.top_three * sum(1 for k in after.top if k not in before.top and p[k] >= floor)
    return out


def possible_answers(cp: CompiledPack, fid: str, post: Posterior) -> list[tuple[FactValue, float]]:
    """Each answer the person could give, with how likely it is for someone with their
    answers so far: for evidence facts the causes' current probabilities mixed over
    P(answer | cause) (ratio x baseline), otherwise the fact's baseline, otherwise uniform.
    A number question is played out once per band of its `bins`."""
    fact = cp.pack.facts[fid]
    if fact.type == "boolean":
        values: list[FactValue] = [True, False]
        keys = ["true", "false"]
    elif fact.type == "choice":
        keys = list(fact.choices or {})
        values = list(keys)
    else:
        bands = list((fact.bins or {}).items())
        if not bands:
            return []  # a bare number (age) only sets the priors; it is an opening question
        keys = [name for name, _ in bands]
        values = [b.gte if b.gte is not None else max((b.lt or 1) - 1, 0) for _, b in bands]
    ev = cp.evidence.get(fid)
    total = float(post.probability.sum())
    if ev is not None and total > 0:
        given = ev.lr * ev.baseline[:, None]
        given = given / given.sum(axis=0, keepdims=True)
        mixed = given @ (post.probability / total)
        by_key = dict(zip(ev.values, mixed.tolist(), strict=True))
        weights = [by_key.get(k, 0.0) for k in keys]
    elif fact.baseline is not None:
        weights = [fact.baseline.probabilities.get(k, 0.0) for k in keys]
    else:
        weights = [1.0] * len(keys)
    norm = float(np.sum(weights)) or 1.0
    return [(v, w / norm) for v, w in zip(values, weights, strict=True)]


def question_values_one_at_a_time(
    cp: CompiledPack, facts: Facts, post: Posterior, candidates: Collection[str]
) -> dict[str, float]:
    """The reference for `question_values`: every answer of every candidate played out on
    its own, through the whole assessment."""
    weights = cp.pack.interview.value
    memo: Memo = {}
    now = told(cp, facts, memo)
    out: dict[str, float] = {}
    for fid in candidates:
        total = 0.0
        for value, p in possible_answers(cp, fid, post):
            if p >= UNLIKELY_ANSWER:
                total += p * difference(weights, now, told(cp, {**facts, fid: value}, memo))
        out[fid] = total
    return out


def answer_probabilities(
    cp: CompiledPack, post: Posterior, candidates: Collection[str]
) -> dict[str, tuple[float, ...]]:
    """`possible_answers`' probabilities (in `AnswerSpace.keys` order) for every candidate
    at once: the questions with as many answers are mixed over the causes in one call, with
    the same arithmetic per question, so the numbers are the same to the last bit."""
    tables = cp.whatif
    total = float(post.probability.sum())
    out: dict[str, tuple[float, ...]] = {}
    by_size: dict[int, list[str]] = {}
    q = post.probability / total if total > 0 else post.probability
    for fid in candidates:
        space = tables.answers.get(fid)
        if space is None:
            out[fid] = ()
        elif space.given is None or total <= 0:
            out[fid] = space.fixed
        elif space.in_order:
            by_size.setdefault(len(space.keys), []).append(fid)
        else:  # answers listed in another order than the ratios: as `possible_answers` does
            out[fid] = tuple(p for _, p in possible_answers(cp, fid, post))
    for size, fids in by_size.items():
        stack = tables.given_by_size[size][[tables.given_slot[f] for f in fids]]
        mixed = stack @ q
        norm = np.sum(mixed, axis=1)
        norm[norm == 0] = 1.0  # `float(np.sum(weights)) or 1.0`
        for fid, probabilities in zip(fids, (mixed / norm[:, None]).tolist(), strict=True):
            out[fid] = tuple(probabilities)
    return out


def question_values(
    cp: CompiledPack,
    facts: Facts,
    post: Posterior,
    candidates: Collection[str],
    tri: Triage | None = None,
) -> dict[str, float]:
    """The expected change in what the person is told, for each candidate question.

    `post` weighs the answers (as in `possible_answers`); `tri`, when given, must be the
    urgency of these facts (it saves working it out again). Equal, to the last bit, to
    `question_values_one_at_a_time`."""
    weights = cp.pack.interview.value
    tables = cp.whatif
    effective, _ = with_assumptions(cp, facts)
    probabilities = answer_probabilities(cp, post, candidates)
    batched: list[str] = []
    long_way: list[str] = []
    for fid in dict.fromkeys(candidates):
        if not probabilities[fid]:
            continue
        if (
            fid in effective
            or fid in tables.entangled
            or fid in cp.clinician_facts
            or any(f in effective for f in tables.supersedes.get(fid, ()))
        ):
            long_way.append(fid)  # changes what is assumed or which answers count
        else:
            batched.append(fid)
    batch = _WhatIfBatch(cp, facts, effective, tri)
    for fid in batched:
        batch.add(fid, probabilities[fid])
    change = batch.changes(weights)
    out: dict[str, float] = {}
    totals: dict[str, float] = {}
    for fid, p, d in zip(batch.fids, batch.p, change.tolist(), strict=True):
        totals[fid] = totals.get(fid, 0.0) + p * d if d else totals.get(fid, 0.0)
    memo: Memo = {}
    for fid in long_way:
        now = batch.now()
        total = 0.0
        for value, p in zip(tables.answers[fid].values, probabilities[fid], strict=True):
            if p >= UNLIKELY_ANSWER:
                total += p * difference(weights, now, told(cp, {**facts, fid: value}, memo))
        totals[fid] = total
    for fid in candidates:
        out[fid] = totals.get(fid, 0.0)
    return out


class _WhatIfFacts:
    """The facts of each what-if row, made only for the rows whose rules, stages, workup or
    priors read the question (most rows need none)."""

    def __init__(
        self, effective: dict[str, FactValue], fids: list[str], values: list[FactValue | None]
    ) -> None:
        self.effective = effective
        self.fids = fids
        self.values = values
        self.made: dict[int, dict[str, FactValue]] = {}

    def __getitem__(self, i: int) -> dict[str, FactValue]:
        found = self.made.get(i)
        if found is None:
            value = self.values[i + 1]
            assert value is not None
            found = self.made[i] = {**self.effective, self.fids[i]: value}
        return found


class _WhatIfBatch:
    """What the person would be told after each of many what-if answers, worked out
    together. Row 0 is the answers as they are; every other row adds one answer to one
    question that no assumption reads and that supersedes no answer given, so its posterior
    is the one of the answers so far plus that answer's log-ratios, in the order
    `posterior` adds them."""

    def __init__(
        self, cp: CompiledPack, facts: Facts, effective: dict[str, FactValue], tri: Triage | None
    ) -> None:
        self.cp = cp
        self.effective = effective
        used = used_evidence(cp, effective)
        given = [(f, vi) for f, vi in used if f in facts]
        self.assumed_rows = [cp.evidence[f].log_lr[vi] for f, vi in used[len(given) :]]
        self.given_sum = np.zeros(len(cp.cause_ids))
        for f, vi in given:
            self.given_sum += cp.evidence[f].log_lr[vi]
        self.prior, self.prior_logit = priors(cp, effective)
        self.tri = tri if tri is not None else triage(cp, effective)
        self.fids: list[str] = []
        self.p: list[float] = []
        self.rows: list[int] = [cp.whatif.zero_row]
        self.values: list[FactValue | None] = [None]
        self._base_status: dict[str, bool] = {}
        self._verdicts: dict[tuple[str, int], bool] = {}

    def add(self, fid: str, probabilities: tuple[float, ...]) -> None:
        """Every answer to `fid` likely enough to be worth playing out."""
        space = self.cp.whatif.answers[fid]
        ev = self.cp.evidence.get(fid)
        counts = ev is not None and not any(
            f in self.effective or f == fid for f in ev.superseded_by
        )
        for value, p, row in zip(space.values, probabilities, space.rows, strict=True):
            if p >= UNLIKELY_ANSWER:
                self.fids.append(fid)
                self.p.append(p)
                self.rows.append(row if counts else self.cp.whatif.zero_row)
                self.values.append(value)

    def changes(self, w: ValueWeights) -> FloatArray:
        """`difference(w, now, after)` for every what-if row (row 0 left out)."""
        cp, tables = self.cp, self.cp.whatif
        n = len(self.rows)
        what_if = _WhatIfFacts(self.effective, self.fids, self.values)
        # The posterior of every row: as `posterior` adds the log-ratios, answer by answer.
        total = self.given_sum + tables.log_lr[self.rows]
        for row in self.assumed_rows:
            total += row
        prior_logit: FloatArray = np.broadcast_to(self.prior_logit, total.shape)
        positive: npt.NDArray[np.bool_] = np.broadcast_to(self.prior > 0, total.shape)
        changed_priors = [i for i, f in enumerate(self.fids, 1) if f in cp.prior_facts]
        if changed_priors:
            prior_logit, positive = prior_logit.copy(), positive.copy()
            for i in changed_priors:
                prior, logit = priors(cp, what_if[i - 1])
                prior_logit[i], positive[i] = logit, prior > 0
        probability, _ = condition(sigmoid(prior_logit + total))
        rank = self._ranks(what_if)
        top = self._top(probability, positive)
        changed_checks = self._checks(what_if, probability)
        # `difference`, row by row, in its order of terms.
        before = [k for k in top[0].tolist() if k >= 0]
        out = w.urgency_level * np.abs(rank - rank[0]) + w.check * changed_checks
        rows = np.arange(n)
        after = top[:, 0]
        if before:
            new_first = (after >= 0) & (after != before[0])
            p_first = probability[rows, np.maximum(after, 0)]
            out = out + np.where(
                new_first & (p_first >= w.margin * probability[:, before[0]]), w.top_cause, 0.0
            )
            kept = np.stack([(top == k).any(axis=1) for k in before], axis=1)
            left = ~kept
            floor = w.margin * np.where(left, probability[:, before], -np.inf).max(axis=1)
            arrived = (top >= 0) & ~np.isin(top, before)
            p_top = np.take_along_axis(probability, np.maximum(top, 0), axis=1)
            count = (arrived & (p_top >= floor[:, None])).sum(axis=1)
            out = out + np.where(left.any(axis=1), w.top_three * count, 0.0)
        result: FloatArray = out[1:]
        return result

    def _ranks(self, what_if: _WhatIfFacts) -> npt.NDArray[np.int64]:
        """The urgency rank of every row: the rules that do not read the question keep their
        verdict, the others are tested again."""
        cp, tables = self.cp, self.cp.whatif
        fired = set(self.tri.fired)
        out = np.full(len(self.rows), self.tri.rank, dtype=np.int64)
        others: dict[str, int] = {}
        for i, fid in enumerate(self.fids, 1):
            reading = tables.rules_reading.get(fid)
            if not reading:
                continue
            if fid not in others:
                skip = set(reading)
                others[fid] = max(
                    (r.rank for j, r in enumerate(cp.rules) if j not in skip and r.id in fired),
                    default=0,
                )
            facts = what_if[i - 1]
            out[i] = max(
                others[fid],
                max((cp.rules[j].rank for j in reading if cp.rules[j].test(facts)), default=0),
            )
        return out

    def _top(
        self, probability: FloatArray, positive: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.int64]:
        """The first TOP causes of every row (`told_from`), -1 where there are fewer."""
        cp = self.cp
        order = np.argsort(-probability, axis=1, kind="stable")
        if not any(f in cp.clinician_facts for f in self.effective):
            # `ranking`: a cause moved down to its `before_evaluation_rank`, never up. Each
            # cause is given the slot it ends in, and the rows sorted by slot.
            places = np.arange(order.shape[1], dtype=np.float64)
            for k, position in cp.before_evaluation_rank.items():
                current = np.argmax(order == k, axis=1)
                slot = np.broadcast_to(places, order.shape).copy()
                slot[np.arange(len(order)), current] = np.maximum(current, position - 1) + 0.5
                order = np.take_along_axis(order, np.argsort(slot, axis=1, kind="stable"), axis=1)
        shown = np.take_along_axis(positive, order, axis=1)
        first = np.argsort(~shown, axis=1, kind="stable")[:, :TOP]
        top = np.take_along_axis(order, first, axis=1)
        out: npt.NDArray[np.int64] = np.where(
            np.take_along_axis(shown, first, axis=1), top, -1
        ).astype(np.int64)
        return out

    def _checks(self, what_if: _WhatIfFacts, probability: FloatArray) -> npt.NDArray[np.int64]:
        """How many recommended checks each row adds or drops: only the workup items that
        read the question, or that hang on a stage the row opens or closes, can change."""
        cp, tables = self.cp, self.cp.whatif
        stages = cp.pack.stages
        threshold = cp.pack.interview.ruled_out_below
        common = probability[:, cp.common_mask]
        ruled_out = (
            (common < threshold).all(axis=1) if common.shape[1] else np.zeros(len(common), bool)
        )
        opened = np.zeros((len(self.rows), len(stages)), dtype=bool)
        for si, spec in enumerate(stages):
            test = cp.stage_opens.get(spec.id)
            if spec.always_open:
                opened[:, si] = True
                continue
            held = test is not None and test(self.effective)
            column = np.full(len(self.rows), held)
            if test is not None:
                for i, fid in enumerate(self.fids, 1):
                    if spec.id in tables.stages_reading.get(fid, ()):
                        column[i] = test(what_if[i - 1])
            opened[:, si] = column | (spec.open_when_common_ruled_out & ruled_out)
        moved = opened != opened[0]
        visit = moved.any(axis=1)
        base_open = [spec.id for si, spec in enumerate(stages) if opened[0, si]]
        by_stage: dict[int, tuple[str, ...]] = {}
        out = np.zeros(len(self.rows), dtype=np.int64)
        for i, fid in enumerate(self.fids, 1):
            reading = tables.items_reading.get(fid, ())
            if not reading and not visit[i]:
                continue
            count = 0
            if visit[i]:
                for si in np.flatnonzero(moved[i]).tolist():
                    if si not in by_stage:
                        by_stage[si] = self._follow_stage(stages[si].id, base_open)
                    count += sum(1 for wid in by_stage[si] if wid not in reading)
            if reading:
                row_open = [spec.id for si, spec in enumerate(stages) if opened[i, si]]
                count += sum(
                    1
                    for wid in reading
                    if self._recommended_after(wid, fid, what_if, i - 1, row_open)
                    != self._base(wid, base_open)
                )
            out[i] = count
        return out

    def _follow_stage(self, stage: str, opened: Collection[str]) -> tuple[str, ...]:
        """The items offered with `stage` that, with the answers as they are, are offered
        exactly when the stage is open: not done, not recommended on their own, and their
        gate holds. Opening or closing the stage changes those, and no other."""
        cp = self.cp
        out = []
        for wid in self.cp.whatif.items_gated_by.get(stage, ()):
            done = cp.workup_done[wid]
            gate = cp.workup_stage[wid]
            if (
                (done is None or not done(self.effective))
                and not any(test(self.effective) for test in cp.workup_recommend[wid])
                and (gate[1] is None or gate[1](self.effective))
            ):
                out.append(wid)
        return tuple(out)

    def _base(self, wid: str, opened: Collection[str]) -> bool:
        found = self._base_status.get(wid)
        if found is None:
            found = self._base_status[wid] = self._recommended(wid, self.effective, opened)
        return found

    def _recommended_after(
        self, wid: str, fid: str, what_if: _WhatIfFacts, i: int, opened: Collection[str]
    ) -> bool:
        """`_recommended` for what-if row `i` (an answer to `fid`): the item's conditions that
        do not read `fid` keep their verdict with the answers as they are."""
        cp = self.cp
        done_reads, gate_reads, recommend_reads = cp.whatif.item_reads[wid]
        done = cp.workup_done[wid]
        if done is not None and (
            done(what_if[i]) if fid in done_reads else self._verdict(wid, -1, done)
        ):
            return False
        for j, (test, reads) in enumerate(
            zip(cp.workup_recommend[wid], recommend_reads, strict=True)
        ):
            if test(what_if[i]) if fid in reads else self._verdict(wid, j, test):
                return True
        gate = cp.workup_stage.get(wid)
        if gate is None or gate[0] not in opened:
            return False
        return gate[1] is None or (
            gate[1](what_if[i]) if fid in gate_reads else self._verdict(wid, -2, gate[1])
        )

    def _verdict(self, wid: str, part: int, test: Test) -> bool:
        """A workup condition's verdict with the answers as they are (kept for the batch)."""
        key = (wid, part)
        found = self._verdicts.get(key)
        if found is None:
            found = self._verdicts[key] = test(self.effective)
        return found

    def _recommended(self, wid: str, facts: Facts, opened: Collection[str]) -> bool:
        """Whether `workup` recommends the item (offered and not already done)."""
        cp = self.cp
        done = cp.workup_done[wid]
        if done is not None and done(facts):
            return False
        if any(test(facts) for test in cp.workup_recommend[wid]):
            return True
        gate = cp.workup_stage.get(wid)
        return gate is not None and gate[0] in opened and (gate[1] is None or gate[1](facts))

    def now(self) -> Told:
        """What the person is told with the answers as they are (row 0), as `told` says."""
        post = posterior(self.cp, self.effective)
        return told_from(self.cp, self.effective, post, self.tri.rank)

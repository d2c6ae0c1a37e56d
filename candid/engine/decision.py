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

from candid.engine.compiled import CompiledPack, FloatArray, ItemRead, with_assumptions
from candid.engine.conditions import Facts, FactValue
from candid.engine.infer import Posterior, condition, posterior, priors, sigmoid
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

    `post` must be the posterior of these answers with the pack's assumptions (as
    `posterior(cp, with_assumptions(cp, facts)[0])` gives it): it weighs the answers, as in
    `possible_answers`, and its evidence is where every what-if posterior starts. `tri`,
    when given, must be their urgency (it saves working it out again). Equal, to the last
    bit, to `question_values_one_at_a_time`."""
    weights = cp.pack.interview.value
    tables = cp.whatif
    probabilities = answer_probabilities(cp, post, candidates)
    batch, long_way = what_if_batch(cp, facts, post, probabilities, tri)
    totals: dict[str, float] = {}
    if batch.fids:
        change = batch.changes(weights).tolist()
        for fid, p, d in zip(batch.fids, batch.p, change, strict=True):
            # `total += p * d` as the reference adds it; adding p * 0.0 changes nothing
            totals[fid] = totals.get(fid, 0.0) + p * d if d else totals.get(fid, 0.0)
    if long_way:
        memo: Memo = {}
        now = told(cp, facts, memo)
        for fid in long_way:
            total = 0.0
            for value, p in zip(tables.answers[fid].values, probabilities[fid], strict=True):
                if p >= UNLIKELY_ANSWER:
                    total += p * difference(weights, now, told(cp, {**facts, fid: value}, memo))
            totals[fid] = total
    return {fid: totals.get(fid, 0.0) for fid in candidates}


def what_if_batch(
    cp: CompiledPack,
    facts: Facts,
    post: Posterior,
    probabilities: dict[str, tuple[float, ...]],
    tri: Triage | None = None,
) -> tuple[WhatIfBatch, list[str]]:
    """The batch of every likely answer to each question in `probabilities` (as
    `answer_probabilities` gives them), and the questions left to play out the long way
    (through `told`): those whose answer can change what is assumed or which answers count."""
    tables = cp.whatif
    effective, _ = with_assumptions(cp, facts)
    batch = WhatIfBatch(cp, facts, effective, post, tri)
    long_way: list[str] = []
    for fid, answers in probabilities.items():
        if not answers:
            continue
        if (
            fid in effective
            or fid in tables.entangled
            or fid in cp.clinician_facts
            or any(f in effective for f in tables.supersedes.get(fid, ()))
        ):
            long_way.append(fid)
        else:
            batch.add(fid, answers)
    return batch, long_way


@dataclass(frozen=True)
class WhatIfRows:
    """What the person would be told after each what-if answer of a batch (row 0: the
    answers as they are), as far as `difference` reads it."""

    rank: npt.NDArray[np.int64]
    top: npt.NDArray[np.int64]
    """The first `TOP` causes shown, in order; -1 where fewer can be shown."""
    probability: FloatArray
    changed_checks: npt.NDArray[np.int64]
    """How many recommended checks differ from row 0's."""


class WhatIfBatch:
    """What the person would be told after each of many what-if answers, worked out
    together. Row 0 is the answers as they are; every other row adds one answer to one
    question that no assumption reads and that supersedes no answer given, so its posterior
    is the one of the answers so far plus that answer's log-ratios, in the order
    `posterior` adds them. The rows of one question are consecutive (`groups`), so what
    depends only on the question (which rules, stages and workup items read it) is looked
    up once per question, not once per answer."""

    def __init__(
        self,
        cp: CompiledPack,
        facts: Facts,
        effective: dict[str, FactValue],
        post: Posterior,
        tri: Triage | None,
    ) -> None:
        self.cp = cp
        self.effective = effective
        # `post.used` follows `effective`, whose first keys are the answers given, then the
        # assumptions (`with_assumptions`): the given ones are a prefix.
        given = 0
        for f, _ in post.used:
            if f not in facts:
                break
            given += 1
        self.given_sum = np.zeros(len(cp.cause_ids))
        for f, vi in post.used[:given]:
            self.given_sum += cp.evidence[f].log_lr[vi]
        self.assumed_rows = [cp.evidence[f].log_lr[vi] for f, vi in post.used[given:]]
        self.prior, self.prior_logit = priors(cp, effective)
        self.tri = tri if tri is not None else triage(cp, effective)
        self.fids: list[str] = []
        self.p: list[float] = []
        self.rows: list[int] = [cp.whatif.zero_row]
        self.values: list[FactValue | None] = [None]
        self.groups: list[tuple[str, int, int]] = []
        """(question, first row, row after the last) for each question played out."""
        self._facts: dict[int, list[dict[str, FactValue]]] = {}
        self._item_now: dict[str, tuple[bool, frozenset[int], bool]] = {}
        self._stage_ids = [stage.id for stage in cp.pack.stages]

    def add(self, fid: str, probabilities: tuple[float, ...]) -> None:
        """Every answer to `fid` likely enough to be worth playing out."""
        space = self.cp.whatif.answers[fid]
        ev = self.cp.evidence.get(fid)
        counts = ev is not None and not any(
            f in self.effective or f == fid for f in ev.superseded_by
        )
        zero = self.cp.whatif.zero_row
        start = len(self.rows)
        for value, p, row in zip(space.values, probabilities, space.rows, strict=True):
            if p >= UNLIKELY_ANSWER:
                self.fids.append(fid)
                self.p.append(p)
                self.rows.append(row if counts else zero)
                self.values.append(value)
        if len(self.rows) > start:
            self.groups.append((fid, start, len(self.rows)))

    def what_if(self, group: int) -> list[dict[str, FactValue]]:
        """The facts of each row of a group (made the first time a rule, stage, workup item
        or prior reads the question; most questions are read by none)."""
        found = self._facts.get(group)
        if found is None:
            fid, start, stop = self.groups[group]
            effective = self.effective
            found = [{**effective, fid: v} for v in self.values[start:stop] if v is not None]
            self._facts[group] = found
        return found

    def changes(self, w: ValueWeights) -> FloatArray:
        """`difference(w, now, after)` for every what-if row (row 0 left out), term by term
        in `difference`'s order, so the sums are the same."""
        told = self.outcome()
        rank, top, probability = told.rank, told.top, told.probability
        out = w.urgency_level * np.abs(rank - rank[0]) + w.check * told.changed_checks
        before = [k for k in top[0].tolist() if k >= 0]
        if before:
            every = np.arange(len(rank))
            after = top[:, 0]
            p_first = probability[every, np.maximum(after, 0)]
            overtakes = (after >= 0) & (after != before[0])
            overtakes &= p_first >= w.margin * probability[:, before[0]]
            out = out + np.where(overtakes, w.top_cause, 0.0)
            left = np.ones((len(rank), len(before)), dtype=bool)
            arrived = top >= 0
            for j, k in enumerate(before):
                left[:, j] = ~(top == k).any(axis=1)
                arrived &= top != k
            floor = w.margin * np.where(left, probability[:, before], -np.inf).max(axis=1)
            p_top = probability[every[:, None], np.maximum(top, 0)]
            count = (arrived & (p_top >= floor[:, None])).sum(axis=1)
            out = out + np.where(left.any(axis=1), w.top_three * count, 0.0)
        result: FloatArray = out[1:]
        return result

    def outcome(self) -> WhatIfRows:
        """What each row tells the person."""
        cp, tables = self.cp, self.cp.whatif
        # The posterior of every row: as `posterior` adds the log-ratios, answer by answer.
        total = self.given_sum + tables.log_lr[self.rows]
        for row in self.assumed_rows:
            total += row
        prior_logit: FloatArray = np.broadcast_to(self.prior_logit, total.shape)
        positive: npt.NDArray[np.bool_] = np.broadcast_to(self.prior > 0, total.shape)
        changed_priors = False
        for g, (fid, start, _) in enumerate(self.groups):
            if fid not in cp.prior_facts:
                continue
            if not changed_priors:
                prior_logit, positive = prior_logit.copy(), positive.copy()
                changed_priors = True
            for i, facts in enumerate(self.what_if(g), start):
                prior, logit = priors(cp, facts)
                prior_logit[i], positive[i] = logit, prior > 0
        probability, _ = condition(sigmoid(prior_logit + total))
        return WhatIfRows(
            rank=self._ranks(),
            top=self._top(probability, positive, changed_priors),
            probability=probability,
            changed_checks=self._checks(probability),
        )

    def _ranks(self) -> npt.NDArray[np.int64]:
        """The urgency rank of every row: the rules that do not read the question keep their
        verdict, the others are tested again (and only while they could raise the rank)."""
        cp, tables = self.cp, self.cp.whatif
        fired = [tables.rule_index[r] for r in self.tri.fired]
        out = np.full(len(self.rows), self.tri.rank, dtype=np.int64)
        for g, (fid, start, _) in enumerate(self.groups):
            reading = tables.rules_reading.get(fid)
            if not reading:
                continue
            others = max((cp.rules[j].rank for j in fired if j not in reading), default=0)
            tests = [(cp.rules[j].rank, cp.rules[j].test) for j in reading]
            for i, facts in enumerate(self.what_if(g), start):
                rank = others
                for level, test in tests:
                    if level > rank and test(facts):
                        rank = level
                out[i] = rank
        return out

    def _top(
        self, probability: FloatArray, positive: npt.NDArray[np.bool_], per_row: bool
    ) -> npt.NDArray[np.int64]:
        """The first TOP causes of every row (`told_from`), -1 where there are fewer."""
        cp = self.cp
        order = np.argsort(-probability, axis=1, kind="stable")
        if cp.clinician_facts.isdisjoint(self.effective):
            # `ranking`: a cause moved down to its `before_evaluation_rank`, never up. In the
            # rows where it moves, each cause is given the slot it ends in and the row is
            # sorted by slot.
            width = order.shape[1]
            for k, position in cp.before_evaluation_rank.items():
                current = np.argmax(order == k, axis=1)
                moves = np.flatnonzero(current < position - 1)
                if moves.size:
                    slot = np.tile(np.arange(width, dtype=np.float64), (moves.size, 1))
                    slot[np.arange(moves.size), current[moves]] = position - 1 + 0.5
                    sorted_slots = np.argsort(slot, axis=1, kind="stable")
                    order[moves] = order[moves[:, None], sorted_slots]
        every = np.arange(len(order))[:, None]
        shown = positive[every, order] if per_row else positive[0][order]
        first = np.argsort(~shown, axis=1, kind="stable")[:, :TOP]
        out: npt.NDArray[np.int64] = np.where(shown[every, first], order[every, first], -1).astype(
            np.int64
        )
        return out

    def _checks(self, probability: FloatArray) -> npt.NDArray[np.int64]:
        """How many recommended checks each row adds or drops: only the workup items that
        read the question, or that hang on a stage the row opens or closes, can change."""
        cp, tables = self.cp, self.cp.whatif
        stages = cp.pack.stages
        n = len(self.rows)
        common = probability[:, cp.common_mask]
        threshold = cp.pack.interview.ruled_out_below
        opened = np.zeros((n, len(stages)), dtype=bool)
        for si, spec in enumerate(stages):  # `open_stages`, row by row
            if spec.always_open:
                opened[:, si] = True
                continue
            test = cp.stage_opens.get(spec.id)
            if test is not None:
                opened[:, si] = test(self.effective)
                for g, (fid, start, _) in enumerate(self.groups):
                    if si in tables.stages_reading.get(fid, ()):
                        for i, facts in enumerate(self.what_if(g), start):
                            opened[i, si] = test(facts)
            if spec.open_when_common_ruled_out and common.shape[1]:
                opened[:, si] |= (common < threshold).all(axis=1)
        rows_open = opened.tolist()
        base_open = [spec.id for si, spec in enumerate(stages) if rows_open[0][si]]
        out = [0] * n
        # Rows that open or close a stage change the items that follow it (`_follow_stage`),
        # except those that read the question, counted below.
        following: dict[int, tuple[str, ...]] = {}
        for i in np.flatnonzero((opened != opened[0]).any(axis=1)).tolist():
            ids = {item.id for item in tables.items_reading.get(self.fids[i - 1], ())}
            for si, (now, then) in enumerate(zip(rows_open[0], rows_open[i], strict=True)):
                if now != then:
                    if si not in following:
                        following[si] = self._follow_stage(stages[si].id, base_open)
                    out[i] += sum(1 for wid in following[si] if wid not in ids)
        for g, (fid, start, _) in enumerate(self.groups):
            reading = tables.items_reading.get(fid)
            if not reading:
                continue
            base = [(item, self._base(item, base_open)) for item in reading]
            for i, facts in enumerate(self.what_if(g), start):
                row_open = rows_open[i]
                for item, before in base:
                    if self._after(item, facts, row_open) != before:
                        out[i] += 1
        return np.array(out, dtype=np.int64)

    def _after(self, item: ItemRead, facts: Facts, opened: list[bool]) -> bool:
        """Whether `workup` recommends the item for a what-if row (`_base`'s test), testing
        again only the conditions that read the question."""
        done_now, held, gate_now = self._now(item)
        if item.done_reads:
            if item.done is not None and item.done(facts):
                return False
        elif done_now:
            return False
        if not held.isdisjoint(item.recommend_other):
            return True
        if any(test(facts) for test in item.recommend_reading):
            return True
        if item.stage is None or not opened[item.stage]:
            return False
        gate = item.gate
        return gate is None or (gate(facts) if item.gate_reads else gate_now)

    def _now(self, item: ItemRead) -> tuple[bool, frozenset[int], bool]:
        """The item's verdicts with the answers as they are, worked out once a batch: its
        `done_when`, which of its `recommend_when` hold (positions), its stage gate."""
        found = self._item_now.get(item.id)
        if found is None:
            facts = self.effective
            found = self._item_now[item.id] = (
                item.done is not None and item.done(facts),
                frozenset(j for j, test in enumerate(item.recommend) if test(facts)),
                item.gate is None or item.gate(facts),
            )
        return found

    def _follow_stage(self, stage: str, opened: Collection[str]) -> tuple[str, ...]:
        """The items offered with `stage` that, with the answers as they are, are offered
        exactly when the stage is open: not done, not recommended on their own, and their
        gate holds. Opening or closing the stage changes those, and no other."""
        cp = self.cp
        out = []
        for wid in cp.whatif.items_gated_by.get(stage, ()):
            done = cp.workup_done[wid]
            gate = cp.workup_stage[wid]
            if (
                (done is None or not done(self.effective))
                and not any(test(self.effective) for test in cp.workup_recommend[wid])
                and (gate[1] is None or gate[1](self.effective))
            ):
                out.append(wid)
        return tuple(out)

    def _base(self, item: ItemRead, opened: Collection[str]) -> bool:
        """Whether `workup` recommends the item with the answers as they are."""
        done, held, gate = self._now(item)
        if done:
            return False
        return bool(held) or (
            item.stage is not None and self._stage_ids[item.stage] in opened and gate
        )

"""A pack turned into arrays and closures, built once per process.

The posterior, the next question and the interview all run on every answer; doing the pack's
bookkeeping (bins, unlisted values, conditions) once here is what keeps an assessment well
under a millisecond.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from candid.engine.conditions import (
    Facts,
    FactValue,
    Reach,
    Status,
    Test,
    compile_reach,
    compile_status,
    compile_test,
)
from candid.engine.facts import compile_contradictions
from candid.knowledge.models import Cause, Fact, Level, Likelihood, Pack

FloatArray = npt.NDArray[np.float64]


def site_ids(pack: Pack) -> tuple[str, ...]:
    """The pathway's sites, in its order (pack.yaml; docs/architecture.md)."""
    return tuple(s.id for s in pack.meta.sites)


def site_requires(pack: Pack) -> dict[str, str]:
    """Site -> the yes/no fact whose "no" makes that site's causes impossible."""
    return {s.id: s.requires for s in pack.meta.sites if s.requires}


@dataclass(frozen=True)
class EvidenceFact:
    """One fact that acts as evidence: log-ratios per value (rows) for every cause (columns)."""

    id: str
    values: tuple[str, ...]
    baseline: FloatArray
    log_lr: FloatArray
    lr: FloatArray
    bins: tuple[tuple[str, int | None, int | None], ...]
    superseded_by: tuple[str, ...]
    derived: npt.NDArray[np.bool_]
    """Per cause: True when its ratios were derived rather than written in the pack."""
    index: dict[str, int] = field(default_factory=dict)
    """Value -> its row (the position in `values`)."""

    def applies(self, facts: Mapping[str, FactValue]) -> bool:
        """False when a fact that supersedes this one is known."""
        return not self.superseded_by or not any(other in facts for other in self.superseded_by)

    def value_index(self, value: FactValue) -> int | None:
        if isinstance(value, bool):
            return self.index.get("true" if value else "false")
        if isinstance(value, int):
            for i, (_, gte, lt) in enumerate(self.bins):
                if (gte is None or value >= gte) and (lt is None or value < lt):
                    return i
            return None
        return self.index.get(value)


@dataclass(frozen=True)
class PriorRuleC:
    test: Test
    p: float


@dataclass(frozen=True)
class CompiledCause:
    index: int
    id: str
    site: str
    requires: str | None
    """The fact whose "no" rules the cause out (its site's organ), from pack.yaml."""
    default_p: float
    rules: tuple[PriorRuleC, ...]
    exclusions: tuple[Test, ...]


@dataclass(frozen=True)
class CompiledRule:
    id: str
    rank: int
    test: Test
    status: Status
    reach: Reach
    """`status` given the facts that will stay unknown: whether the questions still to ask
    could make the rule hold."""
    facts: tuple[str, ...]


@dataclass(frozen=True)
class AnswerSpace:
    """A question's answers as the choice of the next question plays them out
    (`decision.possible_answers`), prepared once so that a step does not rebuild them for
    every candidate question."""

    keys: tuple[str, ...]
    """The answers' names (a number question's bands)."""
    values: tuple[FactValue, ...]
    """The value each answer stands for (a band's lower bound)."""
    fixed: tuple[float, ...]
    """How likely each answer is when it is not mixed over the causes: the fact's baseline,
    otherwise uniform."""
    rows: tuple[int, ...]
    """Per answer, its row in `WhatIfTables.log_lr` (the zero row when it moves no cause)."""
    given: FloatArray | None
    """P(answer | cause), one row per key, for a fact that is evidence; None otherwise."""
    in_order: bool
    """`given`'s rows are the answers in `keys` order (so its mixture needs no reordering)."""


@dataclass(frozen=True)
class ItemRead:
    """One workup item as a what-if answer to one fact sees it (`workup.workup`'s test, split):
    the conditions that read the fact are tested again for each answer, the others keep
    their verdict with the answers as they are."""

    id: str
    done: Test | None
    done_reads: bool
    recommend: tuple[Test, ...]
    """All of the item's `recommend_when` conditions."""
    recommend_reading: tuple[Test, ...]
    """Those that read the fact."""
    recommend_other: frozenset[int]
    """The positions in `recommend` of those that do not."""
    stage: int | None
    """The stage that offers the item when open (`when_stage_open`), as its index in
    `Pack.stages`, if any."""
    gate: Test | None
    """That offer's own condition."""
    gate_reads: bool


@dataclass(frozen=True)
class WhatIfTables:
    """What playing out one answer to one question touches, per fact: the rows of the
    likelihood table, the urgency rules, stages and workup items that read it. A what-if
    answer that touches none of them leaves them as they are, so only those are tested
    again (`decision.question_values`)."""

    answers: dict[str, AnswerSpace]
    log_lr: FloatArray
    """Every evidence fact's log-ratio rows, stacked, then a row of zeros (`zero_row`)."""
    zero_row: int
    given_by_size: dict[int, FloatArray]
    """For the evidence facts with n answers in order, their `given` stacked (facts x n x
    causes), in `given_slot` order: mixing them over the causes is then one call per size."""
    given_slot: dict[str, int]
    rules_reading: dict[str, tuple[int, ...]]
    """Fact -> indices into `CompiledPack.rules` of the rules whose condition reads it."""
    rule_index: dict[str, int]
    """Rule id -> its index in `CompiledPack.rules`."""
    stages_reading: dict[str, tuple[int, ...]]
    """Fact -> indices into `Pack.stages` of the stages whose `opens_when` reads it."""
    items_reading: dict[str, tuple[ItemRead, ...]]
    """Fact -> the workup items whose conditions read it, split by what reads it."""
    items_gated_by: dict[str, tuple[str, ...]]
    """Stage -> the workup items offered once that stage is open."""
    entangled: frozenset[str]
    """Facts an inference reads or sets: a what-if answer to one of them can change what is
    assumed, so it is played out the long way."""
    supersedes: dict[str, frozenset[str]]
    """Fact -> the evidence facts it supersedes when known."""


@dataclass(frozen=True)
class CompiledPack:
    pack: Pack
    cause_ids: tuple[str, ...]
    causes: tuple[CompiledCause, ...]
    leak_index: int
    site_ids: tuple[str, ...]
    site_matrix: npt.NDArray[np.bool_]
    """Which causes are at each site (rows in `site_ids` order; the leak is at none)."""
    evidence: dict[str, EvidenceFact]
    rules: tuple[CompiledRule, ...]
    level_rank: dict[Level, int]
    rank_level: dict[int, Level]
    workup_recommend: dict[str, tuple[Test, ...]]
    workup_done: dict[str, Test | None]
    workup_next: dict[str, tuple[Test, ...]]
    workup_stage: dict[str, tuple[str, Test | None]]
    stage_opens: dict[str, Test | None]
    ask_when: dict[str, Test]
    ask_when_refs: dict[str, frozenset[str]]
    """Fact id -> the facts its `ask_when` reads (a form shows it once those are answered)."""
    group_of: dict[str, str]
    """Fact id -> the question group it is asked in (interview.yaml `groups`)."""
    contradictions: list[tuple[Test, str, str]]
    inferences: tuple[tuple[str, Test, dict[str, FactValue]], ...]
    provider_question_tests: tuple[Test | None, ...]
    common_mask: npt.NDArray[np.bool_]
    before_evaluation_rank: dict[int, int]
    """Cause index -> the position it may not rise above before any exam or test result."""
    clinician_facts: frozenset[str]
    prior_facts: tuple[str, ...]
    """Every fact a prior rule, an exclusion or a site requirement reads: priors depend on
    nothing else, so they are cached by these facts' values."""
    prior_cache: dict[tuple[FactValue | None, ...], tuple[FloatArray, FloatArray]]
    memo: dict[str, dict[Any, Any]]
    """Text and evidence worked out once per pack (`explain`, `present`), keyed by values
    (cause, fact, answer, language): they live and die with this compiled pack, so a pack
    compiled again can never be answered from another's memo."""
    whatif: WhatIfTables
    """Tables for playing out what-if answers in one batch (`decision.question_values`)."""
    workup_facts: tuple[str, ...] = ()
    """Every fact a workup condition reads: the checks depend on nothing else but the open
    stages, so what-if answers that leave these alone leave the checks alone."""
    rule_facts: tuple[str, ...] = ()
    """Every fact an urgency rule reads."""
    patient_facts: tuple[str, ...] = ()
    """The questions put to the person (`asked_by: patient`), in pack order."""
    rules_by_rank: tuple[CompiledRule, ...] = ()
    """`rules`, most urgent first (pack order within a level)."""
    code_tests: dict[str, tuple[Test | None, ...]] = field(default_factory=dict)
    """Cause -> each of its codes' `when` (None: always), compiled once rather than on every
    report."""
    waiting_tests: dict[str, tuple[Test | None, ...]] = field(default_factory=dict)
    """Urgency level -> each of its `while_waiting` steps' `when` (None: always)."""


def _shape(fact: Fact, site: str, other_site: float) -> dict[str, float]:
    """How answers a cause does not mention are spread: like the baseline, except that a
    finding pointing to another site (a suspicious cervix, for a uterine cause) is less
    likely by `other_site`."""
    assert fact.baseline is not None
    base = fact.baseline.probabilities
    out = {}
    for v in fact.values():
        choice = (fact.choices or {}).get(v)
        elsewhere = choice is not None and choice.points_to not in (None, site)
        out[v] = base[v] * (other_site if elsewhere else 1.0)
    return out


def _points_to_a_site(fact: Fact) -> bool:
    return any(c.points_to for c in (fact.choices or {}).values())


def _distribution(fact: Fact, lik: Likelihood | None, shape: dict[str, float]) -> dict[str, float]:
    """P(value | cause) implied by the ratios (relative to the baseline); values not listed
    share what is left in proportion to `shape`."""
    assert fact.baseline is not None
    base = fact.baseline.probabilities
    ratios = lik.lr if lik is not None else {}
    values = fact.values()
    listed = {v: ratios[v] * base[v] for v in values if v in ratios}
    rest = [v for v in values if v not in ratios]
    if not rest:
        total = sum(listed.values())
        return {v: p / total for v, p in listed.items()}
    remaining = max(1.0 - sum(listed.values()), 1e-6)
    rest_shape = sum(shape[v] for v in rest)
    return {**listed, **{v: remaining * shape[v] / rest_shape for v in rest}}


# Derived ratios may lower a cause but never raise it; how far is pack data
# (`derived_ratio_floor` in pack.yaml).


def _derive_background(
    lr: FloatArray, base: FloatArray, weights: FloatArray, explicit: npt.NDArray[np.bool_]
) -> FloatArray:
    """Ratios for the causes that have no entry for a fact, by the law of total probability.

    The baseline is a mixture: the causes with an entry contribute P(answer | cause); the rest
    share one background distribution, which is whatever the baseline leaves once the causes
    with entries are accounted for (weighted by their default priors). An answer the listed
    causes explain well (entry pain: atrophy and friction; a suspicious cervix: cancer and
    precancer) is then less likely under the causes that do not mention it.

    Derived ratios only ever lower a cause. The unremarkable answers that would raise one (no
    dryness, no pain, no new partner...) are strongly correlated with each other, and
    multiplying a dozen of them as if independent would add up to false confidence.
    """
    p_given = lr[:, explicit] * base[:, None]
    listed = p_given @ weights[explicit]
    rest = float(weights[~explicit].sum())
    left = np.maximum(base - listed, 1e-6 * base) / max(rest, 1e-9)
    ratio: FloatArray = left / left.sum() / base
    return ratio


def _evidence(pack: Pack, cause_ids: tuple[str, ...]) -> dict[str, EvidenceFact]:
    out: dict[str, EvidenceFact] = {}
    defaults = np.array([pack.causes[c].prior.default.p for c in cause_ids])
    weights = defaults / defaults.sum()
    by_fact: dict[str, dict[int, Likelihood]] = {}
    for i, cid in enumerate(cause_ids):
        for lik in pack.causes[cid].likelihoods:
            by_fact.setdefault(lik.fact, {})[i] = lik
    other_site = pack.meta.other_site_ratio.ratio
    sites = [pack.causes[c].site for c in cause_ids]
    for fid, liks in by_fact.items():
        fact = pack.facts[fid]
        assert fact.baseline is not None
        values = tuple(fact.values())
        base = fact.baseline.probabilities
        base_arr = np.array([base[v] for v in values])
        by_site = _points_to_a_site(fact)
        lr = np.ones((len(values), len(cause_ids)))
        for ci in range(len(cause_ids)):
            if ci not in liks and not by_site:
                continue  # filled in below from the background
            dist = _distribution(fact, liks.get(ci), _shape(fact, sites[ci], other_site))
            lr[:, ci] = [dist[v] / base[v] for v in values]
        explicit = np.zeros(len(cause_ids), dtype=bool)
        explicit[list(liks)] = True
        if not by_site and not explicit.all():
            derived = _derive_background(lr, base_arr, weights, explicit)
            floor = getattr(pack.meta.derived_ratio_floor, fact.asked_by)
            lr[:, ~explicit] = np.clip(derived, floor, 1.0)[:, None]
        bins = tuple((name, b.gte, b.lt) for name, b in (fact.bins or {}).items())
        out[fid] = EvidenceFact(
            id=fid,
            values=values,
            baseline=base_arr,
            derived=~explicit,
            log_lr=np.log(lr),
            lr=lr,
            bins=bins,
            superseded_by=tuple(fact.superseded_by),
            index={v: i for i, v in enumerate(values)},
        )
    return out


def _compile_cause(index: int, cause: Cause, requires: dict[str, str]) -> CompiledCause:
    return CompiledCause(
        index=index,
        id=cause.id,
        site=cause.site,
        requires=requires.get(cause.site),
        default_p=cause.prior.default.p,
        rules=tuple(PriorRuleC(compile_test(r.when), r.p) for r in cause.prior.rules),
        exclusions=tuple(compile_test(c) for c in cause.excluded_when),
    )


def _answer_space(fact: Fact, ev: EvidenceFact | None, offset: int, zero_row: int) -> AnswerSpace:
    """The answers `decision.possible_answers` plays out, with the same arithmetic (so the
    probabilities are the same to the last bit)."""
    if fact.type == "boolean":
        keys: list[str] = ["true", "false"]
        values: list[FactValue] = [True, False]
    elif fact.type == "choice":
        keys = list(fact.choices or {})
        values = list(keys)
    else:
        bands = list((fact.bins or {}).items())
        keys = [name for name, _ in bands]
        values = [b.gte if b.gte is not None else max((b.lt or 1) - 1, 0) for _, b in bands]
    if fact.baseline is not None:
        weights = [fact.baseline.probabilities.get(k, 0.0) for k in keys]
    else:
        weights = [1.0] * len(keys)
    norm = float(np.sum(weights)) or 1.0
    rows = []
    for v in values:
        vi = ev.value_index(v) if ev is not None else None
        rows.append(zero_row if vi is None else offset + vi)
    given = None
    if ev is not None:
        given = ev.lr * ev.baseline[:, None]
        given = given / given.sum(axis=0, keepdims=True)
    return AnswerSpace(
        keys=tuple(keys),
        values=tuple(values),
        fixed=tuple(w / norm for w in weights),
        rows=tuple(rows),
        given=given,
        in_order=ev is not None and ev.values == tuple(keys),
    )


def _whatif_tables(
    pack: Pack, evidence: dict[str, EvidenceFact], rules: tuple[CompiledRule, ...]
) -> WhatIfTables:
    offsets: dict[str, int] = {}
    blocks: list[FloatArray] = []
    row = 0
    for fid, ev in evidence.items():
        offsets[fid] = row
        blocks.append(ev.log_lr)
        row += len(ev.values)
    width = len(pack.causes)
    log_lr = np.vstack([*blocks, np.zeros((1, width))]) if blocks else np.zeros((1, width))
    log_lr.flags.writeable = False
    answers = {
        fid: _answer_space(fact, evidence.get(fid), offsets.get(fid, row), row)
        for fid, fact in pack.facts.items()
        if fact.type != "integer" or fact.bins
    }
    by_size: dict[int, list[FloatArray]] = {}
    slot: dict[str, int] = {}
    for fid, space in answers.items():
        if space.given is not None and space.in_order:
            same = by_size.setdefault(len(space.keys), [])
            slot[fid] = len(same)
            same.append(space.given)
    reading: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        for fid in rule.facts:
            reading.setdefault(fid, []).append(i)
    stages: dict[str, list[int]] = {}
    for si, stage in enumerate(pack.stages):
        for fid in sorted(stage.opens_when.fact_names()) if stage.opens_when else []:
            stages.setdefault(fid, []).append(si)
    items: dict[str, list[ItemRead]] = {}
    gated: dict[str, list[str]] = {}
    stage_index = {stage.id: si for si, stage in enumerate(pack.stages)}
    for wid, item in pack.workup.items():
        offer = item.when_stage_open
        gate = offer.when if offer else None
        if offer is not None:
            gated.setdefault(offer.stage, []).append(wid)
        conditions = [*item.recommend_when, *([item.done_when] if item.done_when else [])]
        conditions += [gate] if gate else []
        recommend = [(c, compile_test(c)) for c in item.recommend_when]
        done = compile_test(item.done_when) if item.done_when else None
        gate_test = compile_test(gate) if gate else None
        for fid in sorted({f for cond in conditions for f in cond.fact_names()}):
            items.setdefault(fid, []).append(
                ItemRead(
                    id=wid,
                    done=done,
                    done_reads=item.done_when is not None and fid in item.done_when.fact_names(),
                    recommend=tuple(t for _, t in recommend),
                    recommend_reading=tuple(t for c, t in recommend if fid in c.fact_names()),
                    recommend_other=frozenset(
                        j for j, (c, _) in enumerate(recommend) if fid not in c.fact_names()
                    ),
                    stage=stage_index[offer.stage] if offer else None,
                    gate=gate_test,
                    gate_reads=gate is not None and fid in gate.fact_names(),
                )
            )
    supersedes: dict[str, set[str]] = {}
    for fid, ev in evidence.items():
        for other in ev.superseded_by:
            supersedes.setdefault(other, set()).add(fid)
    return WhatIfTables(
        answers=answers,
        log_lr=log_lr,
        zero_row=row,
        given_by_size={n: np.stack(g) for n, g in by_size.items()},
        given_slot=slot,
        rules_reading={f: tuple(v) for f, v in reading.items()},
        rule_index={rule.id: i for i, rule in enumerate(rules)},
        stages_reading={f: tuple(v) for f, v in stages.items()},
        items_reading={f: tuple(v) for f, v in items.items()},
        items_gated_by={s: tuple(v) for s, v in gated.items()},
        entangled=frozenset(f for x in pack.inferences for f in (*x.when.fact_names(), *x.set)),
        supersedes={f: frozenset(v) for f, v in supersedes.items()},
    )


def compile_pack(pack: Pack) -> CompiledPack:
    cause_ids = tuple(pack.causes)
    requires = site_requires(pack)
    causes = tuple(_compile_cause(i, pack.causes[c], requires) for i, c in enumerate(cause_ids))
    level_rank: dict[Level, int] = {name: lvl.rank for name, lvl in pack.urgency.levels.items()}
    clinician = frozenset(f for f, x in pack.facts.items() if x.asked_by == "clinician")
    rules = tuple(
        CompiledRule(
            id=r.id,
            rank=level_rank[r.level],
            test=compile_test(r.when),
            status=compile_status(r.when),
            reach=compile_reach(r.when),
            facts=tuple(sorted(r.when.fact_names())),
        )
        for r in pack.urgency.rules
    )
    evidence = _evidence(pack, cause_ids)
    return CompiledPack(
        pack=pack,
        cause_ids=cause_ids,
        causes=causes,
        leak_index=cause_ids.index(pack.meta.leak),
        site_ids=site_ids(pack),
        site_matrix=np.array(
            [[c.site == s and c.id != pack.meta.leak for c in causes] for s in site_ids(pack)]
        ),
        evidence=evidence,
        rules=rules,
        level_rank=level_rank,
        rank_level={v: k for k, v in level_rank.items()},
        workup_recommend={
            wid: tuple(compile_test(c) for c in item.recommend_when)
            for wid, item in pack.workup.items()
        },
        workup_done={
            wid: compile_test(item.done_when) if item.done_when else None
            for wid, item in pack.workup.items()
        },
        workup_next={
            wid: tuple(compile_test(c) for c in item.next_when) for wid, item in pack.workup.items()
        },
        workup_stage={
            wid: (
                item.when_stage_open.stage,
                compile_test(item.when_stage_open.when) if item.when_stage_open.when else None,
            )
            for wid, item in pack.workup.items()
            if item.when_stage_open is not None
        },
        stage_opens={
            s.id: compile_test(s.opens_when) if s.opens_when else None for s in pack.stages
        },
        ask_when={fid: compile_test(f.ask_when) for fid, f in pack.facts.items() if f.ask_when},
        ask_when_refs={
            fid: frozenset(f.ask_when.fact_names()) for fid, f in pack.facts.items() if f.ask_when
        },
        group_of={fid: gid for gid, g in pack.interview.groups.items() for fid in g.items},
        contradictions=compile_contradictions(pack),
        inferences=tuple((x.id, compile_test(x.when), dict(x.set)) for x in pack.inferences),
        provider_question_tests=tuple(
            compile_test(q.when) if q.when else None for q in pack.provider_questions
        ),
        # "No cause found" is common but is what remains when causes are ruled out, so it
        # does not count among the common causes that must be ruled out.
        common_mask=np.array(
            [pack.causes[c].frequency == "common" and c != pack.meta.leak for c in cause_ids]
        ),
        prior_facts=tuple(
            sorted(
                {*site_requires(pack).values()}
                | {
                    f
                    for c in pack.causes.values()
                    for cond in (*(r.when for r in c.prior.rules), *c.excluded_when)
                    for f in cond.fact_names()
                }
            )
        ),
        prior_cache={},
        memo={},
        whatif=_whatif_tables(pack, evidence, rules),
        before_evaluation_rank={
            i: r
            for i, c in enumerate(cause_ids)
            if (r := pack.causes[c].before_evaluation_rank) is not None
        },
        clinician_facts=clinician,
        workup_facts=tuple(
            sorted(
                {
                    f
                    for item in pack.workup.values()
                    for cond in (
                        *item.recommend_when,
                        *([item.done_when] if item.done_when else []),
                        *(
                            [item.when_stage_open.when]
                            if item.when_stage_open and item.when_stage_open.when
                            else []
                        ),
                    )
                    for f in cond.fact_names()
                }
            )
        ),
        rule_facts=tuple(sorted({f for r in pack.urgency.rules for f in r.when.fact_names()})),
        patient_facts=tuple(f for f, x in pack.facts.items() if x.asked_by == "patient"),
        code_tests={
            cid: tuple(compile_test(c.when) if c.when else None for c in cause.codes)
            for cid, cause in pack.causes.items()
        },
        waiting_tests={
            name: tuple(compile_test(s.when) if s.when else None for s in level.while_waiting)
            for name, level in pack.urgency.levels.items()
        },
        rules_by_rank=tuple(sorted(rules, key=lambda r: -r.rank)),
    )


_COMPILED: OrderedDict[int, CompiledPack] = OrderedDict()
COMPILED_KEPT = 8
"""Compiled packs kept: every installed pathway, with room for the packs tests build. The
least recently used goes first; `found.pack is pack` guards against a reused id."""


def compiled(pack: Pack) -> CompiledPack:
    """Compile once per pack object (packs are immutable)."""
    found = _COMPILED.get(id(pack))
    if found is None or found.pack is not pack:
        found = compile_pack(pack)
        _COMPILED[id(pack)] = found
        while len(_COMPILED) > COMPILED_KEPT:
            _COMPILED.popitem(last=False)
    _COMPILED.move_to_end(id(pack))
    return found


def prior_probability(cause: CompiledCause, facts: Facts) -> float:
    """First matching rule wins; 0 when the cause is impossible for this person."""
    if cause.requires is not None and facts.get(cause.requires) is False:
        return 0.0
    if any(test(facts) for test in cause.exclusions):
        return 0.0
    for rule in cause.rules:
        if rule.test(facts):
            return rule.p
    return cause.default_p


def with_assumptions(cp: CompiledPack, facts: Facts) -> tuple[dict[str, FactValue], list[str]]:
    """The facts plus the pack's assumptions for answers not given, and which applied.

    Only unknown facts are filled in; an answer the person gave is never overridden.
    """
    effective = dict(facts)
    applied = []
    for inference_id, test, values in cp.inferences:
        missing = {k: v for k, v in values.items() if k not in effective}
        if missing and test(effective):
            effective.update(missing)
            applied.append(inference_id)
    return effective, applied

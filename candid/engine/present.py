"""The engine's conclusions as an `Assessment` or an `InterviewStep`: the one shape every
surface reads (docs/architecture.md, "The assessment").

Most of an assessment is text that depends on the pack and the language, never on the person:
names, explanations, treatments, workup, stages, questions. Those parts are built once per
(pack, language) as frozen, validated models and shared between assessments; per assessment
only the probabilities, the chosen evidence and the ordering are new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from msgspec.structs import asdict

from candid.engine.assessment import (
    Assessment,
    AssumptionOut,
    CauseOut,
    CodeOut,
    EvidenceOut,
    FormQuestionOut,
    GroupItemOut,
    GroupOut,
    InterviewStep,
    OptionOut,
    PageOut,
    ProgressOut,
    QuestionOut,
    SiteOut,
    StageOut,
    StepCauseOut,
    StepQuestionOut,
    StepUrgencyOut,
    UrgencyOut,
    WorkupOut,
)
from candid.engine.compiled import CompiledPack
from candid.engine.conditions import Facts, FactValue
from candid.engine.explain import answer_label, evidence_by_cause, prior_reason
from candid.engine.infer import Posterior
from candid.engine.next_question import Choice
from candid.engine.pages import depends_on_page
from candid.engine.ranking import ranking
from candid.engine.triage import Triage
from candid.engine.workup import open_stages, workup

Detail = Literal["all", "likely"]
# How many likely causes contribute their own questions to the list for the provider.
QUESTION_CAUSES = 3
# Which rules fire and which workup applies come in combinations; the ones people have are few,
# but answers can be made up to produce many, so each memo stops growing at this size.
MEMO_LIMIT = 4096


@dataclass(frozen=True)
class _CauseText:
    """A cause's person-independent words: what an assessment copies into its `CauseOut`."""

    id: str
    name: str
    site: str
    stage: str
    no_cause: bool
    explanation: str
    what_can_be_done: list[str]
    questions: list[str]
    codes: list[CodeOut]
    sources: list[str]
    treatment_sources: list[str]


def _cause_text(cp: CompiledPack, cid: str, lang: str) -> _CauseText:
    cause = cp.pack.causes[cid]
    return _CauseText(
        id=cid,
        name=cause.name.get(lang),
        site=cause.site,
        stage=cause.stage,
        no_cause=cid == cp.cause_ids[cp.leak_index],
        explanation=cause.explanation.get(lang),
        what_can_be_done=[t.text.get(lang) for t in cause.what_can_be_done],
        questions=[q.get(lang) for q in cause.questions],
        codes=[CodeOut(system=c.system, code=c.code, display=c.display) for c in cause.codes],
        sources=list(cause.sources),
        treatment_sources=[k for t in cause.what_can_be_done for k in t.source_keys],
    )


@dataclass
class Texts:
    """Everything person-independent in one language, built on first use and then reused.

    The memo dicts are keyed by what the part depends on (which rules fired, which stages
    are open, which workup entries apply); those combinations are few. What they hold is
    frozen, so sharing it between assessments is safe.
    """

    cp: CompiledPack
    lang: str
    causes: list[_CauseText]
    likelihood_words: list[tuple[float, str]]
    urgency: dict[tuple[str, ...], UrgencyOut] = field(default_factory=dict)
    """Which rules fired -> the urgency without what depends on the person's answers."""
    workup: dict[tuple[tuple[str, str, str], ...], tuple[list[WorkupOut], list[str]]] = field(
        default_factory=dict
    )
    stages: dict[tuple[str, ...], list[StageOut]] = field(default_factory=dict)
    questions: dict[str, FormQuestionOut] = field(default_factory=dict)
    pages: dict[tuple[str, tuple[str, ...]], PageOut] = field(default_factory=dict)
    """(group, its questions shown) -> the page (`group_text`); at most `PAGES_KEPT`."""
    assumptions: dict[str, tuple[AssumptionOut, list[str]]] = field(default_factory=dict)
    prior_reasons: dict[float, str] = field(default_factory=dict)
    """A prior -> where a cause starts (`explain.prior_reason`); priors are a few pack values."""


PAGES_KEPT = 1024
"""How many pages `group_text` keeps per language. A page shows the questions of its group
that apply to the person, so a group of n has at most 2**n versions; in practice a few dozen
are ever shown, and the bound keeps odd input from growing the memo."""


def texts(cp: CompiledPack, lang: str) -> Texts:
    memo = cp.memo.setdefault("texts", {})
    found: Texts | None = memo.get(lang)
    if found is None:
        pack = cp.pack
        causes = [_cause_text(cp, cid, lang) for cid in cp.cause_ids]
        found = Texts(
            cp=cp,
            lang=lang,
            causes=causes,
            likelihood_words=[
                (w.at_least, w.text.get(lang)) for w in pack.interview.likelihood_words
            ],
        )
        memo[lang] = found
    return found


def present(
    cp: CompiledPack,
    facts: Facts,
    assumed: list[str],
    post: Posterior,
    tri: Triage,
    choice: Choice | None,
    lang: str,
    detail: Detail,
    answered: int = 0,
    unsure: tuple[str, ...] = (),
) -> Assessment:
    pack = cp.pack
    tx = texts(cp, lang)
    cited: set[str] = set()
    causes = _causes(cp, tx, facts, post, cited, detail)
    base = _urgency(cp, tx, tri)
    cited.update(base.citations)
    opened = open_stages(cp, facts, post.probability)
    items, workup_cited = _workup(cp, tx, facts, opened)
    cited.update(workup_cited)
    assumptions = []
    for x in assumed:
        made, keys = _assumption(cp, tx, x)
        assumptions.append(made)
        cited.update(keys)
    names = {s.id: s.name.get(lang) for s in pack.meta.sites}
    sites = sorted(names, key=lambda s: -round(post.sites[s], 4))
    return Assessment(
        pathway=pack.meta.id,
        knowledge_version=pack.meta.version,
        language=lang,
        urgency=UrgencyOut(
            level=base.level,
            label=base.label,
            meaning=base.meaning,
            reasons=base.reasons,
            leading=base.leading,
            red_flags=base.red_flags,
            interrupt=base.interrupt,
            citations=base.citations,
            cautions=_cautions(cp, unsure, lang),
            while_waiting=_while_waiting(cp, tri, facts, lang),
        ),
        assumptions=assumptions,
        sites=[SiteOut(site=s, name=names[s], probability=round(post.sites[s], 4)) for s in sites],
        causes=causes,
        workup=items,
        evaluation_stages=_stages(cp, tx, opened),
        questions_for_provider=_provider_questions(cp, tx, facts, causes),
        next_question=_question(cp, tx, choice),
        next_group=_group(cp, tx, choice),
        progress=_progress(choice, answered),
        sources={key: pack.sources[key].citation for key in sorted(cited)},
    )


STEP_CAUSES = 5
"""Causes an interview step shows: the first of the ranking (the report lists them all)."""


def present_step(
    cp: CompiledPack,
    facts: Facts,
    post: Posterior,
    tri: Triage,
    choice: Choice | None,
    lang: str,
    answered: int,
    unsure: tuple[str, ...] = (),
) -> InterviewStep:
    """An interview step: what the page or app shows between questions. The next page is
    given once: as `next_group` when it holds several questions (each with its answers),
    otherwise as `next_question`."""
    pack = cp.pack
    tx = texts(cp, lang)
    urgency = _urgency(cp, tx, tri)
    order = [k for k in ranking(cp, facts, post) if post.prior[k] > 0][:STEP_CAUSES]
    group = _group(cp, tx, choice)
    question = None if group is not None or choice is None else _step_question(cp, tx, choice)
    return InterviewStep(
        pathway=pack.meta.id,
        knowledge_version=pack.meta.version,
        language=lang,
        urgency=StepUrgencyOut(
            level=urgency.level,
            label=urgency.label,
            interrupt=urgency.interrupt,
            red_flags=urgency.red_flags,
            cautions=_cautions(cp, unsure, lang),
        ),
        next_question=question,
        next_group=group,
        causes=[
            StepCauseOut(
                id=cp.cause_ids[k],
                name=tx.causes[k].name,
                probability=round(float(post.probability[k]), 4),
            )
            for k in order
        ],
        progress=_progress(choice, answered),
        should_stop=choice is None,
    )


def _progress(choice: Choice | None, answered: int) -> ProgressOut:
    return ProgressOut(
        answered=answered, screens_left=0 if choice is None else choice.screens_left + 1
    )


def _step_question(cp: CompiledPack, tx: Texts, choice: Choice) -> StepQuestionOut:
    q = question_text(cp, tx, choice.fact)
    return StepQuestionOut(
        fact=q.fact,
        text=q.text,
        hint=q.hint,
        type=q.type,
        options=q.options,
        minimum=q.minimum,
        maximum=q.maximum,
        unknown_allowed=q.unknown_allowed,
        reason=choice.reason,
    )


def _while_waiting(cp: CompiledPack, tri: Triage, facts: Facts, lang: str) -> list[str]:
    """What to do until help comes, for this level and this person."""
    steps = cp.pack.urgency.levels[tri.level].while_waiting
    tests = cp.waiting_tests[tri.level]
    kept = zip(steps, tests, strict=True)
    return [s.get(lang) for s, when in kept if when is None or when(facts)]


def _cautions(cp: CompiledPack, unsure: tuple[str, ...], lang: str) -> list[str]:
    """What to do if a sign the person was not sure of is there after all."""
    rules = {r.id: r for r in cp.pack.urgency.rules}
    return [text.get(lang) for rid in unsure if (text := rules[rid].if_unsure) is not None]


def _urgency(cp: CompiledPack, tx: Texts, tri: Triage) -> UrgencyOut:
    """Everything here follows from which rules fired (the person's cautions and what to do
    while waiting are added by the caller)."""
    found = tx.urgency.get(tri.fired)
    if found is None:
        pack = cp.pack
        rules = {r.id: r for r in pack.urgency.rules}
        reasons = [rules[rid].reason.get(tx.lang) for rid in tri.fired]
        citations: list[str] = []
        for rid in tri.fired:
            citations.extend(k for k in rules[rid].source_keys if k not in citations)
        reasons.append(pack.urgency.baseline_reason.get(tx.lang))
        citations.append(pack.urgency.baseline_source)
        level = pack.urgency.levels[tri.level]
        found = UrgencyOut(
            level=tri.level,
            label=level.label.get(tx.lang),
            meaning=level.meaning.get(tx.lang),
            reasons=reasons,
            leading=sum(1 for rid in tri.fired if rules[rid].level == tri.level),
            red_flags=list(tri.fired),
            interrupt=tri.is_emergency,
            citations=citations,
        )
        if len(tx.urgency) < MEMO_LIMIT:
            tx.urgency[tri.fired] = found
    return found


def _workup(
    cp: CompiledPack, tx: Texts, facts: Facts, opened: list[str]
) -> tuple[list[WorkupOut], list[str]]:
    entries = tuple((e.id, e.stage, e.status) for e in workup(cp, facts, opened))
    found = tx.workup.get(entries)
    if found is None:
        items, cited = [], []
        for wid, stage, status in entries:
            item = cp.pack.workup[wid]
            cited.extend(item.sources)
            items.append(
                WorkupOut(
                    id=wid,
                    name=item.name.get(tx.lang),
                    why=item.why.get(tx.lang),
                    tests_for=list(item.tests_for),
                    stage=stage,
                    status=status,
                    next_if=item.next_if.get(tx.lang)
                    if status == "next" and item.next_if
                    else None,
                    citations=list(item.sources),
                )
            )
        found = (items, cited)
        if len(tx.workup) < MEMO_LIMIT:
            tx.workup[entries] = found
    return found


def _stages(cp: CompiledPack, tx: Texts, opened: list[str]) -> list[StageOut]:
    key = tuple(opened)
    found = tx.stages.get(key)
    if found is None:
        found = [
            StageOut(
                id=s.id,
                title=s.title.get(tx.lang),
                description=s.description.get(tx.lang),
                open=s.id in opened,
            )
            for s in cp.pack.stages
        ]
        tx.stages[key] = found
    return found


def _assumption(cp: CompiledPack, tx: Texts, inference_id: str) -> tuple[AssumptionOut, list[str]]:
    found = tx.assumptions.get(inference_id)
    if found is None:
        x = next(x for x in cp.pack.inferences if x.id == inference_id)
        made = AssumptionOut(id=x.id, facts=dict(x.set), reason=x.reason.get(tx.lang))
        found = (made, list(x.source_keys))
        tx.assumptions[inference_id] = found
    return found


def _codes(cp: CompiledPack, cid: str, facts: Facts, coded: list[CodeOut]) -> list[CodeOut]:
    """The cause's codes that apply to this person (a code may carry a `when`)."""
    tests = cp.code_tests[cid]
    if not any(tests):
        return coded  # shared: the list is never changed once built
    return [d for d, when in zip(coded, tests, strict=True) if when is None or when(facts)]


def _causes(
    cp: CompiledPack, tx: Texts, facts: Facts, post: Posterior, cited: set[str], detail: Detail
) -> list[CauseOut]:
    threshold = cp.pack.interview.display_at_least
    probability = post.probability.tolist()
    prior = post.prior.tolist()
    wanted = None
    if detail == "likely":
        wanted = {k for k, p in enumerate(probability) if p >= threshold}
    evidence = evidence_by_cause(cp, post, facts, tx.lang, wanted)
    out = []
    for k in ranking(cp, facts, post):
        if prior[k] <= 0:
            continue  # impossible for this person (no cervix, no uterus, ...)
        p = probability[k]
        likely = p >= threshold
        text = tx.causes[k]
        full = likely or detail == "all"
        start = tx.prior_reasons.get(prior[k])
        if start is None:
            start = prior_reason(cp, prior[k], tx.lang) or ""
            if len(tx.prior_reasons) < MEMO_LIMIT:
                tx.prior_reasons[prior[k]] = start
        reasons = [start] if start else []
        items: list[EvidenceOut] = []
        against: list[str] = []
        citations: list[str] = []
        if full:
            items = evidence.get(k, [])
            reasons += [e.text for e in items if e.ratio > 1]
            against = [e.text for e in items if e.ratio < 1]
            citations = list(
                dict.fromkeys([*text.sources, *(c for e in items for c in e.citations)])
            )
            cited.update(citations)
            cited.update(text.treatment_sources)
        out.append(
            CauseOut(
                id=text.id,
                name=text.name,
                probability=round(p, 4),
                prior=round(prior[k], 4),
                site=text.site,
                stage=text.stage,
                likely=likely,
                likelihood=next(w for w in tx.likelihood_words if p >= w[0])[1],
                no_cause=text.no_cause,
                explanation=text.explanation,
                for_=reasons,
                against=against,
                evidence=items,
                what_can_be_done=text.what_can_be_done if full else [],
                questions=text.questions if full else [],
                codes=_codes(cp, text.id, facts, text.codes),
                citations=citations,
            )
        )
    return out


def _provider_questions(
    cp: CompiledPack, tx: Texts, facts: Facts, causes: list[CauseOut]
) -> list[str]:
    """The questions that apply, then the likely causes' own; one per topic (the first), so
    three ways of asking about infection tests become one."""
    pack = cp.pack
    out: list[str] = []
    topics: set[str] = set()

    def add(text: str, topic: str | None) -> None:
        if text in out or (topic is not None and topic in topics):
            return
        out.append(text)
        if topic is not None:
            topics.add(topic)

    for q, test in zip(pack.provider_questions, cp.provider_question_tests, strict=True):
        if test is None or test(facts):
            add(q.text.get(tx.lang), q.topic)
    for cause in [c for c in causes if c.likely][:QUESTION_CAUSES]:
        for question in pack.causes[cause.id].questions:
            add(question.get(tx.lang), question.topic)
    return out


def _question(cp: CompiledPack, tx: Texts, choice: Choice | None) -> QuestionOut | None:
    if choice is None:
        return None
    return QuestionOut(
        **asdict(question_text(cp, tx, choice.fact)),
        reason=choice.reason,
        expected_gain_bits=round(choice.expected_gain_bits, 4),
        expected_change=round(choice.expected_change, 4),
    )


def _group(cp: CompiledPack, tx: Texts, choice: Choice | None) -> GroupOut | None:
    if choice is None or choice.group is None:
        return None
    return GroupOut(
        **asdict(group_text(cp, choice.group, choice.facts, tx.lang)),
        reason=choice.reason,
        expected_change=round(choice.expected_change, 4),
    )


def group_text(cp: CompiledPack, group_id: str, facts: Sequence[str], lang: str) -> PageOut:
    """A page of several questions in the pack's words, with the items for `facts`: a tick
    group's statements, or a form's questions with their answers and, for a question that
    turns on an answer above it, the condition that shows it (the fact's `ask_when`).

    The page depends on nothing else, so it is made once and kept (`Texts.pages`)."""
    tx = texts(cp, lang)
    key = (group_id, tuple(facts))
    found = tx.pages.get(key)
    if found is None:
        found = _group_text(cp, tx, group_id, key[1], lang)
        if len(tx.pages) < PAGES_KEPT:
            tx.pages[key] = found
    return found


def _group_text(
    cp: CompiledPack, tx: Texts, group_id: str, facts: tuple[str, ...], lang: str
) -> PageOut:
    group = cp.pack.interview.groups[group_id]
    above = depends_on_page(cp, tuple(facts))
    items: list[GroupItemOut] = []
    for f in facts:
        label = group.label(f)
        if label is not None:
            items.append(GroupItemOut(fact=f, label=label.get(lang)))
            continue
        question = question_text(cp, tx, f)
        ask_when = cp.pack.facts[f].ask_when
        items.append(
            GroupItemOut(
                fact=f,
                label=question.text,
                question=question,
                shown_when=ask_when.model_dump(mode="json", by_alias=True, exclude_defaults=True)
                if f in above and ask_when is not None
                else None,
            )
        )
    return PageOut(
        id=group_id,
        kind=group.kind,
        text=group.question.get(lang),
        hint=group.hint.get(lang) if group.hint else None,
        none_label=group.none.get(lang) if group.none else None,
        items=items,
    )


def question_text(cp: CompiledPack, tx: Texts, fact_id: str) -> FormQuestionOut:
    """A question's wording and options, without why it is asked now."""
    found = tx.questions.get(fact_id)
    if found is None:
        fact = cp.pack.facts[fact_id]
        values: list[FactValue] = (
            [True, False] if fact.type == "boolean" else list(fact.choices or {})
        )
        hints = {v: c.hint for v, c in (fact.choices or {}).items()}
        options = [
            OptionOut(
                value=v,
                label=answer_label(cp.pack, fact, v, tx.lang),
                hint=hint.get(tx.lang) if (hint := hints.get(str(v))) else None,
            )
            for v in values
        ]
        found = FormQuestionOut(
            fact=fact.id,
            text=fact.question.get(tx.lang),
            hint=fact.hint.get(tx.lang) if fact.hint else None,
            type=fact.type,
            choices=[o.value for o in options],
            options=options,
            minimum=fact.minimum,
            maximum=fact.maximum,
            unknown_allowed=fact.unknown_allowed,
        )
        tx.questions[fact_id] = found
    return found

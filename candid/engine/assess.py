"""One call from facts to the full assessment: validate, infer, triage, workup, explain, ask."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from candid.engine.assessment import (
    Assessment,
    AssumptionOut,
    CauseOut,
    CodeOut,
    OptionOut,
    QuestionOut,
    SiteOut,
    StageOut,
    UrgencyOut,
    WorkupOut,
)
from candid.engine.compiled import SITES, CompiledPack, compiled, with_assumptions
from candid.engine.conditions import Facts
from candid.engine.explain import evidence_by_cause, prior_reason
from candid.engine.facts import FactProblem, FactsError, validate_facts
from candid.engine.infer import Posterior, posterior
from candid.engine.next_question import Choice, next_question
from candid.engine.triage import Triage, triage
from candid.engine.workup import open_stages, workup
from candid.knowledge.models import Pack

LANGUAGES = ("en", "es")
Detail = Literal["all", "likely"]
# How many likely causes contribute their own questions to the list for the provider.
QUESTION_CAUSES = 3


def assess(
    pack: Pack,
    raw_facts: Mapping[str, Any],
    *,
    lang: str = "en",
    skipped: Collection[str] = (),
    detail: Detail = "all",
) -> Assessment:
    """Raises FactsError (naming each bad fact) for input that breaks the contract.

    `detail="likely"` keeps every cause in the list but gives options, questions, evidence and
    citations only for the likely ones (probability at least `display_at_least`): the rest is
    what a person or a clinician reads, and it is most of the output's size.
    """
    if lang not in LANGUAGES:
        raise FactsError([FactProblem("(language)", f"{lang!r} is not supported", "en, es")])
    cp = compiled(pack)
    facts = validate_facts(pack, raw_facts, cp.contradictions)
    unknown_skips = [s for s in skipped if s not in pack.facts]
    if unknown_skips:
        raise FactsError([FactProblem(s, "is not a known fact", "fact ids") for s in unknown_skips])
    effective, assumed = with_assumptions(cp, facts)
    post = posterior(cp, effective)
    tri = triage(cp, effective)
    choice = next_question(cp, facts, post, tri, skipped)
    return _present(cp, effective, assumed, post, tri, choice, lang, detail)


def _present(
    cp: CompiledPack,
    facts: Facts,
    assumed: list[str],
    post: Posterior,
    tri: Triage,
    choice: Choice | None,
    lang: str,
    detail: Detail,
) -> Assessment:
    pack = cp.pack
    cited: set[str] = set()
    causes = _causes(cp, facts, post, lang, cited, detail)
    urgency = _urgency(cp, tri, lang, cited)
    opened = open_stages(cp, facts, post.probability)
    items = []
    for entry in workup(cp, facts, opened):
        item = pack.workup[entry.id]
        cited.update(item.sources)
        items.append(
            WorkupOut.fast(
                id=entry.id,
                name=item.name.get(lang),
                why=item.why.get(lang),
                tests_for=list(item.tests_for),
                stage=entry.stage,
                status=entry.status,
                citations=list(item.sources),
            )
        )
    stages = [
        StageOut.fast(
            id=s.id,
            title=s.title.get(lang),
            description=s.description.get(lang),
            open=s.id in opened,
        )
        for s in pack.stages
    ]
    inferences = {x.id: x for x in pack.inferences}
    for x in assumed:
        cited.update(inferences[x].source_keys)
    return Assessment.fast(
        pathway=pack.meta.id,
        knowledge_version=pack.meta.version,
        language=lang,
        urgency=urgency,
        assumptions=[
            AssumptionOut.fast(
                id=x, facts=dict(inferences[x].set), reason=inferences[x].reason.get(lang)
            )
            for x in assumed
        ],
        sources_of_bleeding=sorted(
            (SiteOut.fast(site=s, probability=round(post.sites[s], 4)) for s in SITES),
            key=lambda s: -s.probability,
        ),
        causes=causes,
        workup=items,
        evaluation_stages=stages,
        questions_for_provider=_provider_questions(cp, facts, causes, lang),
        next_question=_question(cp, choice, lang),
        sources={key: pack.sources[key].citation for key in sorted(cited)},
    )


def _urgency(cp: CompiledPack, tri: Triage, lang: str, cited: set[str]) -> UrgencyOut:
    pack = cp.pack
    rules = {r.id: r for r in pack.urgency.rules}
    reasons = [rules[rid].reason.get(lang) for rid in tri.fired]
    citations: list[str] = []
    for rid in tri.fired:
        citations.extend(k for k in rules[rid].source_keys if k not in citations)
    reasons.append(pack.urgency.baseline_reason.get(lang))
    citations.append(pack.urgency.baseline_source)
    cited.update(citations)
    level = pack.urgency.levels[tri.level]  # type: ignore[index]
    return UrgencyOut.fast(
        level=tri.level,
        label=level.label.get(lang),
        meaning=level.meaning.get(lang),
        reasons=reasons,
        red_flags=list(tri.fired),
        interrupt=tri.is_emergency,
        citations=citations,
    )


@dataclass(frozen=True)
class _CauseText:
    """The parts of a cause's entry that do not depend on the person, built once and shared
    between assessments (read-only)."""

    name: str
    explanation: str
    what_can_be_done: list[str]
    questions: list[str]
    codes: list[CodeOut]
    treatment_sources: list[str]


_STATIC: dict[tuple[int, str, str], _CauseText] = {}


def _static(cp: CompiledPack, cid: str, lang: str) -> _CauseText:
    key = (id(cp), cid, lang)
    found = _STATIC.get(key)
    if found is None:
        cause = cp.pack.causes[cid]
        found = _CauseText(
            name=cause.name.get(lang),
            explanation=cause.explanation.get(lang),
            what_can_be_done=[t.text.get(lang) for t in cause.what_can_be_done],
            questions=[q.get(lang) for q in cause.questions],
            codes=[CodeOut(system=c.system, code=c.code, display=c.display) for c in cause.codes],
            treatment_sources=[k for t in cause.what_can_be_done for k in t.source_keys],
        )
        _STATIC[key] = found
    return found


def _causes(
    cp: CompiledPack, facts: Facts, post: Posterior, lang: str, cited: set[str], detail: Detail
) -> list[CauseOut]:
    threshold = cp.pack.interview.display_at_least
    wanted = None
    if detail == "likely":
        wanted = {k for k in range(len(cp.cause_ids)) if post.probability[k] >= threshold}
    evidence = evidence_by_cause(cp, facts, lang, wanted)
    out = []
    for k in ranking(cp, facts, post):
        if post.prior[k] <= 0:
            continue  # impossible for this person (no cervix, no uterus, ...)
        p = float(post.probability[k])
        likely = p >= threshold
        cause = cp.pack.causes[cp.cause_ids[k]]
        static = _static(cp, cause.id, lang)
        start = prior_reason(post, k, lang)
        full = likely or detail == "all"
        items = evidence.get(k, []) if full else []
        citations: list[str] = []
        if full:
            cited_here = [*cause.sources, *(c for e in items for c in e.citations)]
            citations = list(dict.fromkeys(cited_here))
            cited.update(citations)
            cited.update(static.treatment_sources)
        out.append(
            CauseOut.fast(
                id=cause.id,
                name=static.name,
                site=cause.site,
                stage=cause.stage,
                explanation=static.explanation,
                what_can_be_done=static.what_can_be_done if full else [],
                questions=static.questions if full else [],
                codes=static.codes,
                probability=round(p, 4),
                prior=round(float(post.prior[k]), 4),
                likely=likely,
                for_=([start] if start else []) + [e.text for e in items if e.ratio > 1],
                against=[e.text for e in items if e.ratio < 1],
                evidence=items,
                citations=citations,
            )
        )
    return out


def ranking(cp: CompiledPack, facts: Facts, post: Posterior) -> list[int]:
    """Causes by probability; before any exam or test result, a cause with a
    `before_evaluation_rank` is moved down to that position (never up)."""
    order = [int(i) for i in np.argsort(-post.probability, kind="stable")]
    if any(cp.pack.facts[f].asked_by == "clinician" for f in facts):
        return order
    for cid, position in cp.before_evaluation_rank.items():
        k = cp.cause_ids.index(cid)
        current = order.index(k)
        target = max(current, position - 1)
        if target != current:
            order.insert(target, order.pop(current))
    return order


def _provider_questions(
    cp: CompiledPack, facts: Facts, causes: list[CauseOut], lang: str
) -> list[str]:
    out: list[str] = []
    for q, test in zip(cp.pack.provider_questions, cp.provider_question_tests, strict=True):
        if test is None or test(facts):
            out.append(q.text.get(lang))
    for cause in [c for c in causes if c.likely][:QUESTION_CAUSES]:
        for text in cause.questions:
            if text not in out:
                out.append(text)
    return out


def _question(cp: CompiledPack, choice: Choice | None, lang: str) -> QuestionOut | None:
    if choice is None:
        return None
    fact = cp.pack.facts[choice.fact]
    options: list[OptionOut] = []
    if fact.type == "boolean":
        yes, no = ("Sí", "No") if lang == "es" else ("Yes", "No")
        options = [
            OptionOut.fast(value=True, label=yes, hint=None),
            OptionOut.fast(value=False, label=no, hint=None),
        ]
    elif fact.type == "choice":
        options = [
            OptionOut.fast(
                value=value,
                label=c.label.get(lang),
                hint=c.hint.get(lang) if c.hint else None,
            )
            for value, c in (fact.choices or {}).items()
        ]
    return QuestionOut.fast(
        fact=fact.id,
        text=fact.question.get(lang),
        hint=fact.hint.get(lang) if fact.hint else None,
        type=fact.type,
        choices=[o.value for o in options],
        options=options,
        minimum=fact.minimum,
        maximum=fact.maximum,
        reason=choice.reason,
        expected_gain_bits=round(choice.expected_gain_bits, 4),
    )


def question_for(pack: Pack, fact_id: str, lang: str = "en") -> QuestionOut:
    """Any patient question, as the interview would ask it: for changing an earlier answer."""
    question = _question(compiled(pack), Choice(fact_id, "change", 0.0), lang)
    assert question is not None
    return question


def applies(pack: Pack, facts: Facts, fact_id: str) -> bool:
    """Whether the question makes sense given the other answers (its `ask_when`)."""
    gate = compiled(pack).ask_when.get(fact_id)
    return gate is None or gate(facts)

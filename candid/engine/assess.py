"""One call from facts to the full assessment: validate, infer, triage, workup, explain, ask."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from msgspec.structs import asdict

from candid.engine.assessment import Assessment, GroupOut, InterviewStep, QuestionOut
from candid.engine.compiled import CompiledPack, compiled, with_assumptions
from candid.engine.conditions import Facts, FactValue
from candid.engine.facts import UNKNOWN_FACT, FactProblem, FactsError, validate_facts
from candid.engine.infer import Posterior, posterior
from candid.engine.next_question import Choice, next_question
from candid.engine.pages import applying, members
from candid.engine.present import (
    Detail,
    group_text,
    present,
    present_step,
    question_text,
    texts,
)
from candid.engine.triage import Triage, triage
from candid.knowledge import deployment
from candid.knowledge.models import LANGUAGES, Pack


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
    cp, facts = _checked(pack, raw_facts, lang, skipped)
    d = _decide(cp, facts, skipped)
    return present(
        cp, d.facts, d.assumed, d.post, d.tri, d.choice, lang, detail, d.answered, d.unsure
    )


def interview_step(
    pack: Pack,
    raw_facts: Mapping[str, Any],
    *,
    lang: str = "en",
    skipped: Collection[str] = (),
) -> InterviewStep:
    """One step of the interview for an app or an EHR form: the urgency, the next question
    or page, and the first causes, without the report. Nothing the step does not show is
    worked out: no workup, sites, evidence, provider questions or the information the next
    question brings."""
    cp, facts = _checked(pack, raw_facts, lang, skipped)
    d = _decide(cp, facts, skipped, gain=False)
    return present_step(cp, d.facts, d.post, d.tri, d.choice, lang, d.answered, d.unsure)


@dataclass(frozen=True)
class _Decided:
    facts: Facts
    """The person's answers with the pack's assumptions for what they have not said."""
    assumed: list[str]
    post: Posterior
    tri: Triage
    choice: Choice | None
    answered: int
    unsure: tuple[str, ...]
    """Emergency rules whose one question the person answered "not sure" (`if_unsure`)."""


def _decide(
    cp: CompiledPack, facts: Facts, skipped: Collection[str], *, gain: bool = True
) -> _Decided:
    """What the engine concludes from the answers: the step and the report both start here.
    `gain`: work out the information the next question brings (the report shows it).

    The deployment's choices (`candid.knowledge.deployment`) come first, so an answer or a
    value the caller sent overrides them; they are not answers, so they are not counted."""
    deployed = deployment.chosen(cp.pack)
    given = {**deployed, **facts}
    effective, assumed = with_assumptions(cp, given)
    post = posterior(cp, effective)
    tri = triage(cp, effective)
    choice = next_question(cp, given, post, tri, skipped, gain=gain)
    gone = set(skipped) - facts.keys()
    answered = sum(1 for f in facts if f not in deployed) + len(gone)
    unsure = (
        ()
        if tri.is_emergency
        else tuple(
            r.id
            for r in cp.pack.urgency.rules
            if r.if_unsure is not None and r.when.fact_names() <= gone
        )
    )
    return _Decided(effective, assumed, post, tri, choice, answered, unsure)


def _checked(
    pack: Pack, raw_facts: Mapping[str, Any], lang: str, skipped: Collection[str]
) -> tuple[CompiledPack, Facts]:
    """The compiled pack and the facts, or FactsError naming every bad one."""
    if lang not in LANGUAGES:
        raise FactsError([FactProblem("(language)", f"{lang!r} is not supported", "en, es")])
    cp = compiled(pack)
    facts = validate_facts(pack, raw_facts, cp.contradictions)
    unknown_skips = [s for s in skipped if s not in pack.facts]
    if unknown_skips:
        raise FactsError(
            [
                FactProblem(s, UNKNOWN_FACT, f"a fact of the {pack.meta.id} pathway")
                for s in unknown_skips
            ]
        )
    return cp, facts


def question_for(pack: Pack, fact_id: str, lang: str = "en") -> QuestionOut:
    """Any patient question, as the interview would ask it: for changing an earlier answer."""
    cp = compiled(pack)
    words = question_text(cp, texts(cp, lang), fact_id)
    return QuestionOut(**asdict(words), reason="change", expected_gain_bits=0.0)


def group_for(pack: Pack, group_id: str, facts: Facts, lang: str = "en") -> GroupOut | None:
    """A question group as its page shows it, with every item that applies to the person
    (answered or not): for going back to the page or changing its answers. None for an
    unknown group or one with fewer than two items that apply (asked as single questions)."""
    group = pack.interview.groups.get(group_id)
    if group is None:
        return None
    cp = compiled(pack)
    items = members(cp, group_id, lambda f: applies(pack, facts, f), lambda f: True)
    if len(items) < 2:
        return None
    page = group_text(cp, group_id, items, lang)
    return GroupOut(**asdict(page), reason="change", expected_change=0.0)


def form_applying(
    pack: Pack, page: Sequence[str], facts: Facts, given: Mapping[str, FactValue | None]
) -> list[str]:
    """The questions of a form page that apply once its own answers `given` are counted, in
    page order: what a page accepts, with scripts or without (`candid.engine.pages`)."""
    return applying(compiled(pack), tuple(page), facts, given)


def group_of(pack: Pack, fact_id: str) -> str | None:
    """The group whose page asks this question, if any."""
    return compiled(pack).group_of.get(fact_id)


def applies(pack: Pack, facts: Facts, fact_id: str) -> bool:
    """Whether the question makes sense given the other answers (its `ask_when`)."""
    gate = compiled(pack).ask_when.get(fact_id)
    return gate is None or gate(facts)

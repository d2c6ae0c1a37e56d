"""One call from facts to the full assessment: validate, infer, triage, workup, explain, ask."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from candid.engine.assessment import Assessment, GroupOut, QuestionOut
from candid.engine.compiled import compiled, with_assumptions
from candid.engine.conditions import Facts, FactValue
from candid.engine.facts import UNKNOWN_FACT, FactProblem, FactsError, validate_facts
from candid.engine.infer import posterior
from candid.engine.next_question import next_question
from candid.engine.pages import applying, members
from candid.engine.present import Data, Detail, group_text, present, question_text, texts
from candid.engine.triage import triage
from candid.knowledge.models import Pack

LANGUAGES = ("en", "es")


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
    data = assess_data(pack, raw_facts, lang=lang, skipped=skipped, detail=detail)
    return Assessment.model_validate(data)


def assess_data(
    pack: Pack,
    raw_facts: Mapping[str, Any],
    *,
    lang: str = "en",
    skipped: Collection[str] = (),
    detail: Detail = "all",
) -> Data:
    """`assess` without building the models: the same assessment as JSON-ready data, for
    callers that only encode it (the JSON API). Parts of it are shared between calls, so it
    is read-only; `tests/test_engine_properties.py` proves it validates as an `Assessment`."""
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
    effective, assumed = with_assumptions(cp, facts)
    post = posterior(cp, effective)
    tri = triage(cp, effective)
    choice = next_question(cp, facts, post, tri, skipped)
    answered = len(facts) + sum(1 for s in set(skipped) if s not in facts)
    return present(cp, effective, assumed, post, tri, choice, lang, detail, answered)


def question_for(pack: Pack, fact_id: str, lang: str = "en") -> QuestionOut:
    """Any patient question, as the interview would ask it: for changing an earlier answer."""
    cp = compiled(pack)
    data = question_text(cp, texts(cp, lang), fact_id)
    return QuestionOut.model_validate({**data, "reason": "change", "expected_gain_bits": 0.0})


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
    data = group_text(cp, group_id, items, lang)
    return GroupOut.model_validate({**data, "reason": "change", "expected_change": 0.0})


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

"""Properties that hold for any valid facts (hypothesis), not only for hand-picked cases."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candid.engine import Assessment, InterviewStep, assess, interview_step
from candid.engine.assessment import read, to_json
from candid.engine.compiled import compiled
from candid.engine.infer import Posterior, posterior
from candid.knowledge.loader import installed_pack, installed_packs, load_pack
from candid.knowledge.models import Pack
from tests.strategies import consistent, facts_strategy

PACK = load_pack()
PACKS = [installed_pack(name) for name in installed_packs()]
LEVELS = ("routine", "soon", "urgent", "emergency")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(facts_strategy(PACK))
def test_any_valid_facts_give_a_sane_assessment(facts: dict[str, Any]) -> None:
    a = assess(PACK, facts)
    assert a.urgency.level in LEVELS  # never below routine: there is no lower level
    assert a.urgency.reasons
    assert a.causes, "at least no_cause_found is always possible"
    for cause in a.causes:
        assert 0.0 <= cause.probability <= 1.0
    for site in a.sites:
        assert 0.0 <= site.probability <= 1.0
    # Everyone is offered an exam, except in later pregnancy before a scan has shown where the
    # placenta lies, or with placenta praevia (RCOG GTG 63/27a).
    later_pregnancy = (facts.get("pregnancy_weeks") or 0) >= 20 and facts.get("ultrasound") is None
    if not later_pregnancy and facts.get("ultrasound") != "placenta_praevia":
        assert any(w.id == "pelvic_exam" for w in a.workup)
    demoted = {c for c, cause in PACK.causes.items() if cause.before_evaluation_rank}
    probs = [c.probability for c in a.causes if c.id not in demoted]
    assert probs == sorted(probs, reverse=True)
    if a.next_question is not None:
        assert a.next_question.fact not in facts
        assert PACK.facts[a.next_question.fact].asked_by == "patient"


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.meta.id)
@FAST
@given(data=st.data(), lang=st.sampled_from(["en", "es"]))
def test_what_the_api_sends_reads_back_as_the_same_assessment(
    pack: Pack, data: st.DataObject, lang: str
) -> None:
    """The API sends the `Assessment` as JSON (`for` rather than `for_`, answers as JSON
    values); a client that reads it back, every type checked, gets the same assessment,
    field for field, on every pathway. The engine builds its outputs without validating
    them, so this is where a wrong type would show."""
    facts = data.draw(facts_strategy(pack))
    for detail in ("likely", "all"):
        model = assess(pack, facts, lang=lang, detail=detail)
        sent = to_json(model)
        assert "for_" not in json.loads(sent)["causes"][0]
        assert read(sent, Assessment) == model
    step = interview_step(pack, facts, lang=lang)
    assert read(to_json(step), InterviewStep) == step


@FAST
@given(facts_strategy(PACK), st.sampled_from(["en", "es"]))
def test_an_interview_step_is_a_valid_step_that_agrees_with_the_report(
    facts: dict[str, Any], lang: str
) -> None:
    """The step says what the full report says about the urgency, the next page and the
    first causes."""
    step = interview_step(PACK, facts, lang=lang)
    report = assess(PACK, facts, lang=lang)
    assert step.urgency.level == report.urgency.level
    assert step.urgency.interrupt == report.urgency.interrupt
    assert [c.id for c in step.causes] == [c.id for c in report.causes[: len(step.causes)]]
    assert len(step.causes) == min(5, len([c for c in report.causes if c.prior > 0]))
    assert step.should_stop == (report.next_question is None)
    if report.next_group is not None:
        assert step.next_group == report.next_group and step.next_question is None
    elif report.next_question is not None:
        assert step.next_question is not None
        assert step.next_question.fact == report.next_question.fact


@FAST
@given(facts_strategy(PACK), st.sampled_from(["en", "es"]))
def test_both_languages_give_the_same_medicine(facts: dict[str, Any], lang: str) -> None:
    a, b = assess(PACK, facts), assess(PACK, facts, lang=lang)
    assert [c.id for c in a.causes] == [c.id for c in b.causes]
    assert a.urgency.level == b.urgency.level


def _exclusive_support(pack: Pack) -> list[tuple[str, str, int]]:
    """(fact, value, cause) where the value raises that cause and no other."""
    cp = compiled(pack)
    out = []
    for fid, ev in cp.evidence.items():
        for vi, value in enumerate(ev.values):
            row = ev.lr[vi]
            for k in np.flatnonzero(row > 1.0):
                if np.all(np.delete(row, k) <= 1.0):
                    out.append((fid, value, int(k)))
    return out


SUPPORT = _exclusive_support(PACK)
ALL_SUPPORT = [
    (fid, value, int(k))
    for fid, ev in compiled(PACK).evidence.items()
    for vi, value in enumerate(ev.values)
    for k in np.flatnonzero(ev.lr[vi] > 1.0)
]


def _as_fact_value(pack: Pack, fid: str, value: str) -> Any:
    fact = pack.facts[fid]
    if fact.type == "boolean":
        return value == "true"
    if fact.type == "integer":
        bins = fact.bins or {}
        b = bins[value]
        return b.gte if b.gte is not None else (b.lt or 1) - 1
    return value


def test_there_are_findings_that_support_a_single_cause() -> None:
    assert len(SUPPORT) >= 10  # otherwise the next property would test nothing


def _before_after(
    facts: dict[str, Any], support: tuple[str, str, int]
) -> tuple[Posterior, Posterior, int] | None:
    """Posteriors without and with the supporting finding. None if it would contradict the
    other facts, or if it replaces a known fact as evidence (`superseded_by`: a cytology result
    replaces the memory of the last screening); replacing evidence is tested on its own below."""
    fid, value, k = support
    facts.pop(fid, None)
    after = {**facts, fid: _as_fact_value(PACK, fid, value)}
    if not consistent(PACK, after):
        return None
    if any(fid in PACK.facts[known].superseded_by for known in facts):
        return None
    cp = compiled(PACK)
    return posterior(cp, facts), posterior(cp, after), k


@FAST
@given(facts_strategy(PACK), st.sampled_from(SUPPORT))
def test_a_finding_that_supports_only_one_cause_never_lowers_it(
    facts: dict[str, Any], support: tuple[str, str, int]
) -> None:
    pair = _before_after(facts, support)
    if pair is not None:
        before, after, k = pair
        assert after.probability[k] >= before.probability[k] - 1e-12


@FAST
@given(facts_strategy(PACK), st.sampled_from(ALL_SUPPORT))
def test_a_supporting_finding_never_lowers_its_cause_on_its_own_odds(
    facts: dict[str, Any], support: tuple[str, str, int]
) -> None:
    pair = _before_after(facts, support)
    if pair is not None:
        before, after, k = pair
        assert after.independent[k] >= before.independent[k] - 1e-12


@pytest.mark.parametrize("site_fact", ["has_cervix", "has_uterus"])
def test_no_organ_no_causes_there(site_fact: str) -> None:
    site = "cervix" if site_fact == "has_cervix" else "uterus"
    facts: dict[str, Any] = {site_fact: False}
    if site_fact == "has_cervix":
        facts["has_uterus"] = False
    a = assess(PACK, facts)
    assert all(c.site != site for c in a.causes)
    assert {s.site: s.probability for s in a.sites}[site] == 0.0


EVALUATED = {"age": 30, "exam_cervix": "normal", "exam_vagina": "normal", "cytology": "nilm"}


def test_no_cause_found_is_not_offered_as_a_cause_before_any_evaluation() -> None:
    before = assess(PACK, {"age": 30})
    ids = [c.id for c in before.causes]
    assert ids.index("no_cause_found") >= 3
    no_cause = next(c for c in before.causes if c.id == "no_cause_found")
    assert no_cause.probability > before.causes[0].probability  # still shown honestly


def test_after_a_normal_evaluation_no_cause_found_leads() -> None:
    after = assess(PACK, EVALUATED)
    assert after.causes[0].id == "no_cause_found"


def test_with_no_answers_no_cause_found_matches_the_published_rate() -> None:
    """Abu 2006 and Godfrey 2019: no cause in about 40% of people investigated for PCB."""
    shown = next(
        c.probability for c in assess(PACK, {"age": 30}).causes if c.id == "no_cause_found"
    )
    assert 0.35 <= shown <= 0.45


def test_a_result_replaces_the_memory_of_a_result() -> None:
    """Screening history counts until a cytology result is known; then only the result does,
    so the same information is not counted twice."""
    cp = compiled(PACK)
    k = cp.cause_ids.index("cervical_dysplasia")
    base: dict[str, Any] = {"age": 35, "cytology": "nilm"}
    with_history = posterior(cp, {**base, "cervical_screening": "up_to_date_normal"})
    assert with_history.probability[k] == posterior(cp, base).probability[k]
    history_only = posterior(cp, {"age": 35, "cervical_screening": "up_to_date_normal"})
    assert history_only.probability[k] < posterior(cp, {"age": 35}).probability[k]


def test_the_shared_text_memos_stop_growing_and_answers_stay_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Made-up answers can produce endless combinations of red flags and workup; the memos
    of their text are capped, and past the cap each answer is still built in full."""
    from candid.engine import present

    monkeypatch.setattr(present, "MEMO_LIMIT", 1)
    monkeypatch.setitem(compiled(PACK).memo, "texts", {})
    people: list[dict[str, Any]] = [
        {"age": 24},
        {"age": 60, "menopause": "postmenopausal"},
        {"age": 30, "pregnant": "yes"},
    ]
    first = [assess(PACK, facts) for facts in people]
    texts = present.texts(compiled(PACK), "en")
    assert len(texts.workup) <= 1 and len(texts.urgency) <= 1
    again = [assess(PACK, facts) for facts in people]
    assert again == first
    assert first[0].workup != first[1].workup  # so the cap was reached


def test_a_pack_compiled_again_never_answers_from_anothers_memo() -> None:
    """The text and evidence memos belong to the compiled pack (keyed by cause, answer and
    language), so an edited copy of a pack with the same id never reads the original's."""
    facts: dict[str, Any] = {"age": 24, "pain_with_sex": "deep"}
    before = assess(PACK, facts)
    fact = PACK.facts["pain_with_sex"]
    assert fact.choices is not None
    deep = fact.choices["deep"]
    label = deep.label.model_copy(update={"en": "Deep, edited"})
    choices = {**fact.choices, "deep": deep.model_copy(update={"label": label})}
    changed = fact.model_copy(update={"choices": choices})
    edited = PACK.model_copy(update={"facts": {**PACK.facts, "pain_with_sex": changed}})
    shown = assess(edited, facts)
    texts = [e.text for c in shown.causes for e in c.evidence]
    assert any("Deep, edited" in t for t in texts)
    assert assess(PACK, facts) == before

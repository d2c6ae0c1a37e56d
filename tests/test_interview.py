"""The adaptive interview, driven through the engine as the web and CLI drive it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from candid.knowledge.models import Pack
from tests.conftest import Assess

ROOT = Path(__file__).resolve().parents[1]


def interview(run: Assess, truth: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Answer from `truth`; questions it does not cover get "not sure"."""
    facts: dict[str, Any] = {}
    skipped: list[str] = []
    asked: list[str] = []
    while True:
        result = run(facts, skipped=skipped)
        q = result.next_question
        if q is None:
            return asked, facts
        assert q.fact not in asked, f"{q.fact} asked twice"
        asked.append(q.fact)
        if q.fact in truth:
            facts[q.fact] = truth[q.fact]
        else:
            skipped.append(q.fact)
        assert len(asked) <= 60


def test_emergency_questions_come_first(run: Assess) -> None:
    q = run({}).next_question
    assert q is not None and q.fact == "heavy_bleeding_now"
    assert q.reason == "opening"


def test_no_pregnancy_question_after_menopause(run: Assess) -> None:
    truth = {
        "heavy_bleeding_now": False,
        "dizziness_or_fainting": False,
        "severe_abdominal_pain": False,
        "age": 61,
        "has_uterus": True,
        "menopause": "postmenopausal",
    }
    asked, _ = interview(run, truth)
    assert "pregnant" not in asked
    assert "hormonal_contraception" not in asked
    assert "postmenopausal_bleeding_other" in asked


def test_clinician_findings_are_never_asked(run: Assess, pack: Pack) -> None:
    asked, _ = interview(run, {"age": 25})
    clinician = {f for f, fact in pack.facts.items() if fact.asked_by == "clinician"}
    assert not clinician & set(asked)


def test_interview_stops_and_covers_every_open_red_flag(run: Assess, pack: Pack) -> None:
    truth: dict[str, Any] = {f: False for f, fact in pack.facts.items() if fact.type == "boolean"}
    truth.update(
        {
            "has_uterus": True,
            "has_cervix": True,
            "age": 29,
            "menopause": "premenopausal",
            "pregnant": "no",
        }
    )
    asked, facts = interview(run, truth)
    assert run(facts).urgency.level == "routine"
    for flag in (
        "sexual_assault",
        "recent_gyn_procedure",
        "unexplained_weight_loss",
        "lump_felt",
        "tamoxifen",
    ):
        assert flag in asked, f"{flag} must be asked before the interview stops"
    assert len(asked) <= pack.interview.max_questions + len(pack.interview.opening)


def test_a_red_flag_answer_mid_interview_interrupts(run: Assess) -> None:
    facts = {
        "heavy_bleeding_now": False,
        "dizziness_or_fainting": False,
        "severe_abdominal_pain": False,
        "age": 33,
        "bleeding_amount": "very_heavy",
    }
    result = run(facts)
    assert result.urgency.interrupt and result.next_question is None


def test_skipped_questions_are_not_asked_again(run: Assess) -> None:
    first = run({})
    assert first.next_question is not None
    again = run({}, skipped=[first.next_question.fact])
    assert again.next_question is not None
    assert again.next_question.fact != first.next_question.fact


def vignette_cases() -> list[dict[str, Any]]:
    cases = []
    for file in sorted((ROOT / "vignettes").glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line))
    return cases


@pytest.mark.parametrize("case", vignette_cases()[::4], ids=lambda c: c["id"])
def test_interview_on_patient_answers_keeps_the_urgency(run: Assess, case: dict[str, Any]) -> None:
    """Interviewing a vignette's person (patient facts only) reaches at least the urgency the
    full facts give from patient answers alone: the interview never misses a red flag."""
    from candid.knowledge.loader import load_pack

    pack = load_pack()
    patient = {k: v for k, v in case["facts"].items() if pack.facts[k].asked_by == "patient"}
    _, facts = interview(run, patient)
    ranks = {"routine": 0, "soon": 1, "urgent": 2, "emergency": 3}
    assert ranks[run(facts).urgency.level] >= ranks[run(patient).urgency.level]

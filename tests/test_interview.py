"""The adaptive interview, driven through the engine as the web and CLI drive it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from candid.evaluation.interview import converse
from candid.knowledge.loader import load_pack
from candid.knowledge.models import Pack
from tests.conftest import Assess

ROOT = Path(__file__).resolve().parents[1]


def interview(run: Assess, truth: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Answer from `truth`; questions it does not cover get "not sure"."""
    talk = converse(load_pack(), truth)
    assert len(talk.asked) <= 60
    return talk.asked, talk.facts


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


def test_replaying_every_vignette_never_misses_a_patient_red_flag(pack: Pack) -> None:
    """Interviewing each vignette's person (their own answers, "not sure" for the rest) ends
    at least as urgent as all their answers warrant: the interview never misses a red flag."""
    from candid.evaluation.interview import replay
    from candid.evaluation.vignettes import load_vignettes

    replays = [replay(pack, case) for case in load_vignettes(ROOT / "vignettes")]
    assert [r.id for r in replays if r.missed_red_flag] == []
    assert max(r.questions for r in replays) <= pack.interview.max_questions + len(
        pack.interview.opening
    )

"""Replaying the adaptive interview on vignettes: the case's patient answers are the person.

This measures what a real user gets: how many questions the interview asks, and whether the
assessment it ends with (from only the questions it chose to ask) still finds the expected
cause and urgency. Clinician findings are never asked, so they are left out; expected
urgencies that rest on them (a mass found on exam) cannot be reached by an interview, which is
why `missed_patient_red_flags` compares with the person's own full answers instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from candid.engine import Assessment, assess
from candid.engine.conditions import FactValue
from candid.evaluation.vignettes import Vignette
from candid.knowledge.models import Pack

RANK = {"routine": 0, "soon": 1, "urgent": 2, "emergency": 3}


@dataclass
class Replay:
    id: str
    questions: int
    answered: int
    result: Assessment
    all_answers: Assessment
    """The assessment from every patient answer in the case, asked or not."""

    @property
    def missed_red_flag(self) -> bool:
        """The interview ended less urgent than the person's full answers warrant."""
        return RANK[self.result.urgency.level] < RANK[self.all_answers.urgency.level]


@dataclass
class Transcript:
    asked: list[str]
    """Questions in the order asked (each at most once)."""
    facts: dict[str, FactValue]
    """The answers given; questions not in the person's answers were answered "not sure"."""
    result: Assessment


def converse(pack: Pack, truth: Mapping[str, FactValue], limit: int = 80) -> Transcript:
    """Run the interview with `truth` as the person, until it stops or `limit` questions."""
    facts: dict[str, FactValue] = {}
    skipped: list[str] = []
    asked: list[str] = []
    while True:
        result = assess(pack, facts, skipped=skipped)
        q = result.next_question
        if q is None or len(asked) >= limit:
            return Transcript(asked, facts, result)
        if q.fact in asked:
            raise RuntimeError(f"the interview asked {q.fact!r} twice")
        asked.append(q.fact)
        if q.fact in truth:
            facts[q.fact] = truth[q.fact]
        else:
            skipped.append(q.fact)  # the person answers "not sure"


def replay(pack: Pack, case: Vignette, limit: int = 80) -> Replay:
    truth = {k: v for k, v in case.facts.items() if pack.facts[k].asked_by == "patient"}
    talk = converse(pack, truth, limit)
    full = assess(pack, truth)
    return Replay(case.id, len(talk.asked), len(talk.facts), talk.result, full)


def summarise(pack: Pack, cases: list[Vignette]) -> dict[str, Any]:
    replays = [replay(pack, case) for case in cases]
    with_causes = [(c, r) for c, r in zip(cases, replays, strict=True) if c.expect.causes]
    with_urgency = [(c, r) for c, r in zip(cases, replays, strict=True) if c.expect.urgency]
    top3 = [any(x.id in c.expect.causes for x in r.result.causes[:3]) for c, r in with_causes]
    top3_all = [
        any(x.id in c.expect.causes for x in r.all_answers.causes[:3]) for c, r in with_causes
    ]
    under = [
        RANK[r.result.urgency.level] < RANK[c.expect.urgency or "routine"] for c, r in with_urgency
    ]
    questions = sorted(r.questions for r in replays)
    emergency = [r.result.urgency.interrupt for _, r in with_causes]
    top3_non_emergency = [hit for hit, stop in zip(top3, emergency, strict=True) if not stop]
    same_top3 = [
        {x.id for x in r.result.causes[:3]} == {x.id for x in r.all_answers.causes[:3]}
        for r in replays
    ]
    return {
        "n": len(replays),
        "questions_mean": round(sum(questions) / len(questions), 1),
        "questions_median": questions[len(questions) // 2],
        "questions_max": questions[-1],
        "top3_after_interview": round(sum(top3) / len(top3), 4) if top3 else None,
        "stopped_for_emergency": sum(r.result.urgency.interrupt for r in replays),
        "top3_after_interview_without_emergencies": (
            round(sum(top3_non_emergency) / len(top3_non_emergency), 4)
            if top3_non_emergency
            else None
        ),
        "top3_all_patient_answers": round(sum(top3_all) / len(top3_all), 4) if top3 else None,
        "under_triage_after_interview": round(sum(under) / len(under), 4) if under else None,
        "missed_patient_red_flags": sum(r.missed_red_flag for r in replays),
        "same_top3_as_all_answers": round(sum(same_top3) / len(same_top3), 4),
    }

"""Replaying the adaptive interview on vignettes: the case's patient answers are the person.

This measures what a real user gets: how many pages (screens) and questions the interview
takes, and whether the assessment it ends with (from only the questions it chose to ask)
still finds the expected cause and urgency. Clinician findings are never asked, so they are
left out; expected urgencies that rest on them (a mass found on exam) cannot be reached by an
interview, which is why `missed_patient_red_flags` compares with the person's own full
answers instead.

A vignette is silent about most questions. The default respondent answers those the way a
typical person would, with the most common answer in the pack's baseline (no fever, normal
discharge); `respondent="unsure"` answers "not sure" instead, as the first replays did. On a
group page an unticked box is a "no", whoever answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import median
from typing import Any, Literal

from candid.engine import Assessment, applies, assess
from candid.engine.compiled import compiled
from candid.engine.conditions import FactValue
from candid.engine.next_question import could_raise_urgency, interrupting_rank
from candid.engine.pages import applying
from candid.evaluation.vignettes import Vignette
from candid.knowledge.models import LEVEL_RANK, Pack

Respondent = Literal["typical", "unsure"]
RANK = LEVEL_RANK


@dataclass
class Transcript:
    pages: list[list[str]]
    """The questions on each page, in the order shown."""
    facts: dict[str, FactValue]
    """The answers given (a "not sure" is absent)."""
    result: Assessment
    emergency_screens: list[int] = field(default_factory=list)
    """The page numbers (from 1) with a question that could still have revealed an
    emergency when it was asked."""

    @property
    def asked(self) -> list[str]:
        return [f for page in self.pages for f in page]


def typical_answer(pack: Pack, fid: str) -> FactValue | None:
    """The most common answer among people who bleed after sex (the fact's baseline), or
    None ("not sure") when the pack has no baseline to say what is typical."""
    fact = pack.facts[fid]
    if fact.baseline is None:
        return None
    probabilities = fact.baseline.probabilities
    best = max(probabilities, key=lambda k: probabilities[k])
    if fact.type == "boolean":
        return best == "true"
    if fact.type == "choice":
        return best
    band = (fact.bins or {})[best]
    return band.gte if band.gte is not None else max((band.lt or 1) - 1, 0)


def converse(
    pack: Pack,
    truth: Mapping[str, FactValue],
    respondent: Respondent = "typical",
    limit: int = 80,
) -> Transcript:
    """Run the interview with `truth` as the person, until it stops or `limit` pages."""
    cp = compiled(pack)
    facts: dict[str, FactValue] = {}
    skipped: list[str] = []
    pages: list[list[str]] = []
    emergency_screens: list[int] = []
    while True:
        result = assess(pack, facts, skipped=skipped)
        q = result.next_question
        if q is None or len(pages) >= limit:
            return Transcript(pages, facts, result, emergency_screens)
        page = [i.fact for i in result.next_group.items] if result.next_group else [q.fact]
        rank = RANK[result.urgency.level]
        top = interrupting_rank(cp)
        could = {f for r, f in could_raise_urgency(cp, facts, rank, skipped) if r >= top}
        if could & set(page):
            emergency_screens.append(len(pages) + 1)
        ticks = result.next_group is not None and result.next_group.kind == "tick"
        given: dict[str, FactValue | None] = {}
        for fid in page:
            if fid in facts or fid in skipped:
                raise RuntimeError(f"the interview asked {fid!r} twice")
            if fid in truth:
                given[fid] = truth[fid]
            elif ticks:
                given[fid] = False  # a box left unticked
            elif respondent == "typical":
                given[fid] = typical_answer(pack, fid)
            else:
                given[fid] = None
        # A form shows a question only once the answers above it make it apply.
        shown = applying(cp, tuple(page), facts, given) if not ticks else page
        for fid in shown:
            value = given[fid]
            if value is None:
                skipped.append(fid)  # the person answers "not sure"
            else:
                facts[fid] = value
        pages.append(list(shown))


@dataclass
class Replay:
    id: str
    pages: list[list[str]]
    answered: int
    result: Assessment
    all_answers: Assessment
    """The assessment from every answer the person would give, asked or not (`everything_said`)."""
    case_answers: Assessment
    """The assessment from the case's own patient answers only."""
    never_asked: list[str] = field(default_factory=list)
    """Facts the person knew and the full answers used that the interview never asked."""
    emergency_screens: list[int] = field(default_factory=list)

    @property
    def screens(self) -> int:
        return len(self.pages)

    @property
    def questions(self) -> int:
        return sum(len(p) for p in self.pages)

    @property
    def missed_red_flag(self) -> bool:
        """The interview ended less urgent than the person's full answers warrant."""
        return RANK[self.result.urgency.level] < RANK[self.all_answers.urgency.level]


def _used(pack: Pack, full: Assessment) -> set[str]:
    """Facts the full answers' assessment rests on: evidence shown for a cause, or read by a
    rule that fired."""
    facts = {e.fact for c in full.causes for e in c.evidence}
    rules = {r.id: r for r in pack.urgency.rules}
    for rid in full.urgency.red_flags:
        facts |= rules[rid].when.fact_names()
    return facts


def everything_said(
    pack: Pack, truth: Mapping[str, FactValue], respondent: Respondent
) -> dict[str, FactValue]:
    """The person's answers to every question that applies to them: the case's own, and for
    the typical respondent the typical answer to the rest (what they would have said had
    every question been asked). This is what "all the person's answers" means in a replay."""
    said = dict(truth)
    if respondent != "typical":
        return said
    contradictions = compiled(pack).contradictions
    changed = True
    while changed:  # an answer can make another question apply (a coil, then its strings)
        changed = False
        for fid, fact in pack.facts.items():
            if fact.asked_by == "patient" and fid not in said and applies(pack, said, fid):
                value = typical_answer(pack, fid)
                if value is None:
                    continue
                # Not an answer this person would give if it contradicts theirs ("spotting"
                # beside heavy bleeding now).
                if any(test({**said, fid: value}) for test, _, _ in contradictions):
                    continue
                said[fid] = value
                changed = True
    return said


def replay(pack: Pack, case: Vignette, respondent: Respondent = "typical") -> Replay:
    truth = {k: v for k, v in case.facts.items() if pack.facts[k].asked_by == "patient"}
    talk = converse(pack, truth, respondent)
    full = assess(pack, everything_said(pack, truth, respondent))
    case_only = assess(pack, truth)
    asked = set(talk.asked)
    context = {f for f, x in pack.facts.items() if x.context}
    used = {f for f in (_used(pack, full) | context) & set(truth) if applies(pack, truth, f)}
    return Replay(
        id=case.id,
        pages=talk.pages,
        answered=len(talk.facts),
        result=talk.result,
        all_answers=full,
        case_answers=case_only,
        never_asked=sorted(used - asked),
        emergency_screens=talk.emergency_screens,
    )


def _share(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def _spread(values: list[int]) -> dict[str, float]:
    return {"mean": round(sum(values) / len(values), 1), "median": median(values)}


def summarise(
    pack: Pack, cases: list[Vignette], respondent: Respondent = "typical"
) -> dict[str, Any]:
    replays = [replay(pack, case, respondent) for case in cases]
    pairs = list(zip(cases, replays, strict=True))
    with_causes = [(c, r) for c, r in pairs if c.expect.causes]
    with_urgency = [(c, r) for c, r in pairs if c.expect.urgency]
    top3 = [any(x.id in c.expect.causes for x in r.result.causes[:3]) for c, r in with_causes]
    top3_all = [
        any(x.id in c.expect.causes for x in r.all_answers.causes[:3]) for c, r in with_causes
    ]
    top3_case = [
        any(x.id in c.expect.causes for x in r.case_answers.causes[:3]) for c, r in with_causes
    ]
    under = [
        RANK[r.result.urgency.level] < RANK[c.expect.urgency or "routine"] for c, r in with_urgency
    ]
    screens = [r.screens for r in replays]
    questions = [r.questions for r in replays]
    emergency = [r.result.urgency.interrupt for _, r in with_causes]
    top3_non_emergency = [hit for hit, stop in zip(top3, emergency, strict=True) if not stop]
    same_top3 = [
        {x.id for x in r.result.causes[:3]} == {x.id for x in r.all_answers.causes[:3]}
        for r in replays
    ]
    latest_emergency = [max(r.emergency_screens, default=0) for r in replays]
    return {
        "n": len(replays),
        "respondent": respondent,
        "screens_mean": _spread(screens)["mean"],
        "screens_median": _spread(screens)["median"],
        "screens_max": max(screens),
        "questions_mean": _spread(questions)["mean"],
        "questions_median": _spread(questions)["median"],
        "questions_max": max(questions),
        "top3_after_interview": _share(top3),
        "stopped_for_emergency": sum(r.result.urgency.interrupt for r in replays),
        "top3_after_interview_without_emergencies": _share(top3_non_emergency),
        "top3_all_patient_answers": _share(top3_all),
        "top3_case_patient_answers_only": _share(top3_case),
        "under_triage_after_interview": _share(under),
        "urgency_same_as_all_answers": _share(
            [r.result.urgency.level == r.all_answers.urgency.level for r in replays]
        ),
        "missed_patient_red_flags": sum(r.missed_red_flag for r in replays),
        "same_top3_as_all_answers": _share(same_top3),
        "emergency_question_latest_screen": max(latest_emergency),
        "emergency_question_after_screen_3": sum(n > 3 for n in latest_emergency),
        "cases": [
            {
                "id": r.id,
                "screens": r.screens,
                "questions": r.questions,
                "urgency": r.result.urgency.level,
                "urgency_all_answers": r.all_answers.urgency.level,
                "top3": [x.id for x in r.result.causes[:3]],
                "top3_all_answers": [x.id for x in r.all_answers.causes[:3]],
                "never_asked": r.never_asked,
            }
            for r in replays
        ],
    }

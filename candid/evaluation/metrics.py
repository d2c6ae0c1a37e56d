"""Scoring an engine's assessments against vignettes (the metrics of docs/evaluation.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from candid.engine import Assessment, FactsError
from candid.evaluation.vignettes import Vignette
from candid.knowledge.models import LEVEL_RANK

RANK = LEVEL_RANK


@dataclass
class CaseResult:
    id: str
    expected_causes: list[str]
    predicted: list[dict[str, float | str]]
    top1: bool | None
    top3: bool | None
    expected_urgency: str | None
    urgency: str | None
    workup_expected: list[str]
    workup_missing: list[str]
    error: str | None = None
    workup_later: list[str] = field(default_factory=list)
    """Expected items the assessment lists only as a planned next step (status `next`)."""


@dataclass
class Report:
    n: int
    n_with_causes: int
    n_with_urgency: int
    n_with_workup: int
    top1: float
    top3: float
    urgency_exact: float
    under_triage: float
    over_triage: float
    workup_recall: float
    """Expected evaluations the assessment lists, to offer now or as the planned next step."""
    errors: int
    cases: list[CaseResult] = field(default_factory=list)
    workup_recall_now: float = 1.0
    """The same, counting only evaluations to offer now (not those waiting on a result)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_case(case: Vignette, result: Assessment | None, error: str | None) -> CaseResult:
    exp = case.expect
    if result is None:
        return CaseResult(
            case.id,
            exp.causes,
            [],
            False if exp.causes else None,
            False if exp.causes else None,
            exp.urgency,
            None,
            exp.workup,
            exp.workup,
            error,
        )
    ranked = [c.id for c in result.causes]
    offered = {w.id for w in result.workup}
    later = {w.id for w in result.workup if w.status == "next"}
    return CaseResult(
        id=case.id,
        expected_causes=exp.causes,
        predicted=[{"id": c.id, "probability": c.probability} for c in result.causes[:5]],
        top1=(ranked[:1] != [] and ranked[0] in exp.causes) if exp.causes else None,
        top3=any(c in exp.causes for c in ranked[:3]) if exp.causes else None,
        expected_urgency=exp.urgency,
        urgency=result.urgency.level,
        workup_expected=exp.workup,
        workup_missing=[w for w in exp.workup if w not in offered],
        workup_later=[w for w in exp.workup if w in later],
    )


def _fraction(flags: Iterable[bool]) -> float:
    values = list(flags)
    return round(sum(values) / len(values), 4) if values else 0.0


def evaluate(
    cases: list[Vignette],
    run: Callable[[Vignette], Assessment],
    progress: Callable[[], None] | None = None,
) -> Report:
    results: list[CaseResult] = []
    for case in cases:
        try:
            results.append(score_case(case, run(case), None))
        except FactsError as err:
            results.append(score_case(case, None, str(err)))
        if progress:
            progress()
    with_causes = [r for r in results if r.expected_causes]
    with_urgency = [r for r in results if r.expected_urgency]
    with_workup = [r for r in results if r.workup_expected]
    expected_items = sum(len(r.workup_expected) for r in with_workup)
    missing_items = sum(len(r.workup_missing) for r in with_workup)
    later_items = sum(len(r.workup_later) for r in with_workup)

    def rank(level: str | None) -> int:
        return RANK.get(level or "", -1)

    return Report(
        n=len(results),
        n_with_causes=len(with_causes),
        n_with_urgency=len(with_urgency),
        n_with_workup=len(with_workup),
        top1=_fraction(bool(r.top1) for r in with_causes),
        top3=_fraction(bool(r.top3) for r in with_causes),
        urgency_exact=_fraction(r.urgency == r.expected_urgency for r in with_urgency),
        under_triage=_fraction(
            r.urgency is None or rank(r.urgency) < rank(r.expected_urgency) for r in with_urgency
        ),
        over_triage=_fraction(
            r.urgency is not None and rank(r.urgency) > rank(r.expected_urgency)
            for r in with_urgency
        ),
        workup_recall=(round(1 - missing_items / expected_items, 4) if expected_items else 1.0),
        errors=sum(1 for r in results if r.error),
        cases=results,
        workup_recall_now=(
            round(1 - (missing_items + later_items) / expected_items, 4) if expected_items else 1.0
        ),
    )

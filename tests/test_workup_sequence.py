"""Evaluations that wait on an earlier result are shown as the planned next step, with what
they wait on, and offered only once the result says so (docs/knowledge-pack.md, workup)."""

from __future__ import annotations

from typing import Any

from candid.engine import Assessment, assess
from candid.evaluation.metrics import evaluate
from candid.evaluation.vignettes import Vignette
from candid.knowledge.loader import load_pack

AFTER_MENOPAUSE: dict[str, Any] = {"age": 62, "menopause": "postmenopausal"}


def status(result: Assessment, item: str) -> str | None:
    return next((w.status for w in result.workup if w.id == item), None)


def test_after_menopause_the_biopsy_waits_on_the_scan() -> None:
    pack = load_pack()
    before = assess(pack, AFTER_MENOPAUSE)
    assert status(before, "pelvic_ultrasound") == "recommended"
    assert status(before, "endometrial_sampling") == "next"
    waiting = next(w for w in before.workup if w.id == "endometrial_sampling")
    assert waiting.next_if and "4 mm" in waiting.next_if
    thick = assess(pack, {**AFTER_MENOPAUSE, "ultrasound": "thick_endometrium"})
    assert status(thick, "endometrial_sampling") == "recommended"
    thin = assess(pack, {**AFTER_MENOPAUSE, "ultrasound": "normal"})
    assert status(thin, "endometrial_sampling") is None


def test_a_next_step_is_never_ordered() -> None:
    """FHIR and CDS Hooks order what is recommended now; a step waiting on a result is not."""
    result = assess(load_pack(), AFTER_MENOPAUSE)
    recommended = [w.id for w in result.workup if w.status == "recommended"]
    assert "endometrial_sampling" not in recommended
    assert [w.status for w in result.workup][-1] in ("next", "done")  # listed after the rest


def test_recall_counts_next_steps_and_says_how_many_were_only_planned() -> None:
    case = Vignette(
        id="seq-1",
        facts=AFTER_MENOPAUSE,
        expect={"workup": ["pelvic_ultrasound", "endometrial_sampling"]},
    )
    report = evaluate([case], lambda c: assess(load_pack(), c.facts))
    assert report.workup_recall == 1.0
    assert report.workup_recall_now == 0.5
    assert report.cases[0].workup_later == ["endometrial_sampling"]

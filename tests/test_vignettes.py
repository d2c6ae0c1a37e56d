"""The public vignettes: coverage of the set, and the accuracy bars the engine must meet."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from candid.engine import assess
from candid.engine.compiled import compiled
from candid.engine.triage import triage
from candid.evaluation.metrics import Report, evaluate
from candid.evaluation.vignettes import Vignette, load_vignettes
from candid.knowledge.models import Pack

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cases() -> list[Vignette]:
    return load_vignettes(ROOT / "vignettes")


@pytest.fixture(scope="module")
def report(pack: Pack, cases: list[Vignette]) -> Report:
    return evaluate(cases, lambda case: assess(pack, case.facts))


def test_the_set_is_large_and_cited(cases: list[Vignette]) -> None:
    assert len(cases) >= 60
    assert all(len(c.source) > 20 for c in cases), "every case says where its answer comes from"


def test_every_cause_is_expected_at_least_twice(pack: Pack, cases: list[Vignette]) -> None:
    counts = Counter(c for case in cases for c in case.expect.causes)
    thin = {cid: counts[cid] for cid in pack.causes if counts[cid] < 2}
    assert not thin


def test_every_urgency_level_is_covered(cases: list[Vignette]) -> None:
    assert {c.expect.urgency for c in cases} >= {"routine", "soon", "urgent", "emergency"}


def test_every_red_flag_fires_in_some_case(pack: Pack, cases: list[Vignette]) -> None:
    cp = compiled(pack)
    fired = {rule for case in cases for rule in triage(cp, case.facts).fired}
    missing = {r.id for r in pack.urgency.rules} - fired
    assert not missing


def test_every_case_uses_only_valid_facts(report: Report) -> None:
    assert report.errors == 0, [c.error for c in report.cases if c.error]


def test_no_under_triage(report: Report) -> None:
    under = [
        c.id
        for c in report.cases
        if c.expected_urgency
        and c.urgency
        and ["routine", "soon", "urgent", "emergency"].index(c.urgency)
        < ["routine", "soon", "urgent", "emergency"].index(c.expected_urgency)
    ]
    assert report.under_triage == 0.0, under


def test_accuracy_bars(report: Report) -> None:
    assert report.top3 >= 0.90
    assert report.top1 >= 0.70


def test_workup_recall(report: Report) -> None:
    missing = {c.id: c.workup_missing for c in report.cases if c.workup_missing}
    assert report.workup_recall >= 0.95, missing

"""The order of the evaluation is part of the knowledge: lower tract first, the uterus when the
lower tract is normal and bleeding persists, rare causes once the common ones are ruled out."""

from __future__ import annotations

from typing import Any

from candid.engine import Assessment
from tests.conftest import Assess, probability

YOUNG: dict[str, Any] = {
    "age": 32,
    "menopause": "premenopausal",
    "pregnant": "no",
    "has_uterus": True,
    "cervical_screening": "up_to_date_normal",
}
NORMAL_LOWER_TRACT: dict[str, Any] = {"exam_cervix": "normal", "exam_vagina": "normal"}
PERSISTENT: dict[str, Any] = {"bleeding_frequency": "most_times", "duration_weeks": 10}
UTERINE = (
    "endometrial_polyp",
    "submucosal_fibroid",
    "unstable_endometrium",
    "endometrial_hyperplasia_or_cancer",
)


def workup_ids(a: Assessment) -> list[str]:
    return [w.id for w in a.workup if w.status == "recommended"]


def stage_open(a: Assessment, stage: str) -> bool:
    return next(s.open for s in a.evaluation_stages if s.id == stage)


def test_lower_tract_comes_first(run: Assess) -> None:
    a = run({**YOUNG, "bleeding_frequency": "first_time"})
    ids = workup_ids(a)
    assert ids[0] == "pelvic_exam"
    assert "pelvic_ultrasound" not in ids
    assert stage_open(a, "lower_tract") and not stage_open(a, "uterine")


def test_normal_lower_tract_and_persistent_bleeding_bring_the_uterus_forward(run: Assess) -> None:
    before = run({**YOUNG, **PERSISTENT})
    after = run({**YOUNG, **PERSISTENT, **NORMAL_LOWER_TRACT})
    assert "pelvic_ultrasound" in workup_ids(after)
    assert stage_open(after, "uterine")
    for cause in UTERINE:
        assert probability(after, cause) > probability(before, cause), cause
    sites_before = {s.site: s.probability for s in before.sources_of_bleeding}
    sites_after = {s.site: s.probability for s in after.sources_of_bleeding}
    assert sites_after["uterus"] > sites_before["uterus"]
    assert sites_after["cervix"] < sites_before["cervix"]


def test_normal_exam_without_persistence_does_not_need_a_scan(run: Assess) -> None:
    a = run(
        {**YOUNG, **NORMAL_LOWER_TRACT, "bleeding_frequency": "first_time", "duration_weeks": 0}
    )
    assert "pelvic_ultrasound" not in workup_ids(a)


def test_after_menopause_the_uterus_is_assessed_first(run: Assess) -> None:
    a = run({"age": 64, "menopause": "postmenopausal"})
    assert {"pelvic_ultrasound", "endometrial_sampling"} & set(workup_ids(a))
    assert stage_open(a, "uterine")


RULED_OUT: dict[str, Any] = {
    **YOUNG,
    **PERSISTENT,
    **NORMAL_LOWER_TRACT,
    "exam_bimanual": "normal",
    "cytology": "nilm",
    "hpv_test": "negative",
    "chlamydia_test": "negative",
    "gonorrhea_test": "negative",
    "trichomonas_test": "negative",
    "bv_test": "negative",
    "pregnancy_test": "negative",
    "ultrasound": "normal",
    "colposcopy": "normal",
    "hormonal_contraception": "none",
    "iud": "none",
    "dryness": False,
}


def test_rare_causes_come_forward_when_common_ones_are_ruled_out(run: Assess) -> None:
    early = run({**YOUNG, **PERSISTENT})
    late = run(RULED_OUT)
    assert stage_open(late, "rare") and not stage_open(early, "rare")
    rare = [c.id for c in late.causes if c.stage == "rare"]
    assert rare
    for cause in rare:
        assert probability(late, cause) > probability(early, cause), cause
    assert late.causes[0].id == "no_cause_found"

"""The order of the evaluation is part of the knowledge: lower tract first, the uterus when the
lower tract is normal and bleeding persists, rare causes once the common ones are ruled out."""

from __future__ import annotations

from typing import Any

from candid.engine import Assessment
from candid.knowledge.models import Pack
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
    sites_before = {s.site: s.probability for s in before.sites}
    sites_after = {s.site: s.probability for s in after.sites}
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


def _rank_among_causes(a: Assessment, cause: str) -> int:
    """Position among the causes proper (the leak, no cause found, is not a cause)."""
    ids = [c.id for c in a.causes if c.id != "no_cause_found"]
    return ids.index(cause)


def test_rare_causes_come_forward_when_common_ones_are_ruled_out(run: Assess, pack: Pack) -> None:
    early = run({**YOUNG, **PERSISTENT})
    late = run(RULED_OUT)
    assert stage_open(late, "rare") and not stage_open(early, "rare")
    assert late.causes[0].id == "no_cause_found"
    assert "hysteroscopy" in workup_ids(late) and "hysteroscopy" not in workup_ids(early)
    tests_only = {k: v for k, v in RULED_OUT.items() if k not in ("exam_vagina", "exam_bimanual")}
    added = set(tests_only) - set(YOUNG) - set(PERSISTENT)
    late = run(tests_only)
    # A rare cause the new findings say nothing about moves up the list because the common
    # causes were ruled out; one they bear on (a normal vaginal exam makes a vaginal nodule
    # unlikely) may rightly stay down.
    untouched = [
        c.id
        for c in pack.causes.values()
        if c.frequency == "rare" and not added & {lik.fact for lik in c.likelihoods}
    ]
    assert untouched
    for cause in untouched:
        assert _rank_among_causes(late, cause) < _rank_among_causes(early, cause), cause

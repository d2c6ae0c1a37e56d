"""Every red flag raises the urgency to its level, with a reason, and nothing is ever below
routine: bleeding after sex always ends in at least an appointment."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Assess

BASE: dict[str, Any] = {"age": 30, "menopause": "premenopausal", "pregnant": "no"}

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("heavy bleeding now", {"heavy_bleeding_now": True}, "emergency"),
    ("a very heavy episode that has stopped", {"bleeding_amount": "very_heavy"}, "urgent"),
    ("dizziness or fainting", {"dizziness_or_fainting": True}, "emergency"),
    ("severe abdominal pain", {"severe_abdominal_pain": True}, "emergency"),
    (
        "pain after hysterectomy",
        {"has_uterus": False, "has_cervix": False, "pregnant": None, "pelvic_pain": True},
        "emergency",
    ),
    ("pregnant", {"pregnant": "yes"}, "urgent"),
    ("possibly pregnant", {"pregnant": "possible"}, "urgent"),
    ("positive pregnancy test", {"pregnant": None, "pregnancy_test": "positive"}, "urgent"),
    ("fever with pelvic pain", {"fever": True, "pelvic_pain": True}, "urgent"),
    ("fever alone", {"fever": True}, "urgent"),
    ("signs of sepsis or shock", {"very_unwell": True}, "emergency"),
    ("sexual assault", {"sexual_assault": True}, "urgent"),
    ("recent procedure, amount not known", {"recent_gyn_procedure": True}, "urgent"),
    (
        "recent procedure with pain",
        {"recent_gyn_procedure": True, "bleeding_amount": "light", "pelvic_pain": True},
        "urgent",
    ),
    ("tender pelvis on exam", {"exam_bimanual": "cervical_motion_tenderness"}, "urgent"),
    (
        "postmenopausal bleeding",
        {"age": 60, "menopause": "postmenopausal", "pregnant": None},
        "soon",
    ),
    ("suspicious cervical lesion", {"exam_cervix": "suspicious_lesion"}, "soon"),
    ("high-grade cytology", {"cytology": "hsil"}, "soon"),
    ("glandular cytology", {"cytology": "agc"}, "soon"),
    ("weight loss", {"unexplained_weight_loss": True}, "soon"),
    ("lump felt", {"lump_felt": True}, "soon"),
    ("tamoxifen", {"tamoxifen": True}, "soon"),
    ("suspicious vaginal lesion", {"exam_vagina": "suspicious_lesion"}, "soon"),
    ("high-grade precancer on biopsy", {"colposcopy": "cin2_3"}, "soon"),
    ("pelvic mass", {"exam_bimanual": "mass"}, "soon"),
    ("recurrent over 40", {"age": 44, "bleeding_frequency": "every_time"}, "soon"),
    (
        "suspected pelvic infection",
        {"pelvic_pain": True, "pain_with_sex": "deep", "new_or_multiple_partners": True},
        "urgent",
    ),
    (
        "vault signs within a year of a total hysterectomy",
        {
            "has_uterus": False,
            "has_cervix": False,
            "pregnant": None,
            "hysterectomy_within_year": True,
            "lump_felt": True,
        },
        "emergency",
    ),
    (
        "abnormal screening, recurrent",
        {"cervical_screening": "abnormal_recent", "bleeding_frequency": "sometimes"},
        "soon",
    ),
    (
        "never screened, recurrent",
        {"cervical_screening": "overdue_or_never", "bleeding_frequency": "most_times"},
        "soon",
    ),
]


@pytest.mark.parametrize(("name", "extra", "level"), CASES, ids=[c[0] for c in CASES])
def test_red_flag_sets_level_with_reason(
    run: Assess, name: str, extra: dict[str, Any], level: str
) -> None:
    facts = {k: v for k, v in {**BASE, **extra}.items() if v is not None}
    result = run(facts)
    assert result.urgency.level == level
    assert result.urgency.red_flags, "a raised level must name the rule that raised it"
    assert len(result.urgency.reasons) >= 2  # the red flag's reason and the baseline reason


def test_without_red_flags_it_is_routine_not_self_care(run: Assess) -> None:
    result = run({**BASE, "bleeding_amount": "spotting", "bleeding_frequency": "first_time"})
    assert result.urgency.level == "routine"
    assert result.urgency.red_flags == []
    assert "checked" in result.urgency.reasons[-1]
    assert any(w.id == "pelvic_exam" for w in result.workup)


def test_empty_facts_are_routine(run: Assess) -> None:
    assert run({}).urgency.level == "routine"


def test_emergency_interrupts_the_interview(run: Assess) -> None:
    result = run({"heavy_bleeding_now": True})
    assert result.urgency.interrupt is True
    assert result.next_question is None


def test_most_urgent_rule_wins(run: Assess) -> None:
    result = run({**BASE, "pregnant": "yes", "dizziness_or_fainting": True, "lump_felt": True})
    assert result.urgency.level == "emergency"
    assert result.urgency.red_flags[0] == "dizziness_or_fainting"


def test_age_55_or_more_is_assumed_postmenopausal_and_says_so(run: Assess) -> None:
    result = run({"age": 61})
    assert result.urgency.level == "soon"
    assert [a.id for a in result.assumptions] == ["postmenopausal_from_age"]
    assert result.assumptions[0].facts == {"menopause": "postmenopausal"}


def test_an_answer_beats_an_assumption(run: Assess) -> None:
    result = run({"age": 56, "menopause": "perimenopausal", "pregnant": "no"})
    assert result.assumptions == []
    assert result.urgency.level == "routine"  # periods still coming: not postmenopausal


def test_pelvic_pain_with_deep_pain_but_no_infection_risk_is_not_same_day(run: Assess) -> None:
    """Without a new partner, a partner's infection, discharge, burning or a recent procedure,
    endometriosis is the commoner cause: the suspected-PID rule does not hold."""
    result = run({**BASE, "pelvic_pain": True, "pain_with_sex": "deep"})
    assert "pelvic_infection_suspected" not in result.urgency.red_flags
    assert any(c.id == "pelvic_inflammatory_disease" for c in result.causes)


def test_a_prolapse_years_after_a_hysterectomy_is_not_an_ambulance(run: Assess) -> None:
    """Vault dehiscence follows a recent total hysterectomy; a lump 15 years later is seen
    within 2 weeks, not as an emergency (and never with the cervix kept)."""
    late = {"has_uterus": False, "has_cervix": False, "pregnant": None, "lump_felt": True}
    older = run({**BASE, **late, "hysterectomy_within_year": False})
    assert older.urgency.level == "soon"
    kept = run({**BASE, **late, "has_cervix": True})
    assert kept.urgency.level == "soon"


def test_not_sure_about_an_emergency_sign_says_what_to_do_if_it_is_there(run: Assess) -> None:
    """'Not sure' cannot rule an emergency out: the advice says what to do if the sign is
    there after all, once per sign, and not at all when the person said no."""
    unsure = run({"age": 30}, skipped=["heavy_bleeding_now", "dizziness_or_fainting"])
    assert unsure.urgency.level != "emergency"
    assert len(unsure.urgency.cautions) == 2
    assert all("call your emergency number now" in c for c in unsure.urgency.cautions)
    assert "bleeding heavily" in unsure.urgency.cautions[0]
    sure = run({"age": 30, "heavy_bleeding_now": False, "dizziness_or_fainting": False})
    assert sure.urgency.cautions == []
    spanish = run({"age": 30}, skipped=["heavy_bleeding_now"], lang="es")
    assert "número de emergencias" in spanish.urgency.cautions[0]


def test_too_young_for_screening_is_not_overdue_screening(run: Assess) -> None:
    """A 22-year-old who has never been invited is not 'overdue': the 2-week rule for
    persistent bleeding with overdue screening (cancer in 6% of the overdue, Jasper) is
    about people in the screening ages."""
    persistent = {"age": 22, "bleeding_frequency": "most_times", "duration_weeks": 8}
    young = run({**persistent, "cervical_screening": "not_yet_due"})
    assert "unscreened_persistent" not in young.urgency.red_flags
    overdue = run({**persistent, "age": 35, "cervical_screening": "overdue_or_never"})
    assert "unscreened_persistent" in overdue.urgency.red_flags


def test_not_yet_due_for_screening_at_45_is_refused_naming_the_fact(run: Assess) -> None:
    import pytest

    from candid.engine import FactsError

    with pytest.raises(FactsError, match="cervical_screening"):
        run({"age": 45, "cervical_screening": "not_yet_due"})


def test_light_bleeding_after_a_procedure_is_routine_with_the_same_day_signs(run: Assess) -> None:
    """Aftercare leaflets (LLETZ, IUD fitting) expect light bleeding for weeks and ask for
    same-day contact only for heavy bleeding, clots, fever, pain or a smelly discharge."""
    light = run({**BASE, "recent_gyn_procedure": True, "bleeding_amount": "light"})
    assert light.urgency.level == "routine"
    assert "recent_procedure_light" in light.urgency.red_flags
    assert any("fever" in reason for reason in light.urgency.reasons)
    heavy = run({**BASE, "recent_gyn_procedure": True, "bleeding_amount": "heavy"})
    assert heavy.urgency.level == "urgent"


def test_over_40_persistent_bleeding_is_routine_after_a_normal_cervix_and_negative_tests(
    run: Assess,
) -> None:
    """No cancer among those up to date (Jasper), none with a negative co-test (Tan 2020):
    the 2-week rule stops once the cervix looks normal and screening is normal."""
    persistent = {**BASE, "age": 45, "bleeding_frequency": "most_times", "duration_weeks": 10}
    assert run(persistent).urgency.level == "soon"
    checked = run({**persistent, "exam_cervix": "normal", "hpv_test": "negative"})
    assert "persistent_over_40" not in checked.urgency.red_flags
    looks_abnormal = run({**persistent, "exam_cervix": "ectropion", "hpv_test": "negative"})
    assert "persistent_over_40" in looks_abnormal.urgency.red_flags


def test_a_possible_pregnancy_with_pain_or_a_coil_names_ectopic_pregnancy(run: Assess) -> None:
    coil = run({**BASE, "pregnant": "possible", "iud": "copper"})
    assert "possible_ectopic" in coil.urgency.red_flags
    assert any("ectopic" in reason for reason in coil.urgency.reasons)
    plain = run({**BASE, "pregnant": "possible", "iud": "none", "pelvic_pain": False})
    assert "possible_ectopic" not in plain.urgency.red_flags


def test_in_later_pregnancy_no_internal_exam_until_the_placenta_is_located(run: Assess) -> None:
    """RCOG GTG 63/27a: from 20 weeks, a scan first; anti-D from 12 weeks (BSH 2014)."""
    late = run({**BASE, "pregnant": "yes", "pregnancy_weeks": 26})
    ids = [w.id for w in late.workup]
    assert "pelvic_exam" not in ids and "pelvic_ultrasound" in ids
    assert "blood_group_anti_d" in ids
    scanned = run({**BASE, "pregnant": "yes", "pregnancy_weeks": 26, "ultrasound": "normal"})
    assert "pelvic_exam" in [w.id for w in scanned.workup]
    early = run({**BASE, "pregnant": "yes", "pregnancy_weeks": 8})
    assert "blood_group_anti_d" not in [w.id for w in early.workup]


def test_an_emergency_leads_with_its_own_reasons(run: Assess) -> None:
    """With an emergency and a same-day reason together, the reasons that set the level come
    first and are counted (`leading`), so the emergency page says them before the rest."""
    result = run({**BASE, "pregnant": "yes", "heavy_bleeding_now": True})
    urgency = result.urgency
    assert urgency.level == "emergency" and urgency.leading == 1
    assert urgency.red_flags[0] == "heavy_bleeding_now" and len(urgency.reasons) > 2

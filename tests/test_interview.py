"""The adaptive interview, driven through the engine as the web and CLI drive it: emergencies
first on one page, then the questions most likely to change what the person is told, every
question that could raise the urgency before the end, and never a question that cannot
change anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from candid.engine import form_applying
from candid.engine.compiled import compiled
from candid.engine.decision import question_values
from candid.engine.infer import posterior
from candid.evaluation.interview import converse, replay
from candid.evaluation.vignettes import load_vignettes
from candid.knowledge.loader import load_pack
from candid.knowledge.models import Pack
from tests.conftest import Assess

ROOT = Path(__file__).resolve().parents[1]
NO_EMERGENCY: dict[str, Any] = {
    "heavy_bleeding_now": False,
    "dizziness_or_fainting": False,
    "severe_abdominal_pain": False,
    "very_unwell": False,
}


def interview(truth: dict[str, Any]) -> tuple[list[list[str]], dict[str, Any]]:
    talk = converse(load_pack(), truth)
    return talk.pages, talk.facts


def test_the_first_page_asks_every_emergency_sign_at_once(run: Assess, pack: Pack) -> None:
    first = run({})
    assert first.next_question is not None and first.next_question.reason == "opening"
    assert first.next_group is not None
    assert {i.fact for i in first.next_group.items} == {
        "heavy_bleeding_now",
        "dizziness_or_fainting",
        "severe_abdominal_pain",
        "very_unwell",
    }
    assert first.next_question.fact == first.next_group.items[0].fact  # one at a time too


def test_no_pregnancy_question_after_menopause_and_hormone_therapy_is_asked(run: Assess) -> None:
    truth = {**NO_EMERGENCY, "age": 61, "has_uterus": True, "menopause": "postmenopausal"}
    pages, _ = interview(truth)
    asked = [f for page in pages for f in page]
    assert "pregnant" not in asked
    assert "hormonal_contraception" not in asked
    assert "menopausal_hormone_therapy" in asked


def test_clinician_findings_are_never_asked(pack: Pack) -> None:
    pages, _ = interview({"age": 25})
    clinician = {f for f, fact in pack.facts.items() if fact.asked_by == "clinician"}
    assert not clinician & {f for page in pages for f in page}


def test_a_young_person_is_not_asked_about_tamoxifen_or_a_hysterectomy(pack: Pack) -> None:
    pages, _ = interview({**NO_EMERGENCY, "age": 24, "pregnant": "no"})
    asked = {f for page in pages for f in page}
    assert not {"tamoxifen", "has_uterus", "has_cervix"} & asked


def test_the_interview_covers_every_question_that_could_raise_the_urgency(
    run: Assess, pack: Pack
) -> None:
    truth: dict[str, Any] = {f: False for f, fact in pack.facts.items() if fact.type == "boolean"}
    truth.update({"has_uterus": True, "age": 45, "menopause": "premenopausal", "pregnant": "no"})
    pages, facts = interview(truth)
    asked = {f for page in pages for f in page}
    assert run(facts).urgency.level == "routine"
    for flag in (
        "sexual_assault",
        "recent_gyn_procedure",
        "unexplained_weight_loss",
        "lump_felt",
        "tamoxifen",
        "fever",
        "pelvic_pain",
        "bleeding_amount",
    ):
        assert flag in asked, f"{flag} must be asked before the interview stops"


def test_a_sensitive_question_keeps_its_own_page(pack: Pack) -> None:
    pages, _ = interview({**NO_EMERGENCY, "age": 30, "pregnant": "no"})
    (page,) = [p for p in pages if "sexual_assault" in p]
    assert page == ["sexual_assault"]
    ticks = [g.facts for g in pack.interview.groups.values() if g.kind == "tick"]
    tick_pages = [p for p in pages if len(p) > 1 and any(set(p) <= set(t) for t in ticks)]
    assert tick_pages and all(pack.facts[f].type == "boolean" for p in tick_pages for f in p)


def test_a_red_flag_answer_mid_interview_interrupts(run: Assess) -> None:
    result = run({**NO_EMERGENCY, "age": 33, "dizziness_or_fainting": True})
    assert result.urgency.interrupt and result.next_question is None
    assert result.next_group is None and result.progress.screens_left == 0


def test_a_past_very_heavy_episode_is_same_day_not_an_emergency(run: Assess) -> None:
    result = run({**NO_EMERGENCY, "age": 33, "bleeding_amount": "very_heavy"})
    assert result.urgency.level == "urgent" and not result.urgency.interrupt


def test_skipped_questions_are_not_asked_again(run: Assess) -> None:
    first = run({**NO_EMERGENCY})
    assert first.next_question is not None
    again = run({**NO_EMERGENCY}, skipped=[first.next_question.fact])
    assert again.next_question is not None
    assert again.next_question.fact != first.next_question.fact


def test_every_question_asked_for_its_value_was_worth_the_threshold(
    run: Assess, pack: Pack
) -> None:
    """The stop rule: a page chosen for its value (not as an opening, red-flag or closing
    question) was expected to change what the person is told by at least the threshold."""
    truth = {**NO_EMERGENCY, "age": 44, "pregnant": "no", "iud": "copper", "dryness": True}
    talk = converse(pack, truth)
    facts: dict[str, Any] = {}
    skipped: list[str] = []
    chosen = 0
    for page in talk.pages:
        result = run(facts, skipped=skipped)
        assert result.next_question is not None
        if result.next_question.reason == "value":
            chosen += 1
            assert result.next_question.expected_change >= pack.interview.stop_below_value
        facts.update({f: talk.facts[f] for f in page if f in talk.facts})
        skipped += [f for f in page if f not in talk.facts]
    assert chosen >= 3
    cp = compiled(pack)
    values = question_values(cp, facts, posterior(cp, facts), ["smoker"])
    assert values["smoker"] < pack.interview.stop_below_value or "smoker" in facts


def test_the_progress_estimate_counts_down_to_the_results(run: Assess, pack: Pack) -> None:
    truth = {**NO_EMERGENCY, "age": 28, "pregnant": "no", "discharge": "yellow_or_increased"}
    talk = converse(pack, truth)
    assert talk.result.next_question is None
    estimates = []
    facts: dict[str, Any] = {}
    skipped: list[str] = []
    for page in talk.pages:
        estimates.append(run(facts, skipped=skipped).progress.screens_left)
        facts.update({f: talk.facts[f] for f in page if f in talk.facts})
        skipped += [f for f in page if f not in talk.facts]
    assert estimates[-1] == 1, "the last page says it is the last"
    assert all(e >= 1 for e in estimates)


@pytest.fixture(scope="module")
def replays(pack: Pack) -> list[Any]:
    return [replay(pack, case) for case in load_vignettes(ROOT / "vignettes")]


def test_replaying_every_vignette_never_ends_less_urgent_than_all_answers(
    replays: list[Any],
) -> None:
    """Interviewing each vignette's person (their own answers, typical answers for the rest)
    ends at least as urgent as all their answers warrant: no red flag is missed."""
    assert [r.id for r in replays if r.missed_red_flag] == []


def test_replaying_every_vignette_stays_short(replays: list[Any]) -> None:
    screens = sorted(r.screens for r in replays)
    assert screens[len(screens) // 2] <= 12
    assert screens[-1] <= 25


def test_every_question_that_could_reveal_an_emergency_comes_by_the_third_page(
    replays: list[Any],
) -> None:
    """Including after a recent hysterectomy, where the signs of the vault opening (pain,
    a lump, deep pain with sex, watery discharge) could make it an emergency."""
    late = {r.id: r.emergency_screens for r in replays if max(r.emergency_screens, default=0) > 3}
    assert late == {}


def test_a_form_shows_a_question_once_the_answer_above_it_makes_it_apply(pack: Pack) -> None:
    page = pack.interview.groups["about_you"].facts
    young = form_applying(pack, page, NO_EMERGENCY, {"age": 25})
    assert "has_uterus" not in young and {"pregnant", "iud"} <= set(young)
    after_hysterectomy = form_applying(pack, page, NO_EMERGENCY, {"age": 45, "has_uterus": False})
    assert {"has_cervix", "hysterectomy_within_year"} <= set(after_hysterectomy)
    assert not {"pregnant", "iud"} & set(after_hysterectomy)
    # "Not sure" about the womb: the hysterectomy questions stay hidden, pregnancy stays.
    unsure = form_applying(pack, page, NO_EMERGENCY, {"age": 45, "has_uterus": None})
    assert "has_cervix" not in unsure and "pregnant" in unsure
    # An answer saved from an earlier visit to the page does not decide: the new one does.
    changed = form_applying(pack, page, {"has_uterus": False}, {"age": 45, "has_uterus": True})
    assert "has_cervix" not in changed


def test_the_opening_form_carries_the_condition_that_shows_each_follow_up(run: Assess) -> None:
    step = run(NO_EMERGENCY)
    assert step.next_group is not None and step.next_group.kind == "form"
    items = {i.fact: i for i in step.next_group.items}
    assert items["age"].shown_when is None and items["age"].question is not None
    assert items["has_cervix"].shown_when == {"facts": {"has_uterus": {"eq": False}}}
    assert "menopause" in str(items["menopausal_hormone_therapy"].shown_when)


def test_the_typical_answers_never_contradict_the_persons_own(pack: Pack) -> None:
    """Someone bleeding heavily now would not say 'spotting': the replay drops a typical
    answer the person's own answers rule out rather than failing on it."""
    from candid.evaluation.vignettes import Vignette

    case = Vignette.model_validate(
        {"id": "t", "facts": {"age": 30, "heavy_bleeding_now": True}, "expect": {}}
    )
    r = replay(pack, case)
    assert r.result.urgency.interrupt and r.screens == 1
    assert r.all_answers.urgency.level == "emergency"


def test_the_bleeding_is_always_described_even_when_the_advice_is_settled(pack: Pack) -> None:
    """Someone who may be pregnant is told to be seen today whatever else they say; the
    clinician still needs the bleeding described, so its page is asked."""
    pages, _ = interview({**NO_EMERGENCY, "age": 28, "pregnant": "possible"})
    asked = {f for page in pages for f in page}
    assert set(pack.interview.always) - {"postmenopausal_bleeding_other"} <= asked


def test_the_closing_questions_come_last(pack: Pack) -> None:
    """Sexual assault and medicines change the care offered; they are asked at the end, not
    in the middle for urgency coverage (they are asked before the end either way)."""
    pages, _ = interview({**NO_EMERGENCY, "age": 24, "new_or_multiple_partners": True})
    closing = set(pack.interview.closing)
    tail = [p for p in pages if set(p) & closing]
    assert tail and pages[-len(tail) :] == tail, pages

"""The interview as a person walks it: a question, a group of yes/no questions or a short
form per page, chosen by the engine; an emergency answer interrupts at once; answers can be
checked and changed; bad input gets a clear message and never loses what was already said."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from candid.knowledge.models import Pack
from tests.web.client import (
    answer,
    answered,
    csrf,
    fact_of,
    fill,
    form_items,
    group_items,
    group_of,
    interview,
    main_of,
    make_client,
    not_sure,
    soup,
    start,
    tick,
    unmasked_page,
)

YOUNG_ON_PILL = {
    "heavy_bleeding_now": "false",
    "dizziness_or_fainting": "false",
    "severe_abdominal_pain": "false",
    "age": "22",
    "has_uterus": "true",
    "has_cervix": "true",
    "menopause": "premenopausal",
    "pregnant": "no",
    "hormonal_contraception": "combined",
}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return make_client(tmp_path)


def test_the_first_page_asks_the_emergency_signs_together(client: TestClient, pack: Pack) -> None:
    r = start(client)
    assert group_of(r) == "right_now"
    assert group_items(r) == [f for f in pack.interview.groups["right_now"].items]
    page = soup(r)
    assert page.select_one("legend h1.nhsuk-fieldset__heading") is not None, "h1 in the legend"
    none = page.select_one("input[name=none][data-behaviour=exclusive]")
    assert none is not None, "an exclusive None of these"
    assert "more page" in page.select_one("legend .nhsuk-caption-l").get_text()  # type: ignore[union-attr]


def test_an_emergency_answer_interrupts_before_anything_else(client: TestClient) -> None:
    r = tick(client, start(client), ["dizziness_or_fainting"])
    assert r.url.path == "/emergency"
    main = main_of(r)
    card = main.select_one(".nhsuk-card--care--emergency")
    assert card is not None
    first_text = main.select_one("p, ul, h2, a")
    assert first_text is not None and card in first_text.parents, "the card comes first"
    assert "emergency" in card.get_text().lower()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select every one that applies"),
        ({"ticked": "fever_that_is_not_here"}, "Select from the options shown"),
        ({"ticked": "dizziness_or_fainting", "none": "yes"}, "only if none of the others"),
    ],
    ids=["nothing", "unknown box", "a box and none"],
)
def test_a_group_page_names_what_is_wrong_and_saves_nothing(
    client: TestClient, data: dict[str, str], message: str
) -> None:
    r = start(client)
    bad = client.post("/groups/right_now", data={"csrf": csrf(r), **data})
    assert bad.status_code == 422
    summary = soup(bad).select_one(".nhsuk-error-summary [role=alert]")
    assert summary is not None and message in summary.get_text()
    assert client.get("/questions").url.path == "/groups/right_now", "nothing was answered"


def test_none_of_these_answers_no_to_every_box(client: TestClient) -> None:
    r = tick(client, start(client), [])
    assert group_of(r) == "about_you"
    check = client.get("/check").text
    assert check.count("/questions/") >= 3  # each box is a row with its own Change link
    back = soup(r).select_one(".nhsuk-back-link__link")
    assert back is not None and back["href"] == "/groups/right_now"
    again = client.get("/groups/right_now")
    assert soup(again).select_one("input[name=none][checked]") is not None


def test_a_form_asks_each_question_in_its_own_words(client: TestClient, pack: Pack) -> None:
    r = tick(client, start(client), [])
    items = form_items(r)
    assert items[0] == "age" and {"has_uterus", "has_cervix", "pregnant"} <= set(items)
    page = soup(r)
    for fact in ("has_uterus", "pregnant"):
        legend = page.select_one(f'[data-fact="{fact}"] legend')
        assert legend is not None and legend.get_text().strip() == pack.facts[fact].question.en
    # A question that turns on an answer above it carries the condition that shows it.
    cervix = page.select_one('[data-fact="has_cervix"]')
    assert cervix is not None and '"has_uterus"' in str(cervix["data-shown-when"])
    assert page.select_one('[data-fact="age"]').get("data-shown-when") is None  # type: ignore[union-attr]


def test_a_form_keeps_only_the_answers_that_apply(client: TestClient) -> None:
    """Without the page's script every question shows; an answer to one that does not
    apply (a hysterectomy at 25) is dropped, not saved."""
    r = tick(client, start(client), [])
    answers = {"age": "25", "has_uterus": "false", "has_cervix": "false", "pregnant": "no"}
    answers |= {"iud": "none", "cervical_screening": "up_to_date_normal"}
    fill(client, r, answers)
    kept = answered(client)
    assert {"age", "pregnant", "iud", "cervical_screening"} <= set(kept)
    assert not {"has_uterus", "has_cervix", "hysterectomy_within_year", "menopause"} & set(kept)


def test_a_form_names_every_question_left_unanswered_and_saves_nothing(
    client: TestClient, pack: Pack
) -> None:
    r = tick(client, start(client), [])
    bad = client.post(
        "/groups/about_you",
        data={"csrf": csrf(r), "age": "50", "has_uterus": "false", "pregnant": "sometimes"},
    )
    assert bad.status_code == 422
    summary = soup(bad).select_one(".nhsuk-error-summary [role=alert]")
    assert summary is not None
    text = summary.get_text()
    # The questions the answers above make apply, each named: the cervix after "no womb".
    assert pack.facts["has_cervix"].question.en in text
    assert pack.facts["menopause"].question.en in text
    # "Could you be pregnant?" does not apply without a womb: its bad answer is not an error.
    assert pack.facts["pregnant"].question.en not in text
    links = {str(a["href"]) for a in summary.select("a")}
    assert "#has_cervix" in links and soup(bad).find(id="has_cervix") is not None
    assert soup(bad).find("input", attrs={"name": "age", "value": "50"}) is not None, "kept"
    assert answered(client) == [
        "heavy_bleeding_now",
        "dizziness_or_fainting",
        "severe_abdominal_pain",
        "very_unwell",
    ]


def test_a_full_interview_ends_on_check_answers_then_results(
    client: TestClient, pack: Pack
) -> None:
    r, asked = interview(client, YOUNG_ON_PILL)
    assert r.url.path == "/check"
    # Questions, not pages: each box on a tick page counts (about 10 pages; docs/interview.md).
    assert 10 <= len(asked) <= pack.interview.max_questions
    rows = soup(r).select(".nhsuk-summary-list__row")
    assert len(rows) == len(asked), "every answer is listed, with a Change link"
    links = [row.find("a") for row in rows]
    assert all(a is not None and a.get_text().startswith("Change") for a in links)
    results = client.get("/results")
    page = soup(results)
    assert main_of(results).select_one(".nhsuk-card--care") is not None
    assert page.select_one("svg.candid-bars[role=img] title") is not None
    causes = [h.get_text() for h in page.select("details.candid-cause summary")]
    assert any("ectropion" in c.lower() or "chlamydia" in c.lower() for c in causes), causes


def test_the_back_link_walks_the_answers_in_order(client: TestClient) -> None:
    first = tick(client, start(client), [])
    second = fill(client, first, {"age": "34", "has_uterus": "true", "pregnant": "no"})
    back = soup(second).select_one(".nhsuk-back-link__link")
    assert back is not None and back["href"] == "/groups/about_you"
    again = client.get(str(back["href"]))
    assert soup(again).find("input", attrs={"name": "age", "value": "34"}) is not None
    assert soup(again).find("input", attrs={"name": "pregnant", "value": "no", "checked": True})


def test_changing_an_answer_returns_to_check_answers(client: TestClient) -> None:
    r, _ = interview(client, YOUNG_ON_PILL)
    change = client.get("/questions/hormonal_contraception?change=true")
    assert soup(change).select_one(".nhsuk-back-link__link")["href"] == "/check"  # type: ignore[index]
    r = answer(client, change, "progestin_only", change=True)
    assert r.url.path in ("/check",) or fact_of(r) is not None
    while (fact := fact_of(r)) is not None:  # a change may open new questions: asked first
        r = answer(client, r, not_sure(r), change=True)
        assert fact != "hormonal_contraception"
    assert r.url.path == "/check"
    row = next(
        row
        for row in soup(r).select(".nhsuk-summary-list__row")
        if "hormonal" in str(row.find("a")["href"])  # type: ignore[index]
    )
    assert "Mini-pill, shot or implant" in row.get_text()


def test_a_change_that_makes_questions_irrelevant_drops_their_answers(
    client: TestClient,
) -> None:
    interview(client, {**YOUNG_ON_PILL, "age": "47", "menopause": "perimenopausal"})
    before = unmasked_page(client.get("/check"))
    assert "/questions/pregnant?" in before and "/questions/menopause?" in before
    r = answer(client, client.get("/questions/menopause?change=true"), "postmenopausal", True)
    while fact_of(r) is not None:
        r = answer(client, r, not_sure(r), change=True)
    assert "/questions/pregnant?" not in r.text, "the pregnancy answer no longer applies"


@pytest.mark.parametrize(
    ("fact", "value", "message"),
    [
        ("heavy_bleeding_now", "maybe", "Select an answer"),
        ("heavy_bleeding_now", "", "Select an answer"),
        ("age", "abc", "whole number"),
        ("age", "7", "whole number"),
        ("age", "", "Enter a number"),
    ],
)
def test_bad_answers_get_a_clear_error_and_keep_earlier_answers(
    client: TestClient, fact: str, value: str, message: str
) -> None:
    _r, _ = interview(client, YOUNG_ON_PILL)
    before = unmasked_page(client.get("/check"))
    page = client.get(f"/questions/{fact}?change=true")
    bad = client.post(f"/questions/{fact}?change=true", data={"csrf": csrf(page), "answer": value})
    assert bad.status_code == 422
    summary = soup(bad).select_one(".nhsuk-error-summary [role=alert]")
    assert summary is not None and message in summary.get_text()
    title = soup(bad).select_one("title")
    assert title is not None and title.get_text().startswith("Error:")
    link = summary.select_one("a")
    assert link is not None and link["href"] == "#answer"
    assert soup(bad).find(id="answer") is not None, "the error links to the first input"
    assert unmasked_page(client.get("/check")) == before, "nothing already saved was lost"


def test_a_missing_or_wrong_csrf_token_is_refused_and_changes_nothing(
    client: TestClient,
) -> None:
    _r, _ = interview(client, YOUNG_ON_PILL)
    before = unmasked_page(client.get("/check"))
    for data in ({"answer": "true"}, {"answer": "true", "csrf": "forged"}):
        refused = client.post("/questions/heavy_bleeding_now?change=true", data=data)
        assert refused.status_code == 400
        assert "expired" in refused.text and "answers have not been changed" in refused.text
        assert "Traceback" not in refused.text
    assert unmasked_page(client.get("/check")) == before


def test_a_huge_body_gets_an_error_page_and_keeps_the_answers(client: TestClient) -> None:
    r, _ = interview(client, YOUNG_ON_PILL)
    before = unmasked_page(client.get("/check"))
    huge = client.post(
        "/questions/age?change=true", data={"csrf": csrf(r), "answer": "x" * 200_000}
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("text/html")
    assert "too large" in huge.text and "Go back to your questions" in huge.text
    assert unmasked_page(client.get("/check")) == before


def test_unknown_pages_and_clinician_facts_are_404_pages(client: TestClient) -> None:
    start(client)
    for url in ("/questions/no_such_fact", "/questions/exam_cervix", "/nowhere"):
        r = client.get(url)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert "Page not found" in r.text


def test_a_tampered_cookie_starts_afresh(client: TestClient) -> None:
    interview(client, YOUNG_ON_PILL)
    client.cookies.set("candid_session", "gAAAAAtampered")
    assert client.get("/check").url.path == "/"


def test_delete_my_answers_ends_the_session_at_once(client: TestClient) -> None:
    r, _ = interview(client, YOUNG_ON_PILL)
    deleted = client.post("/delete", data={"csrf": csrf(r)})
    assert deleted.url.path == "/" and "Your answers have been deleted" in deleted.text
    assert client.get("/check").url.path == "/"
    assert client.get("/results").url.path == "/"
    old = client.post("/questions/age", data={"csrf": csrf(r), "answer": "30"})
    assert old.status_code == 400, "the old session's token no longer works"


def test_a_person_can_resume_or_start_again(client: TestClient) -> None:
    r = tick(client, start(client), [])
    home = client.get("/")
    assert "Continue where you left off" in home.text
    resumed = client.post("/start", data={"csrf": csrf(home), "resume": "yes"})
    assert fact_of(resumed) == fact_of(r)
    again = client.post("/start", data={"csrf": csrf(home)})
    assert group_of(again) == "right_now"


def test_reassurance_and_meanwhile_follow_the_packs_rules(tmp_path: Path, pack: Pack) -> None:
    """The pack says when reassurance may be said (not after menopause, never beside a likely
    cancer) and when the intimacy tips lead; the page follows it."""
    from candid.knowledge.learn import load_learn

    learn = load_learn()
    heading = learn.reassurance.heading.en
    acknowledgement = learn.guides["meanwhile"].acknowledgement
    assert acknowledgement is not None
    young = make_client(tmp_path / "young")
    interview(young, YOUNG_ON_PILL)
    results = young.get("/results")
    assert acknowledgement.en.split(".")[0] not in results.text
    # How sex is affected is asked on the results page, optional, beside the tips.
    form = soup(results).select_one("form[action='/questions/impact_on_intimacy?then=results']")
    assert form is not None
    answered = young.post(
        "/questions/impact_on_intimacy?then=results",
        data={"csrf": csrf(results), "answer": "avoiding_sex"},
    )
    assert answered.url.path == "/results"
    page = answered.text
    assert heading in page and acknowledgement.en.split(".")[0] in page
    older = make_client(tmp_path / "older")
    interview(older, {**YOUNG_ON_PILL, "age": "63", "menopause": "postmenopausal"})
    page = older.get("/results").text
    assert heading not in page, "no reassurance from premenopausal figures after menopause"
    assert acknowledgement.en.split(".")[0] not in page


def test_the_emergency_and_same_day_advice_offer_a_number_to_tap(tmp_path: Path) -> None:
    """The default numbers are the UK's (999, NHS 111); a deployer sets their own."""
    client = make_client(tmp_path / "uk")
    r = tick(client, start(client), ["heavy_bleeding_now"])
    call = soup(r).select_one("main a[href='tel:999']")
    assert call is not None and "999" in call.get_text()
    us = make_client(tmp_path / "us", emergency_phone="911", same_day_phone="18005551234")
    r = tick(us, start(us), ["dizziness_or_fainting"])
    assert soup(r).select_one("main a[href='tel:911']") is not None
    interview(us, {**YOUNG_ON_PILL, "pregnant": "yes"})
    results = soup(us.get("/results"))
    assert results.select_one("#urgency a[href='tel:18005551234']") is not None


def test_a_phone_setting_that_is_not_a_number_is_refused_at_start(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="emergency_phone"):
        make_client(tmp_path, emergency_phone="call me")


def test_not_sure_about_bleeding_heavily_now_brings_a_caution_and_the_number(
    client: TestClient,
) -> None:
    interview(client, YOUNG_ON_PILL)
    change = client.get("/questions/heavy_bleeding_now?change=true")
    r = answer(client, change, "unsure", change=True)
    while fact_of(r) is not None:
        r = answer(client, r, not_sure(r), change=True)
    card = main_of(client.get("/results")).select_one("#urgency")
    assert card is not None
    caution = card.select_one(".candid-caution")
    assert caution is not None and "not sure whether you are bleeding heavily" in caution.get_text()
    assert card.select_one('a[href="tel:999"]') is not None


def test_the_emergency_page_sends_a_change_back_to_the_page_that_asked(
    client: TestClient,
) -> None:
    """An emergency answered on a page of several questions is changed on that page, with
    the others given there; what to do while waiting fits the person."""
    r = tick(client, start(client), [])
    answers = {"age": "52", "has_uterus": "false", "has_cervix": "false"}
    r = fill(
        client, r, answers | {"hysterectomy_within_year": "true", "menopause": "postmenopausal"}
    )
    while r.url.path != "/emergency":
        if group_of(r) == "symptoms":
            r = fill(client, r, {"pain_with_sex": "deep"})
        elif form_items(r):
            r = fill(client, r, {})
        elif group_of(r) is not None:
            r = tick(client, r, [])
        else:
            r = answer(client, r, not_sure(r))
    page = main_of(r)
    assert page.find("a", href="/groups/symptoms") is not None
    assert "pregnant" not in page.get_text(), "no pregnancy advice after a hysterectomy"


def test_after_sexual_assault_the_advice_says_what_cannot_wait(tmp_path: Path, pack: Pack) -> None:
    """HIV prevention works only within 72 hours and emergency contraception best at once, so
    the same-day advice says so on the results page itself, not only in a learn page."""
    client = make_client(tmp_path)
    interview(client, {**YOUNG_ON_PILL, "sexual_assault": "true"})
    card = soup(client.get("/results")).select_one("#urgency")
    assert card is not None
    steps = pack.urgency.levels["urgent"].while_waiting
    assert steps and all(step.en in card.get_text() for step in steps)
    other = make_client(tmp_path / "other")
    interview(other, {**YOUNG_ON_PILL, "pregnant": "yes"})
    card = soup(other.get("/results")).select_one("#urgency")
    assert card is not None and "72 hours" not in card.get_text()

"""The interview's turns a person can take: an emergency, changing an answer, switching
language, deleting everything, and doing it all with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from candid.store.db import database
from candid.store.sessions import Sessions
from candid.web.session import COOKIE, Interview, SessionCookies
from tests.browser.helpers import (
    LEVEL_LABEL,
    PACK,
    START,
    LiveServer,
    Traffic,
    answer,
    fact_of,
    fill_form,
    group_items,
    group_of,
    interview_over_http,
    is_form,
    path_of,
    pick,
    run_interview,
    start,
    submit,
    text_before,
    tick,
)
from tests.browser.test_personas import PERSONAS

YOUNG, OLDER, PREGNANT = PERSONAS


def emergency_openers() -> list[str]:
    """The first page's questions, each of whose "yes" alone is an emergency (urgency.yaml)."""
    (first,) = [
        list(group.items)
        for group in PACK.interview.groups.values()
        if PACK.interview.opening[0] in group.items
    ]
    return [
        fact
        for fact in first
        if any(
            rule.level == "emergency"
            and set(rule.when.facts) == {fact}
            and rule.when.facts[fact].eq is True
            for rule in PACK.urgency.rules
        )
    ]


def test_the_interview_opens_with_the_emergency_questions_on_one_page() -> None:
    openers = emergency_openers()
    assert openers == PACK.interview.opening[: len(openers)]


@pytest.mark.parametrize("fact", emergency_openers())
def test_an_emergency_answer_interrupts_with_the_emergency_card_first(
    page: Page, server: LiveServer, traffic: Traffic, fact: str
) -> None:
    start(page)
    assert group_of(page) is not None and group_items(page) == emergency_openers()
    tick(page, [fact])

    assert path_of(page) == "/emergency"
    card = page.locator("main .nhsuk-card--care").first
    assert "nhsuk-card--care--emergency" in (card.get_attribute("class") or "")
    label = LEVEL_LABEL["emergency"]
    assert label in card.locator(".nhsuk-card--care__heading").inner_text()
    # Nothing is shown before the card; screen readers hear only the page's heading, which is
    # the same words as the card's.
    before = text_before(page, ".nhsuk-card--care")
    assert before["visible"] == [], f"shown before the emergency card: {before['visible']}"
    assert set(before["hidden"]) <= {label}, before["hidden"]
    assert card.is_visible()
    reason = next(r for r in PACK.urgency.rules if r.id == fact).reason.get("en")
    assert reason in card.inner_text()
    assert not traffic.third_party(server.url)


def test_a_group_page_tick_none_back_and_change(page: Page, server: LiveServer) -> None:
    """Tick a box, go back, see it ticked, change to "None of these"; the change sticks, and
    check your answers lists each box as its own answer."""
    start(page)
    tick(page, [])
    assert group_of(page) == "about_you"
    submit(page, page.locator(".nhsuk-back-link__link"))
    assert group_of(page) == "right_now"
    assert page.locator('main input[name="none"]').is_checked()
    tick(page, ["severe_abdominal_pain"])
    assert path_of(page) == "/emergency"
    page.goto("/groups/right_now")
    assert page.locator("input#severe_abdominal_pain").is_checked()
    page.locator("label[for='severe_abdominal_pain']").click()  # untick
    tick(page, [])
    assert group_of(page) == "about_you"
    page.goto("/check")
    for fact in emergency_openers():
        assert answer_row(page, fact) == "No"


def answer_row(page: Page, fact: str) -> str:
    row = page.locator("main .nhsuk-summary-list__row").filter(
        has=page.locator(f'a[href="/questions/{fact}?change=true"]')
    )
    assert row.count() == 1, f"no row for {fact} on check your answers"
    return row.locator(".nhsuk-summary-list__value").inner_text().strip()


def label_of(fact: str, value: str, lang: str = "en") -> str:
    spec = PACK.facts[fact]
    if spec.type == "boolean":
        return {"true": "Yes" if lang == "en" else "Sí", "false": "No"}[value]
    if spec.type == "choice" and spec.choices:
        return spec.choices[value].label.get(lang)
    return value


@pytest.mark.parametrize(
    ("who", "fact", "new", "then_asked"),
    [
        ("young", "bleeding_amount", "light", None),
        # No womb: the cervix question becomes relevant, the pregnancy one no longer applies.
        ("older", "has_uterus", "false", "has_cervix"),
    ],
)
def test_changing_an_answer_from_check_your_answers(
    page: Page, context: BrowserContext, who: str, fact: str, new: str, then_asked: str | None
) -> None:
    persona = YOUNG if who == "young" else OLDER
    assert interview_over_http(context, persona.answers) == "/check"
    page.goto("/check")
    old = pick(persona.answers, fact)
    assert answer_row(page, fact) == label_of(fact, old)

    submit(page, page.locator(f'main a[href="/questions/{fact}?change=true"]'))
    assert path_of(page) == f"/questions/{fact}"
    assert page.locator(f'input[name="answer"][value="{old}"]').is_checked(), "old answer shown"
    assert page.locator(".nhsuk-back-link__link").get_attribute("href") == "/check"
    answer(page, new)

    if then_asked is not None:
        assert fact_of(page) == then_asked, f"expected {then_asked} next, got {page.url}"
        assert page.url.endswith("?change=true")
    asked = run_interview(page, persona.answers)
    assert path_of(page) == "/check", f"ended on {page.url} after {asked}"
    assert answer_row(page, fact) == label_of(fact, new)
    if then_asked is not None:
        expected = label_of(then_asked, pick(persona.answers, then_asked))
        assert answer_row(page, then_asked) == expected
        assert page.locator('a[href="/questions/pregnant?change=true"]').count() == 0


def test_switching_to_spanish_keeps_the_answers(page: Page) -> None:
    start(page)
    tick(page, [])
    assert group_of(page) == "about_you"
    assert page.locator("html").get_attribute("lang") == "en"

    submit(page, page.get_by_role("link", name="Español"))
    assert path_of(page) == "/groups/about_you" and "lang=es" in page.url
    assert page.locator("html").get_attribute("lang") == "es"
    form = PACK.interview.groups["about_you"]
    assert page.locator("main h1").inner_text().strip() == form.question.get("es")
    legend = page.locator('main [data-fact="pregnant"] legend').inner_text().strip()
    assert legend == PACK.facts["pregnant"].question.get("es")
    assert page.get_by_role("link", name="English").count() == 1

    # Answering in Spanish: the womb question shows once the age makes it apply.
    assert page.locator('main [data-fact="has_uterus"]').is_hidden()
    page.locator("input#age").fill("30")
    assert page.locator('main [data-fact="has_uterus"]').is_visible()
    assert page.locator('label[for="has_uterus"]').inner_text() == "Sí"
    given = {"age": "30", "has_uterus": "true", "pregnant": "no", "iud": "none"}
    asked = fill_form(page, given)
    assert group_of(page) not in (None, "about_you"), page.url
    assert page.locator("html").get_attribute("lang") == "es"

    page.goto("/check")  # the language is remembered without the query
    assert page.locator("html").get_attribute("lang") == "es"
    keys = [k.strip() for k in page.locator("main .nhsuk-summary-list__key").all_inner_texts()]
    first_page = len(PACK.interview.groups["right_now"].items)
    assert keys[first_page:] == [PACK.facts[f].question.get("es") for f in asked]
    for f in ("age", "has_uterus", "pregnant"):
        assert answer_row(page, f) == label_of(f, given[f], "es")


def fact_id_radio(page: Page, value: str) -> str:
    return page.locator(f'input[name="answer"][value="{value}"]').get_attribute("id") or ""


def session_of(context: BrowserContext, server: LiveServer) -> Interview:
    cookie = next(c for c in context.cookies() if c.get("name") == COOKIE)
    key = (server.data_dir / "secret.key").read_bytes().strip()
    db = database(f"sqlite:///{server.data_dir / 'candid.db'}")
    value = (cookie.get("value") or "").strip('"')  # quoted on the wire when it holds "="
    opened = SessionCookies(key, 3600, lambda: Sessions(db, 3600)).open(value)
    assert opened is not None, "the session cookie does not open with the app's key"
    return opened.interview


def test_delete_my_answers(page: Page, context: BrowserContext, server: LiveServer) -> None:
    start(page)
    tick(page, [])
    asked = fill_form(page, YOUNG.answers)
    before = session_of(context, server)
    first_page = len(PACK.interview.groups["right_now"].items)
    assert len(before.order) == first_page + len(asked) and before.facts

    submit(page, page.get_by_role("button", name="Delete my answers"))
    assert path_of(page) == "/" and "deleted=true" in page.url
    status = page.get_by_role("status")
    assert "Your answers have been deleted." in status.inner_text()
    assert page.get_by_role("button", name=START, exact=True).is_visible()
    assert page.get_by_role("button", name="Continue where you left off").count() == 0

    after = session_of(context, server)
    assert not after.facts and not after.order and not after.skipped and not after.started
    assert after.csrf != before.csrf, "deleting ends the session: a new form token"
    for url in ("/check", "/results", "/summary", "/questions", "/emergency"):
        page.goto(url)
        assert path_of(page) == "/", f"{url} still open after deleting: {page.url}"


# --- keyboard only ------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',
    value: el.value || '', text: (el.innerText || '').trim(), checked: !!el.checked,
    visible: el.matches(':focus-visible') && box.width > 0 && box.height > 0,
  };
}"""
Focus = dict[str, Any]


def focused(page: Page) -> Focus:
    state: Focus | None = page.evaluate(FOCUSED)
    assert state is not None, f"{page.url}: nothing has the focus"
    assert state["visible"], f"{page.url}: the focus is not visible on {state}"
    return state


def tab_to(page: Page, wanted: Callable[[Focus], bool], what: str, limit: int = 80) -> Focus:
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focused(page)
        if wanted(state):
            return state
    raise AssertionError(f"{page.url}: {what} not reached with {limit} presses of Tab")


def press_enter(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def keyboard_group(page: Page, ticked: list[str]) -> None:
    """Tab through a group page's boxes, Space on those that apply (or on "None of these"),
    and stop on the Continue button."""
    wanted = set(ticked) or {"yes"}  # the none box's value
    chosen: set[str] = set()
    while chosen != wanted:
        state = tab_to(page, lambda f: f["type"] == "checkbox", "a box")
        if state["value"] in wanted and not state["checked"]:
            page.keyboard.press("Space")
            assert focused(page)["checked"], f"{state['value']} not ticked"
            chosen.add(state["value"])
    tab_to(page, lambda f: f["type"] == "submit" and not f["name"], "Continue")


def choose_with_arrows(page: Page, fact: str, state: Focus, value: str) -> None:
    """From the focused radio, the arrow keys move through the set, choosing as they go."""
    for _ in range(8):
        if state["value"] == value:
            break
        page.keyboard.press("ArrowDown")
        state = focused(page)
    assert state["value"] == value, f"{fact}: could not reach {value!r} with arrows"
    if not state["checked"]:
        page.keyboard.press("Space")
    assert focused(page)["checked"], f"{fact}: {value!r} not chosen"


def keyboard_form(page: Page, answers: dict[str, str]) -> None:
    """Tab to each question of a form page in turn, type a number or move through the
    radios with the arrow keys; a question the answers above reveal gets its turn once
    shown. Stops on the Continue button."""
    done: list[str] = []
    while todo := [f for f in group_items(page) if f not in done]:
        fact, value = todo[0], pick(answers, todo[0])
        names = (fact, f"{fact}-unsure")
        state = tab_to(page, lambda f: f["name"] in names, fact)  # noqa: B023 (used at once)
        if state["type"] == "text":
            if value == "unsure":
                tab_to(page, lambda f: f["name"] == names[1], "not sure")  # noqa: B023
                page.keyboard.press("Space")
            else:
                page.keyboard.type(value)
        else:
            choose_with_arrows(page, fact, state, value)
        done.append(fact)
    tab_to(page, lambda f: f["type"] == "submit" and not f["name"], "Continue")


def test_keyboard_only_from_start_to_results(page: Page) -> None:
    page.goto("/")
    tab_to(page, lambda f: f["text"] == START, "the start button")
    press_enter(page)

    asked: list[str] = []
    while (fact := fact_of(page) or group_of(page)) is not None:
        assert len(asked) < 45, f"still asking after 45 questions: {asked}"
        asked.append(fact)
        if group_of(page) is not None and is_form(page):
            keyboard_form(page, dict(PREGNANT.answers))
            press_enter(page)
            assert group_of(page) != fact, f"{fact}: the answers were not accepted"
            continue
        if group_of(page) is not None:
            keyboard_group(
                page, [f for f in group_items(page) if pick(PREGNANT.answers, f) == "true"]
            )
            press_enter(page)
            assert group_of(page) != fact, f"{fact}: the answers were not accepted"
            continue
        value = pick(PREGNANT.answers, fact)
        state = tab_to(page, lambda f: f["name"] in ("answer", "unsure"), "the answer")
        if state["type"] == "text":
            if value == "unsure":
                tab_to(page, lambda f: f["name"] == "unsure", "the I'm not sure button")
            else:
                page.keyboard.type(value)
                tab_to(page, lambda f: f["type"] == "submit", "the Continue button")
        else:
            choose_with_arrows(page, fact, state, value)
            tab_to(page, lambda f: f["type"] == "submit" and not f["name"], "Continue")
        press_enter(page)
        assert fact_of(page) != fact, f"{fact}: the answer was not accepted"

    assert path_of(page) == "/check", f"ended on {page.url} after {asked}"
    assert len(asked) >= 5
    tab_to(page, lambda f: f["text"] == "See my results", "See my results")
    press_enter(page)
    assert path_of(page) == "/results"
    heading = page.locator("main #urgency .nhsuk-card--care__heading").inner_text()
    assert LEVEL_LABEL["urgent"] in heading
    assert page.locator("main #cause-pregnancy_related").is_visible()

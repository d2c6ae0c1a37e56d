"""The results page at a glance, on a 390x844 phone: the urgency and the three causes most
worth discussing on the first screen, in one order with the details below, and the whole page
short enough to scan with every detail closed (issue 13's targets, as a person sees them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, ViewportSize

from tests.browser.helpers import LiveServer, interview_over_http
from tests.browser.test_personas import PERSONAS, Persona

PHONE: ViewportSize = {"width": 390, "height": 844}
TALLEST = 5000


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.name)
def test_the_first_phone_screen_answers_how_soon_and_what_to_discuss(
    browser: Browser, server: LiveServer, persona: Persona
) -> None:
    context = browser.new_context(base_url=server.url, viewport=PHONE)
    try:
        assert interview_over_http(context, persona.answers) == "/check"
        page = context.new_page()
        page.goto("/results")
        card = page.locator("main .nhsuk-card--care__heading").bounding_box()
        assert card is not None and card["y"] + card["height"] <= PHONE["height"]
        glance = page.locator("main [data-candid-cause]")
        assert glance.count() == 3
        for i in range(3):
            box = glance.nth(i).bounding_box()
            assert box is not None and box["y"] + box["height"] <= PHONE["height"], i
        # One order: the glance lists the first three causes of the list below, in order.
        named = [glance.nth(i).get_attribute("href") for i in range(3)]
        below = page.locator("main details.candid-cause").evaluate_all(
            "els => els.map(e => '#' + e.id)"
        )
        assert named == below[:3]
        height = page.evaluate("() => document.documentElement.scrollHeight")
        assert height <= TALLEST, f"{persona.name}: {height} px with details closed"
    finally:
        context.close()


def test_no_cause_found_is_said_on_its_own_not_ranked_among_causes(
    browser: Browser, server: LiveServer
) -> None:
    context = browser.new_context(base_url=server.url, viewport=PHONE)
    try:
        interview_over_http(context, PERSONAS[0].answers)
        page = context.new_page()
        page.goto("/results")
        assert page.locator("main details#cause-no_cause_found").count() == 0
        assert page.locator("main", has_text="the checks find no cause").count() == 1
        summaries = page.locator("main details.candid-cause > summary").all_inner_texts()
        numbers = [int(s.split("about ")[1].split(" ")[0]) for s in summaries if "about " in s]
        assert numbers == sorted(numbers, reverse=True), "sorted by the number shown"
    finally:
        context.close()

"""axe-core (WCAG 2.0, 2.1 and 2.2 A/AA rules) finds nothing on any kind of page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import BrowserContext, Page

from candid.knowledge.loader import installed_pack, installed_packs
from tests.browser.helpers import (
    PACK,
    answer,
    continue_button,
    describe,
    interview_over_http,
    path_of,
    run_axe,
    submit,
)
from tests.browser.test_personas import PERSONAS

YOUNG, OLDER, PREGNANT = PERSONAS
Setup = Callable[[Page, BrowserContext], None]

pytestmark = pytest.mark.bypass_csp  # axe-core is injected as an inline script


def visit(url: str) -> Setup:
    def setup(page: Page, context: BrowserContext) -> None:
        page.goto(url)

    return setup


def after_interview(answers: dict[str, str], url: str, stop_after: int | None = None) -> Setup:
    def setup(page: Page, context: BrowserContext) -> None:
        interview_over_http(context, answers, stop_after)
        page.goto(url)

    return setup


def question_with_error(fact: str, stop_after: int, typed: str | None = None) -> Setup:
    def setup(page: Page, context: BrowserContext) -> None:
        interview_over_http(context, YOUNG.answers, stop_after)
        page.goto(f"/questions/{fact}")
        if typed is not None:
            page.locator("#answer").fill(typed)
        submit(page, continue_button(page))
        assert page.locator(".nhsuk-error-summary").is_visible(), "no error shown"

    return setup


def group_with_error(page: Page, context: BrowserContext) -> None:
    """Continue pressed with no box ticked: the error summary and the message on the group."""
    interview_over_http(context, YOUNG.answers, stop_after=0)
    page.goto(GROUP)
    submit(page, page.locator('main form[action^="/groups/"] button[type="submit"]'))


FORM = "/groups/about_you"


def form_with_follow_ups(page: Page, context: BrowserContext) -> None:
    """The questions an answer above reveals, shown: the hysterectomy ones after "No"."""
    interview_over_http(context, YOUNG.answers, stop_after=1)
    page.goto(FORM)
    page.locator("#age").fill("45")
    page.locator('label[for="has_uterus-2"]').click()
    assert page.locator('[data-fact="has_cervix"]').is_visible()


def form_with_errors(page: Page, context: BrowserContext) -> None:
    """Continue pressed with nothing answered: each question named in the summary."""
    interview_over_http(context, YOUNG.answers, stop_after=1)
    page.goto(FORM)
    submit(page, page.locator('main form[action^="/groups/"] button[type="submit"]'))
    assert page.locator(".nhsuk-error-summary li").count() >= 3


def feedback_with_errors(page: Page, context: BrowserContext) -> None:
    page.goto("/feedback")
    page.locator("#comment").fill("x" * 1001)
    submit(page, page.get_by_role("button", name="Send feedback"))
    assert page.locator(".nhsuk-error-summary li").count() == 2, "both errors shown"


def feedback_sent(page: Page, context: BrowserContext) -> None:
    page.goto("/feedback")
    page.locator('label[for="rating"]').click()
    submit(page, page.get_by_role("button", name="Send feedback"))
    assert "sent=true" in page.url


def emergency(page: Page, context: BrowserContext) -> None:
    assert interview_over_http(context, {"heavy_bleeding_now": "true"}) == "/emergency"
    page.goto("/emergency")


def results_after_emergency(page: Page, context: BrowserContext) -> None:
    emergency(page, context)
    submit(page, page.get_by_role("link", name="See what Candid can say from your answers so far"))


def form_expired(page: Page, context: BrowserContext) -> None:
    """A question posted with a stale form token: the 400 page, answers untouched."""
    interview_over_http(context, YOUNG.answers, stop_after=0)
    page.goto("/questions/heavy_bleeding_now")
    page.locator('input[name="csrf"]').first.evaluate("input => { input.value = 'stale'; }")
    page.locator('label[for="answer-2"]').click()
    submit(page, continue_button(page))
    assert page.get_by_role("heading", name="This form has expired").is_visible()


def question_in_spanish(page: Page, context: BrowserContext) -> None:
    interview_over_http(context, YOUNG.answers, stop_after=4)
    page.goto("/questions/has_uterus?lang=es")


def answered_by_click(page: Page, context: BrowserContext) -> None:
    """A radio question showing the answer already given (the Back link's view)."""
    interview_over_http(context, YOUNG.answers, stop_after=0)
    page.goto("/questions/heavy_bleeding_now")
    answer(page, "false")
    page.go_back()


def diary_started(page: Page, context: BrowserContext) -> None:
    page.goto("/diary")
    submit(page, page.get_by_role("button", name="Start a private diary"))
    assert page.locator("#recovery-code").is_visible()


def _record_episode(page: Page, notes: str = "") -> None:
    page.goto("/diary/episodes/new")
    for field, value in (("amount", "light"), ("colour", "brown"), ("timing", "during")):
        page.locator(f'input[name="{field}"][value="{value}"]').check()
    for field, value in (("pain", "none"), ("lubricant", "no")):
        page.locator(f'input[name="{field}"][value="{value}"]').check()
    page.locator("#cycle_day").fill("12")
    page.locator("#notes").fill(notes)
    submit(page, page.get_by_role("button", name="Save episode"))


def diary_with_episodes(page: Page, context: BrowserContext) -> None:
    diary_started(page, context)
    _record_episode(page, "first")
    _record_episode(page, "second")
    assert page.locator("svg[role=img]").count() == 2


def diary_episode_form(page: Page, context: BrowserContext) -> None:
    diary_started(page, context)
    page.goto("/diary/episodes/new")


def diary_episode_with_errors(page: Page, context: BrowserContext) -> None:
    diary_started(page, context)
    page.goto("/diary/episodes/new")
    page.locator("#day").fill("2999-01-01")
    submit(page, page.get_by_role("button", name="Save episode"))
    assert page.locator(".nhsuk-error-summary li").count() == 6


def diary_wrong_code(page: Page, context: BrowserContext) -> None:
    page.goto("/diary")
    page.locator("#code").fill("A" * 32)
    submit(page, page.get_by_role("button", name="Open my diary"))
    assert page.locator(".nhsuk-error-summary").is_visible()


def diary_delete(page: Page, context: BrowserContext) -> None:
    diary_with_episodes(page, context)
    page.goto("/diary/delete")


def summary_with_diary(page: Page, context: BrowserContext) -> None:
    diary_with_episodes(page, context)
    page.goto("/summary")
    assert page.get_by_role("heading", name="Diary: the pattern of bleeding after sex").is_visible()


def started_on(title: str) -> Setup:
    """Another pathway's first pages: chosen on the start page, the emergency signs ticked
    "none", on to its first form."""

    def setup(page: Page, context: BrowserContext) -> None:
        page.goto("/")
        submit(page, page.get_by_role("button", name=title, exact=True))
        page.locator("input[name=none]").check()
        submit(page, page.locator("main form button[type=submit]").first)

    return setup


OTHERS = [installed_pack(name) for name in installed_packs() if name != PACK.meta.id]


@dataclass(frozen=True)
class Case:
    name: str
    setup: Setup
    path: str


FIRST, AGE, PREGNANT_Q = "/questions/heavy_bleeding_now", "/questions/age", "/questions/pregnant"
GROUP, BODY = "/groups/right_now", "/groups/body"
GUIDES = ("comfort", "meanwhile", "where-bleeding-comes-from")
CASES = [
    Case("start", visit("/"), "/"),
    Case("start, Spanish", visit("/?lang=es"), "/"),
    Case("start, after deleting", visit("/?deleted=true"), "/"),
    Case("start, resuming", after_interview(YOUNG.answers, "/", stop_after=2), "/"),
    Case("group page", after_interview({}, GROUP, 0), GROUP),
    Case("group page, Spanish", after_interview({}, f"{GROUP}?lang=es", 0), GROUP),
    Case("group page with an error", group_with_error, GROUP),
    Case("group page, seven boxes", after_interview(YOUNG.answers, BODY, 3), BODY),
    Case("form page", after_interview({}, FORM, 1), FORM),
    Case("form page, Spanish", after_interview({}, f"{FORM}?lang=es", 1), FORM),
    Case("form page, follow-up questions shown", form_with_follow_ups, FORM),
    Case("form page with errors", form_with_errors, FORM),
    Case("radio question", after_interview({}, "/questions/heavy_bleeding_now", 0), FIRST),
    Case("radio question, answered", answered_by_click, FIRST),
    Case("radio question, Spanish", question_in_spanish, "/questions/has_uterus"),
    Case("integer question", after_interview(YOUNG.answers, AGE, 3), AGE),
    Case("choice question", after_interview(YOUNG.answers, PREGNANT_Q, 5), PREGNANT_Q),
    Case("radio question with an error", question_with_error("heavy_bleeding_now", 0), FIRST),
    Case("integer question with an error", question_with_error("age", 3, "abc"), AGE),
    Case("emergency", emergency, "/emergency"),
    Case("results after an emergency", results_after_emergency, "/results"),
    Case("form expired", form_expired, FIRST),
    Case("check answers", after_interview(YOUNG.answers, "/check"), "/check"),
    Case("check answers, more to ask", after_interview(YOUNG.answers, "/check", 6), "/check"),
    Case("results", after_interview(YOUNG.answers, "/results"), "/results"),
    Case("results, postmenopausal", after_interview(OLDER.answers, "/results"), "/results"),
    Case("results, pregnant", after_interview(PREGNANT.answers, "/results"), "/results"),
    Case("results, unfinished", after_interview(YOUNG.answers, "/results", 6), "/results"),
    Case("results, Spanish", after_interview(YOUNG.answers, "/results?lang=es"), "/results"),
    Case("summary", after_interview(OLDER.answers, "/summary"), "/summary"),
    Case("learn index", visit("/learn"), "/learn"),
    Case("evidence", visit("/evidence"), "/evidence"),
    Case("feedback", visit("/feedback"), "/feedback"),
    Case("feedback with errors", feedback_with_errors, "/feedback"),
    Case("feedback sent", feedback_sent, "/feedback"),
    Case("page not found", visit("/no-such-page"), "/no-such-page"),
    Case("question not found", visit("/questions/exam_cervix"), "/questions/exam_cervix"),
    *(Case(f"guide {g}", visit(f"/learn/{g}"), f"/learn/{g}") for g in GUIDES),
    Case("diary start", visit("/diary"), "/diary"),
    Case("diary recovery code", diary_started, "/diary/new"),
    Case("diary with episodes and charts", diary_with_episodes, "/diary/episodes"),
    Case("diary episode form", diary_episode_form, "/diary/episodes/new"),
    Case("diary episode with errors", diary_episode_with_errors, "/diary/episodes/new"),
    Case("diary wrong code", diary_wrong_code, "/diary/open"),
    Case("diary delete", diary_delete, "/diary/delete"),
    Case("summary with a diary", summary_with_diary, "/summary"),
    *(
        Case(f"{o.meta.id}: learn index", visit(f"/learn?pathway={o.meta.id}"), "/learn")
        for o in OTHERS
    ),
    *(
        Case(f"{o.meta.id}: first form", started_on(o.meta.title.en), f"/groups/{form}")
        for o in OTHERS
        for form in [next(g for g, spec in o.interview.groups.items() if "age" in spec.items)]
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_no_axe_violations(page: Page, context: BrowserContext, case: Case) -> None:
    case.setup(page, context)
    assert path_of(page) == case.path, f"expected {case.path}, got {page.url}"
    violations = run_axe(page)
    assert not violations, f"{case.name} ({page.url}):\n{describe(violations)}"


@pytest.mark.parametrize(
    ("pathway", "cause"),
    [(p.meta.id, c) for p in [PACK, *OTHERS] for c in sorted(p.causes)],
)
def test_no_axe_violations_on_cause_pages(page: Page, pathway: str, cause: str) -> None:
    page.goto(f"/learn/causes/{cause}?pathway={pathway}")
    assert path_of(page) == f"/learn/causes/{cause}"
    violations = run_axe(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"

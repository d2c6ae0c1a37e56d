"""What the browser tests share: the live server's address, request recording, driving the
interview through the real pages (or over HTTP, to set up state fast), and running axe-core."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bs4 import BeautifulSoup, Tag
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, Request, Response

from candid.knowledge.loader import installed_packs, load_pack

PACK = load_pack()
UNSURE = "unsure"
MAX_QUESTIONS = PACK.interview.max_questions  # questions, not pages: a tick box counts one
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LEVEL_RANK = {level: spec.rank for level, spec in PACK.urgency.levels.items()}
LEVEL_LABEL = {level: spec.label.get("en") for level, spec in PACK.urgency.levels.items()}


@dataclass(frozen=True)
class LiveServer:
    url: str
    data_dir: Path
    """Where the app keeps its generated cookie key (the tests open the cookie with it)."""


@dataclass
class Traffic:
    """Everything one page asked for, and what went wrong on the way."""

    requests: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda err: self.errors.append(f"uncaught: {err}"))

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _response(self, response: Response) -> None:
        # Error pages answer 404/422 on purpose; an asset (CSS, JS, icon) never should.
        if response.status >= 400 and response.request.resource_type != "document":
            self.broken.append(f"{response.status} {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)

    def third_party(self, base: str) -> list[str]:
        """Requests to any origin but the app's (data: URLs never leave the browser)."""
        origin = urlparse(base)
        return [
            url
            for url in self.requests
            if urlparse(url).scheme not in ("data", "blob")
            and (urlparse(url).scheme, urlparse(url).netloc) != (origin.scheme, origin.netloc)
        ]


# --- the interview --------------------------------------------------------------------------


def default_answer(fact: str) -> str:
    """The most benign answer to a question a persona has no view on."""
    spec = PACK.facts[fact]
    if spec.type == "boolean":
        return "true" if fact in ("has_uterus", "has_cervix") else "false"
    if spec.type == "choice" and spec.choices:
        return next(iter(spec.choices))
    return UNSURE


def pick(answers: Mapping[str, str], fact: str) -> str:
    return answers.get(fact, default_answer(fact))


def path_of(page: Page) -> str:
    return urlparse(page.url).path


def fact_of(page: Page) -> str | None:
    path = path_of(page)
    return path.removeprefix("/questions/") if path.startswith("/questions/") else None


def group_of(page: Page) -> str | None:
    path = path_of(page)
    return path.removeprefix("/groups/") if path.startswith("/groups/") else None


def group_items(page: Page) -> list[str]:
    """The questions a page of several shows: a tick group's boxes, or a form's visible
    questions."""
    ticks = page.locator('main input[name="ticked"]').evaluate_all("els => els.map(e => e.value)")
    if ticks:
        return [str(v) for v in ticks]
    return [
        str(v)
        for v in page.locator("main [data-fact]:not([hidden])").evaluate_all(
            "els => els.map(e => e.dataset.fact)"
        )
    ]


def is_form(page: Page) -> bool:
    return page.locator("main form[data-candid-form]").count() == 1


def fill_form(page: Page, answers: Mapping[str, str]) -> list[str]:
    """Answer a form page as a person would, top to bottom: a question that an answer above
    it reveals is answered once it shows. Returns the questions answered."""
    done: list[str] = []
    while True:
        shown = group_items(page)
        todo = [f for f in shown if f not in done]
        if not todo:
            break
        fact = todo[0]
        value = pick(answers, fact)
        box = page.locator(f'main [data-fact="{fact}"] input[type="text"]')
        if box.count():
            if value == UNSURE:
                page.locator(f'label[for="{fact}-unsure"]').click()
            else:
                box.fill(value)
        else:
            radio = page.locator(f'main input[name="{fact}"][value="{value}"]')
            assert radio.count() == 1, f"{page.url}: no answer {value!r} to {fact}"
            page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
            assert radio.is_checked()
        done.append(fact)
    submit(page, page.locator('main form[action^="/groups/"] button[type="submit"]'))
    return done


def submit(page: Page, control: Locator) -> None:
    """Click a control that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        control.click()


START = load_pack().meta.title.en if len(installed_packs()) > 1 else "Start now"
"""The start page's button for the default pathway: "Start now" when it is the only one,
its title when the page offers several pathways."""


def start(page: Page) -> None:
    page.goto("/")
    submit(page, page.get_by_role("button", name=START, exact=True))


def continue_button(page: Page) -> Locator:
    """The question form's main button, found by its markup so it works in every language."""
    return page.locator('main form[action^="/questions/"] button[type="submit"]:not([name])')


def answer(page: Page, value: str) -> None:
    """Answer the question on screen as a person would: the label, the box, the button."""
    box = page.locator('input#answer[type="text"]')
    if box.count():
        if value == UNSURE:
            submit(page, page.locator('main button[name="unsure"]'))
            return
        box.fill(value)
    else:
        radio = page.locator(f'input[name="answer"][value="{value}"]')
        assert radio.count() == 1, f"{page.url}: no answer {value!r} to choose"
        page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
        assert radio.is_checked(), f"{page.url}: clicking the label did not choose {value!r}"
    submit(page, continue_button(page))


def tick(page: Page, facts: list[str]) -> None:
    """Answer a group page as a person would: click the label of each box that applies, or
    of "None of these", then the button."""
    if facts:
        for fact in facts:
            page.locator(f'label[for="{fact}"]').click()
            assert page.locator(f"input#{fact}").is_checked()
    else:
        none = page.locator('main input[name="none"]')
        page.locator(f'label[for="{none.get_attribute("id")}"]').click()
        assert none.is_checked()
    submit(page, page.locator('main form[action^="/groups/"] button[type="submit"]'))


def run_interview(page: Page, answers: Mapping[str, str], limit: int = MAX_QUESTIONS) -> list[str]:
    """Answer page after page until the app leaves the questions; returns the facts asked
    (a box is ticked when the persona's answer to it is "true")."""
    asked: list[str] = []
    while True:
        assert len(asked) < limit, f"still asking after {limit} questions: {asked}"
        if (fact := fact_of(page)) is not None:
            assert asked.count(fact) < 1, f"{fact} asked again (an answer was refused?): {asked}"
            asked.append(fact)
            answer(page, pick(answers, fact))
        elif group_of(page) is not None and is_form(page):
            items = fill_form(page, answers)
            assert not set(items) & set(asked), f"{items} asked again: {asked}"
            asked += items
        elif group_of(page) is not None:
            items = group_items(page)
            assert not set(items) & set(asked), f"{items} asked again: {asked}"
            asked += items
            tick(page, [f for f in items if pick(answers, f) == "true"])
        else:
            return asked


def csrf_of(html: str) -> str:
    tag = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf"})
    assert isinstance(tag, Tag), "no CSRF token on the page"
    return str(tag["value"])


def interview_over_http(
    context: BrowserContext, answers: Mapping[str, str], stop_after: int | None = None
) -> str:
    """Set up an interview fast through the browser context's own cookie jar (no rendering);
    returns the path the app ends on (/check, /emergency, or a question when stopped early)."""
    req = context.request
    csrf = csrf_of(req.get("/").text())
    response = req.post("/start", form={"csrf": csrf})
    for count in range(MAX_QUESTIONS + 1):
        path = urlparse(response.url).path
        if not path.startswith(("/questions/", "/groups/")) or count == stop_after:
            return path
        html = BeautifulSoup(response.text(), "html.parser")
        if path.startswith("/groups/") and html.select_one("form[data-candid-form]"):
            # A form without its script: every question shows, and the server keeps the
            # answers to those that apply.
            form: dict[str, str | float | bool] = {"csrf": csrf}
            for item in html.select("[data-fact]"):
                fact = str(item["data-fact"])
                value = pick(answers, fact)
                if item.select_one("input[type=text]") and value == UNSURE:
                    form[f"{fact}-unsure"] = "yes"
                else:
                    form[fact] = value
            response = req.post(path, form=form)
        elif path.startswith("/groups/"):
            boxes = html.select("input[name=ticked]")
            ticked = [str(b["value"]) for b in boxes if pick(answers, str(b["value"])) == "true"]
            # One "ticked" field per box, as a browser sends them (a form dict has one value
            # per key); the token and fact ids are URL-safe.
            fields = [f"ticked={t}" for t in ticked] or ["none=yes"]
            response = req.post(
                path,
                data="&".join([f"csrf={csrf}", *fields]),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
        else:
            fact = path.removeprefix("/questions/")
            response = req.post(path, form={"csrf": csrf, "answer": pick(answers, fact)})
        assert response.ok, f"{path}: {response.status}"
    raise AssertionError(f"still asking after {MAX_QUESTIONS} questions")


# --- what the pages show --------------------------------------------------------------------

TEXT_BEFORE = """(selector) => {
  const main = document.querySelector('main');
  const card = main.querySelector(selector);
  if (!card) return null;
  const visible = [], hidden = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    if (!text) continue;
    if (!(card.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING)) break;
    (node.parentElement.closest('.nhsuk-u-visually-hidden') ? hidden : visible).push(text);
  }
  return {visible, hidden};
}"""


def text_before(page: Page, selector: str) -> dict[str, list[str]]:
    """The text in <main> before the first element matching `selector`, split into what is
    shown and what only screen readers hear."""
    found: dict[str, list[str]] | None = page.evaluate(TEXT_BEFORE, selector)
    assert found is not None, f"{page.url}: no {selector} in <main>"
    return found


def causes_shown(page: Page) -> dict[str, list[str]]:
    """Cause ids on the results page: the likely ones (cards) and every one linked."""
    likely = [
        str(h).removeprefix("cause-")
        for h in page.locator("main details[id^='cause-']").evaluate_all(
            "els => els.map(e => e.id)"
        )
    ]
    linked = page.locator("main a[href^='/learn/causes/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return {"likely": likely, "all": [str(h).removeprefix("/learn/causes/") for h in linked]}


def run_axe(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    # resultTypes: only the violations come back in full, which keeps each run quick.
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result: dict[str, Any] = page.evaluate("(options) => axe.run(document, options)", options)
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in violations
    )


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()

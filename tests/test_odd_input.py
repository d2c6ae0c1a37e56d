"""Odd input never makes a 5xx: every form and every JSON entry point, fed generated input
(hypothesis) mixed with the values that once broke them, answers below 500, and the inputs
that did break them get a 4xx naming the field and what is allowed.

The once-broken inputs: a cycle day or number answer in digits `str.isdigit()` accepts and
`int()` refuses ("²", a 5,000-digit number); JSON nested 20,000 deep to FHIR `$assess`; and an
episode added through a browser whose diary another browser has deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candid.diary.episodes import CHOICES
from candid.knowledge.models import Pack
from tests.web.client import answer, csrf, make_client, soup, start
from tests.web.test_diary_pages import GOOD

TODAY = dt.date.today()
EPISODE = {**GOOD, "day": TODAY.isoformat(), "notes": ""}
TRICKY = [
    "²",
    "٣",
    "１２",
    "𝟙",
    "1" * 5000,
    "9" * 30,
    "-1",
    "0",
    "+3",
    "1.5",
    "1e3",
    " 7 ",
    "\x00",
    "NaN",
    "",
    "not_applicable",
    "unsure",
    "true",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "\u202e",
    "<script>",
    "%00",
    "x" * 3000,
]
"""Values that have broken, or could break, a parser: other digits, huge numbers, control and
bidi characters, dates at the edges of the calendar, long text."""
texts = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
)
FHIR_ASSESS = "/fhir/Questionnaire/postcoital-bleeding/$assess"
CDS = "/cds-services/candid-postcoital-bleeding"
JSON_ENTRY_POINTS = [
    "/v1/assess",
    "/v1/pathways/postcoital_bleeding/assess",
    "/v1/explain",
    FHIR_ASSESS,
    CDS,
    f"{CDS}-orders",
]
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class Browser:
    """One person's browser with an interview under way and a diary open with one episode,
    so the forms' checks run past the CSRF token and reach their fields."""

    def __init__(self, tmp: Path) -> None:
        self.client = make_client(tmp)
        self.token = ""
        self.episode = ""
        self.ready()

    def ready(self) -> None:
        start(self.client)
        answer(self.client, self.client.get("/questions/age"), "30")
        home = self.client.get("/diary")
        self.client.post("/diary/new", data={"csrf": csrf(home)})
        page = self.client.get("/diary/episodes/new")
        self.client.post("/diary/episodes/new", data={"csrf": csrf(page), **EPISODE})
        listing = soup(self.client.get("/diary/episodes"))
        edit = listing.select_one("a[href$='/edit']")
        assert edit is not None
        self.episode = str(edit["href"]).split("/")[3]
        self.token = csrf(self.client.get("/diary/episodes"))

    def post(self, url: str, data: dict[str, Any]) -> Response:
        r: Response = self.client.post(url, data={"csrf": self.token, **data})
        return r


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return Browser(tmp_path_factory.mktemp("odd-input"))


def _no_server_error(r: Response) -> None:
    assert r.status_code < 500, (
        f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}"
    )


# --- the inputs that broke ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["²", "٣", "1" * 5000])
def test_a_cycle_day_in_other_digits_or_too_long_is_named(browser: Browser, value: str) -> None:
    before = browser.client.get("/diary/export.csv").text
    r = browser.post("/diary/episodes/new", {**EPISODE, "cycle_day": value})
    assert r.status_code == 422
    link = soup(r).select_one(".nhsuk-error-summary a[href='#cycle_day']")
    assert link is not None and "cycle day from 1 to 60" in link.get_text()
    assert browser.client.get("/diary/export.csv").text == before, "nothing saved changed"


@pytest.mark.parametrize("value", ["²", "1" * 5000])
def test_a_number_answer_in_other_digits_or_too_long_is_named(tmp_path: Path, value: str) -> None:
    client = make_client(tmp_path)
    start(client)
    first = client.get("/questions/age")
    r = answer(client, first, value)
    assert r.status_code == 422 and "Enter a whole number from" in r.text
    assert answer(client, first, "30").status_code == 200, "the interview goes on"


@pytest.mark.parametrize("url", JSON_ENTRY_POINTS)
def test_json_nested_20000_deep_is_refused(browser: Browser, url: str) -> None:
    r = browser.client.post(
        url, content=f'{{"facts": {_nested(20_000)}}}', headers={"content-type": "application/json"}
    )
    assert 400 <= r.status_code < 500, r.text[:300]
    body = r.json()
    if body.get("resourceType") == "OperationOutcome":  # FHIR's own error shape
        assert body["issue"][0]["expression"][0].startswith("body")
    else:
        assert body["invalid_params"][0]["name"].startswith("body")


def test_fhir_assess_names_how_deep_a_body_may_nest(browser: Browser) -> None:
    for depth in (20_000, 900, 70):
        r = browser.client.post(
            FHIR_ASSESS,
            content=f'{{"resourceType": "QuestionnaireResponse", "item": {_nested(depth)}}}',
            headers={"content-type": "application/fhir+json"},
        )
        assert r.status_code == 400, (depth, r.text[:300])
        issue = r.json()["issue"][0]
        assert issue["expression"] == ["body"]
        assert "nested more than 64 levels" in issue["details"]["text"]


def test_an_episode_added_after_another_browser_deleted_the_diary(tmp_path: Path) -> None:
    """Two browsers hold one diary open (the second opened it with the code); the first
    deletes it; the second's next episode is refused with a 410 that says what happened."""
    first = make_client(tmp_path / "first")
    home = first.get("/diary")
    made = first.post("/diary/new", data={"csrf": csrf(home)})
    code_node = soup(made).select_one("#recovery-code")
    assert code_node is not None
    second = make_client(tmp_path / "first")
    opened = second.post(
        "/diary/open", data={"csrf": csrf(second.get("/diary")), "code": code_node.get_text()}
    )
    assert opened.url.path == "/diary/episodes"
    form = second.get("/diary/episodes/new")
    confirm = first.get("/diary/delete")
    first.post("/diary/delete", data={"csrf": csrf(confirm)})
    late = second.post("/diary/episodes/new", data={"csrf": csrf(form), **EPISODE})
    assert late.status_code == 410
    assert "This diary has been deleted, so the episode was not saved" in late.text
    assert second.get("/diary/episodes").url.path == "/diary", "the browser forgot it"


# --- never a 5xx, whatever is posted --------------------------------------------------------


def _episode_fields() -> st.SearchStrategy[dict[str, str]]:
    fields: dict[str, st.SearchStrategy[str]] = {
        name: st.one_of(st.sampled_from(allowed), texts) for name, allowed in CHOICES.items()
    }
    fields["day"] = st.one_of(st.dates().map(dt.date.isoformat), texts)
    fields["cycle_day"] = texts
    fields["notes"] = texts
    return st.fixed_dictionaries({}, optional=fields)


def _answer_fields() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional={"answer": texts, "unsure": texts})


FORMS: dict[str, Callable[[Browser], st.SearchStrategy[tuple[str, dict[str, Any]]]]] = {
    "start": lambda b: st.tuples(
        st.just("/start"), st.fixed_dictionaries({}, optional={"resume": texts})
    ),
    "question": lambda b: st.tuples(
        st.sampled_from(["age", "menopause", "has_uterus", "duration_weeks", "nowhere"]).map(
            lambda f: f"/questions/{f}"
        ),
        _answer_fields(),
    ),
    "question-query": lambda b: st.tuples(
        st.tuples(st.sampled_from(["age", "pregnant"]), texts, texts).map(
            lambda t: f"/questions/{t[0]}?change={quote(t[1])}&then={quote(t[2])}"
        ),
        _answer_fields(),
    ),
    "group": lambda b: st.tuples(
        st.sampled_from(["right_now", "body", "history", "nowhere"]).map(lambda g: f"/groups/{g}"),
        st.fixed_dictionaries({}, optional={"ticked": st.lists(texts, max_size=4), "none": texts}),
    ),
    "diary-open": lambda b: st.tuples(
        st.just("/diary/open"), st.fixed_dictionaries({"code": texts})
    ),
    "episode-new": lambda b: st.tuples(st.just("/diary/episodes/new"), _episode_fields()),
    "episode-edit": lambda b: st.tuples(
        st.one_of(st.just(b.episode), texts.filter(lambda t: "/" not in t)).map(
            lambda e: f"/diary/episodes/{quote(e, safe='')}/edit"
        ),
        _episode_fields(),
    ),
    "feedback": lambda b: st.tuples(
        st.just("/feedback"),
        st.fixed_dictionaries({}, optional={"rating": texts, "comment": texts}),
    ),
}


@pytest.mark.parametrize("form", sorted(FORMS))
@FUZZ
@given(data=st.data())
def test_no_form_post_makes_a_server_error(
    browser: Browser, form: str, data: st.DataObject
) -> None:
    url, fields = data.draw(FORMS[form](browser))
    _no_server_error(browser.post(url, fields))


ENDING = ["/delete", "/diary/close", "/diary/delete", "/diary/new"]
"""Forms that end what `Browser` set up; after each, it is set up again."""


@pytest.mark.parametrize("url", ENDING)
@settings(FUZZ, max_examples=5)
@given(extra=st.dictionaries(st.sampled_from(["csrf", "code", "x"]), texts, max_size=2))
def test_no_ending_form_makes_a_server_error(
    browser: Browser, url: str, extra: dict[str, str]
) -> None:
    try:
        _no_server_error(browser.post(url, extra))
        _no_server_error(browser.post(url, {}))
    finally:
        browser.ready()


def test_episode_ids_in_the_path_make_no_server_error(browser: Browser) -> None:
    for odd in ["%00", "..", "x" * 3000, "²", quote("\u202e"), str(uuid.uuid4())]:
        _no_server_error(browser.client.get(f"/diary/episodes/{odd}/edit"))
        _no_server_error(browser.post(f"/diary/episodes/{odd}/delete", {}))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=12,
)


def _facts(pack: Pack) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.one_of(st.sampled_from(sorted(pack.facts)), texts), json_values)


def _shaped(url: str, pack: Pack) -> st.SearchStrategy[Any]:
    """Bodies shaped like the entry point's own, with odd values where the real ones go."""
    if url.startswith("/v1/"):
        return st.fixed_dictionaries(
            {"facts": _facts(pack)},
            optional={
                "skipped": json_values,
                "language": json_values,
                "detail": json_values,
                "cause": st.one_of(st.sampled_from(sorted(pack.causes)), json_values),
            },
        )
    if url == FHIR_ASSESS:
        item = st.fixed_dictionaries(
            {"linkId": st.one_of(st.sampled_from(sorted(pack.facts)), json_values)},
            optional={
                "answer": st.lists(
                    st.dictionaries(
                        st.sampled_from(["valueInteger", "valueBoolean", "valueCoding", "item"]),
                        json_values,
                        max_size=2,
                    ),
                    max_size=2,
                )
            },
        )
        response = st.fixed_dictionaries(
            {"resourceType": st.just("QuestionnaireResponse"), "item": st.lists(item, max_size=4)},
            optional={"language": json_values, "subject": json_values, "status": json_values},
        )
        return st.one_of(
            response,
            response.map(lambda r: {"resourceType": "Bundle", "entry": [{"resource": r}]}),
            st.fixed_dictionaries(
                {"resourceType": st.sampled_from(["Parameters", "Bundle"])},
                optional={"parameter": json_values, "entry": json_values},
            ),
        )
    hook = "order-select" if url.endswith("-orders") else "patient-view"
    return st.fixed_dictionaries(
        {
            "hookInstance": st.one_of(st.uuids().map(str), json_values),
            "hook": st.one_of(st.just(hook), json_values),
            "context": st.one_of(
                st.fixed_dictionaries(
                    {"userId": st.just("Practitioner/1"), "patientId": st.just("1")},
                    optional={"selections": json_values, "draftOrders": json_values},
                ),
                json_values,
            ),
        },
        optional={
            "prefetch": st.dictionaries(
                st.sampled_from(["patient", "conditions", "observations", "x"]), json_values
            )
        },
    )


@pytest.mark.parametrize("url", JSON_ENTRY_POINTS)
@FUZZ
@given(data=st.data())
def test_no_json_body_makes_a_server_error(
    browser: Browser, pack: Pack, url: str, data: st.DataObject
) -> None:
    body = data.draw(st.one_of(json_values, _shaped(url, pack)))
    raw = json.dumps(body)  # NaN and Infinity included, as Python's own clients send them
    depth = data.draw(st.sampled_from([0, 0, 0, 100, 990, 5000]))
    if depth and raw.startswith("{") and raw != "{}":
        raw = '{"deep": ' + _nested(depth) + ", " + raw[1:]
    r = browser.client.post(url, content=raw, headers={"content-type": "application/json"})
    _no_server_error(r)

"""The diary as a person uses it: a code shown once, episodes in under a minute, the pattern
as charts with a text alternative, CSV, and bad input that changes nothing saved."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.web.client import csrf, main_of, make_client, soup

TODAY = dt.date.today()
GOOD = {
    "day": (TODAY - dt.timedelta(days=3)).isoformat(),
    "amount": "light",
    "colour": "bright_red",
    "timing": "during",
    "pain": "mild",
    "lubricant": "no",
    "cycle_day": "12",
    "notes": "after a long day",
}


def _start(client: TestClient) -> str:
    home = client.get("/diary")
    made = client.post("/diary/new", data={"csrf": csrf(home)})
    code = soup(made).select_one("#recovery-code")
    assert code is not None
    return code.get_text()


def _record(client: TestClient, **changes: str) -> Response:
    form = client.get("/diary/episodes/new")
    r: Response = client.post("/diary/episodes/new", data={"csrf": csrf(form), **GOOD, **changes})
    return r


def _csv(client: TestClient) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(client.get("/diary/export.csv").text)))


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return make_client(tmp_path)


def test_the_recovery_code_is_shown_once_with_a_plain_warning(client: TestClient) -> None:
    assert "If you lose the code, you lose the diary" in client.get("/diary").text
    code = _start(client)
    assert len(code.replace("-", "")) == 32
    page = client.get("/diary/episodes")
    assert code not in page.text, "the code is never shown again"


def test_recording_editing_and_deleting_episodes(client: TestClient) -> None:
    _start(client)
    saved = _record(client)
    assert saved.url.path == "/diary/episodes" and "Episode saved" in saved.text
    _record(client, day=TODAY.isoformat(), amount="spotting", cycle_day="", notes="")
    rows = _csv(client)
    assert [r["amount"] for r in rows] == ["light", "spotting"], "oldest first"
    assert rows[1]["cycle_day"] == "not_applicable"
    page = soup(client.get("/diary/episodes"))
    edit = page.select_one("a[href$='/edit']")
    assert edit is not None
    form = client.get(str(edit["href"]))
    assert soup(form).select_one("input[name=amount][value=spotting][checked]") is not None
    client.post(str(edit["href"]), data={"csrf": csrf(form), **GOOD, "amount": "heavy"})
    assert sorted(r["amount"] for r in _csv(client)) == ["heavy", "light"]
    delete = soup(client.get("/diary/episodes")).select_one("form[action$='/delete']")
    assert delete is not None
    client.post(str(delete["action"]), data={"csrf": csrf(form)})
    assert len(_csv(client)) == 1


def test_the_pattern_is_drawn_as_svg_with_a_text_alternative(client: TestClient) -> None:
    _start(client)
    for days_ago, cycle in ((2, "12"), (9, "14"), (30, "13")):
        _record(client, day=(TODAY - dt.timedelta(days=days_ago)).isoformat(), cycle_day=cycle)
    main = main_of(client.get("/diary/episodes"))
    charts = main.select("svg[role=img]")
    assert len(charts) == 2, "by week and by cycle day"
    for chart in charts:
        title = chart.select_one("title")
        assert title is not None and title.get_text().strip()
        assert chart.select("rect.candid-bar")
    assert "Episodes recorded: 3" in main.get_text()
    assert "javascript" not in str(charts).lower()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"day": (TODAY + dt.timedelta(days=1)).isoformat()}, "day", "cannot be in the future"),
        ({"day": "03/11/2026"}, "day", "year-month-day"),
        ({"amount": "a lot"}, "amount", "how much blood"),
        ({"colour": ""}, "colour", "colour"),
        ({"cycle_day": "99"}, "cycle_day", "from 1 to 60"),
        ({"notes": "x" * 501}, "notes", "500 characters"),
    ],
)
def test_bad_input_is_named_and_changes_nothing(
    client: TestClient, changes: dict[str, str], field: str, message: str
) -> None:
    _start(client)
    _record(client)
    before = _csv(client)
    bad = _record(client, **changes)
    assert bad.status_code == 422
    link = soup(bad).select_one(f".nhsuk-error-summary a[href='#{field}']")
    assert link is not None and message in link.get_text()
    assert soup(bad).find(id=field) is not None
    assert _csv(client) == before


def test_tampered_episode_ids_reach_nothing(client: TestClient, tmp_path: Path) -> None:
    _start(client)
    _record(client, notes="theirs")
    theirs = soup(client.get("/diary/episodes")).select_one("a[href$='/edit']")
    assert theirs is not None
    other = make_client(tmp_path / "other")
    _start(other)
    _record(other, notes="mine")
    page = other.get("/diary/episodes")
    href = str(theirs["href"])
    assert other.get(href).status_code == 404
    changed = other.post(href, data={"csrf": csrf(page), **GOOD, "notes": "overwritten"})
    assert changed.status_code == 404
    deleted = other.post(href.replace("/edit", "/delete"), data={"csrf": csrf(page)})
    assert deleted.status_code == 404
    assert [r["notes"] for r in _csv(client)] == ["theirs"]
    assert other.get("/diary/episodes/not-an-id/edit").status_code == 404


def test_the_code_reopens_the_diary_and_wrong_codes_are_limited(tmp_path: Path) -> None:
    client = make_client(tmp_path, diary_code_attempts=3)
    code = _start(client)
    _record(client)
    page = client.get("/diary/episodes")
    client.post("/diary/close", data={"csrf": csrf(page)})
    assert client.get("/diary/episodes").url.path == "/diary"
    home = client.get("/diary")
    malformed = client.post("/diary/open", data={"csrf": csrf(home), "code": "1234"})
    assert malformed.status_code == 422 and "32 letters" in malformed.text
    for _ in range(3):
        wrong = client.post("/diary/open", data={"csrf": csrf(home), "code": "A" * 32})
        assert wrong.status_code == 422 and "does not open a diary" in wrong.text
    locked = client.post("/diary/open", data={"csrf": csrf(home), "code": code})
    assert locked.status_code == 429 and "Too many wrong codes" in locked.text


def test_a_code_typed_loosely_opens_the_diary(client: TestClient) -> None:
    code = _start(client)
    _record(client)
    page = client.get("/diary/episodes")
    client.post("/diary/close", data={"csrf": csrf(page)})
    home = client.get("/diary")
    opened = client.post(
        "/diary/open", data={"csrf": csrf(home), "code": code.lower().replace("-", " ")}
    )
    assert opened.url.path == "/diary/episodes" and len(_csv(client)) == 1


def test_deleting_the_diary_leaves_nothing_and_the_code_stops_working(client: TestClient) -> None:
    code = _start(client)
    _record(client)
    confirm = client.get("/diary/delete")
    gone = client.post("/diary/delete", data={"csrf": csrf(confirm)})
    assert gone.url.path == "/diary" and "Nothing of it remains" in gone.text
    again = client.post("/diary/open", data={"csrf": csrf(gone), "code": code})
    assert again.status_code == 422


def test_the_visit_summary_and_its_pdf_include_the_diary(client: TestClient) -> None:
    _start(client)
    _record(client, notes="noticed after the new lubricant")
    summary = client.get("/summary")
    assert summary.status_code == 200 and "Diary: the pattern" in summary.text
    assert "noticed after the new lubricant" in summary.text
    pdf = client.get("/summary.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and len(pdf.content) > 1000


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client: TestClient) -> None:
    _start(client)
    _record(client, notes='=HYPERLINK("http://x")')
    assert _csv(client)[0]["notes"].startswith("'=")


def test_the_diary_records_amount_on_the_interviews_scale(client: TestClient) -> None:
    """An episode's amount and the interview's answer mean the same thing, in the same words."""
    from candid.diary.episodes import AMOUNT_FACT, AMOUNTS
    from candid.knowledge.loader import load_pack

    scale = load_pack().facts[AMOUNT_FACT].choices or {}
    assert tuple(scale) == AMOUNTS
    _start(client)
    form = soup(client.get("/diary/episodes/new"))
    labels = {
        str(radio["value"]): form.select_one(f"label[for={radio['id']}]").get_text().strip()  # type: ignore[union-attr]
        for radio in form.select("input[name=amount]")
    }
    assert labels == {key: choice.label.en for key, choice in scale.items()}
    assert _record(client, amount="moderate").status_code == 422, "the old scale is not offered"


def test_a_rate_is_given_only_once_there_are_enough_episodes(client: TestClient) -> None:
    _start(client)
    _record(client, day=(TODAY - dt.timedelta(days=2)).isoformat())
    assert "a month" not in main_of(client.get("/diary/episodes")).get_text(), "one episode"
    _record(client, day=(TODAY - dt.timedelta(days=40)).isoformat())
    _record(client, day=(TODAY - dt.timedelta(days=20)).isoformat())
    text = main_of(client.get("/diary/episodes")).get_text()
    assert "About 2.3 a month since the first one" in text  # 3 in 40 days
    spanish = main_of(client.get("/diary/episodes?lang=es")).get_text()
    assert "2,3" in spanish and "2.3" not in spanish

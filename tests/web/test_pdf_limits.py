"""Visit-summary PDFs cannot tie the server up: the summary lists a bounded number of episodes
and says what it left out, renders happen in worker processes of their own, an app process
admits only so many at once, and each client only so many a minute.

How much the other pages slow down while PDFs are made is measured, not tested (timings on a
shared machine make poor tests): `make bench-pdf`.
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from candid.diary.episodes import SUMMARY_EPISODES, Episode
from candid.store.diaries import Opened
from candid.web.context import Web
from tests.web.client import csrf, make_client

TODAY = dt.date.today()
EPISODE = {
    "amount": "light",
    "colour": "pink",
    "timing": "during",
    "pain": "none",
    "lubricant": "no",
    "cycle_day": "",
}


def _diary(client: TestClient, episodes: int) -> None:
    """A diary open in `client` with `episodes` episodes, one a day back from today; the
    first through the form, the rest straight into the store (quicker, and the same rows)."""
    home = client.get("/diary")
    client.post("/diary/new", data={"csrf": csrf(home)})
    token = csrf(client.get("/diary/episodes/new"))
    form = {**EPISODE, "csrf": token, "day": TODAY.isoformat(), "notes": "episode number 0"}
    assert client.post("/diary/episodes/new", data=form, follow_redirects=False).is_redirect
    web: Web = client.app.state.web  # type: ignore[attr-defined]
    session = web.cookies.open(client.cookies["candid_session"].strip('"'))
    assert session is not None and session.interview.diary and session.interview.diary_key
    diary = Opened(session.interview.diary, base64.b64decode(session.interview.diary_key))
    for i in range(1, episodes):
        day = TODAY - dt.timedelta(days=i)
        episode = Episode(day, "light", "pink", "during", "none", "no", None, f"episode number {i}")
        web.diaries().add(diary, episode)


def _pdf_text(pdf: bytes, tmp: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is installed by `make test`")
    path = tmp / "summary.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def test_the_summary_lists_the_most_recent_episodes_and_says_what_it_left_out(
    tmp_path: Path,
) -> None:
    client = make_client(tmp_path)
    total = SUMMARY_EPISODES + 7
    _diary(client, total)
    page = client.get("/summary")
    assert page.status_code == 200
    assert page.text.count("episode number") == SUMMARY_EPISODES
    assert "episode number 0" in page.text and f"episode number {total - 1}" not in page.text
    said = f"the {SUMMARY_EPISODES} most recent of {total} episodes"
    assert said in page.text
    pdf = client.get("/summary.pdf")
    assert pdf.status_code == 200
    text = _pdf_text(pdf.content, tmp_path)
    assert said in text and "the earlier ones are left out here" in text
    assert text.count("episode number") == SUMMARY_EPISODES


def test_pdfs_are_made_in_a_process_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint is broken in this process; the PDF still comes, so it was made elsewhere
    (the app's threads share this process's GIL with the event loop and every page)."""
    client = make_client(tmp_path)
    _diary(client, 1)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("rendered in the app process")

    monkeypatch.setattr("candid.web.pdf.HTML", broken)
    pdf = client.get("/summary.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_process_admits_only_so_many_pdfs_at_once(tmp_path: Path) -> None:
    client = make_client(tmp_path, pdf_workers=1, pdf_queue=1)
    _diary(client, 1)
    web: Web = client.app.state.web  # type: ignore[attr-defined]
    with web.pdfs.slot(), web.pdfs.slot():  # a render under way and one waiting
        busy = client.get("/summary.pdf")
        assert busy.status_code == 503 and "busy making other PDFs" in busy.text
        assert busy.headers["retry-after"] == "5"
        assert client.get("/summary").status_code == 200, "the printable page is not limited"
    assert client.get("/summary.pdf").status_code == 200, "a slot free again"


def test_each_client_may_have_only_so_many_pdfs_a_minute(tmp_path: Path) -> None:
    # An hour's window: three renders on a loaded machine can straddle a minute's boundary.
    client = make_client(tmp_path, pdf_rate_limit="2/hour")
    _diary(client, 1)
    assert [client.get("/summary.pdf").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/summary.pdf")
    assert refused.status_code == 429 and "Too many requests" in refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 3600

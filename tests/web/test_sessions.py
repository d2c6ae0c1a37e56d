"""Ending a session ends it everywhere: a copy of the cookie taken before "Delete my answers"
or "Close diary" (a shared or borrowed device, a synced browser profile) shows nothing after.
The server keeps only a salt per live session; the answers stay in the sealed cookie."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from candid.store.db import database
from candid.store.models import BrowserSession
from candid.store.sessions import Sessions
from tests.web.client import csrf, interview, make_client
from tests.web.test_diary_pages import GOOD, _record, _start

COOKIE = "candid_session"
ANSWERS = {"age": "34", "pregnant": "no", "heavy_bleeding_now": "false"}


def _sessions_in(tmp_path: Path) -> int:
    engine = create_engine(f"sqlite:///{tmp_path / 'candid.db'}")
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(BrowserSession)) or 0)


def test_a_cookie_copied_before_delete_my_answers_shows_nothing_after(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    interview(client, ANSWERS)
    assert client.get("/check", follow_redirects=False).status_code == 200
    copied = client.cookies[COOKIE]

    check = client.get("/check")
    client.post("/delete", data={"csrf": csrf(check)})

    thief = make_client(tmp_path)
    thief.cookies.set(COOKIE, copied)
    r = thief.get("/check", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert thief.get("/results", follow_redirects=False).status_code == 303
    assert "34" not in thief.get("/summary").text


def test_a_cookie_copied_before_close_diary_no_longer_opens_it(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    _start(client)
    _record(client, notes="met the consultant on tuesday")
    copied = client.cookies[COOKIE]
    assert "met the consultant" in client.get("/diary/episodes").text

    client.post("/diary/close", data={"csrf": csrf(client.get("/diary/episodes"))})

    thief = make_client(tmp_path)
    thief.cookies.set(COOKIE, copied)
    r = thief.get("/diary/episodes", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary"
    assert "met the consultant" not in thief.get("/diary/export.csv").text
    assert GOOD["notes"] not in thief.get("/diary").text


def test_closing_the_diary_keeps_the_interview_in_a_new_session(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    interview(client, ANSWERS)
    _start(client)
    before = client.cookies[COOKIE].split(".")[0]
    client.post("/diary/close", data={"csrf": csrf(client.get("/diary/episodes"))})
    after = client.cookies[COOKIE].split(".")[0]
    assert after != before
    assert client.get("/check", follow_redirects=False).status_code == 200
    assert _sessions_in(tmp_path) == 1, "the old session's row is gone"


def test_visitors_who_have_not_started_cost_the_database_nothing(tmp_path: Path) -> None:
    for _ in range(5):
        make_client(tmp_path).get("/")
    assert _sessions_in(tmp_path) == 0


def test_an_anonymous_cookie_cannot_carry_answers(tmp_path: Path) -> None:
    """Only a live server-side session opens a cookie with answers in it."""
    client = make_client(tmp_path)
    interview(client, ANSWERS)
    sealed = client.cookies[COOKIE].split(".", 1)[1]
    thief = make_client(tmp_path)
    thief.cookies.set(COOKIE, f"-.{sealed}")
    assert thief.get("/check", follow_redirects=False).headers["location"] == "/"


def test_sessions_over_are_deleted_and_never_open(tmp_path: Path) -> None:
    sessions = Sessions(database(f"sqlite:///{tmp_path / 'candid.db'}"), lifetime_seconds=1)
    first, salt = sessions.start()
    assert sessions.salt(first) == salt
    time.sleep(2.1)
    assert sessions.salt(first) is None
    sessions.start()  # starting one sweeps the ones that are over
    assert _sessions_in(tmp_path) == 1


def test_the_session_table_holds_no_usable_id(tmp_path: Path) -> None:
    client: TestClient = make_client(tmp_path)
    interview(client, ANSWERS)
    session_id = client.cookies[COOKIE].split(".")[0]
    engine = create_engine(f"sqlite:///{tmp_path / 'candid.db'}")
    with engine.connect() as conn:
        ids = list(conn.scalars(select(BrowserSession.id)))
    assert len(ids) == 1 and session_id not in ids[0]

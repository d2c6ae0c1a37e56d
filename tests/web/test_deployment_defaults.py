"""Defaults a real deployment can rely on without setting anything else: an https public URL
makes cookies Secure and sends HSTS; the database file is private to the server's user from
the start; feedback comments are kept only as long as the deployer sets; and no page shows a
session secret in a form that a compressed page could leak beside text an attacker chose."""

from __future__ import annotations

import datetime as dt
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from candid.store.db import database, writing
from candid.store.models import Feedback
from candid.web.context import SWEEP_SECONDS, Web, unmasked
from tests.web.client import csrf, make_client, soup, start

TODAY = dt.date.today()


def test_an_https_public_url_makes_cookies_secure_and_sends_hsts(tmp_path: Path) -> None:
    r = make_client(tmp_path / "https", public_url="https://candid.example.org").get("/?lang=es")
    cookies = r.headers.get_list("set-cookie")
    assert len(cookies) == 2 and all("Secure" in c for c in cookies), cookies
    assert r.headers["strict-transport-security"] == "max-age=31536000"
    plain = make_client(tmp_path / "http").get("/?lang=es")
    assert not any("Secure" in c for c in plain.headers.get_list("set-cookie"))
    assert "strict-transport-security" not in plain.headers


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The common default (022), under which a new file is readable by every user."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.usefixtures("permissive_umask")
def test_the_database_and_its_logs_are_readable_by_this_user_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    client = make_client(data)
    interview_started = start(client)
    assert interview_started.status_code == 200
    files = sorted(data.glob("candid.db*"))
    assert {f.name for f in files} >= {"candid.db", "candid.db-wal", "candid.db-shm"}
    for f in [*files, data / "secret.key"]:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f"{f.name}: {oct(f.stat().st_mode)}"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_feedback_comments_are_deleted_after_the_days_the_deployer_sets(tmp_path: Path) -> None:
    db = database(f"sqlite:///{tmp_path / 'candid.db'}")
    old = "a very particular sentence about my partner"
    with writing(db), db.begin() as s:
        for days, comment in ((31, old), (29, "recent enough")):
            day = TODAY - dt.timedelta(days=days)
            s.add(
                Feedback(day=day, rating=4, comment=comment, language="en", knowledge_version="v")
            )
    client = make_client(tmp_path, feedback_comment_days=30)
    with db() as s:
        kept = {(f.rating, f.comment) for f in s.scalars(select(Feedback))}
    assert kept == {(4, None), (4, "recent enough")}, "the rating stays, the old comment goes"
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("candid.db*"))
    assert old.encode() not in raw, "no copy left in the database file or its log"
    assert "Comments are deleted 30 days after they are sent." in client.get("/feedback").text


def test_comments_go_within_an_hour_without_new_feedback_or_a_restart(tmp_path: Path) -> None:
    client = make_client(tmp_path, feedback_comment_days=30)
    web: Web = client.app.state.web  # type: ignore[attr-defined]
    db = web.db()
    with writing(db), db.begin() as s:
        day = TODAY - dt.timedelta(days=40)
        s.add(Feedback(day=day, rating=2, comment="late", language="en", knowledge_version="1"))
    client.get("/")
    with db() as s:
        assert s.scalar(select(Feedback.comment)) == "late", "swept at most once an hour"
    web._swept = time.monotonic() - SWEEP_SECONDS - 1  # as if the last sweep was an hour ago
    client.get("/")
    with db() as s:
        assert s.scalar(select(Feedback.comment)) is None


def test_the_csrf_token_is_masked_afresh_on_every_page(tmp_path: Path) -> None:
    """BREACH: a compressed page that shows a secret next to text an attacker chose lets the
    page's size reveal the secret a guess at a time. Each page shows the token under a new
    random mask, so the bytes never repeat; every masked form of it is accepted."""
    client = make_client(tmp_path)
    guess = "csrfGUESSabc123"
    pages = [client.get(f"/?x={guess}") for _ in range(3)]
    shown = [csrf(p) for p in pages]
    assert len(set(shown)) == 3, "a fresh mask each time"
    token = {unmasked(s) for s in shown}
    assert len(token) == 1 and None not in token, "one token beneath"
    raw = token.pop()
    assert raw is not None
    for p in pages:
        assert raw.decode() not in p.text, "the token itself is never on a page"
        assert guess not in p.text, "a query parameter the page does not use is not echoed"
    started = client.post("/start", data={"csrf": shown[0]})
    assert started.status_code == 200 and started.url.path.startswith(("/questions", "/groups"))
    tampered = shown[1][:-4] + ("AAAA" if not shown[1].endswith("AAAA") else "BBBB")
    assert client.post("/delete", data={"csrf": tampered}).status_code == 400
    assert client.post("/delete", data={"csrf": raw.decode()}).status_code == 400


def test_the_language_link_keeps_the_parameters_the_page_uses(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    page = soup(client.get("/feedback?sent=true&utm_source=elsewhere"))
    link = page.select_one("a[hreflang=es]")
    assert link is not None and link["href"] == "/feedback?sent=true&lang=es"

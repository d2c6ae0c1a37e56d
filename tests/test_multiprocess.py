"""Two real app processes behind one PostgreSQL database, as a deployment runs them.

Nothing a person relies on may live in one process's memory: a diary written through one
process must open through the other, with the same cookie (the key they share seals it) and
with the recovery code; wrong codes typed at either must count towards one lockout; and the
two may first touch a fresh database at the same moment (each migrates it on first use).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import httpx
import pytest
from cryptography.fernet import Fernet

from candid.diary.codes import new_code
from tests.appserver import (
    AppProcess,
    app_env,
    code_of,
    csrf_of,
    episode_form,
    new_diary,
    notes_in_csv,
    serving,
)
from tests.postgres import PostgresServer

ATTEMPTS = 3
LOCKOUT_MINUTES = 10**6
"""The lockout window (fixed, counted from the epoch) is made about two years long, so the
three wrong codes below cannot straddle a window boundary and be counted apart."""


@pytest.fixture
def apps(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[list[AppProcess]]:
    """Two processes on one fresh database, with one session key; both stopped afterwards."""
    name = f"candid_mp_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create_database(name)
    key = Fernet.generate_key().decode()
    envs = [
        app_env(
            url,
            key,
            tmp_path / f"data-{i}",
            diary_code_attempts=str(ATTEMPTS),
            diary_lockout_minutes=str(LOCKOUT_MINUTES),
        )
        for i in range(2)
    ]
    try:
        with serving(envs, tmp_path) as running:
            yield running
    finally:
        postgres_server.drop_database(name)


def client(app: AppProcess, cookie: str | None = None) -> httpx.Client:
    cookies = {"candid_session": cookie} if cookie else None
    return httpx.Client(base_url=app.url, cookies=cookies, timeout=30.0)


def test_a_diary_written_through_one_process_opens_through_the_other(
    apps: list[AppProcess],
) -> None:
    a, b = apps
    with client(a) as on_a, client(b) as elsewhere:
        # Both processes' first use of the fresh database, at the same moment: each migrates it.
        tokens = [csrf_of(c.get("/diary").text) for c in (on_a, elsewhere)]
        together = Barrier(2)

        def start_diary(c: httpx.Client, token: str) -> httpx.Response:
            together.wait()
            return c.post("/diary/new", data={"csrf": token})

        with ThreadPoolExecutor(2) as pool:
            made = list(pool.map(start_diary, (on_a, elsewhere), tokens))
        assert [r.status_code for r in made] == [200, 200], [r.text[:300] for r in made]
        code, token = code_of(made[0].text), tokens[0]

        r = on_a.post("/diary/episodes/new", data=episode_form(token, "recorded through A"))
        assert r.status_code == 303, r.text[:300]
        assert r.headers["location"] == "/diary/episodes?saved=added"
        cookie = on_a.cookies["candid_session"]

    with client(b, cookie) as same_cookie:
        page = same_cookie.get("/diary/episodes")
        assert page.status_code == 200, page.text[:300]
        assert "recorded through A" in page.text

    with client(b) as fresh:
        start = fresh.get("/diary")
        opened = fresh.post("/diary/open", data={"csrf": csrf_of(start.text), "code": code})
        assert opened.status_code == 303, opened.text[:300]
        assert opened.headers["location"] == "/diary/episodes"
        page = fresh.get("/diary/episodes")
        assert page.status_code == 200
        assert "recorded through A" in page.text
        export = fresh.get("/diary/export.csv")
        assert export.status_code == 200
        assert notes_in_csv(export.text) == ["recorded through A"]


def test_wrong_codes_at_either_process_count_towards_one_lockout(
    apps: list[AppProcess],
) -> None:
    a, b = apps
    with client(a) as maker:
        code, _ = new_diary(maker)
    with client(a) as on_a, client(b) as on_b:
        token_a = csrf_of(on_a.get("/diary").text)
        token_b = csrf_of(on_b.get("/diary").text)
        for who, token in ((on_a, token_a), (on_a, token_a), (on_b, token_b)):
            r = who.post("/diary/open", data={"csrf": token, "code": new_code()})
            assert r.status_code == 422, r.text[:300]
            assert "does not open a diary" in r.text
        # The fourth attempt is refused at both, even with the right code.
        for who, token in ((on_a, token_a), (on_b, token_b)):
            r = who.post("/diary/open", data={"csrf": token, "code": code})
            assert r.status_code == 429, r.text[:300]
            assert "Too many wrong codes" in r.text


def test_request_counters_are_shared_through_redis(
    postgres_server: PostgresServer, redis_url: str, tmp_path: Path
) -> None:
    """With CANDID_RATE_LIMIT_STORAGE on Redis, two processes allow the limit once between
    them: counted apart they would let through nearly twice as many requests."""
    limit = 10
    name = f"candid_rl_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create_database(name)
    key = Fernet.generate_key().decode()
    envs = [
        {
            **app_env(url, key, tmp_path / f"data-{i}"),
            "CANDID_RATE_LIMIT": f"{limit}/minute",
            "CANDID_RATE_LIMIT_STORAGE": redis_url,
        }
        for i in range(2)
    ]
    try:
        with serving(envs, tmp_path) as (a, b), client(a) as on_a, client(b) as on_b:
            passed = 0
            for turn in range(2 * limit):  # the start-up checks spent a few already
                r = (on_a, on_b)[turn % 2].get("/v1/pathways")
                if r.status_code == 429:
                    break
                assert r.status_code == 200
                passed += 1
            assert passed < limit, f"{passed} requests passed a shared limit of {limit}"
            refused = [on_a.get("/v1/pathways"), on_b.get("/v1/pathways")]
            assert [r.status_code for r in refused] == [429, 429], "both processes refuse"
            assert all(int(r.headers["retry-after"]) >= 1 for r in refused)
    finally:
        postgres_server.drop_database(name)

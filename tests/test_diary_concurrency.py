"""Many people (or many tabs) recording episodes at once, against a real app process, on
SQLite and on PostgreSQL: every write is answered with the usual redirect, none is lost and
none is stored twice.

Bounded so it stays a test, not a benchmark (benchmarks/diary_load.py is that): 20 writers,
5 episodes each, on loopback; the whole exchange must finish within WITHIN_SECONDS.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.appserver import (
    AppProcess,
    app_env,
    episode_form,
    new_diary,
    new_diary_async,
    notes_in_csv,
    run_async,
    serving,
)

WRITERS = 20
EACH = 5
WITHIN_SECONDS = 60.0
"""A generous ceiling (the exchange takes about a second): a hang fails instead of stalling."""
SAVED = "/diary/episodes?saved=added"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[AppProcess]:
    """One app process on a fresh database of each backend; stopped afterwards."""
    env = app_env(database_url, Fernet.generate_key().decode(), tmp_path / "data")
    with serving([env], tmp_path) as (running,):
        yield running


def async_client(app: AppProcess, cookie: str | None = None) -> httpx.AsyncClient:
    cookies = {"candid_session": cookie} if cookie else None
    return httpx.AsyncClient(base_url=app.url, cookies=cookies, timeout=30.0)


async def write(
    client: httpx.AsyncClient, token: str, notes: list[str]
) -> list[tuple[int, str | None]]:
    """Records one episode per note, one after another, as one person would; returns each
    answer's status and redirect target."""
    answers = []
    for note in notes:
        r = await client.post("/diary/episodes/new", data=episode_form(token, note))
        answers.append((r.status_code, r.headers.get("location")))
    return answers


def check(answers: list[tuple[int, str | None]]) -> None:
    statuses = Counter(status for status, _ in answers)
    assert not [s for s in statuses if s >= 500], f"server errors: {statuses}"
    assert answers == [(303, SAVED)] * len(answers), f"answers: {Counter(answers)}"


def notes_for(writer: int) -> list[str]:
    return [f"writer {writer:02d} episode {n}" for n in range(EACH)]


def test_concurrent_writers_to_one_diary_lose_nothing(app: AppProcess) -> None:
    with httpx.Client(base_url=app.url, timeout=30.0) as person:
        _, token = new_diary(person)
        cookie = person.cookies["candid_session"]

    async def run() -> list[tuple[int, str | None]]:
        clients = [async_client(app, cookie) for _ in range(WRITERS)]
        try:
            batches = await asyncio.gather(
                *(write(c, token, notes_for(w)) for w, c in enumerate(clients))
            )
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))
        return [a for batch in batches for a in batch]

    answers = run_async(run(), WITHIN_SECONDS)
    check(answers)
    assert len(answers) == WRITERS * EACH

    with httpx.Client(base_url=app.url, cookies={"candid_session": cookie}) as person:
        export = person.get("/diary/export.csv")
    assert export.status_code == 200
    stored = Counter(notes_in_csv(export.text))
    expected = Counter(note for w in range(WRITERS) for note in notes_for(w))
    assert stored == expected, (
        f"lost: {sorted((expected - stored).elements())}; "
        f"duplicated: {sorted(n for n, k in stored.items() if k > 1)}"
    )


def test_concurrent_writers_each_to_their_own_diary_lose_nothing(app: AppProcess) -> None:
    """Each writer also starts its diary at the same moment as the others, which on a fresh
    database is the process's first use of it, from many threads at once."""

    async def person(w: int) -> tuple[list[tuple[int, str | None]], list[str]]:
        async with async_client(app) as client:
            _, token = await new_diary_async(client)
            answers = await write(client, token, notes_for(w))
            export = await client.get("/diary/export.csv")
            assert export.status_code == 200
            return answers, notes_in_csv(export.text)

    async def run() -> list[tuple[list[tuple[int, str | None]], list[str]]]:
        return await asyncio.gather(*(person(w) for w in range(WRITERS)))

    results = run_async(run(), WITHIN_SECONDS)
    check([a for answers, _ in results for a in answers])
    for w, (_, stored) in enumerate(results):
        assert sorted(stored) == notes_for(w), f"writer {w}'s diary holds {stored}"

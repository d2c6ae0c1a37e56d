"""Shared fixtures: the installed pack, a one-line way to assess facts, and databases (SQLite
and a throwaway PostgreSQL server) for the tests of the store."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from candid.engine import Assessment, assess
from candid.knowledge.loader import load_pack
from candid.knowledge.models import Pack
from tests.postgres import PostgresServer, PostgresUnavailable, start_server
from tests.redis_server import RedisUnavailable, start_redis

Assess = Callable[..., Assessment]

# Apps built by the tests keep their generated key and SQLite file out of the user's home.
os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="candid-tests-"))


@pytest.fixture(scope="session")
def pack() -> Pack:
    return load_pack()


@pytest.fixture(scope="session")
def run(pack: Pack) -> Assess:
    def _run(facts: Mapping[str, Any], **kwargs: Any) -> Assessment:
        return assess(pack, facts, **kwargs)

    return _run


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """This worker's own throwaway PostgreSQL server, started the first time a test needs it.

    Without PostgreSQL the tests that need it are skipped, unless CANDID_REQUIRE_POSTGRES=1
    (CI sets it), when they fail: CI must never pass without having tested PostgreSQL.
    """
    try:
        server = start_server()
    except PostgresUnavailable as error:
        why = str(error)  # failed or skipped below, outside the handler: one clear message
    else:
        try:
            yield server
        finally:
            server.stop()
        return
    if os.environ.get("CANDID_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (CANDID_REQUIRE_POSTGRES=1): {why}", pytrace=False)
    pytest.skip(f"PostgreSQL is not available: {why}")


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://) of a database on the throwaway server."""
    return postgres_server.create_database("candid")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test, once on each backend Candid supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'candid.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"candid_{uuid.uuid4().hex[:16]}"
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway Redis server's URL. Skipped without redis-server, unless
    CANDID_REQUIRE_SERVICES=1 (CI sets it), when the tests that need it fail instead."""
    try:
        server = start_redis()
    except RedisUnavailable as error:
        if os.environ.get("CANDID_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required (CANDID_REQUIRE_SERVICES=1): {error}", pytrace=False)
        pytest.skip(f"Redis is not available: {error}")
    try:
        yield server.url
    finally:
        server.stop()


def probability(a: Assessment, cause_id: str) -> float:
    for cause in a.causes:
        if cause.id == cause_id:
            return cause.probability
    return 0.0


def rank_of(a: Assessment, cause_id: str) -> int:
    ids = [c.id for c in a.causes]
    return ids.index(cause_id) if cause_id in ids else len(ids)

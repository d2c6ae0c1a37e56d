"""The database: one engine per URL, migrated to the latest revision on first use."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from functools import cache
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def alembic_config(url: str) -> Config:
    """Built in code so an installed package needs no alembic.ini beside it."""
    cfg = Config()
    cfg.set_main_option("script_location", str(files("candid.store").joinpath("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_pragmas(dbapi_conn: object, _: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA busy_timeout=5000")  # first: switching to WAL may have to wait
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the one writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")  # a deleted diary's pages are zeroed, not left
    # In WAL mode NORMAL keeps the database consistent after a crash and skips the fsync on
    # every commit (SQLite's recommended pairing); the last commits before a power cut can
    # be lost, never a half-written one.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_WRITE_LOCKS: dict[int, threading.Lock] = {}


def writing(db: sessionmaker[Session]) -> AbstractContextManager[object]:
    """Held around each write transaction. SQLite has one writer at a time and makes the
    others retry with growing sleeps, which under concurrent writes turns into a long tail of
    waits; queueing the threads of this process on a lock instead serves them in turn.
    PostgreSQL handles concurrent writers itself."""
    engine = db.kw["bind"]
    if engine.dialect.name != "sqlite":
        return nullcontext()
    return _WRITE_LOCKS.setdefault(id(engine), threading.Lock())


def _private_file(path: Path) -> None:
    """Create the SQLite file empty and readable by this user only (0600, like the secret
    key), before SQLite creates it with the umask's (often world-readable) mode. SQLite gives
    its -wal and -shm files the database file's mode, so they are private too. A file that
    exists is left as the deployer made it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
            _private_file(Path(parsed.database))
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Enough pooled connections for the request threads (anyio's default pool is 40), so a
    # burst never waits on opening new server connections (a fork each on PostgreSQL).
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=20)


MIGRATION_LOCK = 0x43414E444944  # "CANDID": the PostgreSQL advisory lock the upgrade holds
_migrating = threading.Lock()


def _lock_for_migration(conn: Connection) -> None:
    """Lets one upgrade at a time into the database. Every process (and every thread of one)
    migrates on its first use, and several first uses of a fresh database at once would each
    create the same tables: all but one failed (IntegrityError on PostgreSQL, "table already
    exists" on SQLite). Holding this lock, the later ones find the schema at head and do
    nothing. The lock ends with the transaction."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now; busy_timeout waits


@contextmanager
def _first_start(url: str) -> Iterator[None]:
    """Several processes starting on a fresh SQLite file (the workers of one server, or of a
    test run) would each switch it to WAL and create the tables; a process that waits longer
    than the busy timeout for the others fails with "database is locked" before it reaches
    the migration lock. A lock file beside the database lets them in one at a time, however
    slow the first one is. Other databases need none (`_lock_for_migration`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    path = Path(f"{parsed.database}.lock")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@cache
def database(url: str) -> sessionmaker[Session]:
    """The engine for `url`, upgraded to the latest migration (made on first start)."""
    engine = make_engine(url)
    cfg = alembic_config(url)
    with _migrating, _first_start(url), engine.begin() as conn:
        _lock_for_migration(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return sessionmaker(engine, expire_on_commit=False)

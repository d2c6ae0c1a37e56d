"""The store works the same on SQLite and on a real PostgreSQL server: the schema is made on
first use, the migrations run both ways, and rows go in and come back out unchanged."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from candid.store.db import alembic_config, database, make_engine
from candid.store.models import Base, Feedback


def head(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            return None if value is None else str(value)
    finally:
        engine.dispose()


def test_each_backend_is_the_one_asked_for(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert engine.dialect.name == make_url(database_url).get_backend_name()
        if engine.dialect.name == "postgresql":
            assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_the_session_postgres_database_is_a_real_server(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            version = int(str(conn.exec_driver_sql("SHOW server_version_num").scalar()))
        assert version >= 130000  # DROP DATABASE ... WITH (FORCE), used by the fixtures
    finally:
        engine.dispose()


def test_the_schema_is_made_on_an_empty_database(database_url: str) -> None:
    assert "feedback" not in tables(database_url)
    database(database_url)
    assert {"feedback", "alembic_version"} <= tables(database_url)
    assert revision(database_url) == head(database_url)


def test_starting_again_on_a_migrated_database_changes_nothing(database_url: str) -> None:
    database(database_url)
    database.__wrapped__(database_url)  # a restart: a new engine, the same database
    assert revision(database_url) == head(database_url)


def test_migrations_downgrade_to_base_and_upgrade_to_head(database_url: str) -> None:
    cfg = alembic_config(database_url)
    command.upgrade(cfg, "head")
    assert "feedback" in tables(database_url)
    command.downgrade(cfg, "base")
    assert tables(database_url) <= {"alembic_version"}
    assert revision(database_url) is None
    command.upgrade(cfg, "head")
    assert set(Base.metadata.tables) <= tables(database_url)
    assert revision(database_url) == head(database_url)


def test_the_migrations_make_exactly_the_tables_the_models_describe(database_url: str) -> None:
    database(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_feedback_is_written_and_read_back(database_url: str) -> None:
    sessions = database(database_url)
    rows = [
        Feedback(
            day=dt.date(2026, 11, 28),
            rating=5,
            comment="Muy clara, gracias. ¿Y después del parto? 👍",
            language="es",
            knowledge_version="2026.11.1",
        ),
        Feedback(
            day=dt.date(2026, 12, 1), rating=1, comment=None, language="en", knowledge_version="x"
        ),
    ]
    with sessions.begin() as session:
        session.add_all(rows)
    with sessions() as session:
        back = session.scalars(select(Feedback).order_by(Feedback.id)).all()
    assert [r.id for r in back] == [1, 2]
    assert [(r.day, r.rating, r.comment, r.language, r.knowledge_version) for r in back] == [
        (
            dt.date(2026, 11, 28),
            5,
            "Muy clara, gracias. ¿Y después del parto? 👍",
            "es",
            "2026.11.1",
        ),
        (dt.date(2026, 12, 1), 1, None, "en", "x"),
    ]
    assert all(type(r.day) is dt.date for r in back)


def test_upgrading_from_the_previous_revision_keeps_the_data(database_url: str) -> None:
    """A deployment running the feedback-only schema (0001) upgrades in place to the diary."""
    cfg = alembic_config(database_url)
    command.upgrade(cfg, "0001")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO feedback (day, rating, comment, language, knowledge_version)"
                " VALUES (:day, 5, 'kept', 'en', '2026.11.1')"
            ),
            {"day": dt.date(2026, 11, 1)},
        )
    assert "diary" not in inspect(engine).get_table_names()
    command.upgrade(cfg, "head")
    assert {"diary", "episode", "throttle"} <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT comment FROM feedback")).scalar() == "kept"
    engine.dispose()

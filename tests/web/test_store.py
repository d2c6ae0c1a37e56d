"""The database is made on first start and its migrations run both ways."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from candid.store.db import alembic_config, database


def test_the_database_is_created_and_migrated_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'candid.db'}"
    database(url)
    engine = create_engine(url)
    assert "feedback" in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_migrations_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'candid.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    assert "feedback" not in inspect(create_engine(url)).get_table_names()
    command.upgrade(cfg, "head")
    assert "feedback" in inspect(create_engine(url)).get_table_names()

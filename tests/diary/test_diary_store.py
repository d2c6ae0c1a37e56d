"""The diary store on SQLite and on a real PostgreSQL: what is kept is only ciphertext, each
person reaches only their own episodes, and deleting a diary leaves nothing of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from candid.diary.codes import code_bytes, lookup_of, new_code
from candid.diary.episodes import Episode
from candid.store.db import database, make_engine
from candid.store.diaries import Diaries, DiaryFull, DiaryGone, Opened, Throttles

NOTES = "bled after we tried a new position, felt sore"


def _episode(day: int = 3, notes: str = NOTES) -> Episode:
    return Episode(
        dt.date(2026, 11, day), "moderate", "bright_red", "right_after", "mild", "no", 14, notes
    )


def _new(diaries: Diaries) -> tuple[bytes, Opened]:
    code = code_bytes(new_code())
    return code, diaries.create(code, lookup_of(code))


def _dump(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [
            repr(tuple(row))
            for table in inspect(conn).get_table_names()
            for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        ]
    engine.dispose()
    return "\n".join(rows)


def test_episodes_round_trip_and_come_back_newest_first(database_url: str) -> None:
    diaries = Diaries(database(database_url))
    code, diary = _new(diaries)
    first = diaries.add(diary, _episode(3))
    diaries.add(diary, _episode(9, "second"))
    assert [e.episode.day.day for e in diaries.episodes(diary)] == [9, 3]
    assert diaries.replace(diary, first, _episode(4, "changed"))
    assert diaries.get(diary, first) == _episode(4, "changed")
    assert diaries.remove(diary, first)
    assert [e.episode.notes for e in diaries.episodes(diary)] == ["second"]
    again = diaries.open(code, lookup_of(code))
    assert again == diary, "the code opens the same diary with the same key"


def test_the_database_holds_no_plaintext_episode_data(database_url: str) -> None:
    diaries = Diaries(database(database_url))
    _, diary = _new(diaries)
    diaries.add(diary, _episode())
    dump = _dump(database_url)
    for plain in (NOTES, "bright_red", "right_after", "moderate", "2026-11-03", "sore"):
        assert plain not in dump, f"{plain!r} is readable in the database"
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        raw = b"".join(p.read_bytes() for p in Path(url.database).parent.glob("candid.db*"))
        assert NOTES.encode() not in raw and b"bright_red" not in raw


def test_a_wrong_code_opens_nothing(database_url: str) -> None:
    diaries = Diaries(database(database_url))
    _new(diaries)
    other = code_bytes(new_code())
    assert diaries.open(other, lookup_of(other)) is None


def test_one_diary_cannot_reach_another_diarys_episodes(database_url: str) -> None:
    diaries = Diaries(database(database_url))
    _, mine = _new(diaries)
    _, theirs = _new(diaries)
    their_episode = diaries.add(theirs, _episode())
    assert not diaries.replace(mine, their_episode, _episode(5, "overwritten"))
    assert not diaries.remove(mine, their_episode)
    assert diaries.get(mine, their_episode) is None
    forged = Opened(theirs.diary_id, mine.key)  # a tampered cookie naming their diary
    assert diaries.episodes(forged) == [], "the wrong key opens none of their rows"
    assert [e.episode for e in diaries.episodes(theirs)] == [_episode()]


def test_a_diary_holds_at_most_its_limit_of_episodes(database_url: str) -> None:
    diaries = Diaries(database(database_url))
    _, diary = _new(diaries)
    for day in range(1, 4):
        diaries.add(diary, _episode(day), limit=3)
    with pytest.raises(DiaryFull):
        diaries.add(diary, _episode(4), limit=3)
    assert len(diaries.episodes(diary)) == 3, "nothing saved was lost"
    first = diaries.episodes(diary)[-1].id
    assert diaries.remove(diary, first)
    diaries.add(diary, _episode(5), limit=3)
    assert len(diaries.episodes(diary)) == 3, "room again after a delete"


def test_adding_to_a_deleted_diary_says_so_instead_of_failing(database_url: str) -> None:
    """Another browser that had the diary open deleted it: the add finds no diary (not a
    foreign-key error) and stores nothing."""
    diaries = Diaries(database(database_url))
    _, diary = _new(diaries)
    diaries.delete_diary(diary)
    with pytest.raises(DiaryGone):
        diaries.add(diary, _episode())
    assert diaries.episodes(diary) == []


def test_deleting_a_diary_leaves_nothing_of_it(database_url: str) -> None:
    diaries = Diaries(database(database_url))
    _, keep = _new(diaries)
    diaries.add(keep, _episode(1, "keep me"))
    code, gone = _new(diaries)
    for day in range(1, 6):
        diaries.add(gone, _episode(day))
    sealed_before = _dump(database_url)
    diaries.delete_diary(gone)
    assert not diaries.exists(gone.diary_id)
    assert diaries.open(code, lookup_of(code)) is None
    dump = _dump(database_url)
    assert gone.diary_id not in dump
    assert len(dump) < len(sealed_before)
    assert [e.episode.notes for e in diaries.episodes(keep)] == ["keep me"]


def test_wrong_code_lockouts_are_shared_through_the_database(database_url: str) -> None:
    # Two engines on one database stand for two app processes (their own connection pools).
    database(database_url)  # migrate
    one = Throttles(sessionmaker(make_engine(database_url)), limit=3, window_seconds=900)
    two = Throttles(sessionmaker(make_engine(database_url)), limit=3, window_seconds=900)
    one.fail("client-a")
    two.fail("client-a")
    assert one.blocked_for("client-a") == 0 and two.blocked_for("client-a") == 0
    two.fail("client-a")
    assert one.blocked_for("client-a") > 0 and two.blocked_for("client-a") > 0
    assert one.blocked_for("client-b") == 0, "other clients are not locked out"


def test_counts_from_lockout_windows_already_over_are_deleted(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttles = Throttles(database(database_url), limit=3, window_seconds=900)
    now = 1_800_000_000.0
    monkeypatch.setattr("candid.store.diaries.time.time", lambda: now)
    throttles.fail("client-a")
    throttles.fail("client-b")
    now += 900
    throttles.fail("client-c")
    assert "client-a" not in _dump(database_url) and "client-b" not in _dump(database_url)
    assert "client-c" in _dump(database_url)

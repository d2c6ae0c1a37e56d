"""Diary storage: every read and write of diaries and episodes goes through here.

Only ciphertext, random ids, a lookup value and a salt reach the database. Each write is one
short transaction that inserts, updates or deletes a single row by its random id, so
concurrent writers never overwrite each other's episodes.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from candid.diary.crypto import CannotOpen, derive_key, new_salt, open_sealed, seal
from candid.diary.episodes import MAX_EPISODES, Episode
from candid.store.db import writing
from candid.store.models import Diary, EpisodeRow, Throttle


@dataclass(frozen=True)
class Opened:
    """An unlocked diary: its id and the key derived from the recovery code."""

    diary_id: str
    key: bytes


@dataclass(frozen=True)
class StoredEpisode:
    id: str
    episode: Episode


class DiaryFull(Exception):
    """The diary already holds the most episodes one diary may (MAX_EPISODES)."""


class DiaryGone(Exception):
    """The diary no longer exists: another browser that had it open deleted it."""


def _context(diary_id: str, episode_id: str) -> str:
    return f"candid-episode:{diary_id}:{episode_id}"


class Diaries:
    def __init__(self, db: sessionmaker[Session]) -> None:
        self.db = db

    def create(self, code: bytes, lookup: bytes) -> Opened:
        salt = new_salt()
        diary = Diary(id=str(uuid.uuid4()), lookup=lookup, salt=salt)
        with writing(self.db), self.db.begin() as s:
            s.add(diary)
        return Opened(diary.id, derive_key(code, salt))

    def open(self, code: bytes, lookup: bytes) -> Opened | None:
        with self.db() as s:
            diary = s.scalars(select(Diary).where(Diary.lookup == lookup)).first()
        if diary is None:
            return None
        return Opened(diary.id, derive_key(code, diary.salt))

    def exists(self, diary_id: str) -> bool:
        with self.db() as s:
            return s.get(Diary, diary_id) is not None

    def add(self, opened: Opened, episode: Episode, limit: int = MAX_EPISODES) -> str:
        """The new episode's id. Raises DiaryFull at `limit` episodes, and DiaryGone when the
        diary no longer exists (another browser holding it open deleted it).

        On PostgreSQL the diary's row is locked first, so concurrent adds to one diary count
        in turn and a delete cannot slip between the check and the insert. On SQLite the
        writers of one process take turns (`writing`); two processes adding to one diary at
        the same moment could both pass the count and leave it one over, which is harmless
        for a bound on work. A delete that wins a race shows as the foreign key's
        IntegrityError, read here as DiaryGone too."""
        episode_id = str(uuid.uuid4())
        nonce, ct = seal(opened.key, episode.to_bytes(), _context(opened.diary_id, episode_id))
        try:
            with writing(self.db), self.db.begin() as s:
                found = s.scalar(
                    select(Diary.id).where(Diary.id == opened.diary_id).with_for_update()
                )
                if found is None:
                    raise DiaryGone
                held = s.scalar(
                    select(func.count())
                    .select_from(EpisodeRow)
                    .where(EpisodeRow.diary_id == opened.diary_id)
                )
                if (held or 0) >= limit:
                    raise DiaryFull
                s.add(
                    EpisodeRow(id=episode_id, diary_id=opened.diary_id, nonce=nonce, ciphertext=ct)
                )
        except IntegrityError:
            raise DiaryGone from None
        return episode_id

    def replace(self, opened: Opened, episode_id: str, episode: Episode) -> bool:
        nonce, ct = seal(opened.key, episode.to_bytes(), _context(opened.diary_id, episode_id))
        with writing(self.db), self.db.begin() as s:
            done = s.execute(
                update(EpisodeRow)
                .where(EpisodeRow.id == episode_id, EpisodeRow.diary_id == opened.diary_id)
                .values(nonce=nonce, ciphertext=ct)
            )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def remove(self, opened: Opened, episode_id: str) -> bool:
        with writing(self.db), self.db.begin() as s:
            done = s.execute(
                delete(EpisodeRow).where(
                    EpisodeRow.id == episode_id, EpisodeRow.diary_id == opened.diary_id
                )
            )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def episodes(self, opened: Opened) -> list[StoredEpisode]:
        """Newest first. A row that fails to open (tampered) is left out, not shown."""
        return self._opened(opened, EpisodeRow.diary_id == opened.diary_id)

    def get(self, opened: Opened, episode_id: str) -> Episode | None:
        found = self._opened(
            opened, EpisodeRow.diary_id == opened.diary_id, EpisodeRow.id == episode_id
        )
        return found[0].episode if found else None

    def _opened(self, opened: Opened, *where: ColumnElement[bool]) -> list[StoredEpisode]:
        with self.db() as s:
            sealed = [
                (r.id, r.nonce, r.ciphertext) for r in s.scalars(select(EpisodeRow).where(*where))
            ]
        out: list[StoredEpisode] = []
        for episode_id, nonce, ct in sealed:
            try:
                raw = open_sealed(opened.key, nonce, ct, _context(opened.diary_id, episode_id))
            except CannotOpen:  # a row moved or edited outside Candid
                continue
            out.append(StoredEpisode(episode_id, Episode.from_bytes(raw)))
        return sorted(out, key=lambda e: (e.episode.day, e.id), reverse=True)

    def delete_diary(self, opened: Opened) -> None:
        """Gone at once. On SQLite the freed pages are zeroed (secure_delete) and the
        write-ahead log is folded back and emptied, so no old copy stays in either file."""
        with writing(self.db), self.db.begin() as s:
            s.execute(delete(EpisodeRow).where(EpisodeRow.diary_id == opened.diary_id))
            s.execute(delete(Diary).where(Diary.id == opened.diary_id))
        with self.db() as s:
            if s.get_bind().dialect.name == "sqlite":
                s.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class Throttles:
    """Fixed-window failure counters (wrong recovery codes), in the shared database."""

    def __init__(self, db: sessionmaker[Session], limit: int, window_seconds: int) -> None:
        self.db = db
        self.limit = limit
        self.window_seconds = window_seconds

    def _window(self) -> int:
        return int(time.time()) // self.window_seconds

    def blocked_for(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        with self.db() as s:
            row = s.get(Throttle, key)
            if row is None or row.window != self._window() or row.failures < self.limit:
                return 0
        return self.window_seconds - int(time.time()) % self.window_seconds

    def fail(self, key: str) -> None:
        """Count one failure atomically (one upsert), whichever process serves the request.
        Counts from windows already over are deleted in the same transaction: they lock
        nobody out any more, and each is a hashed address kept for no reason."""
        window = self._window()
        with writing(self.db), self.db.begin() as s:
            s.execute(delete(Throttle).where(Throttle.window != window))
            dialect = s.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = insert(Throttle).values(key=key, window=window, failures=1)
            stmt = stmt.on_conflict_do_update(
                index_elements=[Throttle.key],
                set_={
                    "failures": case((Throttle.window == window, Throttle.failures + 1), else_=1),
                    "window": window,
                },
            )
            s.execute(stmt)

"""Feedback comments are free text: whatever someone writes stays only as long as the deployer
allows (`feedback_comment_days`). The rating, day and language stay; only the comment goes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from candid.store.db import writing
from candid.store.models import Feedback


def forget_old_comments(db: sessionmaker[Session], days: int, today: dt.date) -> int:
    """Delete the comments sent more than `days` days before `today`; how many there were.
    On SQLite the freed bytes are zeroed (secure_delete) and the write-ahead log, which
    still holds the old pages, is folded back and emptied, as for a deleted diary."""
    with writing(db), db.begin() as s:
        done = s.execute(
            update(Feedback)
            .where(Feedback.day < today - dt.timedelta(days=days), Feedback.comment.is_not(None))
            .values(comment=None)
        )
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if count:
        with db() as s:
            if s.get_bind().dialect.name == "sqlite":
                s.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return count

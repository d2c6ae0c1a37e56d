"""Tables. Feedback carries no personal data: a rating, an optional comment, the day, the
language and the knowledge version, so ratings can be read against what people were shown."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    """The day only: a timestamp could be matched with a visit in a proxy's logs."""
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    knowledge_version: Mapped[str] = mapped_column(String(32), nullable=False)


class Diary(Base):
    """A diary is only a lookup value and a salt: nothing in it says whose it is."""

    __tablename__ = "diary"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lookup: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(16), nullable=False)


class EpisodeRow(Base):
    """One episode, sealed: the date, amount and notes are all inside the ciphertext."""

    __tablename__ = "episode"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    diary_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("diary.id", ondelete="CASCADE"), nullable=False, index=True
    )
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12), nullable=False)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class Throttle(Base):
    """Failures per client and purpose in a fixed window, shared by every app process."""

    __tablename__ = "throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)


class BrowserSession(Base):
    """A live browser session: the hash of its random id, the salt its cookie's key is
    derived with, and when it ends. The answers stay in the cookie, sealed under that key;
    deleting this row makes every copy of the cookie unreadable (docs/deploy.md, threat model)."""

    __tablename__ = "browser_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the session id, so the table alone cannot be used to forge a cookie."""
    salt: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    expires: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    """Unix seconds."""

"""Tables. Feedback carries no personal data: a rating, an optional comment, the day, the
language and the knowledge version, so ratings can be read against what people were shown."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String, Text
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

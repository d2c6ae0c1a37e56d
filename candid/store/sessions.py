"""Browser sessions on the server: what makes "delete" mean gone for every copy of a cookie.

A session is a random id in the cookie and a row here holding the salt from which, with the
server's secret key, the cookie's own encryption key is derived. The row is the only place
that salt exists, so ending the session (deleting the row) leaves any copied cookie as
ciphertext nobody can open, the server included. The answers themselves never reach the
database.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from candid.store.db import writing
from candid.store.models import BrowserSession

SALT_BYTES = 32


def _row_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    def __init__(self, db: sessionmaker[Session], lifetime_seconds: int) -> None:
        self.db = db
        self.lifetime = lifetime_seconds

    def start(self) -> tuple[str, bytes]:
        """A new session's id (for the cookie) and salt. Sessions already over are deleted
        in the same transaction, so the table holds only the live ones (and is bounded by
        how many people start an interview within one session lifetime)."""
        session_id = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(SALT_BYTES)
        now = int(time.time())
        with writing(self.db), self.db.begin() as s:
            s.execute(delete(BrowserSession).where(BrowserSession.expires <= now))
            s.add(BrowserSession(id=_row_id(session_id), salt=salt, expires=now + self.lifetime))
        return session_id, salt

    def salt(self, session_id: str) -> bytes | None:
        """The live session's salt, or None when it ended, expired or never existed."""
        with self.db() as s:
            return s.scalar(
                select(BrowserSession.salt).where(
                    BrowserSession.id == _row_id(session_id),
                    BrowserSession.expires > int(time.time()),
                )
            )

    def extend(self, session_id: str) -> bytes | None:
        """The session lasts its lifetime from the last answer, as the cookie does. Returns
        its salt, or None when it had already ended (one statement, no read before it)."""
        now = int(time.time())
        with writing(self.db), self.db.begin() as s:
            return s.scalar(
                update(BrowserSession)
                .where(BrowserSession.id == _row_id(session_id), BrowserSession.expires > now)
                .values(expires=now + self.lifetime)
                .returning(BrowserSession.salt)
            )

    def end(self, session_id: str) -> None:
        with writing(self.db), self.db.begin() as s:
            s.execute(delete(BrowserSession).where(BrowserSession.id == _row_id(session_id)))

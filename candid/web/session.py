"""The interview lives in the person's browser as an encrypted, signed cookie whose key only
a live server-side session can give.

Fernet (AES-CBC + HMAC-SHA256) makes the cookie unreadable and tamper-evident, and its
timestamp lets old interviews expire. Nothing the person answers touches the server's disk;
the server keeps only, per session, a random salt from which the cookie's key is derived
(`candid.store.sessions`). "Delete my answers" and "Close diary" delete that salt, so a copy
of the cookie taken before (on a shared or borrowed device) opens for nobody afterwards.
A visitor who has not started holds nothing worth ending: their cookie (only the CSRF token)
is sealed with a key of its own and costs the database nothing.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from candid.engine.conditions import FactValue
from candid.settings import Settings
from candid.store.sessions import Sessions

COOKIE = "candid_session"
# Browsers keep cookies up to 4096 bytes; a full interview is about half of that.
MAX_COOKIE_BYTES = 4000


@dataclass
class Interview:
    """What the person has said so far, in the order they said it."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    facts: dict[str, FactValue] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Questions answered "I'm not sure"."""
    order: list[str] = field(default_factory=list)
    """Every question answered (or skipped), in the order asked: the back link walks this."""
    started: bool = False
    diary: str | None = None
    """The unlocked diary's id, and below the key its recovery code derived: kept only in
    this encrypted cookie, so the server cannot open a diary on its own."""
    diary_key: str | None = None
    pathway: str | None = None
    """The pathway (pack id) these answers are for; None until one is chosen (the default)."""
    elsewhere: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Answers given on other pathways that only they ask, by pathway (`facts`, `skipped`,
    `order`), put back when the person returns to that pathway."""

    def answer(self, fact: str, value: FactValue | None) -> None:
        if value is None:
            self.facts.pop(fact, None)
            if fact not in self.skipped:
                self.skipped.append(fact)
        else:
            self.facts[fact] = value
            if fact in self.skipped:
                self.skipped.remove(fact)
        if fact not in self.order:
            self.order.append(fact)

    def forget(self, fact: str) -> None:
        self.facts.pop(fact, None)
        if fact in self.skipped:
            self.skipped.remove(fact)
        if fact in self.order:
            self.order.remove(fact)

    def answered(self, fact: str) -> bool:
        return fact in self.facts or fact in self.skipped

    def holds_anything(self) -> bool:
        """Whether there is anything of the person's to protect (answers, a diary)."""
        return bool(self.started or self.order or self.facts or self.diary)

    def to_json(self) -> dict[str, Any]:
        """Short keys, and the order as positions among the answers' names (each name is
        already in `f` or `s`): a complete interview has to fit in one cookie."""
        names = {name: i for i, name in enumerate([*self.facts, *self.skipped])}
        return {
            "c": self.csrf,
            "f": self.facts,
            "s": self.skipped,
            "o": [names.get(name, name) for name in self.order],
            "st": self.started,
            "d": self.diary,
            "k": self.diary_key,
            "p": self.pathway,
            **({"x": self.elsewhere} if self.elsewhere else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Interview:
        facts, skipped = dict(data["f"]), list(data["s"])
        names = [*facts, *skipped]
        return cls(
            csrf=str(data["c"]),
            facts=facts,
            skipped=skipped,
            order=[names[x] if isinstance(x, int) else str(x) for x in data["o"]],
            started=bool(data["st"]),
            diary=data.get("d"),
            diary_key=data.get("k"),
            pathway=data.get("p"),
            elsewhere=dict(data.get("x") or {}),
        )


class Sealer:
    """Seals an interview into a cookie value and opens it again, or returns None."""

    def __init__(self, key: bytes, max_age_seconds: int) -> None:
        self._fernet = Fernet(key)
        self._ttl = max_age_seconds

    def seal(self, interview: Interview) -> str:
        raw = json.dumps(interview.to_json(), separators=(",", ":")).encode()
        return self._fernet.encrypt(raw).decode()

    def open(self, token: str | None) -> Interview | None:
        if not token:
            return None
        try:
            raw = self._fernet.decrypt(token.encode(), ttl=self._ttl)
            return Interview.from_json(json.loads(raw))
        except (InvalidToken, ValueError, KeyError, TypeError):
            return None  # tampered, expired or from an old key: start afresh


def purpose_key(key: bytes, purpose: str, salt: bytes | None = None) -> bytes:
    """A Fernet key of its own for one purpose, derived from the secret key (HKDF), so a
    token made for one use (a link from the record) is never accepted as another (a cookie).
    A salt makes one key per session."""
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=f"candid {purpose}".encode()
    ).derive(base64.urlsafe_b64decode(key))
    return base64.urlsafe_b64encode(derived)


ANONYMOUS = "-"
"""The session id part of a cookie that belongs to no server-side session (nothing started)."""


@dataclass
class Opened:
    interview: Interview
    session_id: str | None
    """None for a visitor with no live server-side session (new, ended, or never started)."""


class SessionCookies:
    """The cookie is `<session id>.<Fernet token>`; the token's key is derived from the secret
    key and the session's salt, which lives only in the database row of a live session."""

    def __init__(self, key: bytes, ttl_seconds: int, sessions: Callable[[], Sessions]) -> None:
        self._key = key
        self._ttl = ttl_seconds
        self._sessions = sessions
        self._anonymous = Sealer(purpose_key(key, "anonymous session"), ttl_seconds)

    def _sealer(self, salt: bytes) -> Sealer:
        return Sealer(purpose_key(self._key, "session", salt), self._ttl)

    def open(self, value: str | None) -> Opened | None:
        """The interview in the cookie, or None when there is none that may be read."""
        if not value or "." not in value:
            return None
        session_id, token = value.split(".", 1)
        if session_id == ANONYMOUS:
            interview = self._anonymous.open(token)
            if interview is None or interview.holds_anything():
                return None  # an anonymous cookie never carries answers
            return Opened(interview, None)
        salt = self._sessions().salt(session_id)
        if salt is None:
            return None  # ended ("delete"), expired, or made up
        interview = self._sealer(salt).open(token)
        return Opened(interview, session_id) if interview is not None else None

    def seal(self, interview: Interview, session_id: str | None) -> tuple[str, str | None]:
        """The cookie value, and the session id it now belongs to: a session is started the
        first time there is something of the person's in it, and extended on every change."""
        if not interview.holds_anything():
            if session_id is not None:
                self._sessions().end(session_id)
            return f"{ANONYMOUS}.{self._anonymous.seal(interview)}", None
        sessions = self._sessions()
        found = sessions.extend(session_id) if session_id is not None else None
        if session_id is None or found is None:  # new, or ended in another tab meanwhile
            session_id, salt = sessions.start()
        else:
            salt = found
        return f"{session_id}.{self._sealer(salt).seal(interview)}", session_id

    def end(self, session_id: str) -> None:
        self._sessions().end(session_id)


def secret_key(config: Settings) -> bytes:
    """The configured key, or one generated once and kept (0600) in the data folder."""
    if config.secret_key:
        key = config.secret_key.encode()
        Fernet(key)  # refuse to start with a malformed key, not on the first request
        return key
    path: Path = config.data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written whole to a private file first, then linked into place: the link is atomic and
    # fails if the key exists, so a process starting alongside never reads a half-written
    # key, and all of them end up with the one that got there first.
    draft = path.with_name(f".secret.key.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(Fernet.generate_key())
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        draft.unlink()
    return path.read_bytes().strip()

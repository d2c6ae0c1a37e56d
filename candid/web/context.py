"""One request's view of the app: language, interview, and how to answer with a page.

Every route takes a `Page` (a FastAPI dependency). It reads the sealed interview cookie and the
language, renders templates with both, and writes the cookies back only when they changed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from candid import __version__, i18n
from candid.knowledge.learn import Learn
from candid.knowledge.models import Fact, Pack
from candid.settings import Settings
from candid.store.db import database
from candid.store.diaries import Diaries, Throttles
from candid.store.feedback import forget_old_comments
from candid.web.pdf import Pdfs
from candid.web.session import COOKIE, MAX_COOKIE_BYTES, Interview, Sealer, SessionCookies
from candid.web.templating import environment

LANG_COOKIE = "candid_lang"
SWEEP_SECONDS = 3600
KEPT_QUERY = ("change", "deleted", "saved", "sent", "t")
"""The query parameters the pages read, the only ones a language link carries over: a page
echoes no query text it does not use."""


def _same_question(a: Fact, b: Fact) -> bool:
    """One shared fact as two packs load it: the same but for each population's baseline."""
    return a.model_dump(exclude={"baseline"}) == b.model_dump(exclude={"baseline"})


def masked(token: str) -> str:
    """The CSRF token as one page shows it: a fresh random mask, then the token XORed with
    it. The token is a secret of the session; pages are compressed, and a page that also
    echoes text an attacker chose (a query string, a path) would otherwise let the
    compressed size say how much of a guess matched the token (BREACH). Masked, the bytes on
    the page differ every time and match nothing."""
    raw = token.encode()
    mask = secrets.token_bytes(len(raw))
    hidden = bytes(a ^ b for a, b in zip(mask, raw, strict=True))
    # Unpadded, so the value stays URL-safe as the bare token was (no "=" to escape).
    return base64.urlsafe_b64encode(mask + hidden).decode().rstrip("=")


def unmasked(value: str) -> bytes | None:
    """The token a masked value carries, or None when the value is not one."""
    try:
        both = base64.urlsafe_b64decode(value.encode("ascii") + b"=" * (-len(value) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    half = len(both) // 2
    if not half or len(both) != 2 * half:
        return None
    return bytes(a ^ b for a, b in zip(both[:half], both[half:], strict=True))


@dataclass
class Web:
    """What the pages share for the life of the process."""

    config: Settings
    packs: Mapping[str, Pack]
    """Every served pathway by id (`CANDID_PATHWAYS`), the default first."""
    learns: Mapping[str, Learn]
    cookies: SessionCookies
    record_links: Sealer
    """Seals the facts a CDS Hooks card reads from the record into its visit-summary link."""
    pdfs: Pdfs
    affiliate_links: Mapping[str, Any] = field(default_factory=dict)
    """Product-type id to a deployer's shop link (url, label); empty unless configured."""
    _swept: float | None = field(default=None, init=False, repr=False)
    _sweeping: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def default_pathway(self) -> str:
        return self.config.default_pathway

    def db(self) -> sessionmaker[Session]:
        """Made (and migrated) on first use; the pages that never write never touch it."""
        return database(self.config.sqlalchemy_url())

    def diaries(self) -> Diaries:
        return Diaries(self.db())

    def forget_old_comments(self) -> None:
        """On start, then at most once an hour per process, from whichever request comes:
        feedback comments past `feedback_comment_days` are deleted even when no new feedback
        arrives to prompt it."""
        now = time.monotonic()
        with self._sweeping:
            if self._swept is not None and now - self._swept < SWEEP_SECONDS:
                return
            self._swept = now
        forget_old_comments(self.db(), self.config.feedback_comment_days, dt.date.today())

    def throttles(self) -> Throttles:
        return Throttles(
            self.db(), self.config.diary_code_attempts, self.config.diary_lockout_minutes * 60
        )


class CsrfError(Exception):
    """A form came without the token this browser's session holds."""


@dataclass
class Page:
    request: Request
    web: Web
    lang: str
    interview: Interview
    _new_interview: bool
    _lang_changed: bool
    session_id: str | None = None
    """The live server-side session this browser's answers belong to, if any."""
    dirty: bool = False
    _ended: list[str] = field(default_factory=list)
    _reading: str | None = None
    """A pathway whose learn pages are shown to a reader on another (`reading`)."""

    @property
    def gettext(self) -> Callable[[str], str]:
        return i18n.gettext_for(self.lang)

    @property
    def pathway(self) -> str:
        """The pathway of this person's answers; the default until they choose one. A
        pathway no longer served (a deployer's change) falls back to the default."""
        chosen = self._reading or self.interview.pathway
        if chosen is not None and chosen in self.web.packs:
            return chosen
        return self.web.default_pathway

    @property
    def pack(self) -> Pack:
        return self.web.packs[self.pathway]

    @property
    def learn(self) -> Learn:
        return self.web.learns[self.pathway]

    def reading(self, pathway: str | None) -> Page | None:
        """This request showing `pathway`'s learn pages (None: the person's own pathway),
        their answers left as they are; None for a pathway not served here."""
        if pathway is None:
            return self
        if pathway not in self.web.packs:
            return None
        return replace(self, _reading=pathway)

    def choose(self, pathway: str) -> None:
        """Go on to `pathway` (a served one), keeping the answers to the facts the pathways
        share (docs/architecture.md, "Shared facts"): the person is not asked them again.
        The answers only the pathway being left asks are put aside and come back when the
        person returns to it; the shared ones stay as last given."""
        new, old = self.web.packs[pathway].facts, self.pack.facts
        iv = self.interview
        shared = {f for f in iv.order if f in new and f in old and _same_question(new[f], old[f])}
        own = [f for f in iv.order if f not in shared]
        if own:
            iv.elsewhere[self.pathway] = {
                "f": {f: iv.facts[f] for f in own if f in iv.facts},
                "s": [f for f in iv.skipped if f in own],
                "o": own,
            }
        back = iv.elsewhere.pop(pathway, {"f": {}, "s": [], "o": []})
        returning = [f for f in back["o"] if f in new and f not in shared]
        iv.facts = {
            **{f: v for f, v in iv.facts.items() if f in shared},
            **{f: v for f, v in back["f"].items() if f in returning},
        }
        iv.skipped = [f for f in iv.skipped if f in shared] + [
            f for f in back["s"] if f in returning
        ]
        iv.order = [f for f in iv.order if f in shared] + returning
        iv.pathway = pathway
        self.dirty = True

    def save(self) -> None:
        self.dirty = True

    def viewing(self, other: Interview) -> Page:
        """This request showing another interview (a record's, opened from a link), leaving
        the browser's own session as it is: nothing of `other` goes into the cookie, and the
        CSRF token stays this browser's."""
        shown = Interview(
            csrf=self.interview.csrf,
            facts=dict(other.facts),
            skipped=list(other.skipped),
            order=list(other.order),
            started=True,
            pathway=other.pathway,
        )
        return replace(self, interview=shown, _new_interview=False, dirty=False)

    def reset(self, *, new_token: bool = True) -> None:
        """Forget every answer. Deleting also replaces the CSRF token, ending the session."""
        old = self.interview
        self.interview = (
            Interview()
            if new_token
            else Interview(csrf=old.csrf, diary=old.diary, diary_key=old.diary_key)
        )
        self.end_session()

    def end_session(self) -> None:
        """End the server-side session when something is taken out of it (answers deleted,
        diary closed): every copy of the old cookie stops opening. What remains moves into a
        new session when the response is sent."""
        if self.session_id is not None:
            self._ended.append(self.session_id)
            self.session_id = None
        self.dirty = True

    async def form(self) -> dict[str, str]:
        """The posted form, checked against this session's CSRF token."""
        data = await self.request.form()
        fields = {k: v for k, v in data.items() if isinstance(v, str)}
        sent = unmasked(fields.get("csrf", ""))
        if sent is None or not hmac.compare_digest(sent, self.interview.csrf.encode()):
            raise CsrfError
        return fields

    def url_with_lang(self, lang: str) -> str:
        query = {k: v for k, v in self.request.query_params.items() if k in KEPT_QUERY}
        query["lang"] = lang
        return f"{self.request.url.path}?{urlencode(query)}"

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        env = environment()
        _ = self.gettext
        html = env.get_template(template).render(
            _=_,
            gettext=_,
            ngettext=i18n.ngettext_for(self.lang),
            lang=self.lang,
            other_languages=[
                (code, i18n.NAMES[code]) for code in i18n.LANGUAGES if code != self.lang
            ],
            page=self,
            csrf=masked(self.interview.csrf),
            pack=self.pack,
            packs=self.web.packs,
            version=__version__,
            knowledge_version=f"{self.pack.meta.title.get(self.lang)} {self.pack.meta.version}",
            path=self.request.url.path,
            started=self.interview.started,
            **context,
        )
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: Response) -> Response:
        response.headers["cache-control"] = "no-store"  # answers must not sit in a shared cache
        secure = self.web.config.https
        for ended in self._ended:
            self.web.cookies.end(ended)
        self._ended.clear()
        if self.dirty or self._new_interview:
            value, self.session_id = self.web.cookies.seal(self.interview, self.session_id)
            if len(value) > MAX_COOKIE_BYTES and self.interview.elsewhere:
                # Answers put aside on another pathway are the one thing that can go: the
                # person is asked them again if they return there.
                self.interview.elsewhere.clear()
                value, self.session_id = self.web.cookies.seal(self.interview, self.session_id)
            if len(value) > MAX_COOKIE_BYTES:  # cannot happen with the pack's questions
                raise ValueError("the interview no longer fits in its cookie")
            response.set_cookie(
                COOKIE, value, httponly=True, samesite="lax", secure=secure, path="/"
            )
        if self._lang_changed:
            response.set_cookie(
                LANG_COOKIE,
                self.lang,
                max_age=60 * 60 * 24 * 365,
                httponly=True,
                samesite="lax",
                secure=secure,
                path="/",
            )
        return response


def page(request: Request) -> Page:
    """The FastAPI dependency every page route takes."""
    web: Web = request.app.state.web
    web.forget_old_comments()
    cookie_lang = request.cookies.get(LANG_COOKIE)
    lang = i18n.pick_language(
        request.query_params.get("lang"), cookie_lang, request.headers.get("accept-language")
    )
    opened = web.cookies.open(request.cookies.get(COOKIE))
    return Page(
        request=request,
        web=web,
        lang=lang,
        interview=opened.interview if opened else Interview(),
        _new_interview=opened is None,
        _lang_changed=lang != cookie_lang,
        session_id=opened.session_id if opened else None,
    )

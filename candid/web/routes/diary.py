"""The private diary: start one (a recovery code, shown once), open it with the code, record,
edit and delete episodes, see the pattern, export CSV, delete the whole diary."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from candid.diary import episodes as fields
from candid.diary.codes import BadCode, code_bytes, lookup_of, new_code
from candid.diary.episodes import MAX_EPISODES, Episode, FieldError, parse_episode
from candid.diary.pattern import pattern
from candid.store.diaries import DiaryFull, DiaryGone, Opened
from candid.web.context import Page, page

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]
FULL = "diary"
"""The error key of a full diary: not one field of the form but the diary as a whole (the
error links to the diary's page, where episodes can be deleted)."""


def opened(p: Page) -> Opened | None:
    iv = p.interview
    if not iv.diary or not iv.diary_key:
        return None
    return Opened(iv.diary, base64.b64decode(iv.diary_key))


def _remember(p: Page, diary: Opened | None) -> None:
    if diary is None and p.interview.diary is not None:
        p.end_session()  # a copy of this cookie must not open the diary any more
    p.interview.diary = diary.diary_id if diary else None
    p.interview.diary_key = base64.b64encode(diary.key).decode() if diary else None
    p.save()


def _client_key(p: Page) -> str:
    """Wrong codes are counted per client address, hashed so the table holds no address."""
    host = p.request.client.host if p.request.client else "unknown"
    return hashlib.sha256(f"diary-code:{host}".encode()).hexdigest()


@router.get("/diary")
async def diary_home(p: PageDep, deleted: bool = False) -> Response:
    diary = opened(p)
    if diary is not None and await run_in_threadpool(p.web.diaries().exists, diary.diary_id):
        return p.redirect("/diary/episodes")
    if diary is not None:  # deleted elsewhere (another tab): forget it here too
        _remember(p, None)
    return p.render("diary_start.jinja", deleted=deleted, error=None, code="")


@router.post("/diary/new")
async def diary_new(p: PageDep) -> Response:
    await p.form()
    code = new_code()
    raw = code_bytes(code)
    diary = await run_in_threadpool(p.web.diaries().create, raw, lookup_of(raw))
    _remember(p, diary)
    return p.render("diary_code.jinja", code=code)


@router.post("/diary/open")
async def diary_open(p: PageDep) -> Response:
    form = await p.form()
    _ = p.gettext
    typed = form.get("code", "")
    key = _client_key(p)
    throttles = p.web.throttles()
    wait = await run_in_threadpool(throttles.blocked_for, key)
    if wait:
        minutes = max(1, round(wait / 60))
        message = _("Too many wrong codes. Try again in %(n)s minutes.") % {"n": minutes}
        return p.render("diary_start.jinja", status=429, error=message, code="", deleted=False)
    try:
        raw = code_bytes(typed)
    except BadCode:
        message = _("Enter your recovery code: 32 letters and digits, as Candid showed it")
        return p.render("diary_start.jinja", status=422, error=message, code=typed, deleted=False)
    diary = await run_in_threadpool(p.web.diaries().open, raw, lookup_of(raw))
    if diary is None:
        await run_in_threadpool(throttles.fail, key)
        message = _("That code does not open a diary. Check it and try again.")
        return p.render("diary_start.jinja", status=422, error=message, code=typed, deleted=False)
    _remember(p, diary)
    return p.redirect("/diary/episodes")


@router.post("/diary/close")
async def diary_close(p: PageDep) -> Response:
    await p.form()
    _remember(p, None)
    return p.redirect("/diary")


async def _episodes(p: Page, diary: Opened) -> list[Any]:
    return await run_in_threadpool(p.web.diaries().episodes, diary)


@router.get("/diary/episodes")
async def diary_episodes(p: PageDep, saved: str | None = None) -> Response:
    diary = opened(p)
    if diary is None:
        return p.redirect("/diary")
    stored = await _episodes(p, diary)
    today = dt.date.today()
    return p.render(
        "diary_episodes.jinja",
        stored=stored,
        pattern=pattern([s.episode for s in stored], today),
        saved=saved,
        max_episodes=MAX_EPISODES,
    )


def _form_values(episode: Episode | None) -> dict[str, str]:
    if episode is None:
        return {"day": dt.date.today().isoformat()}
    return {
        "day": episode.day.isoformat(),
        "amount": episode.amount,
        "colour": episode.colour,
        "timing": episode.timing,
        "pain": episode.pain,
        "lubricant": episode.lubricant,
        "cycle_day": fields.NOT_APPLICABLE if episode.cycle_day is None else str(episode.cycle_day),
        "notes": episode.notes,
    }


def _episode_form(
    p: Page,
    action: str,
    values: dict[str, str],
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Response:
    return p.render(
        "diary_episode.jinja",
        status=status,
        action=action,
        values=values,
        errors={e.field: e.message for e in errors or []},
        choices=fields.CHOICES,
        not_applicable=fields.NOT_APPLICABLE,
        max_notes=fields.MAX_NOTES,
        today=dt.date.today().isoformat(),
    )


@router.get("/diary/episodes/new")
def episode_new(p: PageDep) -> Response:
    if opened(p) is None:
        return p.redirect("/diary")
    return _episode_form(p, "/diary/episodes/new", _form_values(None))


async def _save(
    p: Page, action: str, store: Callable[[Opened, Episode], bool], saved: str
) -> Response:
    """A posted episode form: checked, then stored by `store`, or shown again with every
    problem named and nothing changed."""
    form = await p.form()
    diary = opened(p)
    if diary is None:
        return p.redirect("/diary")
    parsed = parse_episode(form, dt.date.today(), p.gettext)
    if isinstance(parsed, list):
        return _episode_form(p, action, form, parsed, 422)
    try:
        stored = await run_in_threadpool(store, diary, parsed)
    except DiaryGone:
        return _gone(p)
    except DiaryFull:
        message = p.gettext(
            "Your diary holds %(n)s episodes, the most it can. Delete episodes you no longer "
            "need, then add this one."
        ) % {"n": MAX_EPISODES}
        return _episode_form(p, action, form, [FieldError(FULL, message)], 422)
    if stored:
        return p.redirect(f"/diary/episodes?saved={saved}")
    if not await run_in_threadpool(p.web.diaries().exists, diary.diary_id):
        return _gone(p)
    return p.render("error.jinja", status=404, kind="not_found")


def _gone(p: Page) -> Response:
    """The diary was deleted while this browser still had it open (from another browser that
    had it open too): say so, and forget it here."""
    _remember(p, None)
    message = p.gettext(
        "This diary has been deleted, so the episode was not saved. Start a new diary, or "
        "open another with its recovery code."
    )
    return p.render("diary_start.jinja", status=410, error=message, code="", deleted=False)


@router.post("/diary/episodes/new")
async def episode_create(p: PageDep) -> Response:
    diaries = p.web.diaries()
    return await _save(p, "/diary/episodes/new", lambda d, e: bool(diaries.add(d, e)), "added")


@router.get("/diary/episodes/{episode_id}/edit")
async def episode_edit(p: PageDep, episode_id: str) -> Response:
    diary = opened(p)
    if diary is None:
        return p.redirect("/diary")
    episode = await run_in_threadpool(p.web.diaries().get, diary, episode_id)
    if episode is None:
        return p.render("error.jinja", status=404, kind="not_found")
    return _episode_form(p, f"/diary/episodes/{episode_id}/edit", _form_values(episode))


@router.post("/diary/episodes/{episode_id}/edit")
async def episode_update(p: PageDep, episode_id: str) -> Response:
    diaries = p.web.diaries()
    return await _save(
        p,
        f"/diary/episodes/{episode_id}/edit",
        lambda d, e: diaries.replace(d, episode_id, e),
        "changed",
    )


@router.post("/diary/episodes/{episode_id}/delete")
async def episode_delete(p: PageDep, episode_id: str) -> Response:
    await p.form()
    diary = opened(p)
    if diary is None:
        return p.redirect("/diary")
    if not await run_in_threadpool(p.web.diaries().remove, diary, episode_id):
        return p.render("error.jinja", status=404, kind="not_found")
    return p.redirect("/diary/episodes?saved=deleted")


CSV_COLUMNS = ("date", "amount", "colour", "timing", "pain", "lubricant", "cycle_day", "notes")


@router.get("/diary/export.csv")
async def diary_csv(p: PageDep) -> Response:
    diary = opened(p)
    if diary is None:
        return p.redirect("/diary")
    stored = await _episodes(p, diary)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for s in reversed(stored):  # oldest first, as a spreadsheet reads
        e = s.episode
        cycle = fields.NOT_APPLICABLE if e.cycle_day is None else e.cycle_day
        notes = e.notes if not e.notes.startswith(("=", "+", "-", "@")) else "'" + e.notes
        writer.writerow(
            [e.day.isoformat(), e.amount, e.colour, e.timing, e.pain, e.lubricant, cycle, notes]
        )
    return p.finish(
        Response(
            buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="candid-diary.csv"'},
        )
    )


@router.get("/diary/delete")
def diary_delete_confirm(p: PageDep) -> Response:
    if opened(p) is None:
        return p.redirect("/diary")
    return p.render("diary_delete.jinja")


@router.post("/diary/delete")
async def diary_delete(p: PageDep) -> Response:
    await p.form()
    diary = opened(p)
    if diary is None:
        return p.redirect("/diary")
    await run_in_threadpool(p.web.diaries().delete_diary, diary)
    _remember(p, None)
    return p.redirect("/diary?deleted=true")

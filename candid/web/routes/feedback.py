""" "Tell us how you really feel": a rating and an optional comment, nothing about the person."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from candid.store.db import writing
from candid.store.models import Feedback
from candid.web.context import Page, page

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]
RATINGS = (1, 2, 3, 4, 5)
MAX_COMMENT = 1000


@router.get("/feedback")
def feedback_form(p: PageDep, sent: bool = False) -> Response:
    return p.render(
        "feedback.jinja",
        sent=sent,
        errors={},
        rating="",
        comment="",
        max_comment=MAX_COMMENT,
        comment_days=p.web.config.feedback_comment_days,
    )


@router.post("/feedback")
async def send_feedback(p: PageDep) -> Response:
    form = await p.form()
    _ = p.gettext
    rating = form.get("rating", "").strip()
    # Control characters (a NUL in particular, which PostgreSQL text refuses) are not prose.
    comment = "".join(ch for ch in form.get("comment", "") if ch >= " " or ch in "\n\t").strip()
    errors: dict[str, str] = {}
    if rating not in {str(r) for r in RATINGS}:
        errors["rating"] = _("Select how you feel about Candid, from 1 to 5")
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("Your comment must be %(n)s characters or fewer") % {"n": MAX_COMMENT}
    if errors:
        return p.render(
            "feedback.jinja",
            status=422,
            sent=False,
            errors=errors,
            rating=rating,
            comment=comment,
            max_comment=MAX_COMMENT,
            comment_days=p.web.config.feedback_comment_days,
        )
    row = Feedback(
        day=dt.date.today(),
        rating=int(rating),
        comment=comment or None,
        language=p.lang,
        knowledge_version=p.pack.meta.version,
    )
    await run_in_threadpool(_store, p, row)
    return p.redirect("/feedback?sent=true")


def _store(p: Page, row: Feedback) -> None:
    db = p.web.db()
    with writing(db), db.begin() as session:
        session.add(row)

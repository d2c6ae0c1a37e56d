"""Results, and the visit summary as a printable page and a PDF from the same template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from candid.diary.episodes import SUMMARY_EPISODES
from candid.diary.pattern import pattern
from candid.engine import Assessment, question_for
from candid.engine.assessment import FactValueOut
from candid.engine.conditions import Facts, FactValue, compile_test
from candid.knowledge.learn import MEANWHILE
from candid.knowledge.models import LEVEL_RANK, Pack
from candid.web import flow
from candid.web.context import Page, Web, page
from candid.web.pdf import BUSY_RETRY_SECONDS, PdfBusy
from candid.web.routes.diary import opened
from candid.web.routes.interview import current
from candid.web.session import Interview

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]
GLANCE_CAUSES, GLANCE_CHECKS = 3, 4
"""What the first phone screen holds: the causes most worth discussing, the first checks."""
DATE_LOCALES = {"en": "en_GB"}
"""Dates as the pages' English reads them (UK: 4 December 2026, like its 999 and 111)."""
QUESTIONS_SHOWN = 4
"""Questions to bring shown before "more": the issue caps it at six; four keeps the Spanish
page, whose questions run longer, inside one 5,000 px phone page like the English one now
that infection risk brings HIV, syphilis and M. genitalium tests to the checks; the rest are
one click away."""


def _reassure(p: Page, result: Assessment, facts: Facts) -> bool:
    """Whether the pack's reassurance may be said here (its `show_when`, all parts)."""
    when = p.learn.reassurance.show_when
    if LEVEL_RANK[result.urgency.level] > LEVEL_RANK[when.urgency_at_most]:
        return False
    if any(c.likely and c.id in when.unless_likely for c in result.causes):
        return False
    return when.facts is None or compile_test(when.facts)(facts)


def _results_context(p: Page) -> dict[str, Any]:
    result = current(p)
    # The answers as the engine read them: given ones plus its stated assumptions (55 and
    # over with no answer on periods is taken as after menopause).
    facts: dict[str, FactValueOut] = dict(p.interview.facts)
    for assumption in result.assumptions:
        facts = {**assumption.facts, **facts}
    learn = p.learn
    meanwhile = learn.guides[MEANWHILE]
    tips_when = meanwhile.show_tips_when
    # The tips depend on questions the interview leaves to this page (how sex is affected):
    # offered here, optional, rather than as one more page before the results.
    unasked = [
        f
        for f in (tips_when.fact_names() if tips_when is not None else set())
        if not p.interview.answered(f) and p.pack.facts[f].asked_by == "patient"
    ]
    # One order everywhere on the page: causes by how likely they are. "No cause found" is
    # not a cause; it is said on its own, in the same words.
    causes = [c for c in result.causes if not c.no_cause]
    likely = [c for c in causes if c.likely]
    recommended = [w for w in result.workup if w.status == "recommended"]
    first_stage = next((s.id for s in result.evaluation_stages if s.open), None)
    questions = result.questions_for_provider
    return {
        "result": result,
        "meanwhile_question": question_for(p.pack, sorted(unasked)[0], p.lang) if unasked else None,
        "likely": likely,
        "glance": (likely or causes)[:GLANCE_CAUSES],
        "no_cause": next((c for c in result.causes if c.no_cause), None),
        # A less likely cause that a later-stage check must still rule out (the womb check
        # after menopause) says why the check matters, not a small number that reassures.
        "others": [
            (c, [w for w in recommended if c.id in w.tests_for and w.stage != first_stage])
            for c in causes
            if not c.likely
        ][:5],
        "first_checks": [w for w in recommended if w.stage == first_stage][:GLANCE_CHECKS],
        "questions_shown": questions[:QUESTIONS_SHOWN],
        "questions_more": questions[QUESTIONS_SHOWN:],
        "intimacy_affected": tips_when is not None and compile_test(tips_when)(facts),
        "meanwhile": meanwhile,
        "reassurance": learn.reassurance if _reassure(p, result, facts) else None,
        "reassurance_sources": [p.pack.sources[k] for k in learn.reassurance.sources],
        "interview_done": result.next_question is None or result.urgency.interrupt,
    }


@router.get("/results")
def results(p: PageDep) -> Response:
    if not p.interview.order:
        return p.redirect("/")
    return p.render("results.jinja", **_results_context(p))


def _summary_context(p: Page, *, with_diary: bool = True) -> dict[str, Any]:
    answers = flow.answer_rows(p.pack, p.interview, p.lang, p.gettext("I'm not sure"))
    diary = opened(p) if with_diary and p.pack.meta.diary else None
    stored = p.web.diaries().episodes(diary) if diary is not None else []
    today = dt.date.today()
    return {
        **_results_context(p),
        "answers": answers,
        "today": format_date(today, format="long", locale=DATE_LOCALES.get(p.lang, p.lang)),
        # The most recent episodes are listed; the pattern counts them all.
        "diary_episodes": stored[:SUMMARY_EPISODES],
        "diary_total": len(stored),
        "diary_pattern": pattern([s.episode for s in stored], today) if stored else None,
    }


def _summary_page(p: Page, *, for_pdf: bool, pdf_url: str, from_record: bool) -> Response:
    """Gathered and rendered in a worker thread: a long diary is tens of milliseconds of
    decryption and template work that must not hold up the event loop."""
    context = _summary_context(p, with_diary=not from_record)
    return p.render(
        "summary.jinja", **context, for_pdf=for_pdf, pdf_url=pdf_url, from_record=from_record
    )


async def _summary(p: Page, *, for_pdf: bool, pdf_url: str, from_record: bool) -> Response:
    if not for_pdf:
        return await run_in_threadpool(
            _summary_page, p, for_pdf=False, pdf_url=pdf_url, from_record=from_record
        )
    client = p.request.client.host if p.request.client else "unknown"
    wait = p.web.pdfs.wait_for(client)
    if wait:
        refused = p.render("error.jinja", status=429, kind="too_many")
        refused.headers["retry-after"] = str(wait)
        return refused
    try:
        with p.web.pdfs.slot():
            html = await run_in_threadpool(
                _summary_page, p, for_pdf=True, pdf_url=pdf_url, from_record=from_record
            )
            pdf = await p.web.pdfs.render(bytes(html.body).decode())
    except PdfBusy:
        busy = p.render("error.jinja", status=503, kind="busy")
        busy.headers["retry-after"] = str(BUSY_RETRY_SECONDS)
        return busy
    response = Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="candid-visit-summary.pdf"'},
    )
    return p.finish(response)


@router.get("/summary")
async def summary(p: PageDep) -> Response:
    if not p.interview.order and opened(p) is None:
        return p.redirect("/")
    return await _summary(p, for_pdf=False, pdf_url="/summary.pdf", from_record=False)


@router.get("/summary.pdf")
async def summary_pdf(p: PageDep) -> Response:
    if not p.interview.order and opened(p) is None:
        return p.redirect("/")
    return await _summary(p, for_pdf=True, pdf_url="/summary.pdf", from_record=False)


# The visit summary a CDS Hooks card links to. The facts Candid read from the record travel
# sealed in the link (only this server can open it, and only for `session_minutes`), so the
# server keeps nothing; the clinician's browser shows them without taking them as its own
# session.
RECORD_SUMMARY = "/summary/record"


def record_summary_url(web: Web, pack: Pack, facts: Mapping[str, FactValue]) -> str:
    """The absolute link to the visit summary of these facts on this pathway, for a card."""
    record = Interview(facts=dict(facts), order=list(facts), pathway=pack.meta.id)
    sealed = web.record_links.seal(record)
    return f"{web.config.public_url}{RECORD_SUMMARY}?{urlencode({'t': sealed})}"


def _record(p: Page, token: str) -> Page | None:
    record = p.web.record_links.open(token)
    return p.viewing(record) if record is not None else None


@router.get(RECORD_SUMMARY)
async def record_summary(p: PageDep, t: str = "") -> Response:
    shown = _record(p, t)
    if shown is None:
        return p.render("error.jinja", status=404, kind="not_found")
    pdf_url = f"{RECORD_SUMMARY}.pdf?{urlencode({'t': t})}"
    return await _summary(shown, for_pdf=False, pdf_url=pdf_url, from_record=True)


@router.get(f"{RECORD_SUMMARY}.pdf")
async def record_summary_pdf(p: PageDep, t: str = "") -> Response:
    shown = _record(p, t)
    if shown is None:
        return p.render("error.jinja", status=404, kind="not_found")
    return await _summary(shown, for_pdf=True, pdf_url="", from_record=True)

"""Start, one question per page, the emergency interruption, check your answers, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from candid.engine import FactsError, assess, question_for
from candid.engine.assessment import Assessment
from candid.web import flow
from candid.web.context import Page, page
from candid.web.session import Interview

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]


def current(p: Page) -> Assessment:
    iv = p.interview
    return assess(p.web.pack, iv.facts, lang=p.lang, skipped=iv.skipped, detail="likely")


@router.get("/")
def start(p: PageDep, deleted: bool = False) -> Response:
    return p.render("start.jinja", deleted=deleted, answered=len(p.interview.order))


@router.post("/start")
async def begin(p: PageDep) -> Response:
    form = await p.form()
    if form.get("resume") == "yes" and p.interview.order:
        return p.redirect("/questions")
    p.reset(new_token=False)
    p.interview.started = True
    return p.redirect("/questions")


@router.get("/questions")
def next_question(p: PageDep) -> Response:
    if not p.interview.started:
        return p.redirect("/")
    result = current(p)
    if result.urgency.interrupt:
        return p.redirect("/emergency")
    if result.next_question is None:
        return p.redirect("/check")
    return p.redirect(f"/questions/{result.next_question.fact}")


def _patient_fact(p: Page, fact: str) -> bool:
    known = p.web.pack.facts.get(fact)
    return known is not None and known.asked_by == "patient"


def _back(p: Page, fact: str, change: bool) -> str:
    if change:
        return "/check"
    order = p.interview.order
    before = order[: order.index(fact)] if fact in order else order
    return f"/questions/{before[-1]}" if before else "/"


def _question_page(
    p: Page, fact: str, change: bool, error: str | None = None, raw: str | None = None
) -> Response:
    q = question_for(p.web.pack, fact, p.lang)
    iv = p.interview
    if raw is None and iv.answered(fact):
        raw = flow.form_value(iv.facts.get(fact))
    number = iv.order.index(fact) + 1 if fact in iv.order else len(iv.order) + 1
    return p.render(
        "question.jinja",
        status=422 if error else 200,
        q=q,
        unknown_allowed=p.web.pack.facts[fact].unknown_allowed,
        raw=raw,
        error=error,
        change=change,
        number=number,
        back=_back(p, fact, change),
        unsure=flow.UNSURE,
    )


@router.get("/questions/{fact}")
def show_question(p: PageDep, fact: str, change: bool = False) -> Response:
    if not _patient_fact(p, fact):
        return p.render("error.jinja", status=404, kind="not_found")
    if not p.interview.started:
        return p.redirect("/")
    return _question_page(p, fact, change)


@router.post("/questions/{fact}")
async def answer_question(p: PageDep, fact: str, change: bool = False) -> Response:
    if not _patient_fact(p, fact):
        return p.render("error.jinja", status=404, kind="not_found")
    form = await p.form()
    if not p.interview.started:
        return p.redirect("/")
    q = question_for(p.web.pack, fact, p.lang)
    raw = flow.UNSURE if form.get("unsure") == "yes" else form.get("answer")
    read = flow.read_answer(q, raw, p.web.pack.facts[fact].unknown_allowed, p.gettext)
    if isinstance(read, flow.AnswerError):
        return _question_page(p, fact, change, read.message, read.raw)
    trial = Interview.from_json(p.interview.to_json())
    trial.answer(fact, read.value)
    flow.prune(p.web.pack, trial)
    try:
        result = assess(p.web.pack, trial.facts, lang=p.lang, skipped=trial.skipped)
    except FactsError as err:  # the answer contradicts an earlier one: say which, save nothing
        message = p.gettext("This answer does not fit with an earlier answer: %(detail)s") % {
            "detail": "; ".join(prob.message for prob in err.problems)
        }
        return _question_page(p, fact, change, message, read.raw)
    p.interview = trial
    p.save()
    if result.urgency.interrupt:
        return p.redirect("/emergency")
    if change:
        nq = result.next_question
        if nq is not None and not trial.answered(nq.fact):
            return p.redirect(f"/questions/{nq.fact}?change=true")
        return p.redirect("/check")
    return p.redirect("/questions")


@router.get("/emergency")
def emergency(p: PageDep) -> Response:
    result = current(p)
    if not result.urgency.interrupt:
        return p.redirect("/questions" if p.interview.started else "/")
    return p.render("emergency.jinja", result=result, last=p.interview.order[-1])


@router.get("/check")
def check_answers(p: PageDep) -> Response:
    if not p.interview.order:
        return p.redirect("/")
    rows = flow.answer_rows(p.web.pack, p.interview, p.lang, p.gettext("I'm not sure"))
    result = current(p)
    return p.render("check.jinja", rows=rows, more=result.next_question is not None)


@router.post("/delete")
async def delete_answers(p: PageDep) -> Response:
    await p.form()
    p.reset()
    return p.redirect("/?deleted=true")

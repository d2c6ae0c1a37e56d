"""Start, the question pages (one question, a tick group or a short form), the emergency
interruption, check your answers, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from candid.engine import FactsError, assess, form_applying, group_for, group_of, question_for
from candid.engine.assessment import Assessment, GroupOut
from candid.engine.conditions import FactValue
from candid.web import flow
from candid.web.context import Page, page
from candid.web.session import Interview

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]


def current(p: Page) -> Assessment:
    iv = p.interview
    return assess(p.pack, iv.facts, lang=p.lang, skipped=iv.skipped, detail="likely")


@router.get("/")
def start(p: PageDep, deleted: bool = False) -> Response:
    return p.render("start.jinja", deleted=deleted, answered=len(p.interview.order))


@router.post("/start")
async def begin(p: PageDep) -> Response:
    """Resume, start again, or start on a pathway (a person with answers from another
    pathway keeps the ones the two share)."""
    form = await p.form()
    chosen = form.get("pathway") or p.pathway
    if chosen not in p.web.packs:
        return p.render("error.jinja", status=400, kind="bad_request")
    if form.get("resume") == "yes" and p.interview.order and chosen == p.pathway:
        return p.redirect("/questions")
    if chosen != p.pathway and p.interview.order:
        p.choose(chosen)
    else:
        p.reset(new_token=False)
        p.interview.pathway = chosen
    p.interview.started = True
    return p.redirect("/questions")


@router.get("/questions")
def next_question(p: PageDep) -> Response:
    if not p.interview.started:
        return p.redirect("/")
    result = current(p)
    if result.urgency.interrupt:
        return p.redirect("/emergency")
    if result.next_group is not None:
        return p.redirect(f"/groups/{result.next_group.id}")
    if result.next_question is None:
        return p.redirect("/check")
    return p.redirect(f"/questions/{result.next_question.fact}")


def _steps_left(p: Page, result: Assessment, fact: str | None, group: str | None) -> int | None:
    """Pages still to come after this one, when this page is the engine's next step (not a
    page revisited with Back or to change an answer, where the estimate would mislead)."""
    if group is not None:
        current_step = result.next_group is not None and result.next_group.id == group
    else:
        nq = result.next_question
        current_step = result.next_group is None and nq is not None and nq.fact == fact
    return max(result.progress.screens_left - 1, 0) if current_step else None


def _patient_fact(p: Page, fact: str) -> bool:
    known = p.pack.facts.get(fact)
    return known is not None and known.asked_by == "patient"


def _back(p: Page, first: str | None, change: bool, group: str | None = None) -> str:
    """The page before this one: the question answered before its first question, on its
    group's page when it was asked in a group."""
    if change:
        return "/check"
    order = p.interview.order
    on_page = [first] if group is None else [f for f in order if group_of(p.pack, f) == group]
    cut = min((order.index(f) for f in on_page if f in order), default=len(order))
    before = order[:cut]
    if not before:
        return "/"
    previous = before[-1]
    previous_group = group_of(p.pack, previous)
    if (
        previous_group is not None
        and previous_group != group
        and group_for(p.pack, previous_group, p.interview.facts, p.lang) is not None
    ):
        return f"/groups/{previous_group}"
    return f"/questions/{previous}"


def _question_page(
    p: Page, fact: str, change: bool, error: str | None = None, raw: str | None = None
) -> Response:
    q = question_for(p.pack, fact, p.lang)
    iv = p.interview
    if raw is None and iv.answered(fact):
        raw = flow.form_value(iv.facts.get(fact))
    return p.render(
        "question.jinja",
        status=422 if error else 200,
        q=q,
        unknown_allowed=p.pack.facts[fact].unknown_allowed,
        raw=raw,
        error=error,
        change=change,
        steps_left=None if change else _steps_left(p, current(p), fact, None),
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
async def answer_question(
    p: PageDep, fact: str, change: bool = False, then: str | None = None
) -> Response:
    """`then=results`: a question answered on the results page (optional ones the interview
    leaves there) goes back to the results."""
    if not _patient_fact(p, fact):
        return p.render("error.jinja", status=404, kind="not_found")
    form = await p.form()
    if not p.interview.started:
        return p.redirect("/")
    q = question_for(p.pack, fact, p.lang)
    raw = flow.UNSURE if form.get("unsure") == "yes" else form.get("answer")
    read = flow.read_answer(q, raw, p.pack.facts[fact].unknown_allowed, p.gettext)
    if isinstance(read, flow.AnswerError):
        return _question_page(p, fact, change, read.message, read.raw)
    trial = Interview.from_json(p.interview.to_json())
    trial.answer(fact, read.value)
    flow.prune(p.pack, trial)
    try:
        result = assess(p.pack, trial.facts, lang=p.lang, skipped=trial.skipped)
    except FactsError as err:  # the answer contradicts an earlier one: say which, save nothing
        message = p.gettext("This answer does not fit with an earlier answer: %(detail)s") % {
            "detail": "; ".join(prob.message for prob in err.problems)
        }
        return _question_page(p, fact, change, message, read.raw)
    p.interview = trial
    p.save()
    if result.urgency.interrupt:
        return p.redirect("/emergency")
    if then == "results":
        return p.redirect("/results#meanwhile")
    if change:
        nq = result.next_question
        if nq is not None and not trial.answered(nq.fact):
            return p.redirect(f"/questions/{nq.fact}?change=true")
        return p.redirect("/check")
    return p.redirect("/questions")


def _group_page(
    p: Page, group_id: str, ticked: set[str], none: bool, error: str | None = None
) -> Response:
    group = group_for(p.pack, group_id, p.interview.facts, p.lang)
    assert group is not None
    return p.render(
        "group.jinja",
        status=422 if error else 200,
        group=group,
        ticked=ticked,
        none_ticked=none,
        error=error,
        steps_left=_steps_left(p, current(p), None, group_id),
        back=_back(p, None, False, group_id),
    )


@router.get("/groups/{group_id}")
def show_group(p: PageDep, group_id: str) -> Response:
    if not p.interview.started:
        return p.redirect("/")
    group = group_for(p.pack, group_id, p.interview.facts, p.lang)
    if group is None:  # unknown, or fewer than two of its questions apply: one at a time
        known = p.pack.interview.groups.get(group_id)
        if known is None:
            return p.render("error.jinja", status=404, kind="not_found")
        return p.redirect("/questions")
    iv = p.interview
    items = [i.fact for i in group.items]
    if group.kind == "form":
        raw = {f: flow.form_value(iv.facts.get(f)) for f in items if iv.answered(f)}
        return _form_page(p, group, raw, {})
    ticked = {f for f in items if iv.facts.get(f) is True}
    none = all(iv.facts.get(f) is False for f in items)
    return _group_page(p, group_id, ticked, none)


@router.post("/groups/{group_id}")
async def answer_group(p: PageDep, group_id: str) -> Response:
    """A ticked box answers yes, an unticked one no; "none of these" answers no to all."""
    form = await p.form()
    if not p.interview.started:
        return p.redirect("/")
    group = group_for(p.pack, group_id, p.interview.facts, p.lang)
    if group is None:
        if group_id not in p.pack.interview.groups:
            return p.render("error.jinja", status=404, kind="not_found")
        return p.redirect("/questions")
    if group.kind == "form":
        return _answer_form(p, group, form)
    items = [i.fact for i in group.items]
    data = await p.request.form()
    ticked = {v for v in data.getlist("ticked") if isinstance(v, str)}
    none = form.get("none") == "yes"
    _ = p.gettext
    if ticked - set(items):
        return _group_page(p, group_id, set(), False, _("Select from the options shown"))
    if not ticked and not none:
        message = _("Select every one that applies, or “%(none)s”") % {"none": group.none_label}
        return _group_page(p, group_id, ticked, none, message)
    if ticked and none:
        message = _("Select “%(none)s” only if none of the others apply") % {
            "none": group.none_label
        }
        return _group_page(p, group_id, ticked, False, message)
    trial = Interview.from_json(p.interview.to_json())
    for fact in items:
        trial.answer(fact, fact in ticked)
    flow.prune(p.pack, trial)
    try:
        result = assess(p.pack, trial.facts, lang=p.lang, skipped=trial.skipped)
    except FactsError as err:
        message = _("This answer does not fit with an earlier answer: %(detail)s") % {
            "detail": "; ".join(prob.message for prob in err.problems)
        }
        return _group_page(p, group_id, ticked, none, message)
    p.interview = trial
    p.save()
    if result.urgency.interrupt:
        return p.redirect("/emergency")
    return p.redirect("/questions")


def _form_page(
    p: Page, group: GroupOut, raw: dict[str, str], errors: dict[str, str], problem: str = ""
) -> Response:
    """A form page: each question with its own answers; one that turns on an answer above
    it carries the condition (`shown_when`) the page's script tests to show or hide it, and
    the answers from elsewhere that condition reads (those on the page are read from it)."""
    known: dict[str, object] = {}
    page = {i.fact for i in group.items}
    for item in group.items:
        ask_when = p.pack.facts[item.fact].ask_when
        if item.shown_when is not None and ask_when is not None:
            for fact in ask_when.fact_names() - page:
                if fact in p.interview.facts:
                    known[fact] = p.interview.facts[fact]
    return p.render(
        "form.jinja",
        status=422 if errors or problem else 200,
        group=group,
        raw=raw,
        errors=errors,
        problem=problem,
        known=known,
        steps_left=_steps_left(p, current(p), None, group.id),
        back=_back(p, None, False, group.id),
        unsure=flow.UNSURE,
    )


def _answer_form(p: Page, group: GroupOut, form: dict[str, str]) -> Response:
    """Every question shown must be answered ("not sure" counts); a question hidden by an
    answer above it is not asked, so its answer is dropped, whatever the browser sent."""
    raw: dict[str, str] = {}
    given: dict[str, FactValue | None] = {}
    errors: dict[str, str] = {}
    for item in group.items:
        q = item.question
        if q is None:
            continue
        value = form.get(item.fact, "")
        if q.type == "integer" and form.get(f"{item.fact}-unsure") == "yes":
            value = flow.UNSURE
        raw[item.fact] = value
        read = flow.read_answer(q, value, q.unknown_allowed, p.gettext)
        if isinstance(read, flow.AnswerError):
            errors[item.fact] = read.message
        else:
            given[item.fact] = read.value
    iv = p.interview
    page = [i.fact for i in group.items]
    shown = form_applying(p.pack, page, iv.facts, given)
    errors = {f: m for f, m in errors.items() if f in shown}
    if errors:
        return _form_page(p, group, raw, errors)
    trial = Interview.from_json(iv.to_json())
    for fact in page:
        if fact in shown:
            trial.answer(fact, given[fact])
        else:
            trial.forget(fact)
    flow.prune(p.pack, trial)
    try:
        result = assess(p.pack, trial.facts, lang=p.lang, skipped=trial.skipped)
    except FactsError as err:
        message = p.gettext("This answer does not fit with an earlier answer: %(detail)s") % {
            "detail": "; ".join(prob.message for prob in err.problems)
        }
        return _form_page(p, group, raw, {}, message)
    p.interview = trial
    p.save()
    if result.urgency.interrupt:
        return p.redirect("/emergency")
    return p.redirect("/questions")


@router.get("/emergency")
def emergency(p: PageDep) -> Response:
    result = current(p)
    if not result.urgency.interrupt:
        return p.redirect("/questions" if p.interview.started else "/")
    return p.render("emergency.jinja", result=result, last=_page_of(p, p.interview.order[-1]))


def _page_of(p: Page, fact: str) -> str:
    """Where a person changes the answer to `fact`: the page that asked it (a group's or a
    form's, with the others given there), or its own question page."""
    group = group_of(p.pack, fact)
    if group is not None and group_for(p.pack, group, p.interview.facts, p.lang):
        return f"/groups/{group}"
    return f"/questions/{fact}?change=true"


@router.get("/check")
def check_answers(p: PageDep) -> Response:
    if not p.interview.order:
        return p.redirect("/")
    rows = flow.answer_rows(p.pack, p.interview, p.lang, p.gettext("I'm not sure"))
    result = current(p)
    return p.render("check.jinja", rows=rows, more=result.next_question is not None)


@router.post("/delete")
async def delete_answers(p: PageDep) -> Response:
    await p.form()
    p.reset()
    return p.redirect("/?deleted=true")

"""The interview's rules, kept apart from HTTP: reading an answer, pruning stale answers.

Validation happens here, on the server (`novalidate` forms), so a tampered or hand-made post
gets the same clear message as a mistake, and nothing already saved is touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from candid.engine import applies, question_for
from candid.engine.assessment import FormQuestionOut, QuestionOut
from candid.engine.conditions import FactValue
from candid.knowledge.models import Pack
from candid.web.session import Interview

UNSURE = "unsure"
WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
"""ASCII digits only, and few of them: str.isdigit() also takes "²", which int() refuses,
and int() refuses more than 4,300 digits; no question asks for a number that long."""


@dataclass
class Answer:
    value: FactValue | None
    """None means "I'm not sure"."""
    raw: str


@dataclass
class AnswerError:
    message: str
    raw: str


def read_answer(
    q: QuestionOut | FormQuestionOut,
    raw: str | None,
    unknown_allowed: bool,
    _: Callable[[str], str],
) -> Answer | AnswerError:
    raw = (raw or "").strip()
    if raw == UNSURE and unknown_allowed:
        return Answer(None, raw)
    if q.type == "integer":
        if not raw:
            return AnswerError(_("Enter a number, or choose “I'm not sure”"), raw)
        lo, hi = q.minimum or 0, q.maximum or 0
        if not WHOLE_NUMBER.fullmatch(raw) or not lo <= int(raw) <= hi:
            return AnswerError(
                _("Enter a whole number from %(lo)s to %(hi)s") % {"lo": lo, "hi": hi}, raw
            )
        return Answer(int(raw), raw)
    for option in q.options:
        if _form_value(option.value) == raw:
            return Answer(option.value, raw)
    return AnswerError(_("Select an answer"), raw)


def form_value(value: FactValue | None) -> str:
    return UNSURE if value is None else _form_value(value)


def _form_value(value: FactValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def answer_rows(
    pack: Pack, interview: Interview, lang: str, unsure: str
) -> list[tuple[str, str, str]]:
    """(fact, question, answer as the person chose it) in the order asked: the
    check-your-answers page and the visit summary list the same rows."""
    rows = []
    for fact in interview.order:
        q = question_for(pack, fact, lang)
        label = unsure
        if fact in interview.facts:
            value = interview.facts[fact]
            label = next((o.label for o in q.options if o.value == value), str(value))
        rows.append((fact, q.text, label))
    return rows


def prune(pack: Pack, interview: Interview) -> list[str]:
    """Drop answers to questions that no longer apply after a change (a pregnancy question
    after changing to "I have been through menopause"); returns what was dropped."""
    dropped: list[str] = []
    changed = True
    while changed:
        changed = False
        for fact in list(interview.order):
            if not applies(pack, interview.facts, fact):
                interview.forget(fact)
                dropped.append(fact)
                changed = True
    return dropped

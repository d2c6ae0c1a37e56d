"""The interactive interview: ask what the engine says is most useful, a page at a time (one
question, a group of yes/no questions answered by number, or a form's questions one after
another), until an emergency interrupts or nothing left would change what the person is told."""

from __future__ import annotations

from rich.console import Console

from candid.engine import Assessment, applies, assess
from candid.engine.assessment import FormQuestionOut, GroupOut, QuestionOut
from candid.engine.conditions import FactValue
from candid.i18n import tr
from candid.knowledge.models import Pack
from candid.terminal.report import render


def _progress(lang: str, left: int) -> str:
    return (
        tr(lang, "Last question")
        if left <= 0
        else tr(lang, "About %(n)s more after this one") % {"n": left}
    )


class Back(Exception):
    """The person asked to return to the previous question."""


def ask(
    console: Console, q: QuestionOut | FormQuestionOut, lang: str, left: int | None
) -> FactValue | None:
    """One question; None means 'not sure'. Raises Back for 'b'. Re-asks on invalid input."""
    console.print()
    if left is not None:
        console.print(_progress(lang, left), style="dim")
    console.print(f"[bold]{q.text}[/bold]")
    if q.hint:
        console.print(f"[dim]{q.hint}[/dim]")
    if q.type == "integer":
        while True:
            raw = console.input("> ").strip()
            if raw == "?":
                return None
            if raw.lower() == "b":
                raise Back
            if raw.isascii() and raw.isdigit() and len(raw) <= 6 and q.maximum is not None:
                value = int(raw)
                if (q.minimum or 0) <= value <= q.maximum:
                    return value
            message = tr(
                lang,
                "Please type a whole number from %(lo)s to %(hi)s, ? if you are not sure, "
                "or b to go back.",
            )
            console.print(message % {"lo": q.minimum, "hi": q.maximum}, style="yellow")
    for i, option in enumerate(q.options, start=1):
        console.print(f"  {i}. {option.label}")
    if q.unknown_allowed:
        unsure = tr(lang, "I'm not sure")
        console.print(f"  ?. {unsure}")
    while True:
        raw = console.input("> ").strip().lower()
        if raw == "?" and q.unknown_allowed:
            return None
        if raw == "b":
            raise Back
        if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= len(q.options):
            return q.options[int(raw) - 1].value
        console.print(
            tr(
                lang,
                "Please answer with one of the numbers shown, ? if you are not sure, "
                "or b to go back.",
            ),
            style="yellow",
        )


def ask_group(console: Console, group: GroupOut, lang: str, left: int) -> dict[str, bool]:
    """A group of yes/no questions: the numbers typed are yes, the rest no. Raises Back."""
    console.print()
    console.print(_progress(lang, left), style="dim")
    console.print(f"[bold]{group.text}[/bold]")
    how = tr(lang, "Type the numbers of every one that applies (for example: 1 3), or 0 for none.")
    console.print(f"[dim]{how}[/dim]")
    for i, item in enumerate(group.items, start=1):
        console.print(f"  {i}. {item.label}")
    console.print(f"  0. {group.none_label}")
    while True:
        raw = console.input("> ").strip().lower()
        if raw == "b":
            raise Back
        parts = raw.replace(",", " ").split()
        if parts and all(p.isascii() and p.isdigit() for p in parts):
            numbers = {int(p) for p in parts}
            if numbers == {0}:
                return {item.fact: False for item in group.items}
            if 0 not in numbers and all(1 <= n <= len(group.items) for n in numbers):
                return {item.fact: i in numbers for i, item in enumerate(group.items, start=1)}
        console.print(
            tr(
                lang,
                "Type the numbers that apply, separated by spaces, 0 for none of these, "
                "or b to go back.",
            ),
            style="yellow",
        )


def ask_form(
    console: Console, pack: Pack, group: GroupOut, facts: dict[str, FactValue], lang: str, left: int
) -> dict[str, FactValue | None]:
    """A form's questions in order, each only once the answers above it make it apply (the
    web page shows and hides them the same way). Raises Back."""
    console.print()
    console.print(_progress(lang, left), style="dim")
    console.print(f"[bold]{group.text}[/bold]")
    if group.hint:
        console.print(f"[dim]{group.hint}[/dim]")
    seen = {k: v for k, v in facts.items() if k not in {i.fact for i in group.items}}
    answers: dict[str, FactValue | None] = {}
    for item in group.items:
        if item.question is None or not applies(pack, seen, item.fact):
            continue
        answers[item.fact] = value = ask(console, item.question, lang, None)
        if value is not None:
            seen[item.fact] = value
    return answers


def run_interview(pack: Pack, console: Console, lang: str = "en") -> Assessment:
    console.print(
        tr(
            lang,
            "Candid asks about %(symptom)s and suggests how soon to be seen, possible causes "
            "to discuss and what to ask. It is not a diagnosis. Nothing you type is saved.",
        )
        % {"symptom": pack.meta.wording.in_a_sentence.get(lang)}
    )
    console.print(
        tr(
            lang,
            "Type ? if you are not sure of an answer, or b to go back to the previous question.",
        )
    )
    facts: dict[str, FactValue] = {}
    skipped: list[str] = []
    history: list[list[str]] = []  # the questions of each page, in order, for going back
    while True:
        result = assess(pack, facts, lang=lang, skipped=skipped)
        if result.urgency.interrupt or result.next_question is None:
            console.print()
            render(result, console, pack)
            return result
        left = result.progress.screens_left - 1
        answers: dict[str, FactValue | None]
        try:
            group = result.next_group
            if group is not None and group.kind == "form":
                answers = ask_form(console, pack, group, facts, lang, left)
            elif group is not None:
                answers = dict(ask_group(console, group, lang, left))
            else:
                q = result.next_question
                answers = {q.fact: ask(console, q, lang, left)}
        except Back:
            if history:
                for last in history.pop():
                    facts.pop(last, None)
                    if last in skipped:
                        skipped.remove(last)
            continue
        history.append(list(answers))
        for fact, answer in answers.items():
            if answer is None:
                skipped.append(fact)
            else:
                facts[fact] = answer

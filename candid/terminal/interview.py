"""The interactive interview: ask what the engine says is most useful, one question at a
time, until an emergency interrupts or nothing would change the picture."""

from __future__ import annotations

from rich.console import Console

from candid.engine import Assessment, assess
from candid.engine.assessment import QuestionOut
from candid.engine.conditions import FactValue
from candid.knowledge.models import Pack
from candid.terminal.report import render

UNSURE = {"en": "I'm not sure", "es": "No lo sé"}
INTRO = {
    "en": (
        "Candid asks about bleeding after sex and suggests how soon to be seen, possible causes "
        "to discuss and what to ask. It is not a diagnosis. Nothing you type is saved.\n"
        "Type ? if you are not sure of an answer, or b to go back to the previous question."
    ),
    "es": (
        "Candid pregunta sobre el sangrado después del sexo y sugiere cuándo consultar, posibles "
        "causas y qué preguntar. No es un diagnóstico. No se guarda nada de lo que escriba.\n"
        "Escriba ? si no sabe una respuesta, o b para volver a la pregunta anterior."
    ),
}
BAD = {
    "en": "Please answer with one of the numbers shown, ? if you are not sure, or b to go back.",
    "es": "Responda con uno de los números, ? si no lo sabe, o b para volver.",
}
BAD_NUMBER = {
    "en": "Please type a whole number from {lo} to {hi}, ? if you are not sure, or b to go back.",
    "es": "Escriba un número entero de {lo} a {hi}, ? si no lo sabe, o b para volver.",
}
COUNTER = {"en": "Question {n}", "es": "Pregunta {n}"}


class Back(Exception):
    """The person asked to return to the previous question."""


def ask(console: Console, q: QuestionOut, lang: str, number: int) -> FactValue | None:
    """One question; None means 'not sure'. Raises Back for 'b'. Re-asks on invalid input."""
    console.print()
    console.print(COUNTER[lang].format(n=number), style="dim")
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
            if raw.isdigit() and q.minimum is not None and q.maximum is not None:
                value = int(raw)
                if q.minimum <= value <= q.maximum:
                    return value
            console.print(BAD_NUMBER[lang].format(lo=q.minimum, hi=q.maximum), style="yellow")
    for i, option in enumerate(q.options, start=1):
        console.print(f"  {i}. {option.label}")
    console.print(f"  ?. {UNSURE[lang]}")
    while True:
        raw = console.input("> ").strip().lower()
        if raw == "?":
            return None
        if raw == "b":
            raise Back
        if raw.isdigit() and 1 <= int(raw) <= len(q.options):
            return q.options[int(raw) - 1].value
        console.print(BAD[lang], style="yellow")


def run_interview(pack: Pack, console: Console, lang: str = "en") -> Assessment:
    console.print(INTRO[lang])
    facts: dict[str, FactValue] = {}
    skipped: list[str] = []
    history: list[str] = []  # facts in the order they were asked, for going back
    while True:
        result = assess(pack, facts, lang=lang, skipped=skipped)
        if result.urgency.interrupt or result.next_question is None:
            console.print()
            render(result, console)
            return result
        q = result.next_question
        try:
            answer = ask(console, q, lang, len(history) + 1)
        except Back:
            if history:
                last = history.pop()
                facts.pop(last, None)
                if last in skipped:
                    skipped.remove(last)
            continue
        history.append(q.fact)
        if answer is None:
            skipped.append(q.fact)
        else:
            facts[q.fact] = answer

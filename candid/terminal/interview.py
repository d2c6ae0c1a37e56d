"""The interactive interview: ask what the engine says is most useful, one question at a
time, until an emergency interrupts or nothing would change the picture."""

from __future__ import annotations

from rich.console import Console
from rich.prompt import Prompt

from candid.engine import Assessment, assess
from candid.engine.assessment import QuestionOut
from candid.engine.conditions import FactValue
from candid.knowledge.models import Pack
from candid.terminal.report import render

UNSURE = {"en": "I'm not sure", "es": "No estoy segura"}
INTRO = {
    "en": (
        "Candid asks about bleeding after sex and suggests how soon to be seen, possible causes "
        "to discuss and what to ask. It is not a diagnosis. Nothing you type is saved.\n"
        "Type ? if you are not sure of an answer."
    ),
    "es": (
        "Candid pregunta sobre el sangrado después del sexo y sugiere cuándo consultar, posibles "
        "causas y qué preguntar. No es un diagnóstico. No se guarda nada de lo que escriba.\n"
        "Escriba ? si no está segura de una respuesta."
    ),
}
BAD = {
    "en": "Please answer with one of the numbers shown, or ? if you are not sure.",
    "es": "Responda con uno de los números, o ? si no está segura.",
}
BAD_NUMBER = {
    "en": "Please type a whole number from {lo} to {hi}, or ? if you are not sure.",
    "es": "Escriba un número entero de {lo} a {hi}, o ? si no está segura.",
}


def ask(console: Console, q: QuestionOut, lang: str) -> FactValue | None:
    """One question; None means 'not sure'. Re-asks on invalid input instead of failing."""
    console.print()
    console.print(f"[bold]{q.text}[/bold]")
    if q.hint:
        console.print(f"[dim]{q.hint}[/dim]")
    if q.type == "integer":
        while True:
            raw = Prompt.ask(">", console=console).strip()
            if raw == "?":
                return None
            if raw.isdigit() and q.minimum is not None and q.maximum is not None:
                value = int(raw)
                if q.minimum <= value <= q.maximum:
                    return value
            console.print(BAD_NUMBER[lang].format(lo=q.minimum, hi=q.maximum), style="yellow")
    for i, option in enumerate(q.options, start=1):
        console.print(f"  {i}. {option.label}")
    console.print(f"  ?. {UNSURE[lang]}")
    while True:
        raw = Prompt.ask(">", console=console).strip().lower()
        if raw == "?":
            return None
        if raw.isdigit() and 1 <= int(raw) <= len(q.options):
            return q.options[int(raw) - 1].value
        console.print(BAD[lang], style="yellow")


def run_interview(pack: Pack, console: Console, lang: str = "en") -> Assessment:
    console.print(INTRO[lang])
    facts: dict[str, FactValue] = {}
    skipped: list[str] = []
    while True:
        result = assess(pack, facts, lang=lang, skipped=skipped)
        if result.urgency.interrupt or result.next_question is None:
            console.print()
            render(result, console)
            return result
        q = result.next_question
        answer = ask(console, q, lang)
        if answer is None:
            skipped.append(q.fact)
        else:
            facts[q.fact] = answer

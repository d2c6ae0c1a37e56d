"""An assessment rendered for a person in the terminal (Rich). Presents, never computes."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from candid.engine import Assessment

LEVEL_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold red",
    "soon": "bold yellow",
    "routine": "bold green",
}
HEAD = {
    "en": {
        "urgency": "How soon to be seen",
        "sites": "Where the bleeding most likely comes from",
        "causes": "Possible causes to discuss with a provider",
        "for": "Fits",
        "against": "Speaks against",
        "done": "What can be done",
        "workup": "Evaluations to expect",
        "questions": "Questions to bring",
        "note": (
            "This is a guide to discuss with a provider, not a diagnosis. Causes can coexist, "
            "so the chances do not add up to 100%."
        ),
        "emergency": "Stop here: get help now",
    },
    "es": {
        "urgency": "Cuándo consultar",
        "sites": "De dónde viene probablemente el sangrado",
        "causes": "Posibles causas para hablar con un profesional",
        "for": "Encaja",
        "against": "En contra",
        "done": "Qué se puede hacer",
        "workup": "Pruebas que esperar",
        "questions": "Preguntas para llevar",
        "note": (
            "Es una guía para hablar con un profesional, no un diagnóstico. Las causas pueden "
            "coexistir, así que los porcentajes no suman 100%."
        ),
        "emergency": "Pare aquí: pida ayuda ahora",
    },
}


def _bar(p: float, width: int = 20) -> str:
    filled = round(p * width)
    return "█" * filled + "░" * (width - filled)


def urgency_panel(a: Assessment) -> Panel:
    u = a.urgency
    h = HEAD[a.language]
    body = Text()
    body.append(u.label + "\n", style=LEVEL_STYLE.get(u.level, "bold"))
    body.append(u.meaning + "\n")
    for reason in u.reasons:
        body.append(f"• {reason}\n")
    title = h["emergency"] if u.interrupt else h["urgency"]
    return Panel(body, title=title, border_style="red" if u.interrupt else "cyan")


def render(a: Assessment, console: Console, max_causes: int = 5) -> None:
    h = HEAD[a.language]
    console.print(urgency_panel(a))
    if a.urgency.interrupt:
        return
    sites = Table.grid(padding=(0, 2))
    for s in a.sites:
        name = s.name
        sites.add_row(name, _bar(s.probability), f"{s.probability * 100:.0f}%")
    console.print(Panel(sites, title=h["sites"]))
    console.print(f"[bold]{h['causes']}[/bold]")
    for cause in [c for c in a.causes if c.likely][:max_causes]:
        lines = [Text(cause.explanation)]
        if cause.for_:
            lines.append(Text(f"{h['for']}: " + "; ".join(cause.for_[:4]), style="green"))
        if cause.against:
            lines.append(Text(f"{h['against']}: " + "; ".join(cause.against[:3]), style="red"))
        lines.append(Text(f"{h['done']}:", style="bold"))
        lines.extend(Text(f"  • {t}") for t in cause.what_can_be_done)
        console.print(Panel(Group(*lines), title=f"{cause.name} — {cause.probability * 100:.0f}%"))
    table = Table(title=h["workup"], show_lines=False)
    table.add_column("")
    table.add_column("")
    for w in a.workup:
        mark = "✓ " if w.status == "done" else ""
        table.add_row(mark + w.name, w.why)
    console.print(table)
    console.print(f"[bold]{h['questions']}[/bold]")
    for q in a.questions_for_provider:
        console.print(f"  ☐ {q}")
    console.print(Text(h["note"], style="italic"))
    console.print(Text(f"{a.pathway} · knowledge {a.knowledge_version}", style="dim"))

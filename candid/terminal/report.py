"""An assessment rendered for a person in the terminal (Rich). Presents, never computes."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from candid.engine import Assessment
from candid.i18n import tr
from candid.knowledge.models import Pack

STYLES = ("bold green", "bold yellow", "bold red", "bold white on red")
"""By the level's rank in the pack, lowest first; a pack with more levels shares the top."""


def _level_style(pack: Pack, level: str) -> str:
    rank = next(v.rank for k, v in pack.urgency.levels.items() if k == level)
    ranks = sorted({v.rank for v in pack.urgency.levels.values()})
    return STYLES[min(ranks.index(rank), len(STYLES) - 1)]


def _bar(p: float, width: int = 20) -> str:
    filled = round(p * width)
    return "█" * filled + "░" * (width - filled)


def urgency_panel(a: Assessment, pack: Pack) -> Panel:
    u = a.urgency
    lang = a.language
    body = Text()
    body.append(u.label + "\n", style=_level_style(pack, u.level))
    body.append(u.meaning + "\n")
    for reason in u.reasons:
        body.append(f"• {reason}\n")
    title = tr(lang, "Stop here: get help now") if u.interrupt else tr(lang, "How soon to be seen")
    return Panel(body, title=title, border_style="red" if u.interrupt else "cyan")


def render(a: Assessment, console: Console, pack: Pack, max_causes: int = 5) -> None:
    lang = a.language
    console.print(urgency_panel(a, pack))
    if a.urgency.interrupt:
        return
    sites = Table.grid(padding=(0, 2))
    for s in a.sites:
        name = s.name
        sites.add_row(name, _bar(s.probability), f"{s.probability * 100:.0f}%")
    console.print(Panel(sites, title=pack.meta.wording.sites_heading.get(a.language)))
    console.print("[bold]" + tr(lang, "Possible causes to discuss with a provider") + "[/bold]")
    for cause in [c for c in a.causes if c.likely][:max_causes]:
        lines = [Text(cause.explanation)]
        if cause.for_:
            lines.append(Text(tr(lang, "Fits") + ": " + "; ".join(cause.for_[:4]), style="green"))
        if cause.against:
            against = "; ".join(cause.against[:3])
            lines.append(Text(tr(lang, "Speaks against") + ": " + against, style="red"))
        lines.append(Text(tr(lang, "What can be done") + ":", style="bold"))
        lines.extend(Text(f"  • {t}") for t in cause.what_can_be_done)
        console.print(Panel(Group(*lines), title=f"{cause.name} — {cause.probability * 100:.0f}%"))
    table = Table(title=tr(lang, "Evaluations to expect"), show_lines=False)
    table.add_column("")
    table.add_column("")
    for w in a.workup:
        mark = "✓ " if w.status == "done" else "→ " if w.status == "next" else ""
        why = f"{w.next_if}. {w.why}" if w.status == "next" and w.next_if else w.why
        table.add_row(mark + w.name, why)
    console.print(table)
    console.print("[bold]" + tr(lang, "Questions to bring") + "[/bold]")
    for q in a.questions_for_provider:
        console.print(f"  ☐ {q}")
    note = tr(
        lang,
        "This is a guide to discuss with a provider, not a diagnosis. Causes can coexist, "
        "so the chances do not add up to 100%.",
    )
    console.print(Text(note, style="italic"))
    console.print(Text(f"{a.pathway} · knowledge {a.knowledge_version}", style="dim"))

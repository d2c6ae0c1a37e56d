"""Calibration: the engine's probability for named groups against published prevalence.

Each entry of the pack's `calibration.yaml` (candid/knowledge/calibration.py) is a group of
people written as the engine's facts. The group is assessed like anyone else, and the
probability the engine gives the cause (the sum, for several causes) is set beside the figure
a source published for that group and its range. `candid calibrate` prints the table;
docs/calibration.md holds it as generated, and tests/test_calibration.py requires every entry
to be inside its range or to say why not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from candid.engine import assess
from candid.knowledge import calibration
from candid.knowledge.calibration import INTERVAL_NAMES, Entry
from candid.knowledge.loader import DEFAULT_PACK, load_pack, pack_dir
from candid.knowledge.models import Pack


@dataclass(frozen=True)
class Row:
    id: str
    group: str
    facts: dict[str, Any]
    causes: list[str]
    engine: float
    """The engine's probability for the group (the sum over `causes`, at most 1)."""
    point: float
    low: float
    high: float
    interval: str
    population: str
    derivation: str | None
    sources: list[str]
    within: bool
    note: str | None
    explanation: str | None

    @property
    def unexplained(self) -> bool:
        """Outside the published range and not saying why: what the tests refuse."""
        return not self.within and not self.explanation

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def load_calibration(name: str = DEFAULT_PACK) -> tuple[Entry, ...]:
    """The installed pack's calibration table, checked with the pack by `load_pack`."""
    return tuple(calibration.load_from(pack_dir(name), load_pack(name)))


def engine_probability(pack: Pack, entry: Entry) -> float:
    """What the engine tells a person in the group about the entry's causes."""
    shown = {c.id: c.probability for c in assess(pack, entry.facts).causes}
    return min(1.0, sum(shown[c] for c in entry.causes))


def compare(pack: Pack, entries: tuple[Entry, ...] | list[Entry]) -> list[Row]:
    rows = []
    for e in entries:
        value = engine_probability(pack, e)
        pub = e.published
        rows.append(
            Row(
                id=e.id,
                group=e.group,
                facts=dict(e.facts),
                causes=list(e.causes),
                engine=value,
                point=pub.point,
                low=pub.low,
                high=pub.high,
                interval=pub.interval,
                population=pub.population,
                derivation=pub.derivation,
                sources=list(e.sources),
                within=pub.low <= value <= pub.high,
                note=e.note,
                explanation=e.explanation,
            )
        )
    return rows


def percent(p: float) -> str:
    """A share as a percentage to three significant digits (two below 0.1%): 0.0023%, 0.12%,
    6.25%, 41%."""
    x = p * 100
    if x == 0:
        return "0%"
    return f"{x:.3g}%" if x >= 0.1 else f"{x:.2g}%"


def published_text(row: Row) -> str:
    if row.interval == "none":
        return f"{percent(row.point)} ({INTERVAL_NAMES['none']})"
    return (
        f"{percent(row.point)} ({percent(row.low)}-{percent(row.high)}, "
        f"{INTERVAL_NAMES[row.interval]})"
    )


def verdict(row: Row) -> str:
    if row.within:
        return "within"
    side = "above" if row.engine > row.high else "below"
    return f"outside ({side})"


def facts_text(facts: dict[str, Any]) -> str:
    def value(v: Any) -> str:
        return ("true" if v else "false") if isinstance(v, bool) else str(v)

    return ", ".join(f"{k}: {value(v)}" for k, v in facts.items())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rows: list[Row]) -> str:
    """The table of docs/calibration.md, then each entry's note and explanation."""
    out = [
        "| entry | group (engine facts) | cause | engine | published (range) | source | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        group = f"{r.group} (`{facts_text(r.facts)}`)"
        out.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    r.id,
                    group,
                    " + ".join(r.causes),
                    percent(r.engine),
                    published_text(r),
                    ", ".join(r.sources),
                    verdict(r),
                )
            )
            + " |"
        )
    out.append("")
    for r in rows:
        out.append(f"- **{r.id}**: {r.population}.")
        if r.derivation:
            out.append(f"  *Derived:* {r.derivation}")
        if r.note:
            out.append(f"  {r.note}")
        if r.explanation:
            out.append(f"  *Why outside:* {r.explanation}")
    return "\n".join(out) + "\n"


def summary(rows: list[Row]) -> dict[str, int]:
    return {
        "entries": len(rows),
        "within": sum(r.within for r in rows),
        "outside_explained": sum(not r.within and bool(r.explanation) for r in rows),
        "outside_unexplained": sum(r.unexplained for r in rows),
    }

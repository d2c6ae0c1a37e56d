"""Urgency: the most urgent red-flag rule that holds, never below routine."""

from __future__ import annotations

from dataclasses import dataclass

from candid.engine.compiled import CompiledPack
from candid.engine.conditions import Facts
from candid.knowledge.models import Level


@dataclass(frozen=True)
class Triage:
    level: Level
    rank: int
    fired: tuple[str, ...]
    """Ids of the rules that hold, most urgent first."""

    @property
    def is_emergency(self) -> bool:
        return self.level == "emergency"


def triage(cp: CompiledPack, facts: Facts) -> Triage:
    fired = [rule for rule in cp.rules if rule.test(facts)]
    fired.sort(key=lambda r: -r.rank)  # stable: pack order within a level
    rank = max((r.rank for r in fired), default=0)
    return Triage(level=cp.rank_level[rank], rank=rank, fired=tuple(r.id for r in fired))

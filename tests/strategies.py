"""Hypothesis strategies that draw facts a person or clinician could really give."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from candid.engine.compiled import compiled
from candid.knowledge.models import Fact, Pack


def value_strategy(fact: Fact) -> st.SearchStrategy[Any]:
    if fact.type == "boolean":
        return st.booleans()
    if fact.type == "integer":
        assert fact.minimum is not None and fact.maximum is not None
        return st.integers(fact.minimum, fact.maximum)
    return st.sampled_from(sorted(fact.choices or {}))


def consistent(pack: Pack, facts: dict[str, Any]) -> bool:
    return not any(test(facts) for test, _, _ in compiled(pack).contradictions)


def facts_strategy(pack: Pack, max_size: int = 25) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of facts with valid values that do not contradict each other."""
    ids = sorted(pack.facts)
    entries = st.lists(st.sampled_from(ids), unique=True, max_size=max_size)

    @st.composite
    def draw(data: st.DrawFn) -> dict[str, Any]:
        chosen = data(entries)
        facts = {fid: data(value_strategy(pack.facts[fid])) for fid in chosen}
        return facts

    return draw().filter(lambda f: consistent(pack, f))

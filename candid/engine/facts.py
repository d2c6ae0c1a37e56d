"""Checking a person's facts against the pack's contract.

Every problem names the fact and what is allowed, so the CLI, the API and the web pages can
show it to a person instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from candid.engine.conditions import FactValue, Test, compile_test
from candid.knowledge.models import Fact, Pack

UNKNOWN_FACT = "is not a known fact"
"""The problem named for a fact id the pack does not define (each front end says where the
list is: the API's pathway, the CLI's `candid kb facts`)."""


@dataclass(frozen=True)
class FactProblem:
    fact: str
    message: str
    allowed: str

    def __str__(self) -> str:
        return f"{self.fact}: {self.message} (allowed: {self.allowed})"


class FactsError(ValueError):
    """The facts break the contract; `problems` lists every one, not only the first."""

    def __init__(self, problems: list[FactProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def allowed_values(fact: Fact) -> str:
    if fact.type == "boolean":
        return "true or false"
    if fact.type == "integer":
        return f"a whole number from {fact.minimum} to {fact.maximum}"
    return ", ".join(fact.choices or {})


def _canonical(fact: Fact, value: Any) -> Any:
    """A declared alias stands for its value, and 12.0 is the whole number 12 (JSON and JSON
    Schema do not tell them apart); anything else is left for the checks."""
    if fact.type == "choice" and isinstance(value, str) and value not in (fact.choices or {}):
        for name, choice in (fact.choices or {}).items():
            if value in choice.aliases:
                return name
    if fact.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _check_one(fact: Fact, value: Any) -> str | None:
    if fact.type == "boolean":
        return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
    if fact.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected a whole number, got {value!r}"
        assert fact.minimum is not None and fact.maximum is not None
        if not fact.minimum <= value <= fact.maximum:
            return f"{value} is out of range"
        return None
    if not isinstance(value, str) or value not in (fact.choices or {}):
        return f"{value!r} is not one of the choices"
    return None


def compile_contradictions(pack: Pack) -> list[tuple[Test, str, str]]:
    out = []
    for rule in pack.contradictions:
        names = sorted(rule.when.fact_names())
        out.append((compile_test(rule.when), rule.message, names[-1] if names else "(facts)"))
    return out


def validate_facts(
    pack: Pack,
    raw: Mapping[str, Any],
    contradictions: list[tuple[Test, str, str]] | None = None,
) -> dict[str, FactValue]:
    """Return the known facts (null means unknown and is dropped) or raise FactsError."""
    if not isinstance(raw, Mapping):
        raise FactsError([FactProblem("(facts)", "expected a JSON object", "an object of facts")])
    problems: list[FactProblem] = []
    facts: dict[str, FactValue] = {}
    for name, value in raw.items():
        fact = pack.facts.get(name) if isinstance(name, str) else None
        if fact is None:
            problems.append(
                FactProblem(str(name), UNKNOWN_FACT, f"a fact of the {pack.meta.id} pathway")
            )
            continue
        if value is None:
            continue
        value = _canonical(fact, value)
        error = _check_one(fact, value)
        if error:
            problems.append(FactProblem(name, error, allowed_values(fact)))
            continue
        facts[name] = value
    if not problems:
        checks = contradictions if contradictions is not None else compile_contradictions(pack)
        for test, message, name in checks:
            if test(facts):
                problems.append(FactProblem(name, message, "answers that agree with each other"))
    if problems:
        raise FactsError(problems)
    return facts

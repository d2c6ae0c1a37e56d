"""Conditions compiled to closures.

Priors, urgency rules, workup and the interview all test conditions on every assessment, so
they are compiled once per pack instead of being interpreted from the pydantic tree each time.
Two flavours: `holds` (unknown facts make a comparison false) and `status` (three-valued:
True, False or None for "depends on an unanswered question"), which the interview uses to see
which red flags are still open.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping

from candid.knowledge.models import Condition, Matcher

FactValue = bool | int | str
Facts = Mapping[str, FactValue]
Test = Callable[[Facts], bool]
Status = Callable[[Facts], bool | None]


def _same(a: object, b: object) -> bool:
    """Equality that does not confuse True with 1 (a boolean fact is never an integer)."""
    return type(a) is type(b) and a == b


def _numeric(compare: Callable[[int, int], bool], bound: int) -> Callable[[FactValue], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and compare(v, bound)


def _matcher(m: Matcher) -> Callable[[FactValue], bool]:
    checks: list[Callable[[FactValue], bool]] = []
    if m.eq is not None:
        eq = m.eq
        checks.append(lambda v: _same(v, eq))
    if m.in_ is not None:
        options = list(m.in_)
        checks.append(lambda v: any(_same(v, o) for o in options))
    if m.not_in is not None:
        banned = list(m.not_in)
        checks.append(lambda v: not any(_same(v, o) for o in banned))
    for bound, compare in (
        (m.gte, operator.ge),
        (m.gt, operator.gt),
        (m.lte, operator.le),
        (m.lt, operator.lt),
    ):
        if bound is not None:
            checks.append(_numeric(compare, bound))
    return lambda v: all(check(v) for check in checks)


def _either(subs: list[Status], *, negate: bool) -> Status:
    """any_of (or, negated, none_of) in three-valued logic."""

    def status(facts: Facts) -> bool | None:
        results = [sub(facts) for sub in subs]
        if any(r is True for r in results):
            return not negate
        return negate if all(r is False for r in results) else None

    return status


def compile_status(cond: Condition) -> Status:
    """Three-valued: None when the answer depends on facts not yet known."""
    parts: list[Status] = []
    for name, m in cond.facts.items():
        parts.append(_fact_status(name, m))
    if cond.any_of:
        parts.append(_either([compile_status(c) for c in cond.any_of], negate=False))
    if cond.none_of:
        parts.append(_either([compile_status(c) for c in cond.none_of], negate=True))

    def status(facts: Facts) -> bool | None:
        unknown = False
        for part in parts:
            r = part(facts)
            if r is False:
                return False
            if r is None:
                unknown = True
        return None if unknown else True

    return status


def _fact_status(name: str, m: Matcher) -> Status:
    test = _matcher(m)
    wants_known = m.known

    def status(facts: Facts) -> bool | None:
        value = facts.get(name)
        if value is None:
            if wants_known is None:
                return None
            # `known: true` may still become true later; `known: false` holds now but may not
            return None
        if wants_known is False:
            return False
        return test(value)

    return status


def compile_test(cond: Condition) -> Test:
    """Two-valued: a comparison on an unknown fact is false; `known: false` is how to test
    for an unanswered question."""
    if cond.always and not cond.facts and not cond.any_of and not cond.none_of:
        return lambda facts: True
    fact_tests: list[tuple[str, Callable[[FactValue], bool], bool | None]] = [
        (name, _matcher(m), m.known) for name, m in cond.facts.items()
    ]
    any_tests = [compile_test(c) for c in cond.any_of]
    none_tests = [compile_test(c) for c in cond.none_of]

    def test(facts: Facts) -> bool:
        for name, check, known in fact_tests:
            value = facts.get(name)
            if value is None:
                if known is False:
                    continue
                return False
            if known is False:
                return False
            if not check(value):
                return False
        if any_tests and not any(t(facts) for t in any_tests):
            return False
        return not any(t(facts) for t in none_tests)

    return test

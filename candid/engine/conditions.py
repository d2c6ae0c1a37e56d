"""Conditions compiled once per pack.

Priors, urgency rules, workup and the interview all test conditions on every assessment, so
they are compiled once instead of being interpreted from the pydantic tree each time.
Two flavours: `compile_test` (unknown facts make a comparison false), compiled to one Python
expression, and `compile_status` (three-valued: True, False or None for "depends on an
unanswered question"), closures, which the interview uses to see which red flags are still
open. Both check a value with the same generated source (`_checks_source`); they differ in
how they treat unknown facts and combine parts, and `tests/test_conditions.py` checks each
against the other on every condition of every pack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from candid.knowledge.models import Condition, Matcher

FactValue = bool | int | str
Facts = Mapping[str, FactValue]
Test = Callable[[Facts], bool]
Status = Callable[[Facts], bool | None]
Reach = Callable[[Facts, frozenset[str]], bool | None]


def _typed(values: list[FactValue]) -> frozenset[tuple[type, FactValue]]:
    """Membership keyed by type as well as value: True must not match 1 (a boolean fact is
    never an integer)."""
    return frozenset((type(v), v) for v in values)


def _matcher(m: Matcher) -> Callable[[FactValue], bool]:
    """One matcher's checks on a known value, compiled from the same source as
    `compile_test` writes them (`_checks_source`), so both flavours mean the same thing."""
    consts: dict[str, object] = {}
    checks = _checks_source(m, _binder(consts))
    body = " and ".join(checks) if checks else "True"
    check = eval(compile(f"lambda v: {body}", "<matcher>", "eval"), consts)  # values bound
    assert callable(check)
    return check  # type: ignore[no-any-return]


def _either(subs: list[Reach], *, negate: bool) -> Reach:
    """any_of (or, negated, none_of) in three-valued logic."""

    def status(facts: Facts, never: frozenset[str]) -> bool | None:
        # One part that holds settles it, so the rest are not tested.
        unknown = False
        for sub in subs:
            result = sub(facts, never)
            if result is True:
                return not negate
            if result is None:
                unknown = True
        return None if unknown else negate

    return status


def compile_reach(cond: Condition) -> Reach:
    """Three-valued, like `compile_status`, with a second argument: the facts that will stay
    unknown (exam findings in an interview with the person, questions that do not apply to
    them). A comparison on one of those is false rather than open, so the result says
    whether the condition can still come to hold through the questions left to ask."""
    parts: list[Reach] = []
    for name, m in cond.facts.items():
        parts.append(_fact_status(name, m))
    if cond.any_of:
        parts.append(_either([compile_reach(c) for c in cond.any_of], negate=False))
    if cond.none_of:
        parts.append(_either([compile_reach(c) for c in cond.none_of], negate=True))

    def status(facts: Facts, never: frozenset[str]) -> bool | None:
        unknown = False
        for part in parts:
            r = part(facts, never)
            if r is False:
                return False
            if r is None:
                unknown = True
        return None if unknown else True

    return status


def compile_status(cond: Condition) -> Status:
    """Three-valued: None when the answer depends on facts not yet known."""
    reach = compile_reach(cond)
    nothing: frozenset[str] = frozenset()
    return lambda facts: reach(facts, nothing)


def _fact_status(name: str, m: Matcher) -> Reach:
    test = _matcher(m)
    wants_known = m.known

    def status(facts: Facts, never: frozenset[str]) -> bool | None:
        value = facts.get(name)
        if value is None:
            if name in never:
                return wants_known is False
            # `known: true` may still become true later; `known: false` holds now but may not
            return None
        if wants_known is False:
            return False
        return test(value)

    return status


def compile_test(cond: Condition) -> Test:
    """Two-valued: a comparison on an unknown fact is false; `known: false` is how to test
    for an unanswered question.

    Written out as one Python expression and compiled, rather than as nested closures: the
    interview tests these conditions a few hundred times per step, and a flat expression
    runs them at about twice the speed. Values from the pack enter as bound constants,
    never as source text; only fact names (the pack's own, checked when it loads) are
    written in, through `repr`. Kept by value (at most `TESTS_KEPT`): the pages test a few
    pack conditions on every request, and compiling costs about 60 µs."""
    key = cond.model_dump_json()
    found = _TESTS.get(key)
    if found is None:
        found = _compile_test(cond)
        if len(_TESTS) < TESTS_KEPT:
            _TESTS[key] = found
    return found


TESTS_KEPT = 4096
_TESTS: dict[str, Test] = {}


def _binder(consts: dict[str, object]) -> Callable[[object], str]:
    """Binds a pack value as a constant of the generated code and returns its name."""

    def const(value: object) -> str:
        name = f"_c{len(consts)}"
        consts[name] = value
        return name

    return const


def _compile_test(cond: Condition) -> Test:
    consts: dict[str, object] = {}
    const = _binder(consts)
    source = f"def test(facts):\n    get = facts.get\n    return {_test_source(cond, const)}\n"
    namespace: dict[str, object] = dict(consts)
    exec(compile(source, "<condition>", "exec"), namespace)  # values bound, never written in
    test = namespace["test"]
    assert callable(test)
    return test


def _test_source(cond: Condition, const: Callable[[object], str]) -> str:
    if cond.always and not cond.facts and not cond.any_of and not cond.none_of:
        return "True"
    parts = [_fact_source(name, m, const) for name, m in cond.facts.items()]
    if cond.any_of:
        parts.append("(" + " or ".join(_test_source(c, const) for c in cond.any_of) + ")")
    if cond.none_of:
        parts.append("not (" + " or ".join(_test_source(c, const) for c in cond.none_of) + ")")
    return "(" + " and ".join(parts) + ")" if parts else "True"


def _fact_source(name: str, m: Matcher, const: Callable[[object], str]) -> str:
    """One fact's comparison: unknown fails it, unless it asks `known: false`."""
    if m.known is False:
        return f"(get({name!r}) is None)"
    checks = _checks_source(m, const)
    return f"((v := get({name!r})) is not None" + "".join(f" and {c}" for c in checks) + ")"


def _checks_source(m: Matcher, const: Callable[[object], str]) -> list[str]:
    """A matcher's checks on a known value `v`, as Python source: types are compared as
    well as values (True must not match 1; `_typed`)."""
    checks = []
    if m.eq is not None:
        checks.append(f"type(v) is {const(type(m.eq))} and v == {const(m.eq)}")
    if m.in_ is not None:
        checks.append(f"(type(v), v) in {const(_typed(list(m.in_)))}")
    if m.not_in is not None:
        checks.append(f"(type(v), v) not in {const(_typed(list(m.not_in)))}")
    bounds = [
        f"v {op} {const(bound)}"
        for bound, op in ((m.gte, ">="), (m.gt, ">"), (m.lte, "<="), (m.lt, "<"))
        if bound is not None
    ]
    if bounds:
        checks.append("type(v) is int and " + " and ".join(bounds))
    return checks

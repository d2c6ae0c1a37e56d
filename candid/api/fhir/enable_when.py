"""A fact's `ask_when` as FHIR `enableWhen`, where FHIR can say it.

FHIR enableWhen is a flat list joined by one `enableBehavior` (all / any), and an unanswered
question makes `=`, `<`, `>=`, ... false and `!=` true. The engine's conditions are two-valued
in the same way (a comparison on an unknown fact is false, and `none_of` holds when nothing in
it does), so:

- a test on a fact (`eq`, `in` with one value, `gte`, ...) is the same operator;
- `none_of` over single-value equality tests is a list of `!=`, exactly;
- `in` with several values, or an `any_of` of equality tests, is `any` when it stands alone.

What cannot be said exactly (a negated comparison such as "not 56 or older", which must hold
while age is unanswered, or a disjunction inside a conjunction) is dropped from a conjunction.
Dropping a conjunct only widens when the item shows, so a form filler may ask a question the
engine would not, but never hides one the engine needs. `exact` tells which happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from candid.api.fhir.terminology import JSON, answer_code, own
from candid.knowledge.models import Condition, Matcher, Pack, Scalar

Behavior = Literal["all", "any"]
_COMPARISONS = (("gte", ">="), ("gt", ">"), ("lte", "<="), ("lt", "<"))


@dataclass
class EnableWhen:
    conditions: list[JSON] = field(default_factory=list)
    behavior: Behavior = "all"
    exact: bool = True

    def apply(self, item: JSON) -> None:
        """Write onto a Questionnaire item (FHIR wants enableBehavior only with two or more)."""
        if not self.conditions:
            return
        item["enableWhen"] = self.conditions
        if len(self.conditions) > 1:
            item["enableBehavior"] = self.behavior


def enable_when(pack: Pack, cond: Condition | None) -> EnableWhen:
    if cond is None or cond.always:
        return EnableWhen()
    if _is_disjunction(cond):
        return _disjunction(pack, cond)
    out = EnableWhen()
    for name, matcher in cond.facts.items():
        tests = _positive(pack, name, matcher)
        if tests is None:
            out.exact = False
        else:
            out.conditions.extend(tests)
    if cond.any_of:
        out.exact = False  # a disjunction inside a conjunction: dropped (widens, see above)
    for sub in cond.none_of:
        negated = _negated(pack, sub)
        if negated is None:
            out.exact = False
        else:
            out.conditions.extend(negated)
    return out


def _is_disjunction(cond: Condition) -> bool:
    """`{iud: [hormonal, copper]}` or a lone `any_of`: the whole condition is an "or"."""
    if cond.none_of:
        return False
    if cond.any_of and not cond.facts:
        return True
    if len(cond.facts) == 1 and not cond.any_of:
        (m,) = cond.facts.values()
        return m.in_ is not None and len(m.in_) > 1 and _only(m, "in_")
    return False


def _disjunction(pack: Pack, cond: Condition) -> EnableWhen:
    tests: list[JSON] = []
    if cond.facts:
        ((name, m),) = cond.facts.items()
        tests = [_answer(pack, name, "=", v) for v in m.in_ or []]
    for sub in cond.any_of:
        found = _positive_single(pack, sub)
        if found is None:
            return EnableWhen(exact=False)  # dropping an "or" branch would narrow: show always
        tests.extend(found)
    return EnableWhen(tests, "any")


def _positive_single(pack: Pack, cond: Condition) -> list[JSON] | None:
    """A sub-condition that is one test on one fact."""
    if cond.any_of or cond.none_of or cond.always or len(cond.facts) != 1:
        return None
    ((name, m),) = cond.facts.items()
    tests = _positive(pack, name, m)
    return tests if tests is not None and len(tests) == 1 else None


def _positive(pack: Pack, name: str, m: Matcher) -> list[JSON] | None:
    """The tests on one fact that must all hold; None when one of them cannot be said."""
    out: list[JSON] = []
    if m.known is not None:
        out.append({"question": name, "operator": "exists", "answerBoolean": m.known})
    if m.eq is not None:
        out.append(_answer(pack, name, "=", m.eq))
    if m.in_ is not None:
        if len(m.in_) != 1:
            return None
        out.append(_answer(pack, name, "=", m.in_[0]))
    if m.not_in:
        # "!=" holds while unanswered, a `not_in` test does not: require an answer as well.
        if m.known is None:
            out.append({"question": name, "operator": "exists", "answerBoolean": True})
        out.extend(_answer(pack, name, "!=", value) for value in m.not_in)
    for key, operator in _COMPARISONS:
        bound = getattr(m, key)
        if bound is not None:
            out.append(_answer(pack, name, operator, bound))
    return out


def _negated(pack: Pack, cond: Condition) -> list[JSON] | None:
    """`none_of` member: only "not equal to one value" keeps the unanswered case right."""
    if cond.any_of or cond.none_of or cond.always or len(cond.facts) != 1:
        return None
    ((name, m),) = cond.facts.items()
    if m.eq is not None and _only(m, "eq"):
        return [_answer(pack, name, "!=", m.eq)]
    if m.in_ is not None and _only(m, "in_"):
        return [_answer(pack, name, "!=", v) for v in m.in_]
    return None


def _only(m: Matcher, key: str) -> bool:
    set_keys = {k for k, v in m.__dict__.items() if v is not None}
    return set_keys == {key}


def _answer(pack: Pack, name: str, operator: str, value: Scalar) -> JSON:
    fact = pack.facts[name]
    out: JSON = {"question": name, "operator": operator}
    if fact.type == "boolean":
        out["answerBoolean"] = value
    elif fact.type == "integer":
        out["answerInteger"] = value
    else:
        out["answerCoding"] = own(pack, answer_code(name, str(value)))
    return out

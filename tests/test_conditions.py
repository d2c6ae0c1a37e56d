"""Conditions as the pack's editors write them, and how unknown answers are treated."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from candid.engine.conditions import compile_status, compile_test
from candid.knowledge.loader import installed_pack, installed_packs
from candid.knowledge.models import Condition, Pack
from tests.strategies import facts_strategy

RULE = Condition.model_validate(
    {
        "age": {"gte": 40},
        "any_of": [{"fever": True}, {"pain_with_sex": ["deep"]}],
        "none_of": [{"has_uterus": False}],
    }
)


@pytest.mark.parametrize(
    ("facts", "holds", "status"),
    [
        ({"age": 45, "fever": True, "has_uterus": True}, True, True),
        # holds now, but an answer about the uterus could still undo it
        ({"age": 45, "fever": True}, True, None),
        ({"age": 45, "pain_with_sex": "deep", "has_uterus": True}, True, True),
        ({"age": 39, "fever": True}, False, False),
        ({"age": 45, "fever": True, "has_uterus": False}, False, False),
        ({"age": 45}, False, None),  # could still hold: fever and pain not asked yet
        ({"fever": True}, False, None),  # age unknown
        ({"age": 45, "fever": False, "pain_with_sex": "entry"}, False, False),
    ],
)
def test_two_and_three_valued(facts: dict[str, Any], holds: bool, status: bool | None) -> None:
    assert compile_test(RULE)(facts) is holds
    assert compile_status(RULE)(facts) is status


def test_a_boolean_is_never_a_number() -> None:
    test = compile_test(Condition.model_validate({"age": {"gte": 1}}))
    assert test({"age": True}) is False
    assert compile_test(Condition.model_validate({"smoker": 1}))({"smoker": True}) is False


def test_known_matcher() -> None:
    known = compile_test(Condition.model_validate({"exam_cervix": {"known": True}}))
    unknown = compile_test(Condition.model_validate({"exam_cervix": {"known": False}}))
    assert known({"exam_cervix": "normal"}) and not known({})
    assert unknown({}) and not unknown({"exam_cervix": "normal"})


def _conditions(node: object) -> list[Condition]:
    """Every condition a pack holds, wherever its grammar puts one."""
    if isinstance(node, Condition):
        return [node]
    if isinstance(node, BaseModel):
        return [c for name in type(node).model_fields for c in _conditions(getattr(node, name))]
    if isinstance(node, dict):
        return [c for value in node.values() for c in _conditions(value)]
    if isinstance(node, list | tuple):
        return [c for value in node for c in _conditions(value)]
    return []


def _edges(pack: Pack, conditions: list[Condition]) -> st.SearchStrategy[dict[str, Any]]:
    """Answers at the edges the conditions draw: every number a condition compares with, one
    either side of it, and every choice; each fact may also be unknown."""
    bounds: dict[str, set[int]] = {}
    for cond in conditions:
        for c in [cond, *cond.any_of, *cond.none_of]:
            for name, m in c.facts.items():
                for b in (m.gte, m.gt, m.lte, m.lt):
                    if b is not None:
                        bounds.setdefault(name, set()).update({b - 1, b, b + 1})
    values: dict[str, list[Any]] = {}
    for fid, fact in pack.facts.items():
        if fact.type == "boolean":
            values[fid] = [True, False]
        elif fact.type == "integer":
            assert fact.minimum is not None and fact.maximum is not None
            inside = {fact.minimum, fact.maximum} | bounds.get(fid, set())
            values[fid] = sorted(v for v in inside if fact.minimum <= v <= fact.maximum)
        else:
            values[fid] = list(fact.choices or {})
    return st.fixed_dictionaries(
        {}, optional={fid: st.sampled_from(v) for fid, v in values.items()}
    )


@pytest.mark.parametrize(
    "pack", [installed_pack(p) for p in installed_packs()], ids=lambda p: p.meta.id
)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_compiled_test_agrees_with_the_three_valued_status(
    pack: Pack, data: st.DataObject
) -> None:
    """The two compilers share how a value is checked but combine parts and treat unknown
    facts apart (one as generated source, one as closures), so each checks the other on
    every condition of every pack: whenever the three-valued status is settled, the
    two-valued test says the same."""
    conditions = _conditions(pack)
    assert len(conditions) > 50
    facts = data.draw(st.one_of(facts_strategy(pack), _edges(pack, conditions)))
    for cond in conditions:
        status = compile_status(cond)(facts)
        if status is not None:
            assert compile_test(cond)(facts) is status, cond


@pytest.mark.parametrize(
    ("matcher", "holds_at"),
    [({"gte": 40}, [40, 41]), ({"gt": 40}, [41]), ({"lte": 40}, [39, 40]), ({"lt": 40}, [39])],
)
def test_a_bound_includes_its_edge_only_when_it_says_so(
    matcher: dict[str, int], holds_at: list[int]
) -> None:
    """An age limit in a rule is read as written: "40 or over" takes in 40, "over 40" does
    not, in both flavours."""
    cond = Condition.model_validate({"age": matcher})
    for age in (39, 40, 41):
        assert compile_test(cond)({"age": age}) is (age in holds_at)
        assert compile_status(cond)({"age": age}) is (age in holds_at)

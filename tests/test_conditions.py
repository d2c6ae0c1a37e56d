"""Conditions as the pack's editors write them, and how unknown answers are treated."""

from __future__ import annotations

from typing import Any

import pytest

from candid.engine.conditions import compile_status, compile_test
from candid.knowledge.models import Condition

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

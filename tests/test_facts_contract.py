"""Bad input gets a clear error naming the fact and what is allowed, never a crash."""

from __future__ import annotations

from typing import Any

import pytest

from candid.engine import FactsError
from tests.conftest import Assess


def problems(run: Assess, facts: dict[str, Any]) -> list[str]:
    with pytest.raises(FactsError) as info:
        run(facts)
    return [str(p) for p in info.value.problems]


def test_unknown_fact_is_named(run: Assess) -> None:
    (message,) = problems(run, {"age": 30, "blood_type": "O"})
    assert message.startswith("blood_type: is not a known fact")


@pytest.mark.parametrize(
    ("facts", "fact", "allowed"),
    [
        ({"age": "thirty"}, "age", "a whole number from 12 to 110"),
        ({"age": 30.5}, "age", "a whole number from 12 to 110"),
        ({"age": True}, "age", "a whole number from 12 to 110"),
        ({"smoker": "yes"}, "smoker", "true or false"),
        ({"smoker": 1}, "smoker", "true or false"),
        ({"pregnant": "maybe"}, "pregnant", "no, yes, possible"),
        ({"bleeding_amount": ["light"]}, "bleeding_amount", "spotting, light, heavy, very_heavy"),
    ],
)
def test_wrong_type_names_fact_and_allowed_values(
    run: Assess, facts: dict[str, Any], fact: str, allowed: str
) -> None:
    (message,) = problems(run, facts)
    assert message.startswith(f"{fact}:")
    assert f"(allowed: {allowed})" in message


@pytest.mark.parametrize(("fact", "value"), [("age", 11), ("age", 111), ("duration_weeks", -1)])
def test_out_of_range(run: Assess, fact: str, value: int) -> None:
    (message,) = problems(run, {fact: value})
    assert message.startswith(f"{fact}: {value} is out of range")


def test_every_problem_is_reported_at_once(run: Assess) -> None:
    found = problems(run, {"age": 5, "smoker": "no", "colour": "red"})
    assert {m.split(":")[0] for m in found} == {"age", "smoker", "colour"}


@pytest.mark.parametrize(
    ("facts", "named"),
    [
        ({"has_cervix": False, "exam_cervix": "polyp"}, "exam_cervix"),
        ({"has_uterus": False, "pregnant": "yes"}, "pregnant"),
        ({"menopause": "postmenopausal", "pregnant": "yes"}, "pregnant"),
        ({"iud": "none", "iud_strings_missing": True}, "iud_strings_missing"),
    ],
)
def test_contradictions_are_refused(run: Assess, facts: dict[str, Any], named: str) -> None:
    (message,) = problems(run, facts)
    assert named in message
    assert "cannot" in message or "needs" in message


def test_null_means_unknown(run: Assess) -> None:
    assert run({"age": 30, "smoker": None}).urgency.level == run({"age": 30}).urgency.level


def test_facts_must_be_an_object(run: Assess) -> None:
    (message,) = problems(run, [1, 2])  # type: ignore[arg-type]
    assert "expected a JSON object" in message


def test_unsupported_language_is_an_error(run: Assess) -> None:
    with pytest.raises(FactsError, match="not supported"):
        run({"age": 30}, lang="fr")


def test_a_declared_alias_is_accepted_as_its_value(run: Assess) -> None:
    """`cyst_or_structural` (the cause's name) is easy to write for the finding."""
    a = run({"exam_vagina": "cyst_or_structural"})
    b = run({"exam_vagina": "cyst_or_septum"})
    assert [c.id for c in a.causes] == [c.id for c in b.causes]

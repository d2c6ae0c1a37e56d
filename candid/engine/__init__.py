"""The engine: pure functions from facts to an assessment. No I/O, no web, no storage."""

from candid.engine.assess import (
    applies,
    assess,
    form_applying,
    group_for,
    group_of,
    question_for,
)
from candid.engine.assessment import Assessment
from candid.engine.facts import FactProblem, FactsError

__all__ = [
    "Assessment",
    "FactProblem",
    "FactsError",
    "applies",
    "assess",
    "form_applying",
    "group_for",
    "group_of",
    "question_for",
]

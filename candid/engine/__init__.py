"""The engine: pure functions from facts to an assessment. No I/O, no web, no storage."""

from candid.engine.assess import (
    applies,
    assess,
    form_applying,
    group_for,
    group_of,
    interview_step,
    question_for,
)
from candid.engine.assessment import Assessment, InterviewStep
from candid.engine.facts import FactProblem, FactsError

__all__ = [
    "Assessment",
    "FactProblem",
    "FactsError",
    "InterviewStep",
    "applies",
    "assess",
    "form_applying",
    "group_for",
    "group_of",
    "interview_step",
    "question_for",
]

"""Request and response bodies of the JSON API (v1)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from candid.engine.assessment import EvidenceOut, FactValueOut, PageOut
from candid.knowledge.models import Language


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepRequest(Body):
    """The answers so far, for one step of the interview."""

    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="Flat object of facts; a missing key means unknown. Send all facts each "
        "time (the API is stateless).",
        examples=[{"age": 24, "hormonal_contraception": "combined"}],
    )
    skipped: list[str] = Field(
        default_factory=list,
        description="Questions the person chose not to answer; they are not asked again.",
        max_length=200,
    )
    language: Language = "en"


class AssessRequest(StepRequest):
    """The answers so far, for the full report."""

    detail: Literal["likely", "all"] = Field(
        default="likely",
        description="'likely': options, questions and evidence only for likely causes (the "
        "others keep id, probability and explanation); 'all': for every cause.",
    )


class ExplainRequest(Body):
    facts: dict[str, Any] = Field(default_factory=dict)
    cause: str = Field(description="A cause id of the pathway.", max_length=100)
    language: Language = "en"


class Explanation(BaseModel):
    cause: str
    name: str
    probability: float
    prior: float
    supporting: list[EvidenceOut]
    opposing: list[EvidenceOut]
    sources: dict[str, str]


class PathwaySummary(BaseModel):
    id: str
    version: str
    title: str


class ChoiceOut(BaseModel):
    value: FactValueOut
    label: str


class FactOut(BaseModel):
    id: str
    type: str
    asked_by: str
    question: str
    hint: str | None
    choices: list[ChoiceOut]
    minimum: int | None
    maximum: int | None


class CauseInfo(BaseModel):
    id: str
    name: str
    site: str
    stage: str
    explanation: str
    codes: list[dict[str, str]]


class LevelOut(BaseModel):
    id: str
    rank: int
    label: str
    meaning: str


class WorkupInfo(BaseModel):
    id: str
    name: str
    why: str
    tests_for: list[str]
    stage: str


class Pathway(PathwaySummary):
    facts: list[FactOut]
    groups: list[PageOut]
    """The pages of several questions an interview may ask (`next_group` in a step)."""
    causes: list[CauseInfo]
    urgency_levels: list[LevelOut]
    workup: list[WorkupInfo]

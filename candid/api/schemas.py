"""Request and response bodies of the JSON API (v1): requests are pydantic models, which
validate what a client sends and name each bad field; responses are structs like the
engine's own, which the API encodes without checking again (candid.api.responses)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from candid.engine.assessment import CodeOut, EvidenceOut, FactValueOut, Out, PageOut
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


class Explanation(Out, frozen=True, kw_only=True):
    cause: str
    name: str
    probability: float
    prior: float
    supporting: list[EvidenceOut]
    opposing: list[EvidenceOut]
    sources: dict[str, str]


class PathwaySummary(Out, frozen=True, kw_only=True):
    id: str
    version: str
    title: str


class ChoiceOut(Out, frozen=True, kw_only=True):
    value: FactValueOut
    label: str


class FactOut(Out, frozen=True, kw_only=True):
    id: str
    type: str
    asked_by: str
    question: str
    hint: str | None
    choices: list[ChoiceOut]
    minimum: int | None
    maximum: int | None


class CauseInfo(Out, frozen=True, kw_only=True):
    id: str
    name: str
    site: str
    stage: str
    explanation: str
    codes: list[CodeOut]


class LevelOut(Out, frozen=True, kw_only=True):
    id: str
    rank: int
    label: str
    meaning: str


class WorkupInfo(Out, frozen=True, kw_only=True):
    id: str
    name: str
    why: str
    tests_for: list[str]
    stage: str


class Pathway(PathwaySummary, frozen=True, kw_only=True):
    facts: list[FactOut]
    groups: list[PageOut]
    """The pages of several questions an interview may ask (`next_group` in a step)."""
    causes: list[CauseInfo]
    urgency_levels: list[LevelOut]
    workup: list[WorkupInfo]

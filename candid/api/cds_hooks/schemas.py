"""CDS Hooks 2.0 shapes: discovery, the service request, and cards.

The specification forbids `null` and empty strings, arrays or objects where a field has no
value, so every optional field defaults to None and responses are dumped with `exclude_none`
(`dump`). Requests are read leniently (unknown keys ignored), because EHRs add extensions.
"""

from __future__ import annotations

from typing import Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

Indicator = Literal["info", "warning", "critical"]
JsonObject = dict[str, Any]


class Out(BaseModel):
    model_config = ConfigDict(frozen=True)

    def dump(self) -> JsonObject:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# --- discovery ---------------------------------------------------------------------------------


class Service(Out):
    hook: str
    id: str
    title: str
    description: str
    prefetch: dict[str, str] | None = None


class Discovery(Out):
    services: list[Service]


# --- request -----------------------------------------------------------------------------------


class FhirAuthorization(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str


class PatientViewContext(BaseModel):
    """`patient-view` context: the user, the patient in the chart, and maybe the encounter."""

    userId: str = Field(min_length=1)
    patientId: str = Field(min_length=1)
    encounterId: str | None = None


class OrderSelectContext(PatientViewContext):
    """`order-select` context: also the orders just selected (`{type}/{id}`) and every draft
    order of the session, as a Bundle (read by `prefetch.drafted_workup`)."""

    selections: list[str] = Field(min_length=1)
    draftOrders: dict[str, Any]


class _Request(BaseModel):
    hookInstance: UUID
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    # Any JSON per key (the specification's own example prefetches a bare string); the keys this
    # service asked for are read by `prefetch.read`.
    prefetch: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _server_with_token(self) -> Self:
        # CDS Hooks 2.0: fhirServer is required when fhirAuthorization is sent.
        if self.fhirAuthorization is not None and not self.fhirServer:
            raise ValueError("fhirServer is required when fhirAuthorization is present")
        return self


class HookRequest(_Request):
    hook: Literal["patient-view"]
    context: PatientViewContext


class OrderSelectRequest(_Request):
    hook: Literal["order-select"]
    context: OrderSelectContext


# --- response ----------------------------------------------------------------------------------


class Coding(Out):
    system: str | None = None
    code: str
    display: str | None = None


class Source(Out):
    label: str
    url: str | None = None
    topic: Coding | None = None


class Action(Out):
    type: Literal["create", "update", "delete"]
    description: str
    resource: JsonObject | None = None


class Suggestion(Out):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = None


class Link(Out):
    label: str
    url: str
    type: Literal["absolute", "smart"]


class Card(Out):
    uuid: str | None = None
    summary: str = Field(max_length=139)
    detail: str | None = None
    indicator: Indicator
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    links: list[Link] | None = None

    @model_validator(mode="after")
    def _selection_with_suggestions(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior is required when a card has suggestions")
        if not self.suggestions and (self.suggestions is not None or self.selectionBehavior):
            raise ValueError("send no suggestions field and no selectionBehavior without any")
        if self.links is not None and not self.links:
            raise ValueError("omit links rather than sending an empty list")
        return self


class CardsResponse(Out):
    cards: list[Card]

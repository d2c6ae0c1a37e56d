"""The pack's EHR code table (`ehr_codes.yaml`): types, and the checks against the pack.

Which codes mean what is clinical knowledge, so it lives with the pack for content editors to
review, and it is the one table both EHR-facing presenters read: the CDS Hooks service
(candid/api/cds_hooks) and the FHIR Questionnaire and `$assess` (candid/api/fhir). The loader
reads and checks it with the rest of the pack, so `candid kb validate` reports a table that
names an unknown fact, value, workup item or urgency level by file and key (a typo there would
silently drop a patient's result). The engine never reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict

from candid.knowledge.models import Pack, Scalar, Text
from candid.knowledge.problems import Problem

FILE = "ehr_codes.yaml"
Indicator = Literal["info", "warning", "critical"]
System = Literal["icd10", "icd10cm", "snomed", "loinc", "cpt"]

# The pack's short system names and the URIs an EHR sends for them; the first is the one
# Candid writes.
SYSTEM_URIS: dict[str, tuple[str, ...]] = {
    "icd10": ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm"),
    "icd10cm": ("http://hl7.org/fhir/sid/icd-10-cm",),
    "snomed": ("http://snomed.info/sct",),
    "loinc": ("http://loinc.org",),
    "cpt": ("http://www.ama-assn.org/go/cpt",),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeRef(_Strict):
    system: System
    code: str
    display: str | None = None

    @property
    def uri(self) -> str:
        """The URI to write in a resource Candid produces."""
        return SYSTEM_URIS[self.system][0]

    def matches(self, system: str | None, code: str | None) -> bool:
        return code == self.code and system in SYSTEM_URIS[self.system]


class ResultCode(CodeRef):
    # LOINC scale Qn: the result is a number, read only through the rule's `quantity`.
    quantitative: bool = False


class ConditionRule(_Strict):
    codes: list[CodeRef]
    set: dict[str, Scalar]


class Quantity(_Strict):
    positive_at_least: float
    negative_below: float


class ObservationRule(_Strict):
    codes: list[ResultCode]
    # None: the code names the result, but no value an EHR sends is read (only Candid's own
    # answer codes are), so the CDS Hooks service does not ask for it.
    values: Literal["presence"] | dict[str, list[str]] | None = None
    quantity: Quantity | None = None


class PresenceValue(_Strict):
    codes: list[CodeRef]
    interpretations: list[str]
    texts: list[str]


class IndicatorRule(_Strict):
    """How one urgency level shows in an EHR."""

    indicator: Indicator
    """The CDS Hooks card's indicator."""
    phrase: Text
    """The level in a clinician's words (card summary, Flag, RiskAssessment), per language."""
    request_priority: Literal["routine", "urgent", "asap", "stat"]
    """ServiceRequest.priority of the evaluations proposed at this level (FHIR request-priority)."""
    flag_priority: Literal["PN", "PL", "PM", "PH"]
    """The Flag's priority (FHIR flag-priority-code): none, low, medium, high."""


class EhrCodes(_Strict):
    conditions: list[ConditionRule]
    observations: dict[str, ObservationRule]
    presence: dict[Literal["positive", "negative"], PresenceValue]
    workup_orders: dict[str, list[CodeRef]]
    indicators: dict[str, IndicatorRule]

    def _refs(self) -> Iterator[CodeRef]:
        for rule in self.observations.values():
            yield from rule.codes
        for orders in self.workup_orders.values():
            yield from orders
        for presence in self.presence.values():
            yield from presence.codes

    def display(self, system: str, code: str) -> str | None:
        """The display the table gives a code anywhere (checked to be the same everywhere)."""
        return next(
            (
                r.display
                for r in self._refs()
                if r.system == system and r.code == code and r.display
            ),
            None,
        )

    def fact_by_code(self, system: str, *, quantitative: bool = False) -> dict[str, str]:
        """Result code -> fact, for the results whose value is a coding (or, with
        `quantitative`, also those whose value is a number)."""
        return {
            c.code: fact
            for fact, rule in self.observations.items()
            for c in rule.codes
            if c.system == system and (quantitative or not c.quantitative)
        }

    def presence_by_code(self, system: str) -> dict[str, str]:
        """Qualifier code -> `positive` / `negative`."""
        return {
            c.code: answer
            for answer, spec in self.presence.items()
            for c in spec.codes
            if c.system == system
        }


def problems(codes: EhrCodes, pack: Pack) -> Iterator[Problem]:
    """What does not fit the pack, by key in `ehr_codes.yaml`."""

    def allowed(fact: str, value: Scalar, where: str) -> Iterator[Problem]:
        spec = pack.facts.get(fact)
        if spec is None:
            yield Problem(FILE, where, f"{fact!r} is not a fact of the pack")
        elif spec.type == "boolean" and not isinstance(value, bool):
            yield Problem(FILE, where, f"{fact} takes true or false")
        elif spec.type == "choice" and value not in (spec.choices or {}):
            yield Problem(FILE, where, f"{value!r} is not a value of {fact}")

    for i, rule in enumerate(codes.conditions):
        for fact, value in rule.set.items():
            yield from allowed(fact, value, f"conditions.{i}.set")
    for fact, obs in codes.observations.items():
        where = f"observations.{fact}"
        if obs.values is None:
            if fact not in pack.facts:
                yield Problem(FILE, where, f"{fact!r} is not a fact of the pack")
            continue
        values = ["positive", "negative"] if obs.values == "presence" else list(obs.values)
        for value in values:
            yield from allowed(fact, value, where)
        if obs.quantity is None and any(c.quantitative for c in obs.codes):
            yield Problem(FILE, where, "a quantitative code needs `quantity` to be read")
    for w in codes.workup_orders:
        if w not in pack.workup:
            yield Problem(FILE, f"workup_orders.{w}", "not a workup item")
    for level in pack.urgency.levels:
        if level not in codes.indicators:
            yield Problem(FILE, "indicators", f"no entry for level {level!r}")
    seen: dict[tuple[str, str], str] = {}
    for ref in codes._refs():
        key = (ref.system, ref.code)
        if ref.display and seen.setdefault(key, ref.display) != ref.display:
            yield Problem(FILE, f"{ref.system} {ref.code}", "has two different displays")


def check(codes: EhrCodes, pack: Pack) -> list[str]:
    """Each problem as `key: message`; empty when the table fits the pack."""
    return [f"{p.key}: {p.message}" for p in problems(codes, pack)]

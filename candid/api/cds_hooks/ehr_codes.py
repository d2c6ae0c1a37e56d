"""The pack's EHR code table (`ehr_codes.yaml`), loaded once and checked against the pack.

Which codes mean what is clinical knowledge, so it lives with the pack for content editors to
review; this module only gives it types and refuses a table that names an unknown fact, value,
workup item or urgency level (a typo there would silently drop a patient's result).
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from candid.knowledge.loader import DEFAULT_PACK, load_pack, pack_dir
from candid.knowledge.models import Pack, Scalar
from candid.knowledge.yaml_io import read_yaml

FILE = "ehr_codes.yaml"
Indicator = Literal["info", "warning", "critical"]

# The pack's short system names and the FHIR URIs an EHR sends for them.
SYSTEM_URIS: dict[str, tuple[str, ...]] = {
    "icd10": ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm"),
    "icd10cm": ("http://hl7.org/fhir/sid/icd-10-cm",),
    "snomed": ("http://snomed.info/sct",),
    "loinc": ("http://loinc.org",),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeRef(_Strict):
    system: Literal["icd10", "icd10cm", "snomed", "loinc"]
    code: str
    display: str | None = None

    @property
    def uri(self) -> str:
        """The URI to write in a resource Candid produces."""
        return SYSTEM_URIS[self.system][0]

    def matches(self, system: str | None, code: str | None) -> bool:
        return code == self.code and system in SYSTEM_URIS[self.system]


class ConditionRule(_Strict):
    codes: list[CodeRef]
    set: dict[str, Scalar]


class Quantity(_Strict):
    positive_at_least: float
    negative_below: float


class ObservationRule(_Strict):
    codes: list[CodeRef]
    values: Literal["presence"] | dict[str, list[str]]
    quantity: Quantity | None = None


class PresenceValue(_Strict):
    codes: list[CodeRef]
    interpretations: list[str]
    texts: list[str]


class IndicatorRule(_Strict):
    indicator: Indicator
    phrase: str


class EhrCodes(_Strict):
    conditions: list[ConditionRule]
    observations: dict[str, ObservationRule]
    presence: dict[Literal["positive", "negative"], PresenceValue]
    workup_orders: dict[str, CodeRef]
    indicators: dict[str, IndicatorRule]


def check(codes: EhrCodes, pack: Pack) -> list[str]:
    """Each problem as `key: message`; empty when the table fits the pack."""
    problems: list[str] = []

    def allowed(fact: str, value: Scalar, where: str) -> None:
        spec = pack.facts.get(fact)
        if spec is None:
            problems.append(f"{where}: {fact!r} is not a fact of the pack")
        elif spec.type == "boolean" and not isinstance(value, bool):
            problems.append(f"{where}: {fact} takes true or false")
        elif spec.type == "choice" and value not in (spec.choices or {}):
            problems.append(f"{where}: {value!r} is not a value of {fact}")

    for i, rule in enumerate(codes.conditions):
        for fact, value in rule.set.items():
            allowed(fact, value, f"conditions.{i}.set")
    for fact, obs in codes.observations.items():
        values = ["positive", "negative"] if obs.values == "presence" else list(obs.values)
        for value in values:
            allowed(fact, value, f"observations.{fact}")
    problems += [
        f"workup_orders.{w}: not a workup item" for w in codes.workup_orders if w not in pack.workup
    ]
    problems += [
        f"indicators: no entry for level {level!r}"
        for level in pack.urgency.levels
        if level not in codes.indicators
    ]
    return problems


@cache
def ehr_codes(name: str = DEFAULT_PACK) -> EhrCodes:
    codes = EhrCodes.model_validate(read_yaml(pack_dir(name) / FILE))
    problems = check(codes, load_pack(name))
    if problems:
        raise ValueError(f"{FILE}: " + "; ".join(problems))
    return codes

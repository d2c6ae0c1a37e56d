"""One FHIR value (an answer's `value[x]`, an Observation's `value[x]`) as one fact value.

Choices travel as codes of Candid's CodeSystem (`chlamydia_test.positive`); a bare pack value
without a system is accepted too, because simple form fillers drop the system. Labs send
presence results as SNOMED CT qualifiers, so Positive/Detected and Negative/Not detected are
read for facts whose values are exactly positive/negative. Anything else is refused with the
codes that would have been accepted, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from candid.api.fhir.terminology import (
    SNOMED,
    answer_code,
    code_system_url,
    snomed_presence,
)
from candid.engine.conditions import FactValue
from candid.knowledge.models import Fact, Pack

EXPECTED = {"boolean": "valueBoolean", "integer": "valueInteger"}


class ValueProblem(ValueError):
    def __init__(self, reason: str, allowed: str) -> None:
        self.reason = reason
        self.allowed = allowed
        super().__init__(reason)


def value_key(holder: Mapping[str, Any]) -> str | None:
    """The one `value[x]` key of an answer or Observation (None when there is none)."""
    keys = [k for k in holder if k.startswith("value") and len(k) > 5 and k[5].isupper()]
    if len(keys) > 1:
        raise ValueProblem(f"has several values ({', '.join(keys)})", "exactly one value[x]")
    return keys[0] if keys else None


def decode(pack: Pack, fact: Fact, key: str, raw: Any) -> FactValue:
    if fact.type == "boolean":
        if key == "valueBoolean" and isinstance(raw, bool):
            return raw
        raise ValueProblem(f"expected valueBoolean true or false, got {key}", "valueBoolean")
    if fact.type == "integer":
        if key == "valueInteger" and isinstance(raw, int) and not isinstance(raw, bool):
            return raw  # the range is the engine's to check, with the pack's bounds
        raise ValueProblem(
            f"expected a whole number in valueInteger, got {key}",
            f"valueInteger from {fact.minimum} to {fact.maximum}",
        )
    codings: list[Any] = []
    if key == "valueCoding":
        codings = [raw]
    elif key == "valueCodeableConcept" and isinstance(raw, Mapping):
        found = raw.get("coding")
        codings = found if isinstance(found, list) else []
    else:
        raise ValueProblem(f"expected valueCoding, got {key}", allowed_codes(pack, fact))
    for coding in codings:
        value = _from_coding(pack, fact, coding)
        if value is not None:
            return value
    shown = ", ".join(_show(c) for c in codings) or "no coding"
    raise ValueProblem(f"{shown} is not one of the answers", allowed_codes(pack, fact))


def allowed_codes(pack: Pack, fact: Fact) -> str:
    codes = ", ".join(answer_code(fact.id, v) for v in fact.choices or {})
    extra = " (or SNOMED CT Positive/Negative, Detected/Not detected)" if _presence(fact) else ""
    return f"a coding from {code_system_url(pack)}: {codes}{extra}"


def _from_coding(pack: Pack, fact: Fact, coding: Any) -> str | None:
    if not isinstance(coding, Mapping) or not isinstance(coding.get("code"), str):
        return None
    system, code = coding.get("system"), coding["code"]
    choices = fact.choices or {}
    aliases = {a: name for name, c in choices.items() for a in c.aliases}
    if system in (code_system_url(pack), None):
        prefix = fact.id + "."
        value = code[len(prefix) :] if code.startswith(prefix) else code
        return value if value in choices else aliases.get(value)
    if system == SNOMED and _presence(fact):
        return snomed_presence(pack).get(code)
    return None


def _presence(fact: Fact) -> bool:
    return set(fact.choices or {}) == {"positive", "negative"}


def _show(coding: Any) -> str:
    if isinstance(coding, Mapping):
        return f"{coding.get('system') or ''}|{coding.get('code')}"
    return repr(coding)

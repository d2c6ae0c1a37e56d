"""Code systems and the codes Candid puts into FHIR resources.

One CodeSystem under the pack names everything Candid itself defines, with a prefix per kind
so ids that are shared (`cervical_screening` is both a question and a workup item) never
collide: a fact is its bare id (so an Observation's code is the fact id), a fact's answer is
`<fact>.<value>`, and causes, workup items and urgency levels are `cause.<id>`,
`workup.<id>` and `urgency.<level>`. Standard codes (ICD-10, SNOMED CT, LOINC, CPT) ride along
where the pack gives one (pack.yaml, the causes, ehr_codes.yaml), so an EHR can use what it
already knows.
"""

from __future__ import annotations

from typing import Any

from candid.knowledge.ehr_codes import SYSTEM_URIS, EhrCodes
from candid.knowledge.loader import load_ehr_codes
from candid.knowledge.models import Code, Pack

BASE = "https://candid.example/fhir"
# The URI Candid writes for each of the pack's short system names.
SYSTEMS = {name: uris[0] for name, uris in SYSTEM_URIS.items()}
SNOMED = SYSTEMS["snomed"]
LOINC = SYSTEMS["loinc"]

JSON = dict[str, Any]


def slug(pack: Pack) -> str:
    """`postcoital_bleeding` -> `postcoital-bleeding`: FHIR ids allow no underscores."""
    return pack.meta.id.replace("_", "-")


def code_system_url(pack: Pack) -> str:
    return f"{BASE}/CodeSystem/{slug(pack)}"


def questionnaire_url(pack: Pack) -> str:
    return f"{BASE}/Questionnaire/{slug(pack)}"


def answer_code(fact: str, value: str) -> str:
    return f"{fact}.{value}"


def coding(system: str, code: str, display: str | None = None) -> JSON:
    out: JSON = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def own(pack: Pack, code: str, display: str | None = None) -> JSON:
    """A coding in Candid's CodeSystem for this pack."""
    return coding(code_system_url(pack), code, display)


def standard(code: Code) -> JSON:
    """A pack code (ICD-10, ICD-10-CM, SNOMED CT) as a FHIR Coding."""
    return coding(SYSTEMS[code.system], code.code, code.display)


# Standard codes for clinician results, orders and presence qualifiers come from the pack's
# EHR code table (ehr_codes.yaml), the same one the CDS Hooks service reads.


def ehr_codes(pack: Pack) -> EhrCodes:
    """The pack's EHR code table: each pathway maps its own facts, orders and levels."""
    return load_ehr_codes(pack.meta.id)


def result_codings(pack: Pack, fact: str) -> list[JSON]:
    """The standard code a form shows for a clinician result (the first of its LOINC codes)."""
    codes = ehr_codes(pack)
    rule = codes.observations.get(fact)
    found = [c.code for c in rule.codes if c.system == "loinc"] if rule else []
    return [coding(LOINC, found[0], codes.display("loinc", found[0]))] if found else []


def fact_by_loinc(pack: Pack) -> dict[str, str]:
    """LOINC code -> fact, for the results whose value arrives as a coding. Results with more
    than one reading (a combined CT/NG panel) or a number (a quantitative hCG) are left out:
    they do not map onto one fact value."""
    return ehr_codes(pack).fact_by_code("loinc")


def workup_codings(pack: Pack, item_id: str) -> list[JSON]:
    """Orderable codes for a workup item; an exam or a procedure without a verified code
    carries Candid's code only."""
    codes = ehr_codes(pack)
    return [
        coding(c.uri, c.code, codes.display(c.system, c.code))
        for c in codes.workup_orders.get(item_id, [])
    ]


def snomed_presence(pack: Pack) -> dict[str, str]:
    """SNOMED CT qualifier values a lab sends for a presence test, mapped onto the pack's
    values. Only facts whose values are exactly positive/negative take them: a pooled hrHPV
    "positive" cannot say whether it is type 16/18, so hpv_test needs Candid's own codes."""
    return ehr_codes(pack).presence_by_code("snomed")


def symptom_codings(pack: Pack) -> list[JSON]:
    return [standard(c) for c in pack.meta.symptom_codes]


def symptom_concept(pack: Pack) -> JSON:
    return {"coding": symptom_codings(pack), "text": pack.meta.title.en}

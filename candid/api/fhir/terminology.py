"""Code systems and the codes Candid puts into FHIR resources.

One CodeSystem under the pack names everything Candid itself defines, with a prefix per kind
so ids that are shared (`cervical_screening` is both a question and a workup item) never
collide: a fact is its bare id (so an Observation's code is the fact id), a fact's answer is
`<fact>.<value>`, and causes, workup items and urgency levels are `cause.<id>`,
`workup.<id>` and `urgency.<level>`. Standard codes (ICD-10, SNOMED CT, LOINC, CPT) ride along
where the pack or the research notes give one, so an EHR can use what it already knows.
"""

from __future__ import annotations

from typing import Any

from candid.knowledge.models import Code, Pack

BASE = "https://candid.example/fhir"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
SYSTEMS = {
    "icd10": "http://hl7.org/fhir/sid/icd-10",
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "snomed": SNOMED,
}

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


# LOINC codes for clinician results, from /work/shared/research/pcb_medical_facts.md section 8c.
# The first code of each list is the one the Questionnaire shows; the others are accepted on an
# incoming Observation because labs report the same test under method- or specimen-specific
# codes. Results with more than one reading (a combined CT/NG panel, a quantitative hCG) are
# left out: they do not map onto one fact value.
RESULT_LOINC: dict[str, list[str]] = {
    "cytology": ["10524-7"],
    "hpv_test": ["30167-1", "82675-0", "59420-0"],
    "chlamydia_test": ["43304-5", "21613-5", "53926-2", "45084-1", "50387-0"],
    "gonorrhea_test": ["43305-2", "24111-7", "53879-3", "32705-6", "50388-8"],
    "trichomonas_test": ["46154-1", "6568-0"],
    "pregnancy_test": ["2106-3", "2118-8", "80384-1"],
    "ultrasound": ["24677-7", "24869-0"],
}
# Displays only where the research notes quote one; a display is optional and a wrong one is
# worse than none.
LOINC_DISPLAY = {
    "10524-7": "Microscopic observation [Identifier] in Cervix by Cyto stain",
    "30167-1": "HPV 16+18+31+33+35+39+45+51+52+56+58+59+68 DNA [Presence] in Cervix by Probe "
    "w/ signal amplification",
    "46154-1": "Trichomonas vaginalis rRNA [Presence] in Specimen by NAA with probe detection",
    "24677-7": "US Pelvis transvaginal",
    "24869-0": "US Pelvis",
}


def loinc(code: str) -> JSON:
    return coding(LOINC, code, LOINC_DISPLAY.get(code))


def result_codings(fact: str) -> list[JSON]:
    """The standard code a form shows for a clinician result (the first of its LOINC codes)."""
    codes = RESULT_LOINC.get(fact)
    return [loinc(codes[0])] if codes else []


FACT_BY_LOINC = {code: fact for fact, codes in RESULT_LOINC.items() for code in codes}

# Orderable codes for workup items (same research notes). Only tests with a code that names the
# test itself are coded; an exam or a procedure without a verified code carries Candid's code.
WORKUP_CODES: dict[str, list[JSON]] = {
    "pregnancy_test": [loinc("2106-3")],
    "cervical_screening": [loinc("10524-7"), loinc("30167-1")],
    "chlamydia_gonorrhea_naat": [loinc("43304-5"), loinc("43305-2")],
    "trichomonas_test": [loinc("46154-1"), coding(CPT, "87661")],
    "pelvic_ultrasound": [loinc("24677-7"), coding(CPT, "76830")],
}

# SNOMED CT qualifier values a lab sends for a presence test, mapped onto the pack's values.
# Only facts whose values are exactly positive/negative take them: a pooled hrHPV "positive"
# cannot say whether it is type 16/18, so hpv_test needs Candid's own answer codes.
SNOMED_PRESENCE = {
    "10828004": "positive",  # Positive
    "260373001": "positive",  # Detected
    "260385009": "negative",  # Negative
    "260415000": "negative",  # Not detected
}


def symptom_codings(pack: Pack) -> list[JSON]:
    return [standard(c) for c in pack.meta.symptom_codes]


def symptom_concept(pack: Pack) -> JSON:
    return {"coding": symptom_codings(pack), "text": pack.meta.title.en}

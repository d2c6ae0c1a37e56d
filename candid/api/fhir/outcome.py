"""An Assessment as a FHIR Bundle (type collection) an EHR can file and show.

- RiskAssessment: one prediction per cause, most likely first, coded with the pack's
  ICD-10 / SNOMED CT codes and Candid's `cause.<id>`, with the probability and the reasons.
- ServiceRequest (status draft, intent proposal): one per evaluation still to offer. They are
  suggestions for a clinician to accept, not orders, which is what `proposal` means.
- Flag for the urgency. A Flag is FHIR's "prospective warning to show when caring for this
  patient", which is what "be seen today" is; a DetectedIssue is about a problem with a
  proposed action (a drug interaction, a duplicate order) and needs the action it implicates,
  which urgency has none of.

Every resource has the patient as subject when the request named one; FHIR requires a subject
on all three, so without one it is a display-only Reference that says so.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from candid.api.fhir.intake import Intake
from candid.api.fhir.service_request import service_request
from candid.api.fhir.terminology import (
    JSON,
    SYSTEMS,
    coding,
    ehr_codes,
    own,
    symptom_concept,
)
from candid.engine import Assessment
from candid.engine.assessment import CauseOut
from candid.i18n import tr
from candid.knowledge.models import Pack

NOBODY: JSON = {"display": "The person who answered (no patient reference was given)"}
FLAG_PRIORITY = "http://hl7.org/fhir/StructureDefinition/flag-priority"
PRIORITY_CODES = "http://hl7.org/fhir/flag-priority-code"
FLAG_PRIORITY_DISPLAY = {
    "PN": "No alarm",
    "PL": "Low priority",
    "PM": "Medium priority",
    "PH": "High priority",
}


def bundle(pack: Pack, result: Assessment, intake: Intake) -> JSON:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    subject = intake.subject or NOBODY
    risk_url = _urn()
    entries = [(risk_url, _risk(pack, result, intake, subject, now))]
    entries.append((_urn(), _flag(pack, result, subject, now)))
    for item in result.workup:
        if item.status == "recommended":
            request = service_request(pack, result, item, subject, now, risk_url)
            entries.append((_urn(), request))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now,
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _risk(pack: Pack, result: Assessment, intake: Intake, subject: JSON, now: str) -> JSON:
    lang = result.language
    out: JSON = {
        "resourceType": "RiskAssessment",
        "status": "final",
        "method": {
            "coding": [own(pack, "assessment", "Candid assessment")],
            "text": f"Candid, knowledge pack {result.pathway} {result.knowledge_version}",
        },
        "code": symptom_concept(pack),
        "subject": subject,
        "occurrenceDateTime": now,
        # Most likely first: an EHR shows predictions in the order given.
        "prediction": [
            _prediction(pack, cause, lang)
            for cause in sorted(result.causes, key=lambda c: -c.probability)
        ],
        "mitigation": _clinician_urgency(pack, result),
        "note": [
            {
                "text": tr(
                    lang,
                    "Educational decision support to discuss with a provider, not a diagnosis. "
                    "Each probability is the chance that this cause is present and "
                    "contributing; causes can coexist, so they do not add up to 100%.",
                )
            }
        ],
    }
    if intake.basis:
        out["basis"] = intake.basis
    return out


def _prediction(pack: Pack, cause: CauseOut, lang: str) -> JSON:
    codings = [own(pack, f"cause.{cause.id}", pack.causes[cause.id].clinical_name)]
    codings += [coding(SYSTEMS[c.system], c.code, c.display) for c in cause.codes]
    out: JSON = {
        "outcome": {"coding": codings, "text": cause.name},
        "probabilityDecimal": cause.probability,
    }
    parts = []
    if cause.for_:
        parts.append(tr(lang, "For") + ": " + "; ".join(cause.for_))
    if cause.against:
        parts.append(tr(lang, "Against") + ": " + "; ".join(cause.against))
    if parts:
        out["rationale"] = ". ".join(parts)
    return out


def _flag(pack: Pack, result: Assessment, subject: JSON, now: str) -> JSON:
    urgency = result.urgency
    level = next(v for k, v in pack.urgency.levels.items() if k == urgency.level)
    priority = ehr_codes(pack).indicators[urgency.level].flag_priority
    display = FLAG_PRIORITY_DISPLAY[priority]
    return {
        "resourceType": "Flag",
        "extension": [
            {
                "url": FLAG_PRIORITY,
                "valueCodeableConcept": {"coding": [coding(PRIORITY_CODES, priority, display)]},
            }
        ],
        "status": "active",
        "category": [
            {
                "coding": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/flag-category",
                        "clinical",
                        "Clinical",
                    )
                ]
            }
        ],
        "code": {
            "coding": [own(pack, f"urgency.{urgency.level}", level.label.en)],
            "text": _clinician_urgency(pack, result),
        },
        "subject": subject,
        "period": {"start": now},
    }


def _clinician_urgency(pack: Pack, result: Assessment) -> str:
    """The urgency in a clinician's words (the pack's EHR phrase, "same-day assessment") and
    the rules that set it, by id: the person's own wording ("Say why when you book") belongs
    on their page, not in the record."""
    lang = result.language
    phrase = ehr_codes(pack).indicators[result.urgency.level].phrase.get(lang)

    flags = ", ".join(f.replace("_", " ") for f in result.urgency.red_flags)
    symptom = pack.meta.clinical_name.get(lang)
    red_flags = tr(lang, "red flags")
    return f"{symptom}: {phrase}" + (f" ({red_flags}: {flags})" if flags else "")

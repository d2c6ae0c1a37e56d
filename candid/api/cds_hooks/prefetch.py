"""From the prefetched record (Patient, active Conditions, test Observations) to facts.

Only the fields Candid needs are read, and leniently (EHRs send more than R4 requires), so an
unexpected but well-formed resource costs one fact, never the card. A record that is not
understood leaves its fact unknown; the engine then treats it as unknown, never as normal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError

from candid.api.fhir.terminology import code_system_url
from candid.knowledge.ehr_codes import SYSTEM_URIS, EhrCodes, ObservationRule
from candid.knowledge.models import Pack, Scalar

# Keys of the prefetch templates (discovery) and of the request's `prefetch` object.
PATIENT, CONDITIONS, OBSERVATIONS = "patient", "conditions", "observations"
RESULT_STATUSES = {"final", "amended", "corrected"}
NOT_ACTIVE = {"inactive", "resolved", "remission"}
NOT_TRUE = {"refuted", "entered-in-error"}


OBSERVATIONS_COUNT = 50
"""The most recent results asked for: the newest result of each test is what counts (an
older one is superseded), and 50 fits well inside the CDS body limit (about 2 KB each)."""


def templates(codes: EhrCodes) -> dict[str, str]:
    """The prefetch templates. Observations are asked for by code: the whole lab history would
    be slow to send, larger than the body limit, and more of the person's record than needed."""
    wanted = [
        f"{SYSTEM_URIS[c.system][0]}|{c.code}"
        for rule in codes.observations.values()
        if rule.values is not None
        for c in rule.codes
    ]
    patient = "{{context.patientId}}"
    return {
        PATIENT: f"Patient/{patient}",
        CONDITIONS: f"Condition?patient={patient}&clinical-status=active",
        OBSERVATIONS: (
            f"Observation?patient={patient}&code={','.join(wanted)}"
            f"&_sort=-date&_count={OBSERVATIONS_COUNT}"
        ),
    }


class MissingPrefetch(Exception):
    """A prefetch key the service needs was not sent (or the client could only send an
    OperationOutcome). Candid does not query the EHR's FHIR server itself, so this is 412."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(", ".join(keys))
        self.keys = keys


# --- the few FHIR R4 fields read, leniently -----------------------------------------------------


class _Fhir(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class FCoding(_Fhir):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class FConcept(_Fhir):
    coding: list[FCoding] = []
    text: str | None = None

    def texts(self) -> list[str]:
        return [t for t in [self.text, *(c.display for c in self.coding)] if t]


class FQuantity(_Fhir):
    value: float | None = None


class FPeriod(_Fhir):
    start: str | None = None


class FReference(_Fhir):
    reference: str | None = None


class FPatient(_Fhir):
    resourceType: str
    id: str | None = None
    birthDate: str | None = None


class FCondition(_Fhir):
    resourceType: str
    subject: FReference | None = None
    code: FConcept | None = None
    clinicalStatus: FConcept | None = None
    verificationStatus: FConcept | None = None


class FObservation(_Fhir):
    resourceType: str
    subject: FReference | None = None
    status: str | None = None
    code: FConcept | None = None
    valueCodeableConcept: FConcept | None = None
    valueQuantity: FQuantity | None = None
    valueString: str | None = None
    interpretation: list[FConcept] = []
    effectiveDateTime: str | None = None
    effectivePeriod: FPeriod | None = None
    issued: str | None = None


class FServiceRequest(_Fhir):
    resourceType: str
    subject: FReference | None = None
    status: str | None = None
    code: FConcept | None = None


class FEntry(_Fhir):
    resource: dict[str, Any] | None = None


class FBundle(_Fhir):
    resourceType: str
    entry: list[FEntry] = []


# --- reading the prefetch ------------------------------------------------------------------------


@dataclass
class Record:
    """What the prefetch says about the patient, in the pack's terms."""

    conditions: list[FCondition] = field(default_factory=list)
    observations: list[FObservation] = field(default_factory=list)
    birth_date: str | None = None


Loc = tuple[str | int, ...]
PREFETCH: Loc = ("body", "prefetch")
DRAFT_ORDERS: Loc = ("body", "context", "draftOrders")


def _invalid(loc: Loc, err: ValidationError) -> RequestValidationError:
    return RequestValidationError([{**e, "loc": (*loc, *e["loc"])} for e in err.errors()])


def _wrong_type(loc: Loc, expected: str) -> RequestValidationError:
    msg = f"expected a {expected} resource or null"
    return RequestValidationError([{"loc": loc, "msg": msg}])


R = TypeVar("R", FCondition, FObservation, FServiceRequest)


# "Patient/123", "https://ehr.example/fhir/Patient/123" or either with "/_history/2".
_LITERAL_REFERENCE = re.compile(
    r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9.-]{1,64})(?:/_history/[^/]+)?$"
)


def _about_someone_else(subject: FReference | None, patient_id: str) -> bool:
    """True when the resource's subject is a literal reference to another patient (or to
    something that is not a patient, such as a Group). A reference Candid cannot resolve on
    its own (urn:uuid, contained) is taken as the EHR's, since the EHR ran the query."""
    if subject is None or not subject.reference:
        return False
    m = _LITERAL_REFERENCE.search(subject.reference)
    return m is not None and (m[1] != "Patient" or m[2] != patient_id)


def _other_patient(loc: Loc, reference: str | None, patient_id: str) -> RequestValidationError:
    msg = (
        f"is about {reference!r}, but context.patientId is {patient_id!r}: every prefetched "
        "resource and draft order must be about the patient in context"
    )
    return RequestValidationError([{"loc": loc, "msg": msg, "type": "value_error"}])


def _bundle(loc: Loc, value: Any, model: type[R], patient_id: str) -> list[R]:
    if value is None:
        return []  # the client had no data for this template
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        raise _wrong_type(loc, "Bundle")
    try:
        bundle = FBundle.model_validate(value)
    except ValidationError as err:
        raise _invalid(loc, err) from err
    wanted = model.__name__[1:]  # FCondition -> Condition
    out = []
    for i, entry in enumerate(bundle.entry):
        if entry.resource is None or entry.resource.get("resourceType") != wanted:
            continue  # e.g. an OperationOutcome with search mode "outcome"
        try:
            resource = model.model_validate(entry.resource)
        except ValidationError as err:
            raise _invalid((*loc, "entry", i, "resource"), err) from err
        subject = resource.subject
        if subject is not None and _about_someone_else(subject, patient_id):
            where = (*loc, "entry", i, "resource", "subject")
            raise _other_patient(where, subject.reference, patient_id)
        out.append(resource)
    return out


def read(prefetch: Mapping[str, Any] | None, patient_id: str) -> Record:
    """Raises MissingPrefetch (412) or RequestValidationError (422, naming the field).

    Everything read must be about `patient_id` (the hook's context): advice and draft orders
    addressed to one patient but built from another's record would be a safety incident, so a
    Patient or a resource whose subject names someone else refuses the whole request."""
    prefetch = prefetch or {}
    missing = [
        k
        for k in (PATIENT, CONDITIONS, OBSERVATIONS)
        if k not in prefetch
        or (isinstance(prefetch[k], dict) and prefetch[k].get("resourceType") == "OperationOutcome")
    ]
    if missing:
        raise MissingPrefetch(missing)
    record = Record(
        conditions=_bundle((*PREFETCH, CONDITIONS), prefetch[CONDITIONS], FCondition, patient_id),
        observations=_bundle(
            (*PREFETCH, OBSERVATIONS), prefetch[OBSERVATIONS], FObservation, patient_id
        ),
    )
    raw_patient = prefetch[PATIENT]
    if raw_patient is not None:
        if not isinstance(raw_patient, dict) or raw_patient.get("resourceType") != "Patient":
            raise _wrong_type((*PREFETCH, PATIENT), "Patient")
        try:
            patient = FPatient.model_validate(raw_patient)
        except ValidationError as err:
            raise _invalid((*PREFETCH, PATIENT), err) from err
        if patient.id is not None and patient.id != patient_id:
            loc = (*PREFETCH, PATIENT, "id")
            raise _other_patient(loc, f"Patient/{patient.id}", patient_id)
        record.birth_date = patient.birthDate
    return record


# --- from the record to facts --------------------------------------------------------------------


def _current(c: FCondition) -> bool:
    clinical = {x.code for x in c.clinicalStatus.coding} if c.clinicalStatus else set()
    verified = {x.code for x in c.verificationStatus.coding} if c.verificationStatus else set()
    return not (clinical & NOT_ACTIVE or verified & NOT_TRUE)


def _has_code(concept: FConcept | None, system: str, code: str) -> bool:
    if concept is None:
        return False
    return any(c.code == code and c.system in SYSTEM_URIS[system] for c in concept.coding)


def has_symptom(record: Record, pack: Pack) -> bool:
    """True when an active Condition carries one of the pack's symptom codes (N93.0, ...)."""
    return any(
        _has_code(c.code, s.system, s.code)
        for c in record.conditions
        if _current(c)
        for s in pack.meta.symptom_codes
    )


def age_on(birth_date: str, today: date) -> int | None:
    """Whole years; a partial date (YYYY or YYYY-MM) is taken at the middle of its span."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", birth_date)
    if not m:
        return None
    year = int(m[1])
    month = int(m[2]) if m[2] else 7
    day = int(m[3]) if m[3] else (15 if m[2] else 1)
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _when(o: FObservation) -> datetime:
    raw = (
        o.effectiveDateTime or (o.effectivePeriod.start if o.effectivePeriod else None) or o.issued
    )
    if raw:
        try:
            moment = datetime.fromisoformat(raw if len(raw) > 7 else f"{raw}-01-01"[:10])
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.min.replace(tzinfo=UTC)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _value(o: FObservation, rule: ObservationRule, codes: EhrCodes) -> str | None:
    value_texts = [o.valueString] if o.valueString else []
    if o.valueCodeableConcept:
        value_texts += o.valueCodeableConcept.texts()
    said = {_norm(t) for t in value_texts}
    if rule.values == "presence":
        for answer, spec in codes.presence.items():
            if any(_has_code(o.valueCodeableConcept, c.system, c.code) for c in spec.codes):
                return answer
            if said & {_norm(t) for t in spec.texts}:
                return answer
        q = rule.quantity
        if q is not None and o.valueQuantity is not None and o.valueQuantity.value is not None:
            v = o.valueQuantity.value
            return (
                "positive"
                if v >= q.positive_at_least
                else "negative"
                if v < q.negative_below
                else None
            )
        flags = {c.code for i in o.interpretation for c in i.coding}
        for answer, spec in codes.presence.items():
            if flags & set(spec.interpretations):
                return answer
        return None
    for choice, names in (rule.values or {}).items():
        if said & {_norm(n) for n in names}:
            return choice
    return None


def facts_from(record: Record, pack: Pack, codes: EhrCodes, today: date) -> dict[str, Scalar]:
    """The facts the record states. Values outside the pack's range are left out (unknown)."""
    facts: dict[str, Scalar] = {}
    if record.birth_date:
        age = age_on(record.birth_date, today)
        spec = pack.facts["age"]
        if age is not None and (spec.minimum or 0) <= age <= (spec.maximum or 200):
            facts["age"] = age
    for condition in (c for c in record.conditions if _current(c)):
        for sets in codes.conditions:
            if any(_has_code(condition.code, c.system, c.code) for c in sets.codes):
                facts.update(sets.set)
    results = sorted((o for o in record.observations if o.status in RESULT_STATUSES), key=_when)
    for o in results:  # oldest first, so the most recent result wins
        for fact, rule in codes.observations.items():
            if any(_has_code(o.code, c.system, c.code) for c in rule.codes):
                value = _value(o, rule, codes)
                if value is not None:
                    facts[fact] = value
    return facts


# --- the orders being drafted (order-select) -----------------------------------------------------

# Draft orders in these states are not going ahead, so they do not cover anything.
NOT_ORDERED = {"revoked", "entered-in-error"}


def drafted_workup(draft_orders: Any, pack: Pack, codes: EhrCodes, patient_id: str) -> set[str]:
    """The workup items the clinician's draft orders already cover: a ServiceRequest coded
    with Candid's own `workup.<id>` (as its cards propose) or with an order code the pack's
    `ehr_codes.yaml` gives for the item. Raises RequestValidationError (422) for a
    `draftOrders` that is not a Bundle, or an order for another patient."""
    own_system = code_system_url(pack)
    covered: set[str] = set()
    for order in _bundle(DRAFT_ORDERS, draft_orders, FServiceRequest, patient_id):
        if order.code is None or order.status in NOT_ORDERED:
            continue
        for c in order.code.coding:
            if c.system == own_system and c.code and c.code.startswith("workup."):
                covered.add(c.code.removeprefix("workup."))
            for wid, refs in codes.workup_orders.items():
                if any(ref.matches(c.system, c.code) for ref in refs):
                    covered.add(wid)
    return covered & set(pack.workup)

"""A `$assess` request (QuestionnaireResponse, Bundle or Parameters) as the engine's facts.

The QuestionnaireResponse carries the interview answers (linkId = fact id); Observations carry
a clinician's exam and test results, coded with the fact id in Candid's CodeSystem or with a
LOINC code the research notes give. Each fact remembers where it came from, so a problem the
engine finds later (an age out of range, two answers that contradict each other) can still be
reported against the linkId or Observation that holds it.

The reading is strict in the same way as the facts contract: an unknown linkId, an Observation
Candid cannot map, a second answer to a single-answer question, or the same fact with two
different values is refused, naming where, rather than silently dropped. Observations that are
cancelled or entered in error are not results and are skipped; Patient resources are allowed
in a Bundle (EHRs send them along) and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from candid.api.fhir.errors import FhirInputError, InputProblem
from candid.api.fhir.questionnaire import CLINICIAN_GROUP, HELP_SUFFIX
from candid.api.fhir.terminology import (
    JSON,
    LOINC,
    code_system_url,
    fact_by_loinc,
    questionnaire_url,
)
from candid.api.fhir.values import ValueProblem, decode, value_key
from candid.engine.conditions import FactValue
from candid.knowledge.models import LANGUAGES, Pack

NOT_RESULTS = {"cancelled", "entered-in-error"}
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass
class Intake:
    facts: dict[str, FactValue] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    """Fact id -> where in the request it was given."""
    subject: JSON | None = None
    basis: list[JSON] = field(default_factory=list)
    """References to the resources the assessment is based on (those that have an id)."""
    language: str = "en"


class _Reader:
    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.out = Intake()
        self.problems: list[InputProblem] = []
        self.subject_from: str | None = None

    def problem(self, where: str, reason: str, allowed: str | None = None) -> None:
        self.problems.append(InputProblem(where, reason, allowed))

    # -- the envelope ---------------------------------------------------------------------

    def read(self, body: Any) -> Intake:
        kinds = "QuestionnaireResponse, Bundle or Parameters"
        if not isinstance(body, Mapping):
            self.problem("body", "expected a FHIR resource as a JSON object", kinds)
            raise FhirInputError(self.problems)
        kind = body.get("resourceType")
        resources: list[tuple[str, Mapping[str, Any]]] = []
        if kind == "QuestionnaireResponse":
            resources = [("QuestionnaireResponse", body)]
        elif kind == "Bundle":
            for i, entry in enumerate(self._array(body, "entry", "Bundle")):
                where = f"Bundle.entry[{i}].resource"
                resource = entry.get("resource") if isinstance(entry, Mapping) else None
                if isinstance(resource, Mapping):
                    resources.append((where, resource))
                else:
                    self.problem(where, "missing or not an object", "a FHIR resource")
        elif kind == "Parameters":
            resources = self._parameters(body)
        else:
            self.problem("resourceType", f"{kind!r} cannot be assessed", kinds)
        self._resources(resources)
        if self.problems:
            raise FhirInputError(self.problems)
        return self.out

    def _parameters(self, body: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
        resources = []
        for i, param in enumerate(self._array(body, "parameter", "Parameters")):
            where = f"Parameters.parameter[{i}]"
            if not isinstance(param, Mapping):
                self.problem(where, "not an object", "a parameter")
            elif isinstance(param.get("resource"), Mapping):
                resources.append((f"{where}.resource", param["resource"]))
            elif param.get("name") == "language":
                lang = param.get("valueCode", param.get("valueString"))
                if lang in LANGUAGES:
                    self.out.language = str(lang)
                else:
                    self.problem(f"{where}.valueCode", f"{lang!r} is not supported", "en, es")
            else:
                self.problem(
                    where,
                    f"unknown parameter {param.get('name')!r}",
                    "resources (QuestionnaireResponse, Observation) and language",
                )
        return resources

    def _resources(self, resources: list[tuple[str, Mapping[str, Any]]]) -> None:
        responses = [
            (w, r) for w, r in resources if r.get("resourceType") == "QuestionnaireResponse"
        ]
        for where, resource in resources:
            kind = resource.get("resourceType")
            if kind not in ("QuestionnaireResponse", "Observation", "Patient"):
                self.problem(
                    f"{where}.resourceType",
                    f"{kind!r} is not used by $assess",
                    "QuestionnaireResponse (at most one), Observation, Patient",
                )
        if len(responses) > 1:
            self.problem(responses[1][0], "more than one QuestionnaireResponse", "at most one")
        if responses:
            self._response(responses[0][0], responses[0][1])
        observations = [(w, r) for w, r in resources if r.get("resourceType") == "Observation"]
        for where, obs in observations:
            self._observation(where, obs)
        if not responses and not observations and not self.problems:
            self.problem("body", "nothing to assess", "a QuestionnaireResponse and/or Observations")

    # -- the QuestionnaireResponse --------------------------------------------------------

    def _response(self, where: str, qr: Mapping[str, Any]) -> None:
        wanted = questionnaire_url(self.pack)
        canonical = qr.get("questionnaire")
        if canonical is not None and str(canonical).split("|")[0] != wanted:
            self.problem(f"{where}.questionnaire", f"{canonical!r} is not this form", wanted)
        if qr.get("status") == "entered-in-error":
            self.problem(f"{where}.status", "entered-in-error responses are not assessed")
        lang = qr.get("language")
        if isinstance(lang, str) and lang[:2] in LANGUAGES:
            self.out.language = lang[:2]
        self._subject(where, qr.get("subject"))
        self._basis("QuestionnaireResponse", qr)
        self._items(self._array(qr, "item", where), where)

    def _items(self, items: list[Any], parent: str) -> None:
        groups = (
            {CLINICIAN_GROUP}
            | set(self.pack.interview.groups)
            | {f + HELP_SUFFIX for f in self.pack.facts}
        )
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("linkId"), str):
                self.problem(f"{parent}.item", "an item without a linkId", "items with a linkId")
                continue
            link = item["linkId"]
            where = f"{parent}.item[linkId={link}]"
            answers = self._array(item, "answer", where)
            if link in self.pack.facts:
                self._answer(link, where, answers)
            elif link not in groups:
                self.problem(
                    where,
                    "is not a question of this form",
                    f"linkIds of {questionnaire_url(self.pack)}",
                )
            elif answers:
                self.problem(where, "is not a question and takes no answer")
            self._items(self._array(item, "item", where), where)
            for answer in answers:
                if isinstance(answer, Mapping):
                    self._items(self._array(answer, "item", f"{where}.answer"), where)

    def _answer(self, fact_id: str, where: str, answers: list[Any]) -> None:
        if not answers:
            return  # asked and left blank: unknown
        if len(answers) > 1:
            self.problem(where, f"has {len(answers)} answers; this question takes one")
            return
        answer = answers[0]
        if not isinstance(answer, Mapping):
            self.problem(f"{where}.answer", "not an object", "an answer with value[x]")
            return
        self._value(fact_id, f"{where}.answer", answer)

    # -- Observations (clinician results) -------------------------------------------------

    def _observation(self, where: str, obs: Mapping[str, Any]) -> None:
        if str(obs.get("status")) in NOT_RESULTS:
            return
        fact_id = self._observed_fact(obs)
        if fact_id is None:
            self.problem(
                f"{where}.code",
                "no coding names a fact Candid uses",
                f"a fact id from {code_system_url(self.pack)}, or LOINC "
                + ", ".join(sorted(fact_by_loinc(self.pack))),
            )
            return
        self._subject(where, obs.get("subject"))
        self._basis("Observation", obs)
        self._value(fact_id, where, obs)

    def _observed_fact(self, obs: Mapping[str, Any]) -> str | None:
        code = obs.get("code")
        codings = _list(code.get("coding")) if isinstance(code, Mapping) else []
        for coding in codings:
            if not isinstance(coding, Mapping):
                continue
            system, value = coding.get("system"), coding.get("code")
            if not isinstance(value, str):
                continue
            if system == code_system_url(self.pack) and value in self.pack.facts:
                return value
            if system == LOINC and value in (by_loinc := fact_by_loinc(self.pack)):
                return by_loinc[value]
        return None

    # -- shared ---------------------------------------------------------------------------

    def _array(self, holder: Mapping[str, Any], key: str, where: str) -> list[Any]:
        """A repeating element; anything but a list there is named, not skipped."""
        value = holder.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(f"{where}.{key}", "is not an array", "a JSON array")
            return []
        return value

    def _value(self, fact_id: str, where: str, holder: Mapping[str, Any]) -> None:
        fact = self.pack.facts[fact_id]
        try:
            key = value_key(holder)
            if key is None:
                return  # no value (a dataAbsentReason, say): unknown
            value = decode(self.pack, fact, key, holder[key])
        except ValueProblem as err:
            self.problem(where, f"{fact_id}: {err.reason}", err.allowed)
            return
        if fact_id in self.out.facts and self.out.facts[fact_id] != value:
            first = self.out.where[fact_id]
            self.problem(
                where, f"{fact_id} is {value!r} here but {self.out.facts[fact_id]!r} in {first}"
            )
            return
        self.out.facts.setdefault(fact_id, value)
        self.out.where.setdefault(fact_id, where)

    def _subject(self, where: str, subject: Any) -> None:
        """One patient per request: results about someone else must not change the answer."""
        if subject is None:
            return
        if not isinstance(subject, Mapping):
            self.problem(f"{where}.subject", "not a Reference", "a Reference to the patient")
            return
        clean = _reference(subject)
        if clean is None:
            self.problem(f"{where}.subject", "names nobody", "reference, identifier or display")
            return
        if self.out.subject is None:
            self.out.subject = clean
            self.subject_from = where
        elif _key(subject) != _key(self.out.subject):
            self.problem(
                f"{where}.subject",
                f"refers to another patient than {self.subject_from}",
                "resources about one patient",
            )

    def _basis(self, kind: str, resource: Mapping[str, Any]) -> None:
        """A literal reference when the resource has an id; otherwise a typed display, so the
        RiskAssessment still says what it was based on."""
        rid = resource.get("id")
        if isinstance(rid, str) and FHIR_ID.fullmatch(rid):
            self.out.basis.append({"reference": f"{kind}/{rid}"})
        else:
            self.out.basis.append({"type": kind, "display": f"{kind} sent to $assess (no id)"})


def _reference(ref: Mapping[str, Any]) -> JSON | None:
    """Only the Reference fields FHIR defines and that are strings are copied to the output,
    so nothing a client sends can make Candid's own resources invalid."""
    out: JSON = {k: ref[k] for k in ("reference", "type", "display") if isinstance(ref.get(k), str)}
    ident = ref.get("identifier")
    if isinstance(ident, Mapping):
        kept = {k: ident[k] for k in ("system", "value") if isinstance(ident.get(k), str)}
        if kept:
            out["identifier"] = kept
    return out if set(out) - {"type"} else None


def _key(ref: Mapping[str, Any]) -> object:
    ident = ref.get("identifier") or {}
    return (ref.get("reference"), ident.get("system"), ident.get("value"), ref.get("display"))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def read_request(pack: Pack, body: Any) -> Intake:
    """Raises FhirInputError naming every problem and where it is."""
    return _Reader(pack).read(body)

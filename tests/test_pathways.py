"""Every installed pathway is served everywhere, each with its own facts, causes and words
(docs/architecture.md, "Adding a pathway"): the JSON API, FHIR, CDS Hooks, the pages and the
command line. The facts the pathways share are asked once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from candid.api.app import create_app
from candid.api.cds_hooks import service_id
from candid.api.fhir.terminology import questionnaire_url, slug
from candid.knowledge.loader import installed_pack, installed_packs, load_ehr_codes
from candid.knowledge.models import Pack
from candid.settings import Settings
from candid.web.session import COOKIE, MAX_COOKIE_BYTES
from tests.test_cds_hooks import condition, hook_request
from tests.test_fhir import assert_valid_r4
from tests.web.client import (
    answer,
    answered,
    csrf,
    fact_of,
    fill,
    form_items,
    group_of,
    main_of,
    make_client,
    not_sure,
    soup,
    tick,
)

PACKS = [installed_pack(name) for name in installed_packs()]
DEFAULT = Settings().default_pathway
SYSTEMS = {"icd10": "http://hl7.org/fhir/sid/icd-10", "snomed": "http://snomed.info/sct"}


def others(pack: Pack) -> list[Pack]:
    return [p for p in PACKS if p.meta.id != pack.meta.id]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(rate_limit="100000/minute")))


def test_more_than_one_pathway_is_installed_and_each_validates() -> None:
    """The second pathway proves the engine is generic: both load through the same code."""
    assert len(PACKS) >= 2
    assert DEFAULT in installed_packs()


# -- the JSON API -----------------------------------------------------------------------------


def test_the_api_lists_and_describes_every_pathway(client: TestClient) -> None:
    listed = client.get("/v1/pathways").json()
    assert sorted(p["id"] for p in listed) == sorted(installed_packs())
    assert listed[0]["id"] == DEFAULT  # the default leads
    for pack in PACKS:
        described = client.get(f"/v1/pathways/{pack.meta.id}").json()
        assert {f["id"] for f in described["facts"]} == set(pack.facts)
        assert {c["id"] for c in described["causes"]} == set(pack.causes)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.meta.id)
def test_each_pathway_runs_its_own_interview_and_report(client: TestClient, pack: Pack) -> None:
    step = client.post(f"/v1/pathways/{pack.meta.id}/interview", json={"facts": {"age": 30}})
    assert step.status_code == 200, step.text
    body = step.json()
    asked = body["next_group"]["items"] if body.get("next_group") else [body["next_question"]]
    assert all(item["fact"] in pack.facts for item in asked)
    assert all(c["id"] in pack.causes for c in body["causes"])
    report = client.post(f"/v1/pathways/{pack.meta.id}/assess", json={"facts": {"age": 30}})
    assert report.status_code == 200
    assert report.json()["pathway"] == pack.meta.id
    assert {s["site"] for s in report.json()["sites"]} == {s.id for s in pack.meta.sites}


def test_a_fact_of_another_pathway_is_refused_naming_the_pathways_own_list(
    client: TestClient,
) -> None:
    for pack in PACKS:
        foreign = next(f for o in others(pack) for f in o.facts if f not in pack.facts)
        r = client.post(f"/v1/pathways/{pack.meta.id}/assess", json={"facts": {foreign: True}})
        assert r.status_code == 422
        (param,) = r.json()["invalid_params"]
        assert param["name"] == f"facts.{foreign}"
        assert f"/v1/pathways/{pack.meta.id}" in param["allowed"]


def test_an_unknown_pathway_is_a_404_naming_those_served(client: TestClient) -> None:
    r = client.post("/v1/pathways/sore_throat/interview", json={"facts": {}})
    assert r.status_code == 404
    assert all(name in r.json()["detail"] for name in installed_packs())


def test_the_openapi_document_gives_each_pathway_its_own_facts(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for pack in PACKS:
        for operation in ("assess", "interview", "explain"):
            post = spec["paths"][f"/v1/pathways/{pack.meta.id}/{operation}"]["post"]
            ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            facts = schemas[ref.rsplit("/", 1)[-1]]["properties"]["facts"]["properties"]
            assert set(facts) == set(pack.facts)
    assert "/v1/pathways/{pathway}/assess" not in spec["paths"]


# -- FHIR -------------------------------------------------------------------------------------


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.meta.id)
def test_each_pathway_publishes_its_questionnaire_and_code_system(
    client: TestClient, pack: Pack
) -> None:
    form = client.get(f"/fhir/Questionnaire/{slug(pack)}").json()
    assert_valid_r4(form)
    assert form["url"] == questionnaire_url(pack)
    codes = client.get(f"/fhir/CodeSystem/{slug(pack)}").json()
    assert_valid_r4(codes)
    assert {c["code"] for c in codes["concept"]} >= set(pack.facts)


def test_the_capability_statement_names_every_pathways_form(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    assert_valid_r4(statement)
    text = json.dumps(statement)
    assert all(questionnaire_url(p) in text for p in PACKS)


def _adaptive_start() -> dict[str, Any]:
    return {"resourceType": "QuestionnaireResponse", "status": "in-progress"}


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.meta.id)
def test_next_question_runs_each_pathways_interview(client: TestClient, pack: Pack) -> None:
    """Instance level starts this pathway's interview; the type-level call that follows
    stays on it, because the response's form derives from this pathway's Questionnaire."""
    first = client.post(
        f"/fhir/Questionnaire/{slug(pack)}/$next-question", json=_adaptive_start()
    ).json()
    assert_valid_r4(first)
    (contained,) = first["contained"]
    assert questionnaire_url(pack) in contained["derivedFrom"][0]
    asked = [i["linkId"] for page in contained["item"] for i in page.get("item", [page])]
    assert any(link in pack.facts for link in asked)
    again = client.post("/fhir/Questionnaire/$next-question", json=first).json()
    assert questionnaire_url(pack) in again["contained"][0]["derivedFrom"][0]


# -- CDS Hooks --------------------------------------------------------------------------------


def test_discovery_offers_two_services_per_pathway(client: TestClient) -> None:
    services = client.get("/cds-services").json()["services"]
    ids = [s["id"] for s in services]
    assert len(ids) == len(set(ids)) == 2 * len(PACKS)
    assert all(service_id(p.meta.id) in ids for p in PACKS)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.meta.id)
def test_a_pathways_service_answers_for_its_own_symptom_only(
    client: TestClient, pack: Pack
) -> None:
    code = pack.meta.symptom_codes[0]
    body = hook_request([condition(SYSTEMS[code.system], code.code)])
    mine = client.post(f"/cds-services/{service_id(pack.meta.id)}", json=body)
    assert mine.status_code == 200 and len(mine.json()["cards"]) == 1
    for other in others(pack):
        if code.code in {c.code for c in other.meta.symptom_codes}:
            continue
        theirs = client.post(f"/cds-services/{service_id(other.meta.id)}", json=body).json()
        assert theirs == {"cards": []}
    assert load_ehr_codes(pack.meta.id) is not None


# -- the pages --------------------------------------------------------------------------------


def test_the_start_page_offers_every_pathway(tmp_path: Path) -> None:
    home = make_client(tmp_path).get("/")
    buttons = {str(b.get_text(strip=True)) for b in main_of(home).select("form button")}
    assert {p.meta.title.en for p in PACKS} <= buttons
    links = {str(a["href"]) for a in main_of(home).select("a")}
    assert {f"/learn?pathway={p.meta.id}" for p in PACKS} <= links


def _start_on(client: TestClient, pathway: str) -> Any:
    home = client.get("/")
    return client.post("/start", data={"csrf": csrf(home), "pathway": pathway})


def _asked_on(r: Any) -> list[str]:
    if (fact := fact_of(r)) is not None:
        return [fact]
    if group_of(r) is not None and form_items(r):
        return form_items(r)
    return [str(i["value"]) for i in soup(r).select("input[name=ticked]")]


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.meta.id)
def test_choosing_a_pathway_starts_its_interview(tmp_path: Path, pack: Pack) -> None:
    client = make_client(tmp_path)
    r = _start_on(client, pack.meta.id)
    assert r.status_code == 200
    assert set(_asked_on(r)) <= set(pack.facts)
    learn = client.get("/learn")
    assert pack.meta.wording.in_a_sentence.en in main_of(learn).get_text()
    footer = soup(learn).select_one("footer")
    assert footer is not None
    # The footer names the pathway as a person reads it, with its knowledge version.
    assert f"{pack.meta.title.en} {pack.meta.version}" in footer.get_text()
    assert pack.meta.id not in footer.get_text()


def test_answers_the_pathways_share_are_not_asked_again(tmp_path: Path) -> None:
    """Age (a shared fact) answered on one pathway is kept when the person starts another;
    answers only the first pathway asks are put aside, and are back on returning to it."""
    first, second = PACKS[0], PACKS[1]
    client = make_client(tmp_path)
    r = _start_on(client, first.meta.id)
    for _ in range(10):  # the emergency signs come first, then the page that asks the age
        if "age" in _asked_on(r):
            break
        if group_of(r) is not None and form_items(r):
            r = fill(client, r, {})
        elif group_of(r) is not None:
            r = tick(client, r, [])
        else:
            r = answer(client, r, not_sure(r))
    assert group_of(r) is not None and "age" in form_items(r)
    r = fill(client, r, {"age": "34"})
    kept_before = answered(client)
    assert "age" in kept_before
    r = _start_on(client, second.meta.id)
    assert "age" not in _asked_on(r)
    kept = answered(client)
    assert "age" in kept
    assert not [f for f in kept if f not in second.facts]
    assert "34" in main_of(client.get("/check")).get_text()
    _start_on(client, first.meta.id)  # and back: what only the first asks is there again
    assert sorted(answered(client)) == sorted(kept_before)


def test_a_deployment_can_serve_some_pathways_only(tmp_path: Path) -> None:
    client = make_client(tmp_path, pathways=[DEFAULT])
    assert [p["id"] for p in client.get("/v1/pathways").json()] == [DEFAULT]
    other = next(p for p in PACKS if p.meta.id != DEFAULT)
    assert client.get(f"/v1/pathways/{other.meta.id}").status_code == 404
    with pytest.raises(ValueError, match="CANDID_PATHWAYS"):
        create_app(Settings(pathways=["no_such_pathway"]))
    with pytest.raises(ValueError, match="CANDID_DEFAULT_PATHWAY"):
        create_app(Settings(pathways=[other.meta.id], default_pathway=DEFAULT))


# -- the command line -------------------------------------------------------------------------


def test_the_command_line_takes_a_pathway(tmp_path: Path) -> None:
    pack = next(p for p in PACKS if p.meta.id != DEFAULT)
    case = {"id": "cli-1", "facts": {"age": 30}, "expect": {"causes": [next(iter(pack.causes))]}}
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(case) + "\n")
    run = [sys.executable, "-m", "candid"]
    done = subprocess.run(
        [*run, "evaluate", str(cases), "--pathway", pack.meta.id, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n"] == 1
    wrong = subprocess.run(
        [*run, "evaluate", str(cases), "--pathway", "sore_throat"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert wrong.returncode == 2 and "--pathway" in wrong.stderr
    listed = subprocess.run([*run, "kb", "validate"], capture_output=True, text=True, check=False)
    assert all(p.meta.id in listed.stdout for p in PACKS)


def test_two_whole_interviews_fit_in_the_session_cookie(tmp_path: Path) -> None:
    """A person who answers every question of one pathway, then of the other, then goes back:
    the cookie holds both (or, were it ever too big, drops only what was put aside)."""
    client = make_client(tmp_path)
    for pack in [*PACKS, PACKS[0]]:
        r = _start_on(client, pack.meta.id)
        for _ in range(30):
            if group_of(r) is not None and form_items(r):
                r = fill(client, r, {"age": "34"})
            elif group_of(r) is not None:
                r = tick(client, r, [])
            elif fact_of(r) is not None:
                r = answer(client, r, not_sure(r))
            else:
                break
            assert r.status_code == 200
        cookie = client.cookies.get(COOKIE)
        assert cookie is not None and len(cookie) <= MAX_COOKIE_BYTES
    assert "age" in answered(client)

"""The JSON API v1 as a client uses it: stateless assessment, explanations, the pathway's
contract, and errors as RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from candid.api.app import create_app
from candid.settings import Settings

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(rate_limit="100000/minute")))


def test_assess_returns_the_design_shape(client: TestClient) -> None:
    r = client.post("/v1/assess", json={"facts": {"age": 24, "hormonal_contraception": "combined"}})
    assert r.status_code == 200
    data = r.json()
    assert data["pathway"] == "postcoital_bleeding"
    assert data["urgency"]["level"] == "routine"
    assert data["causes"][0]["for"] and "what_can_be_done" in data["causes"][0]
    assert data["next_question"]["fact"]


def test_stateless_interview_by_resending_facts(client: TestClient) -> None:
    facts: dict[str, Any] = {}
    seen = []
    for _ in range(5):
        q = client.post("/v1/assess", json={"facts": facts}).json()["next_question"]
        seen.append(q["fact"])
        facts[q["fact"]] = q["choices"][-1] if q["choices"] else 30
    assert len(set(seen)) == 5


def test_assess_on_a_named_pathway_and_in_spanish(client: TestClient) -> None:
    r = client.post("/v1/pathways/postcoital_bleeding/assess", json={"facts": {}, "language": "es"})
    assert r.status_code == 200 and r.json()["language"] == "es"


def test_invalid_facts_are_422_problems_naming_each_field(client: TestClient) -> None:
    r = client.post("/v1/assess", json={"facts": {"age": 300, "smoker": "yes", "colour": 1}})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    names = {p["name"] for p in r.json()["invalid_params"]}
    assert names == {"facts.age", "facts.smoker", "facts.colour"}
    allowed = {p["name"]: p.get("allowed") for p in r.json()["invalid_params"]}
    assert allowed["facts.smoker"] == "true or false"


def test_malformed_json_and_unknown_fields_are_422(client: TestClient) -> None:
    r = client.post("/v1/assess", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = client.post("/v1/assess", json={"facts": {}, "extra": 1})
    assert r.status_code == 422
    assert r.json()["invalid_params"][0]["name"] == "extra"


def test_unknown_pathway_and_cause_are_404(client: TestClient) -> None:
    assert client.get("/v1/pathways/nope").status_code == 404
    r = client.post("/v1/explain", json={"facts": {}, "cause": "nope"})
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM


def test_oversized_body_is_413(client: TestClient) -> None:
    big = {"facts": {"age": 30}, "skipped": ["x" * 70_000]}
    r = client.post("/v1/assess", json=big)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM


def test_oversized_body_without_a_declared_length_is_413(client: TestClient) -> None:
    """A chunked body has no Content-Length; it is counted as it arrives."""
    chunks = (b'{"facts": {}, "skipped": ["' + b"x" * 10_000 for _ in range(8))
    r = client.post("/v1/assess", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM


def test_explain_gives_evidence_with_citations(client: TestClient) -> None:
    body = {
        "facts": {"age": 22, "new_or_multiple_partners": True, "dysuria": True},
        "cause": "chlamydia",
    }
    data = client.post("/v1/explain", json=body).json()
    facts = {e["fact"] for e in data["supporting"]}
    assert {"new_or_multiple_partners", "dysuria"} <= facts
    assert all(e["citations"] for e in data["supporting"])
    assert set(data["sources"]) >= {c for e in data["supporting"] for c in e["citations"]}
    assert 0 < data["prior"] < data["probability"] <= 1


def test_pathway_lists_facts_causes_levels_and_workup(client: TestClient) -> None:
    data = client.get("/v1/pathways/postcoital_bleeding").json()
    facts = {f["id"]: f for f in data["facts"]}
    assert facts["pregnant"]["choices"][0] == {"value": "no", "label": "No"}
    assert facts["age"]["minimum"] == 12
    assert {c["id"] for c in data["causes"]} >= {"cervical_ectropion", "no_cause_found"}
    assert [lvl["id"] for lvl in data["urgency_levels"]] == [
        "routine",
        "soon",
        "urgent",
        "emergency",
    ]
    assert any(w["id"] == "colposcopy" for w in data["workup"])
    assert client.get("/v1/pathways").json()[0]["id"] == "postcoital_bleeding"


def test_rate_limit_is_per_client_with_retry_after() -> None:
    limited = TestClient(create_app(Settings(rate_limit="3/minute")))
    codes = [limited.get("/v1/pathways").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = limited.get("/v1/pathways")
    assert r.headers["content-type"] == PROBLEM
    assert 1 <= int(r.headers["retry-after"]) <= 60


def _forwarded_codes(peer: str, forwarded: list[str], **settings: Any) -> list[int]:
    app = create_app(Settings(rate_limit="3/minute", **settings))
    client = TestClient(app, client=(peer, 40000))
    return [
        client.get("/v1/pathways", headers={"x-forwarded-for": f}).status_code for f in forwarded
    ]


def test_x_forwarded_for_names_the_client_only_when_a_trusted_proxy_sends_it() -> None:
    rotating = [f"203.0.113.{i}" for i in range(4)]
    proxy = {"trusted_proxies": "10.0.0.0/24"}
    assert _forwarded_codes("10.0.0.7", rotating, **proxy) == [200] * 4, "four clients"
    assert _forwarded_codes("10.0.0.7", ["203.0.113.9"] * 4, **proxy)[-1] == 429, "one client"
    # A proxy that appends to what the client sent: the nearest untrusted address counts.
    spoofed = [f"198.51.100.{i}, 203.0.113.9" for i in range(4)]
    assert _forwarded_codes("10.0.0.7", spoofed, **proxy)[-1] == 429
    # From any other peer, or with no proxy named (the default), the header is ignored.
    assert _forwarded_codes("198.51.100.1", rotating, **proxy)[-1] == 429
    assert _forwarded_codes("127.0.0.1", rotating)[-1] == 429


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert Settings.model_validate({"trusted_proxies": "127.0.0.1, 10.0.0.0/8"}).trusted_proxies
    with pytest.raises(ValueError, match="nginx"):
        Settings.model_validate({"trusted_proxies": "nginx"})


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/assess", "/v1/explain", "/v1/pathways", "/v1/pathways/{pathway}"} <= set(
        spec["paths"]
    )
    assert client.get("/docs").status_code == 200


def test_detail_likely_trims_only_the_unlikely_causes(client: TestClient) -> None:
    facts = {"age": 24, "hormonal_contraception": "combined"}
    short = client.post("/v1/assess", json={"facts": facts}).json()
    full = client.post("/v1/assess", json={"facts": facts, "detail": "all"}).json()
    assert [c["id"] for c in short["causes"]] == [c["id"] for c in full["causes"]]
    for trimmed, whole in zip(short["causes"], full["causes"], strict=True):
        assert trimmed["probability"] == whole["probability"]
        if whole["likely"]:
            assert trimmed == whole
        else:
            assert trimmed["what_can_be_done"] == [] and whole["what_can_be_done"]
    assert len(str(short)) < len(str(full))


def test_a_large_response_is_gzipped_only_for_clients_that_ask(client: TestClient) -> None:
    body = {"facts": {"age": 30}, "detail": "all"}
    asked = client.post("/v1/assess", json=body, headers={"accept-encoding": "gzip"})
    plain = client.post("/v1/assess", json=body, headers={"accept-encoding": "identity"})
    assert asked.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert asked.json() == plain.json()  # httpx decodes the gzip
    for r in (asked, plain):
        assert r.headers["vary"] == "Accept-Encoding"


def test_an_interview_runs_on_the_light_step_and_ends_with_the_report(
    client: TestClient,
) -> None:
    """An app asks page after page with POST /v1/interview (a few KB each) and fetches the
    full report once the step says to stop."""
    facts: dict[str, Any] = {}
    skipped: list[str] = []
    pages = 0
    while True:
        r = client.post("/v1/interview", json={"facts": facts, "skipped": skipped})
        assert r.status_code == 200, r.text
        step = r.json()
        assert set(step) == {
            "pathway",
            "knowledge_version",
            "language",
            "urgency",
            "next_question",
            "next_group",
            "causes",
            "progress",
            "should_stop",
        }
        # The opening form (eleven questions with their answers) is the largest step.
        assert len(r.content) < 9_000 and len(step["causes"]) <= 5
        if step["should_stop"]:
            break
        pages += 1
        assert pages < 30
        page = step["next_group"]["items"] if step["next_group"] else [step["next_question"]]
        ticks = step["next_group"] is not None and step["next_group"]["kind"] == "tick"
        for item in page:
            fact = item["fact"]
            if ticks:
                facts[fact] = False  # a box left unticked
            elif (item.get("question") or item)["type"] == "integer":
                facts[fact] = 30
            else:
                skipped.append(fact)
    report = client.post("/v1/assess", json={"facts": facts, "skipped": skipped}).json()
    assert report["next_question"] is None
    assert [c["id"] for c in step["causes"]] == [c["id"] for c in report["causes"][:5]]
    assert step["urgency"]["level"] == report["urgency"]["level"]


def test_an_emergency_step_says_stop_at_once(client: TestClient) -> None:
    step = client.post("/v1/interview", json={"facts": {"heavy_bleeding_now": True}}).json()
    assert step["should_stop"] and step["urgency"]["interrupt"]
    assert step["urgency"]["red_flags"] == ["heavy_bleeding_now"]
    assert step["next_question"] is None and step["next_group"] is None


def test_a_bad_fact_in_a_step_is_named(client: TestClient) -> None:
    r = client.post("/v1/interview", json={"facts": {"age": "old", "favourite": 1}})
    assert r.status_code == 422
    names = {p["name"] for p in r.json()["invalid_params"]}
    assert names == {"facts.age", "facts.favourite"}
    favourite = next(p for p in r.json()["invalid_params"] if p["name"] == "facts.favourite")
    assert "GET /v1/pathways/postcoital_bleeding" in favourite["allowed"]


def test_every_interview_step_crosses_the_wire_in_3_kb(client: TestClient) -> None:
    """An app on a phone asks page after page: each step, as HTTP clients fetch it (gzip,
    which they ask for by default), is at most 3 KB, at every step of the replayed interview
    of every public vignette, in both languages. Uncompressed, the opening form of thirteen
    questions with their answers and hints is the largest (about 9 KB in Spanish)."""
    from pathlib import Path

    from candid.evaluation.interview import converse
    from candid.evaluation.vignettes import load_vignettes
    from candid.knowledge.loader import load_pack

    pack = load_pack()
    wire, plain = 0, 0
    for case in load_vignettes(Path(__file__).resolve().parents[1] / "vignettes"):
        truth = {k: v for k, v in case.facts.items() if pack.facts[k].asked_by == "patient"}
        talk = converse(pack, truth)
        facts: dict[str, Any] = {}
        for page in [(), *talk.pages]:
            facts = {**facts, **{f: talk.facts[f] for f in page if f in talk.facts}}
            for language in ("en", "es"):
                with client.stream(
                    "POST",
                    "/v1/interview",
                    json={"facts": facts, "language": language},
                    headers={"accept-encoding": "gzip"},
                ) as r:
                    plain = max(plain, len(r.read()))
                    assert r.status_code == 200
                    wire = max(wire, r.num_bytes_downloaded)
    assert wire <= 3 * 1024 < plain


def test_the_document_requires_every_field_the_api_always_sends(client: TestClient) -> None:
    """Every response field is sent, defaults included, so a client generated from the
    document gets no optional types for fields that are always there."""
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    sent = client.post("/v1/assess", json={"facts": {"age": 30}}).json()
    assert set(schemas["Assessment"]["required"]) == set(sent)
    assert set(schemas["CauseOut"]["required"]) == set(sent["causes"][0])
    assert set(schemas["UrgencyOut"]["required"]) == set(sent["urgency"])

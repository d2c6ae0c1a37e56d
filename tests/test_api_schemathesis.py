"""Property-based API testing from the OpenAPI document (schemathesis), every check on: for
generated requests to every v1 operation, no server error, every response documented (status,
content type, schema), and every request the document allows accepted."""

from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped]
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from candid.api.app import create_app
from candid.api.openapi import CONTRADICTIONS
from candid.knowledge.loader import load_pack
from candid.settings import Settings

APP = create_app(Settings(rate_limit="1000000/minute"))
DOCUMENT = TestClient(APP).get("/openapi.json").json()
FACTS = DOCUMENT["components"]["schemas"]["AssessRequest"]["properties"]["facts"]
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).include(path_regex="^/v1/")


def _facts_schema(path: str) -> dict[str, Any]:
    """The facts contract of the operation at `path`: each pathway's operations carry their
    own (candid/api/openapi.py), the unnamed ones the default pathway's."""
    content = DOCUMENT["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    name = content["schema"]["$ref"].rsplit("/", 1)[-1]
    facts: dict[str, Any] = DOCUMENT["components"]["schemas"][name]["properties"]["facts"]
    return facts


def _valid(schema: dict[str, Any], value: Any) -> bool:
    return bool(jsonschema.validators.Draft202012Validator(schema).is_valid(value))


@schema.hook("map_body")
def follow_the_documented_contradictions(context: Any, body: Any) -> Any:
    """A client that reads the document drops an answer that the document says contradicts
    another (the cross-field rules live in `x-candid-contradictions`, see candid/api/openapi.py).
    An answer the document refuses on its own is kept: it is what a negative test sends, and
    dropping it would turn the test's invalid body into a valid one."""
    if not isinstance(body, dict) or not isinstance(body.get("facts"), dict):
        return body
    contract = _facts_schema(context.operation.path)
    rules = [rule["allowed"] for rule in contract.get(CONTRADICTIONS, [])]
    properties = contract["properties"]
    facts = dict(body["facts"])
    wrong = {n for n, v in facts.items() if n not in properties or not _valid(properties[n], v)}
    for name in sorted(set(facts) - wrong, reverse=True):
        if all(_valid(rule, facts) for rule in rules):
            break
        facts.pop(name)
    return {**body, "facts": facts}


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_v1_conforms_and_never_fails(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


def test_the_documented_contradictions_are_exactly_the_refused_ones() -> None:
    """Each contradiction's own example is refused by the document and by the API, naming
    the pack's message; the same answers without the contradiction pass both."""
    client = TestClient(APP)
    pack = load_pack()
    for rule, documented in zip(pack.contradictions, FACTS[CONTRADICTIONS], strict=True):
        assert documented["message"] == rule.message
        example: dict[str, Any] = {}
        for name, m in rule.when.facts.items():
            if m.known is True:
                fact = pack.facts[name]
                example[name] = (
                    True
                    if fact.type == "boolean"
                    else fact.minimum
                    if fact.type == "integer"
                    else next(iter(fact.choices or {}))
                )
            elif m.eq is not None:
                example[name] = m.eq
            elif m.in_:
                example[name] = m.in_[0]
            elif m.gte is not None:
                example[name] = m.gte
        assert not jsonschema.validators.Draft202012Validator(documented["allowed"]).is_valid(
            example
        )
        refused = client.post("/v1/assess", json={"facts": example})
        assert refused.status_code == 422 and rule.message in refused.text

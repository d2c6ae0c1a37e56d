"""The OpenAPI document, with the pack's facts contract spelled out.

The request models accept any object for `facts` so that the engine can name every bad fact
itself; the document still tells clients exactly which facts and values exist, and which
combinations the pack refuses (`x-candid-contradictions`: each as the JSON Schema a body must
meet), so that a body the document allows is one the API accepts.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from candid.api import responses
from candid.knowledge.models import Condition, Fact, Matcher, Pack

JSONSchema = dict[str, Any]
REQUEST_BODIES = ("StepRequest", "AssessRequest", "ExplainRequest")
CONTRADICTIONS = "x-candid-contradictions"
"""Where the facts schema lists the answer combinations the API refuses (422)."""
"""Every request model that carries `facts` (and, for the interview's, `skipped`)."""


def fact_schema(fact: Fact) -> JSONSchema:
    description = fact.question.en
    if fact.type == "boolean":
        return {"type": ["boolean", "null"], "description": description}
    if fact.type == "integer":
        return {
            "type": ["integer", "null"],
            "minimum": fact.minimum,
            "maximum": fact.maximum,
            "description": description,
        }
    return {"enum": [*list(fact.choices or {}), None], "description": description}


def _domain(fact: Fact) -> list[Any]:
    if fact.type == "boolean":
        return [True, False]
    return list(fact.choices or {})


def _fails(fact: Fact, m: Matcher) -> JSONSchema:
    """The values of one fact for which the comparison does not hold, spelled out as what is
    allowed (an absent key passes `properties` on its own, null is unknown): no `not`, so a
    generator can draw from it directly."""
    if m.known is True:
        return {"type": "null"}
    if m.known is False:
        return fact_schema(fact) | {"not": {"type": "null"}}
    if fact.type == "integer":
        low, high = fact.minimum, fact.maximum
        below = [b for b in (m.gte, None if m.gt is None else m.gt + 1) if b is not None]
        above = [b for b in (m.lte, None if m.lt is None else m.lt - 1) if b is not None]
        ranges: list[JSONSchema] = [{"type": "null"}]
        if below:
            ranges.append({"type": "integer", "minimum": low, "maximum": max(below) - 1})
        if above:
            ranges.append({"type": "integer", "minimum": min(above) + 1, "maximum": high})
        return {"anyOf": ranges}
    held = set(_domain(fact))
    if m.eq is not None:
        held &= {m.eq}
    if m.in_ is not None:
        held &= set(m.in_)
    if m.not_in is not None:
        held -= set(m.not_in)
    return {"enum": [v for v in _domain(fact) if v not in held] + [None]}


def refusal_schema(pack: Pack, cond: Condition) -> JSONSchema:
    """The facts objects for which a contradiction does NOT hold: at least one of its
    comparisons fails (De Morgan over a flat condition)."""
    if cond.any_of or cond.none_of:
        raise ValueError("a contradiction must be a flat list of comparisons to be documented")
    return {
        "anyOf": [
            {"properties": {name: _fails(pack.facts[name], m)}} for name, m in cond.facts.items()
        ]
    }


def facts_schema(pack: Pack) -> JSONSchema:
    schema: JSONSchema = {
        "type": "object",
        "additionalProperties": False,
        "description": "Flat object of facts; a missing key or null means unknown. Answers "
        "that contradict each other are refused with 422 (x-candid-contradictions).",
        "properties": {fid: fact_schema(f) for fid, f in pack.facts.items()},
    }
    if pack.contradictions:
        # An extension, not `allOf`: the 19 cross-field rules are plain JSON Schema, but as
        # validation keywords they multiply out beyond what schema-driven generators (and
        # schemathesis) can canonicalise. A client checks a body against each `allowed`.
        schema[CONTRADICTIONS] = [
            {"message": rule.message, "allowed": refusal_schema(pack, rule.when)}
            for rule in pack.contradictions
        ]
    return schema


def _with_facts(body: JSONSchema, pack: Pack) -> JSONSchema:
    properties = body.get("properties", {})
    if "facts" in properties:
        properties["facts"] = facts_schema(pack)
    if "skipped" in properties:
        properties["skipped"]["items"] = {"enum": list(pack.facts)}
    return body


def _per_pathway(spec: dict[str, Any], packs: list[Pack]) -> None:
    """Each operation under `/v1/pathways/{pathway}/` that takes facts, written out once per
    served pathway with that pathway's facts contract: the facts a body may hold depend on
    the pathway, which a templated path cannot say. Operations without a body keep the
    template, its parameter listing the served ids."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    paths: dict[str, Any] = spec.get("paths", {})
    for path in [p for p in paths if "{pathway}" in p]:
        operations = paths[path]
        if not any("requestBody" in op for op in operations.values()):
            for op in operations.values():
                for param in op.get("parameters", []):
                    if param.get("name") == "pathway":
                        param["schema"] = {"enum": [p.meta.id for p in packs], "type": "string"}
            continue
        del paths[path]
        for pack in packs:
            written: dict[str, Any] = copy.deepcopy(operations)
            for op in written.values():
                op["parameters"] = [
                    p for p in op.get("parameters", []) if p.get("name") != "pathway"
                ]
                if not op["parameters"]:
                    del op["parameters"]
                op["operationId"] = f"{op.get('operationId', 'op')}_{pack.meta.id}"
                for media in op.get("requestBody", {}).get("content", {}).values():
                    ref = media.get("schema", {}).get("$ref", "")
                    name = ref.rsplit("/", 1)[-1]
                    if name in REQUEST_BODIES:
                        mine = f"{name}_{pack.meta.id}"
                        schemas[mine] = _with_facts(copy.deepcopy(schemas[name]), pack)
                        schemas[mine]["title"] = f"{name} ({pack.meta.id})"
                        media["schema"] = {"$ref": f"#/components/schemas/{mine}"}
            paths[path.replace("{pathway}", pack.meta.id)] = written


def install(app: FastAPI, pack: Pack, packs: list[Pack]) -> None:
    """`pack` is the default pathway, whose facts the unnamed routes (`/v1/assess`) take."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            replies = responses.components()
            clash = sorted(set(schemas) & set(replies))
            if clash:  # a pydantic model and a struct of one name: one would hide the other
                raise ValueError(f"OpenAPI schema names used twice: {', '.join(clash)}")
            schemas.update(replies)
            _per_pathway(spec, packs)
            for name in REQUEST_BODIES:
                if name in schemas:
                    _with_facts(schemas[name], pack)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]

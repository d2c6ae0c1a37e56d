"""The OpenAPI document, with the pack's facts contract spelled out.

The request models accept any object for `facts` so that the engine can name every bad fact
itself; the document still tells clients exactly which facts and values exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from candid.knowledge.models import Fact, Pack


def fact_schema(fact: Fact) -> dict[str, Any]:
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


def facts_schema(pack: Pack) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "description": "Flat object of facts; a missing key or null means unknown.",
        "properties": {fid: fact_schema(f) for fid, f in pack.facts.items()},
    }


def install(app: FastAPI, pack: Pack) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            schemas = spec.get("components", {}).get("schemas", {})
            for name in ("AssessRequest", "ExplainRequest"):
                if name in schemas:
                    schemas[name]["properties"]["facts"] = facts_schema(pack)
            if "AssessRequest" in schemas:
                skipped = schemas["AssessRequest"]["properties"]["skipped"]
                skipped["items"] = {"enum": list(pack.facts)}
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]

"""Response bodies: typed structs encoded once by msgspec, and the OpenAPI document's
schema for each, generated from the same types (docs/architecture.md, "The assessment").

FastAPI documents and encodes pydantic models; the API's outputs are msgspec structs (the
engine's `Assessment` among them), so each route returns bytes and names its shape with
`documented`, and `components` adds the shapes to the document.
"""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi.responses import Response

from candid.engine.assessment import to_json

REF = "#/components/schemas/{name}"
_SHAPES: dict[object, None] = {}
"""Every shape a route documents, in the order the routes were declared."""


def json_body(out: Any) -> Response:
    return Response(to_json(out), media_type="application/json")


def documented(shape: object) -> dict[int | str, dict[str, Any]]:
    """The `responses` entry for a 200 whose body has this shape (a struct or a list of
    them); the route still declares its errors."""
    _SHAPES.setdefault(shape)
    (schema,), _ = msgspec.json.schema_components([shape], ref_template=REF)
    return {
        200: {
            "description": "Successful Response",
            "content": {"application/json": {"schema": schema}},
        }
    }


def components() -> dict[str, Any]:
    """The schemas the documented shapes refer to, for `components.schemas`."""
    _, found = msgspec.json.schema_components(list(_SHAPES), ref_template=REF)
    for schema in found.values():
        # Every field is always sent, defaults included; msgspec lists only the fields
        # without a default as required, which would make clients treat them as optional.
        if "properties" in schema:
            schema["required"] = list(schema["properties"])
    return dict(found)

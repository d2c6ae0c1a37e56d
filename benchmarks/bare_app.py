"""Comparison servers for the API benchmark: bare FastAPI endpoints returning fixed JSON.

`app` returns a tiny fixed object (the framework's floor). `sized_app` returns the fixed,
pre-serialised JSON of one real assessment, so the comparison isolates the cost of computing
an assessment from the cost of moving a response of that size.
"""

from __future__ import annotations

import orjson
from fastapi import FastAPI
from fastapi.responses import Response

from candid.engine.assess import assess_data
from candid.knowledge.loader import load_pack

app = FastAPI()
FIXED = {"ok": True, "level": "routine", "causes": [{"id": "cervical_ectropion", "p": 0.4}]}


@app.post("/v1/assess")
async def fixed() -> dict[str, object]:
    return FIXED


sized_app = FastAPI()
SIZED = orjson.dumps(
    assess_data(load_pack(), {"age": 24, "hormonal_contraception": "combined"}, detail="likely")
)


@sized_app.post("/v1/assess")
async def sized() -> Response:
    return Response(SIZED, media_type="application/json")

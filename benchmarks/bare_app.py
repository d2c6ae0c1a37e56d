"""The comparison server for the API benchmark: a bare FastAPI endpoint returning fixed JSON."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()
FIXED = {"ok": True, "level": "routine", "causes": [{"id": "cervical_ectropion", "p": 0.4}]}


@app.post("/v1/assess")
async def fixed() -> dict[str, object]:
    return FIXED

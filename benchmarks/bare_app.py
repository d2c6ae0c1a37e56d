"""Comparison servers for the API benchmark: bare FastAPI endpoints returning fixed JSON.

`app` returns a tiny fixed object (the framework's floor). `sized_app` returns the fixed,
pre-serialised JSON of one real assessment, so the comparison isolates the cost of computing
an assessment from the cost of moving a response of that size.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response

from candid.engine import Assessment, InterviewStep, assess, interview_step
from candid.engine.assessment import to_json
from candid.knowledge.loader import load_pack

ROOT = Path(__file__).resolve().parents[1]
app = FastAPI()
FIXED = {"ok": True, "level": "routine", "causes": [{"id": "cervical_ectropion", "p": 0.4}]}


@app.post("/v1/assess")
async def fixed() -> dict[str, object]:
    return FIXED


sized_app = FastAPI()
# One real assessment, as the API returns it by default.
SAMPLE_FACTS = {"age": 24, "hormonal_contraception": "combined"}
SAMPLE = assess(load_pack(), SAMPLE_FACTS, detail="likely")
SIZED = to_json(SAMPLE)


@sized_app.post("/v1/assess")
async def sized() -> Response:
    return Response(SIZED, media_type="application/json")


def candid_without_engine() -> FastAPI:
    """Candid's own app (middlewares, request validation, encoding) with the engine replaced
    by one fixed, precomputed assessment of the same size. Its throughput is the ceiling for
    any engine behind this framework; the gap to `sized_app` is the framework's share."""
    from candid.api import app as candid_app
    from candid.api import v1

    def no_engine(*args: object, **kwargs: object) -> Assessment:
        return SAMPLE

    setattr(v1, "assess", no_engine)  # noqa: B010  # this process only
    return candid_app.create_app()


def candid_interview_without_engine() -> FastAPI:
    """The same for `POST /v1/interview`: Candid's app with the interview step replaced by
    one fixed, precomputed step (the first public vignette's, after its first page). Its
    throughput is the most any interview engine behind this app could reach, so it says
    whether a throughput goal is within the engine's reach at all."""
    from candid.api import app as candid_app
    from candid.api import v1
    from candid.evaluation.interview import converse
    from candid.evaluation.vignettes import load_vignettes

    pack = load_pack()
    case = load_vignettes(ROOT / "vignettes")[0]
    truth = {k: v for k, v in case.facts.items() if pack.facts[k].asked_by == "patient"}
    talk = converse(pack, truth)
    first = {f: talk.facts[f] for f in talk.pages[0] if f in talk.facts}
    fixed = interview_step(pack, first)

    def no_engine(*args: object, **kwargs: object) -> InterviewStep:
        return fixed

    setattr(v1, "step_on", no_engine)  # noqa: B010  # this process only
    return candid_app.create_app()

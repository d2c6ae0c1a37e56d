"""JSON API v1: the pathway's contract, stateless assessment and explanations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from candid.api.problems import Problem
from candid.api.responses import documented, json_body
from candid.api.schemas import (
    AssessRequest,
    CauseInfo,
    ChoiceOut,
    ExplainRequest,
    Explanation,
    FactOut,
    LevelOut,
    Pathway,
    PathwaySummary,
    StepRequest,
    WorkupInfo,
)
from candid.api.served import default_pathway, served_packs
from candid.engine import Assessment, InterviewStep, assess
from candid.engine import interview_step as step_on
from candid.engine.assessment import CodeOut
from candid.engine.compiled import compiled
from candid.engine.explain import answer_label
from candid.engine.present import group_text
from candid.knowledge.models import Language, Pack

router = APIRouter(prefix="/v1", tags=["v1"])
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown pathway or cause", "content": PROBLEM},
    413: {"description": "Body too large", "content": PROBLEM},
    422: {
        "model": Problem,  # registers the schema; errors are sent as problem+json
        "description": "Invalid facts or body; each bad field is named",
        "content": PROBLEM,
    },
    429: {
        "description": "Too many requests",
        "content": PROBLEM,
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


def served(request: Request, pathway: str) -> Pack:
    """A pathway this app serves (`CANDID_PATHWAYS`), or 404 naming the ones it does."""
    packs = served_packs(request)
    if pathway not in packs:
        raise HTTPException(404, f"Unknown pathway {pathway!r}; served here: {', '.join(packs)}")
    return packs[pathway]


@router.get("/pathways", responses=documented(list[PathwaySummary]) | ERRORS)
def pathways(request: Request, language: Language = "en") -> Response:
    """Every pathway served here, each by the routes under `/v1/pathways/{id}`."""
    return json_body(
        [
            PathwaySummary(
                id=pack.meta.id, version=pack.meta.version, title=pack.meta.title.get(language)
            )
            for pack in served_packs(request).values()
        ]
    )


@router.get("/pathways/{pathway}", responses=documented(Pathway) | ERRORS)
def pathway(request: Request, pathway: str, language: Language = "en") -> Response:
    pack = served(request, pathway)
    facts = []
    for fid, fact in pack.facts.items():
        values: list[bool | int | str] = (
            [True, False] if fact.type == "boolean" else list(fact.choices or {})
        )
        facts.append(
            FactOut(
                id=fid,
                type=fact.type,
                asked_by=fact.asked_by,
                question=fact.question.get(language),
                hint=fact.hint.get(language) if fact.hint else None,
                choices=[
                    ChoiceOut(value=v, label=answer_label(pack, fact, v, language)) for v in values
                ],
                minimum=fact.minimum,
                maximum=fact.maximum,
            )
        )
    return json_body(
        Pathway(
            id=pack.meta.id,
            version=pack.meta.version,
            title=pack.meta.title.get(language),
            facts=facts,
            groups=[
                group_text(compiled(pack), gid, list(g.items), language)
                for gid, g in pack.interview.groups.items()
            ],
            causes=[
                CauseInfo(
                    id=c.id,
                    name=c.name.get(language),
                    site=c.site,
                    stage=c.stage,
                    explanation=c.explanation.get(language),
                    codes=[
                        CodeOut(system=x.system, code=x.code, display=x.display) for x in c.codes
                    ],
                )
                for c in pack.causes.values()
            ],
            urgency_levels=[
                LevelOut(
                    id=k, rank=v.rank, label=v.label.get(language), meaning=v.meaning.get(language)
                )
                for k, v in pack.urgency.levels.items()
            ],
            workup=[
                WorkupInfo(
                    id=w.id,
                    name=w.name.get(language),
                    why=w.why.get(language),
                    tests_for=list(w.tests_for),
                    stage=w.stage,
                )
                for w in pack.workup.values()
            ],
        )
    )


@router.post(
    "/pathways/{pathway}/assess",
    responses=documented(Assessment) | ERRORS,
    summary="Assess facts on a pathway",
)
async def assess_on(request: Request, pathway: str, body: AssessRequest) -> Response:
    pack = served(request, pathway)
    result = assess(pack, body.facts, lang=body.language, skipped=body.skipped, detail=body.detail)
    return json_body(result)


@router.post(
    "/pathways/{pathway}/interview",
    responses=documented(InterviewStep) | ERRORS,
    summary="One interview step on a pathway",
)
async def interview_on(request: Request, pathway: str, body: StepRequest) -> Response:
    """Facts in, the next step out: the urgency, the next question or page, the first
    causes and whether to stop. A few KB, for apps and forms that ask one page at a time and
    fetch the full report (`POST /v1/pathways/{pathway}/assess`) at the end."""
    step = step_on(served(request, pathway), body.facts, lang=body.language, skipped=body.skipped)
    return json_body(step)


@router.post(
    "/pathways/{pathway}/explain",
    responses=documented(Explanation) | ERRORS,
    summary="Explain one cause on a pathway",
)
async def explain_on(request: Request, pathway: str, body: ExplainRequest) -> Response:
    """The evidence for and against one cause, with citations."""
    return json_body(_explain(served(request, pathway), body))


@router.post("/assess", responses=documented(Assessment) | ERRORS)
async def assess_default(request: Request, body: AssessRequest) -> Response:
    """Facts in, the full assessment out (urgency, sites, causes, workup, next question), on
    the default pathway."""
    return await assess_on(request, default_pathway(request), body)


@router.post("/interview", responses=documented(InterviewStep) | ERRORS)
async def interview_step(request: Request, body: StepRequest) -> Response:
    """`/v1/pathways/{pathway}/interview` on the default pathway."""
    return await interview_on(request, default_pathway(request), body)


@router.post("/explain", responses=documented(Explanation) | ERRORS)
async def explain(request: Request, body: ExplainRequest) -> Response:
    """`/v1/pathways/{pathway}/explain` on the default pathway."""
    return json_body(_explain(served(request, default_pathway(request)), body))


def _explain(pack: Pack, body: ExplainRequest) -> Explanation:
    if body.cause not in pack.causes:
        raise HTTPException(
            404, f"Unknown cause {body.cause!r} (see GET /v1/pathways/{pack.meta.id})"
        )
    result = assess(pack, body.facts, lang=body.language)
    prior_cause = pack.causes[body.cause]
    found = next((c for c in result.causes if c.id == body.cause), None)
    evidence = found.evidence if found else []
    keys = set(prior_cause.sources) | {k for e in evidence for k in e.citations}
    return Explanation(
        cause=body.cause,
        name=prior_cause.name.get(body.language),
        probability=found.probability if found else 0.0,
        prior=found.prior if found else 0.0,
        supporting=[e for e in evidence if e.direction == "for"],
        opposing=[e for e in evidence if e.direction == "against"],
        sources={key: pack.sources[key].citation for key in sorted(keys) if key in pack.sources},
    )

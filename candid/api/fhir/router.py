"""FHIR R4 routes: GET the Questionnaire and CodeSystem, POST `$assess`.

Errors stay RFC 9457 problem+json like the rest of the API (not OperationOutcome), naming each
bad linkId or resource path and what is allowed; the body is read by hand because FHIR clients
send `application/fhir+json`, which a pydantic body model would refuse.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from candid.api.fhir.codesystem import code_system
from candid.api.fhir.errors import FhirInputError, InputProblem
from candid.api.fhir.intake import read_request
from candid.api.fhir.outcome import bundle
from candid.api.fhir.questionnaire import questionnaire
from candid.api.fhir.terminology import slug
from candid.api.problems import InvalidParam, Problem, problem_response
from candid.api.schemas import Language
from candid.engine import FactsError, assess
from candid.knowledge.loader import load_pack
from candid.knowledge.models import Pack

FHIR_JSON = "application/fhir+json"
MAX_DEPTH = 64
"""JSON nesting a `$assess` body may have. A real one (a Bundle holding a
QuestionnaireResponse with nested groups) stays under 20; the reader walks items
recursively, so a body nested thousands deep must be refused before it is read."""
router = APIRouter(prefix="/fhir", tags=["FHIR R4"])
RESOURCE = {
    "description": "A FHIR R4 resource",
    "content": {FHIR_JSON: {"schema": {"type": "object"}}},
}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Unknown questionnaire or code system"},
    422: {"model": Problem, "description": "Invalid resource; each bad linkId or path is named"},
}


def _pack(resource_id: str) -> Pack:
    pack = load_pack()
    if resource_id != slug(pack):
        raise HTTPException(404, f"Unknown id {resource_id!r}; known: {slug(pack)}")
    return pack


def _fhir(resource: dict[str, Any]) -> Response:
    return Response(json.dumps(resource, ensure_ascii=False), media_type=FHIR_JSON)


@router.get("/Questionnaire/{questionnaire_id}", responses={200: RESOURCE, **ERRORS})
def get_questionnaire(questionnaire_id: str, language: Language = "en") -> Response:
    """The interview as a Questionnaire for an SDC form filler, generated from the pack."""
    return _fhir(questionnaire(_pack(questionnaire_id), language))


@router.get("/CodeSystem/{code_system_id}", responses={200: RESOURCE, **ERRORS})
def get_code_system(code_system_id: str) -> Response:
    """Candid's codes: questions, answers, causes, evaluations and urgency levels."""
    return _fhir(code_system(_pack(code_system_id)))


@router.post(
    "/Questionnaire/{questionnaire_id}/$assess",
    responses={200: RESOURCE, **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A QuestionnaireResponse, or a Bundle or Parameters holding one "
            "and/or Observations with exam and test results.",
            "content": {FHIR_JSON: {"schema": {"type": "object"}}},
        }
    },
)
async def assess_response(questionnaire_id: str, request: Request) -> Response:
    """Answers (and results) in; a Bundle with a RiskAssessment, ServiceRequests and a Flag out."""
    pack = _pack(questionnaire_id)
    try:
        body = json.loads(await request.body())
        too_deep = _depth(body) > MAX_DEPTH
    except (ValueError, UnicodeDecodeError):
        return _invalid([InputProblem("body", "is not JSON", "a FHIR resource in JSON")])
    except RecursionError:  # nested deeper than the parser itself goes
        too_deep = True
    if too_deep:
        return _invalid(
            [
                InputProblem(
                    "body",
                    f"is nested more than {MAX_DEPTH} levels deep",
                    f"a FHIR resource in JSON nested at most {MAX_DEPTH} levels",
                )
            ]
        )
    try:
        intake = read_request(pack, body)
        result = assess(pack, intake.facts, lang=intake.language)
    except FhirInputError as err:
        return _invalid(err.problems)
    except FactsError as err:
        return _invalid(
            [
                InputProblem(intake.where.get(p.fact, p.fact), f"{p.fact}: {p.message}", p.allowed)
                for p in err.problems
            ]
        )
    return _fhir(bundle(pack, result, intake))


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value`, walked without recursion and stopping
    as soon as the limit is passed."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def _invalid(problems: list[InputProblem]) -> JSONResponse:
    return problem_response(
        422,
        "Invalid FHIR input",
        "; ".join(f"{p.where}: {p.reason}" for p in problems),
        [InvalidParam(name=p.where, reason=p.reason, allowed=p.allowed) for p in problems],
    )

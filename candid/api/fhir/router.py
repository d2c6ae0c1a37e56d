"""FHIR R4 routes: the CapabilityStatement, GET the Questionnaire and CodeSystem, POST
`$assess`, and SDC's `Questionnaire/$next-question` for adaptive form fillers.

Errors are OperationOutcomes (candid.api.fhir.operation_outcome), each issue naming the
linkId or resource path and what is allowed: 400 for a body that cannot be parsed, 422 for one
that cannot be processed, 406 when the client asks for a format other than JSON. The body is
read by hand because FHIR clients send `application/fhir+json`, which a pydantic body model
would refuse.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from candid.api.fhir.adaptive import for_assess, form_named, mark_adaptive, next_question
from candid.api.fhir.capability import capability_statement
from candid.api.fhir.codesystem import code_system
from candid.api.fhir.errors import FhirInputError, InputProblem
from candid.api.fhir.intake import read_request
from candid.api.fhir.operation_outcome import FHIR_JSON, problems_response
from candid.api.fhir.outcome import bundle
from candid.api.fhir.questionnaire import questionnaire
from candid.api.fhir.terminology import slug
from candid.api.served import default_pack, served_packs
from candid.engine import FactsError, assess
from candid.knowledge.models import Language, Pack

MAX_DEPTH = 64
"""JSON nesting a `$assess` or `$next-question` body may have. A real one (a Bundle holding a
QuestionnaireResponse with nested groups) stays under 20; the reader walks items
recursively, so a body nested thousands deep must be refused before it is read."""
SERVED = ("application/fhir+json", "application/json", "application/*", "*/*")
FORMATS = ("json", "application/fhir+json", "application/json")


def _accepts_json(request: Request) -> None:
    """406 when the client asks only for a format Candid does not serve (XML, Turtle), by the
    Accept header or FHIR's `_format` parameter."""
    fmt = request.query_params.get("_format")
    if fmt is not None and fmt not in FORMATS:
        raise HTTPException(406, f"_format={fmt!r} is not served; use _format=json")
    accept = request.headers.get("accept", "")
    if accept.strip():
        types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
        if not any(t in SERVED for t in types):
            raise HTTPException(406, f"Only {FHIR_JSON} is served; Accept was {accept!r}")


router = APIRouter(prefix="/fhir", tags=["FHIR R4"], dependencies=[Depends(_accepts_json)])
OUTCOME = {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}
RESOURCE = {"description": "A FHIR R4 resource", **OUTCOME}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Unreadable body or bad parameter (OperationOutcome)", **OUTCOME},
    404: {"description": "Unknown questionnaire or code system (OperationOutcome)", **OUTCOME},
    406: {"description": "A format other than JSON was asked for (OperationOutcome)", **OUTCOME},
    422: {
        "description": "Invalid resource; each bad linkId or path named (OperationOutcome)",
        **OUTCOME,
    },
}


def _body(description: str) -> dict[str, Any]:
    """How the document shows a FHIR request body: any JSON object, read by hand."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {FHIR_JSON: {"schema": {"type": "object"}}},
        }
    }


def _pack(request: Request, resource_id: str) -> Pack:
    """The served pathway whose Questionnaire and CodeSystem have this id (its slug)."""
    packs = served_packs(request).values()
    for pack in packs:
        if slug(pack) == resource_id:
            return pack
    known = ", ".join(slug(p) for p in packs)
    raise HTTPException(404, f"Unknown id {resource_id!r}; known: {known}")


def _fhir(resource: dict[str, Any]) -> Response:
    return Response(json.dumps(resource, ensure_ascii=False), media_type=FHIR_JSON)


@router.get("/metadata", responses={200: RESOURCE, **ERRORS})
def get_metadata(request: Request) -> Response:
    """The CapabilityStatement: what this server reads and which operations it offers."""
    return _fhir(capability_statement(list(served_packs(request).values())))


@router.get("/Questionnaire/{questionnaire_id}", responses={200: RESOURCE, **ERRORS})
def get_questionnaire(
    request: Request, questionnaire_id: str, language: Language = "en"
) -> Response:
    """The interview as a Questionnaire for an SDC form filler, generated from the pack, and
    marked as one this server also runs adaptively (`Questionnaire/$next-question`)."""
    return _fhir(mark_adaptive(questionnaire(_pack(request, questionnaire_id), language)))


@router.get("/CodeSystem/{code_system_id}", responses={200: RESOURCE, **ERRORS})
def get_code_system(request: Request, code_system_id: str) -> Response:
    """Candid's codes: questions, answers, causes, evaluations and urgency levels."""
    return _fhir(code_system(_pack(request, code_system_id)))


@router.post(
    "/Questionnaire/{questionnaire_id}/$assess",
    responses={200: RESOURCE, **ERRORS},
    openapi_extra=_body(
        "A QuestionnaireResponse, or a Bundle or Parameters holding one "
        "and/or Observations with exam and test results."
    ),
)
async def assess_response(questionnaire_id: str, request: Request) -> Response:
    """Answers (and results) in; a Bundle with a RiskAssessment, ServiceRequests and a Flag out.
    A completed adaptive response from `$next-question` is read as an answer to this form."""
    pack = _pack(request, questionnaire_id)
    body = await _read_body(request)
    if isinstance(body, Response):
        return body
    try:
        intake = read_request(pack, for_assess(pack, body))
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


@router.post(
    "/Questionnaire/$next-question",
    responses={200: RESOURCE, **ERRORS},
    openapi_extra=_body(
        "An adaptive QuestionnaireResponse (SDC sdc-questionnaireresponse-"
        "adapt), bare or as the `questionnaire-response` parameter of a Parameters: its "
        "contained Questionnaire holds the items asked so far (none at the start), its "
        "items the answers."
    ),
)
async def next_question_response(request: Request) -> Response:
    """SDC adaptive forms: the same QuestionnaireResponse back, its contained Questionnaire
    extended by the interview's next page (`in-progress`), or `completed` when the interview
    stops or an emergency interrupts it (shown as a display item). The pathway is the form
    the response names (its `questionnaire`, or its contained form's `derivedFrom`); a
    response that names none starts the default pathway's interview."""
    body = await _read_body(request)
    if isinstance(body, Response):
        return body
    return _adaptive(
        form_named(list(served_packs(request).values()), body) or default_pack(request), body
    )


@router.post(
    "/Questionnaire/{questionnaire_id}/$next-question",
    responses={200: RESOURCE, **ERRORS},
    openapi_extra=_body(
        "An adaptive QuestionnaireResponse for this Questionnaire, as for the type-level operation."
    ),
)
async def next_question_on(questionnaire_id: str, request: Request) -> Response:
    """SDC adaptive forms on one pathway's Questionnaire (the instance-level operation)."""
    pack = _pack(request, questionnaire_id)
    body = await _read_body(request)
    if isinstance(body, Response):
        return body
    return _adaptive(pack, body)


def _adaptive(pack: Pack, body: Any) -> Response:
    try:
        return _fhir(next_question(pack, body))
    except FhirInputError as err:
        return _invalid(err.problems)


async def _read_body(request: Request) -> Any:
    """The JSON body, or the 400 OperationOutcome for one that cannot be read: not JSON, or
    nested deeper than MAX_DEPTH (the readers walk items recursively)."""
    try:
        body = json.loads(await request.body())
        too_deep = _depth(body) > MAX_DEPTH
    except (ValueError, UnicodeDecodeError):
        return problems_response(
            400, [InputProblem("body", "is not JSON", "a FHIR resource in JSON")]
        )
    except RecursionError:  # nested deeper than the parser itself goes
        too_deep = True
    if too_deep:
        return problems_response(
            400,
            [
                InputProblem(
                    "body",
                    f"is nested more than {MAX_DEPTH} levels deep",
                    f"a FHIR resource in JSON nested at most {MAX_DEPTH} levels",
                )
            ],
        )
    return body


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


def _invalid(problems: list[InputProblem]) -> Response:
    return problems_response(422, problems)

"""RFC 9457 problem details: every error is `application/problem+json`, names each bad field
and what is allowed, and never carries a stack trace. Under `/fhir` the same errors are FHIR
OperationOutcomes (candid.api.fhir.operation_outcome), which is what a FHIR client parses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from candid.api.fhir.operation_outcome import status_response
from candid.api.served import default_pathway
from candid.engine import FactsError
from candid.engine.facts import UNKNOWN_FACT

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("candid.api")


class InvalidParam(BaseModel):
    name: str
    reason: str
    allowed: str | None = None


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    invalid_params: list[InvalidParam] | None = None


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    invalid: list[InvalidParam] | None = None,
    headers: dict[str, str] | None = None,
    type_: str = "about:blank",
) -> JSONResponse:
    body = Problem(type=type_, title=title, status=status, detail=detail, invalid_params=invalid)
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _is_fhir(request: Request) -> bool:
    path = request.url.path
    return path == "/fhir" or path.startswith("/fhir/")


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p != "body") or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(FactsError)
    async def facts_error(request: Request, err: FactsError) -> JSONResponse:
        pathway = request.path_params.get("pathway") or default_pathway(request)
        invalid = [
            InvalidParam(
                name=f"facts.{p.fact}",
                reason=p.message,
                allowed=f"{p.allowed}, listed by GET /v1/pathways/{pathway}"
                if p.message == UNKNOWN_FACT
                else p.allowed,
            )
            for p in err.problems
        ]
        detail = "; ".join(str(p) for p in err.problems)
        return problem_response(422, "Invalid facts", detail, invalid)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, err: RequestValidationError) -> Response:
        pages = getattr(request.app.state, "html_errors", None)
        if pages is not None and pages.handles(request.url.path):
            response: Response = await pages.render(request, 400)
            return response
        invalid = [
            InvalidParam(name=_loc(tuple(e.get("loc", ()))), reason=str(e.get("msg", "invalid")))
            for e in err.errors()
        ]
        if _is_fhir(request):  # a bad search or query parameter: 400 in FHIR's RESTful API
            reasons = "; ".join(f"{p.name}: {p.reason}" for p in invalid)
            return status_response(400, reasons)
        return problem_response(422, "Invalid request", "The request body is not valid.", invalid)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> Response:
        pages = getattr(request.app.state, "html_errors", None)
        if pages is not None and pages.handles(request.url.path):
            response: Response = await pages.render(request, err.status_code)
            return response
        if _is_fhir(request):
            headers = dict(err.headers) if err.headers else None
            return status_response(
                err.status_code, str(err.detail or _title(err.status_code)), headers
            )
        if err.status_code == 400:  # an unreadable body is an invalid request, like bad JSON
            invalid = [InvalidParam(name="body", reason=str(err.detail))]
            return problem_response(422, "Invalid request", "The body cannot be read.", invalid)
        return problem_response(
            err.status_code,
            _title(err.status_code),
            str(err.detail) if err.detail else None,
            headers=dict(err.headers) if err.headers else None,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception) -> Response:
        # Never echo the request (it may hold a person's answers) or the traceback to the client.
        log.error("unexpected error: %s", type(err).__name__)
        pages = getattr(request.app.state, "html_errors", None)
        if pages is not None and pages.handles(request.url.path):
            response: Response = await pages.render(request, 500)
            return response
        if _is_fhir(request):
            return status_response(500, "Something went wrong on our side.")
        return problem_response(500, "Internal error", "Something went wrong on our side.")


def _title(status: int) -> str:
    return {
        400: "Bad request",
        401: "Unauthorized",
        404: "Not found",
        405: "Method not allowed",
        406: "Not acceptable",
        413: "Request body too large",
        415: "Unsupported media type",
        429: "Too many requests",
    }.get(status, "Error")

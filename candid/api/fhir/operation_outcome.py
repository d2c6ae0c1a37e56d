"""FHIR errors as FHIR clients read them: an OperationOutcome with one issue per problem.

An EHR or SDC client parses `OperationOutcome.issue` (R4 §3.1.0.4); RFC 9457 problem+json,
which the rest of the API speaks, means nothing to it. Each issue names where the problem is
(`expression`, the linkId or resource path), what is wrong (`details.text`) and, where known,
what is allowed (`diagnostics`). Status follows the R4 RESTful API: 400 for a body that cannot
be parsed, 422 for one that parses but cannot be processed, 404, 406 and the rest as they come.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import Response

from candid.api.fhir.errors import InputProblem

FHIR_JSON = "application/fhir+json"
ALLOWED_PREFIX = "Allowed: "
CODE_BY_STATUS = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
}


def issue(
    where: str | None, reason: str, allowed: str | None = None, code: str = "invalid"
) -> dict[str, Any]:
    out: dict[str, Any] = {"severity": "error", "code": code, "details": {"text": reason}}
    if allowed:
        out["diagnostics"] = ALLOWED_PREFIX + allowed
    if where:
        out["expression"] = [where]
    return out


def outcome_response(
    status: int, issues: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> Response:
    resource = {"resourceType": "OperationOutcome", "issue": issues}
    return Response(
        json.dumps(resource, ensure_ascii=False),
        status_code=status,
        media_type=FHIR_JSON,
        headers=headers,
    )


def problems_response(status: int, problems: list[InputProblem]) -> Response:
    code = CODE_BY_STATUS.get(status, "invalid")
    return outcome_response(status, [issue(p.where, p.reason, p.allowed, code) for p in problems])


def status_response(status: int, reason: str, headers: dict[str, str] | None = None) -> Response:
    """An error that is not about one place in the request (unknown id, wrong method)."""
    code = CODE_BY_STATUS.get(status, "exception" if status >= 500 else "processing")
    return outcome_response(status, [issue(None, reason, code=code)], headers)

"""CDS Hooks 2.0 endpoints: discovery, the `patient-view` service, and the `order-select` one.

The services answer only for patients whose active problem list says they bleed after sex, so
an EHR can call them on every chart opening or order: everyone else gets `{"cards": []}` ("no
advice"). While orders are placed, the card comes only when an evaluation is neither on the
record nor among the draft orders, so it does not repeat itself once the orders are in.
It reads the prefetch and never calls the EHR's FHIR server (no outbound requests, and the
person's record leaves the EHR only as far as the prefetch templates ask); a needed prefetch
key that is absent is therefore 412 Precondition Failed, as the specification requires.
Malformed bodies are 422 problem details, like the rest of the API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse

from candid.api.cds_hooks.cards import card, missing_workup
from candid.api.cds_hooks.prefetch import (
    MissingPrefetch,
    drafted_workup,
    facts_from,
    has_symptom,
    read,
    templates,
)
from candid.api.cds_hooks.schemas import (
    CardsResponse,
    Discovery,
    HookRequest,
    OrderSelectRequest,
    Service,
)
from candid.api.cds_hooks.trust import require_trusted_client
from candid.api.problems import Problem, problem_response
from candid.engine import FactsError, assess
from candid.knowledge.loader import load_ehr_codes
from candid.knowledge.models import Pack
from candid.web.context import Web
from candid.web.routes.results import record_summary_url

Endpoint = TypeVar("Endpoint", bound=Callable[..., JSONResponse])


def service_id(pack_id: str) -> str:
    """`postcoital_bleeding` -> `candid-postcoital-bleeding`: the pathway names its service."""
    return "candid-" + pack_id.replace("_", "-")


def orders_service_id(pack_id: str) -> str:
    return f"{service_id(pack_id)}-orders"


PREFIX = "/cds-services"
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid JWT from a trusted EHR (when configured)"},
    412: {"model": Problem, "description": "A prefetch key the service needs is missing"},
    422: {"model": Problem, "description": "The body is not a valid request for this hook"},
}


def _services(pack: Pack) -> list[Service]:
    """A pathway's two services, described from its pack: its symptom, its codes (the
    problem-list entries that trigger a card) and its prefetch."""
    symptom = pack.meta.title.en.lower()
    coded = ", ".join(f"{c.display}, {c.system.upper()} {c.code}" for c in pack.meta.symptom_codes)
    who = f"For patients with {symptom} ({coded}) on the problem list"
    version = f"Knowledge pack {pack.meta.id} {pack.meta.version}."
    prefetch = templates(load_ehr_codes(pack.meta.id))
    return [
        Service(
            hook="patient-view",
            id=service_id(pack.meta.id),
            title=f"Candid: {symptom}",
            description=(
                f"{who}: how soon to be seen, the causes to consider with their "
                f"probabilities, and the evaluations not yet on the record as draft orders. "
                f"{version}"
            ),
            prefetch=prefetch,
        ),
        Service(
            hook="order-select",
            id=orders_service_id(pack.meta.id),
            title=f"Candid: evaluations still to order for {symptom}",
            description=(
                f"{who}, while orders are being placed: the evaluations neither on the record "
                f"nor among the draft orders, as draft orders; no card when none is missing. "
                f"{version}"
            ),
            prefetch=prefetch,
        ),
    ]


def router_for(packs: list[Pack]) -> APIRouter:
    """Discovery and two services (patient-view, order-select) per served pathway, each
    pathway's cards only for patients with its own symptom on the problem list."""
    router = APIRouter(
        prefix=PREFIX, tags=["CDS Hooks"], dependencies=[Depends(require_trusted_client)]
    )

    @router.get("", response_model=Discovery, response_model_exclude_none=True)
    def discovery() -> Discovery:
        return Discovery(services=[s for pack in packs for s in _services(pack)])

    for pack in packs:
        _pathway_services(router, pack)
    return router


def _pathway_services(router: APIRouter, pack: Pack) -> None:
    def hook(service: str, summary: str) -> Callable[[Endpoint], Endpoint]:
        """The route of one service: cards out, RFC 9457 problems for the errors."""
        return router.post(
            f"/{service}",
            response_model=CardsResponse,
            response_model_exclude_none=True,
            responses=ERRORS,
            summary=summary,
            name=service,
        )

    name = pack.meta.title.en.lower()

    @hook(service_id(pack.meta.id), f"patient-view: cards for a patient with {name}")
    def patient_view(http: Request, request: HookRequest = Body(...)) -> JSONResponse:  # noqa: B008
        return _advise(http, pack, request.prefetch, request.context.patientId, drafted=None)

    @hook(orders_service_id(pack.meta.id), f"order-select: evaluations still to order ({name})")
    def order_select(http: Request, request: OrderSelectRequest = Body(...)) -> JSONResponse:  # noqa: B008
        drafted = drafted_workup(
            request.context.draftOrders,
            pack,
            load_ehr_codes(pack.meta.id),
            request.context.patientId,
        )
        return _advise(http, pack, request.prefetch, request.context.patientId, drafted=drafted)


def _advise(
    http: Request,
    pack: Pack,
    prefetch: dict[str, Any] | None,
    patient_id: str,
    drafted: set[str] | None,
) -> JSONResponse:
    """The card, or none. `drafted` is None for patient-view; for order-select it is what
    the draft orders cover, and there is a card only if some evaluation is still missing."""
    codes = load_ehr_codes(pack.meta.id)
    try:
        record = read(prefetch, patient_id)
    except MissingPrefetch as missing:
        return problem_response(
            412,
            "Prefetch missing",
            f"Send the prefetch keys {', '.join(missing.keys)} (null when there is no data); "
            "this service does not query the FHIR server itself.",
        )
    if not has_symptom(record, pack):
        return JSONResponse(CardsResponse(cards=[]).dump())
    facts = facts_from(record, pack, codes, date.today())
    assessment = None
    while assessment is None:
        try:
            assessment = assess(pack, facts)
        except FactsError as err:
            # The record contradicts itself (a pregnancy test after a recorded hysterectomy):
            # leave out what disagrees and advise on the rest rather than refuse the card.
            bad = {p.fact for p in err.problems} & set(facts)
            if not bad:
                raise
            facts = {k: v for k, v in facts.items() if k not in bad}
    if drafted is not None and not missing_workup(assessment, drafted):
        return JSONResponse(CardsResponse(cards=[]).dump())  # the orders cover it all
    web: Web = http.app.state.web  # the app's own settings and keys
    summary_url = record_summary_url(web, pack, facts)
    result = card(
        assessment,
        pack,
        codes,
        facts,
        patient_id,
        web.config.public_url,
        summary_url,
        drafted or set(),
    )
    return JSONResponse(CardsResponse(cards=[result]).dump())

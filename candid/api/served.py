"""The pathways this app serves, as `create_app` set them on start (`CANDID_PATHWAYS`,
`CANDID_DEFAULT_PATHWAY`): the one place the JSON API, FHIR and error handlers read them."""

from __future__ import annotations

from fastapi import Request

from candid.knowledge.models import Pack


def served_packs(request: Request) -> dict[str, Pack]:
    """Every served pathway by id, the default first."""
    packs: dict[str, Pack] = request.app.state.pathways
    return packs


def default_pathway(request: Request) -> str:
    """The pathway the unnamed routes serve (checked at start to be served)."""
    name: str = request.app.state.default_pathway
    return name


def default_pack(request: Request) -> Pack:
    return served_packs(request)[default_pathway(request)]

"""Mounting the pages on the application `candid serve` runs (the API shares it)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from candid.knowledge.learn import load_learn
from candid.knowledge.models import Pack
from candid.knowledge.yaml_io import read_yaml
from candid.settings import Settings
from candid.web.context import CsrfError, Web, page
from candid.web.routes import diary, feedback, interview, learn, results, static
from candid.web.session import Sealer, secret_key

log = logging.getLogger("candid.web")
API_PREFIXES = ("/v1", "/fhir", "/cds-services", "/openapi.json", "/docs", "/redoc")


def is_page(path: str) -> bool:
    return not path.startswith(API_PREFIXES)


def _affiliate_links(config: Settings) -> dict[str, dict[str, str]]:
    if config.affiliate_links is None:
        return {}
    data: Any = read_yaml(config.affiliate_links)
    if not isinstance(data, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("url"), str) and isinstance(v.get("label"), str)
        for v in data.values()
    ):
        raise ValueError(
            f"{config.affiliate_links}: expected product-type ids mapped to {{url, label}}"
        )
    return {str(k): {"url": v["url"], "label": v["label"]} for k, v in data.items()}


def install(app: FastAPI, config: Settings, pack: Pack) -> None:
    if not (static.STATIC / "candid.css").is_file():
        log.warning("the pages' CSS and JS are not built: run `make assets` (needs npm)")
    web = Web(
        config=config,
        pack=pack,
        learn=load_learn(pack.meta.id),
        sealer=Sealer(secret_key(config), config.session_minutes * 60),
        affiliate_links=_affiliate_links(config),
    )
    app.state.web = web
    web.db()  # the embedded database is made (and migrated) on first start, not first use
    app.state.html_errors = HtmlErrors()
    for module in (interview, results, diary, learn, feedback):
        app.include_router(module.router)
    static.mount(app)

    @app.exception_handler(CsrfError)
    async def csrf_error(request: Request, _: CsrfError) -> Response:
        return page(request).render("error.jinja", status=400, kind="csrf")


class HtmlErrors:
    """Error pages for page routes; the API's handlers ask this first (see api.problems)."""

    def handles(self, path: str) -> bool:
        return is_page(path)

    async def render(self, request: Request, status: int) -> Response:
        kind = {404: "not_found", 405: "not_found", 413: "too_large", 429: "too_many"}.get(
            status, "bad_request" if status < 500 else "server"
        )
        return page(request).render("error.jinja", status=status, kind=kind)

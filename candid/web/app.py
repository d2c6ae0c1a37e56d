"""Mounting the pages on the application `candid serve` runs (the API shares it)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.responses import Response
from limits.storage import Storage
from pydantic import Field, TypeAdapter

from candid.knowledge.learn import Learn, load_learn
from candid.knowledge.models import Pack, Strict
from candid.knowledge.yaml_io import read_yaml
from candid.settings import Settings
from candid.store.db import database
from candid.store.sessions import Sessions
from candid.web.context import CsrfError, Web, page
from candid.web.pdf import Pdfs
from candid.web.routes import diary, feedback, interview, learn, results, static
from candid.web.session import Sealer, SessionCookies, purpose_key, secret_key

log = logging.getLogger("candid.web")
API_PREFIXES = ("/v1", "/fhir", "/cds-services", "/openapi.json", "/docs", "/redoc")


def is_page(path: str) -> bool:
    return not path.startswith(API_PREFIXES)


class ShopLink(Strict):
    url: Annotated[str, Field(pattern=r"^https://")]
    label: Annotated[str, Field(min_length=1)]


def _affiliate_links(config: Settings, readings: list[Learn]) -> dict[str, ShopLink]:
    """The deployer's shop links, keyed by the product-type ids the pathways' guides list;
    refused at start (naming the key) if malformed or for a product type no guide lists."""
    if config.affiliate_links is None:
        return {}
    links = TypeAdapter(dict[str, ShopLink]).validate_python(read_yaml(config.affiliate_links))
    known = {
        product.id
        for reading in readings
        for guide in reading.guides.values()
        for product in guide.products
    }
    unknown = sorted(set(links) - known)
    if unknown:
        raise ValueError(
            f"{config.affiliate_links}: {', '.join(unknown)} are not product types "
            f"(known: {', '.join(sorted(known))})"
        )
    return links


def install(app: FastAPI, config: Settings, packs: list[Pack], counters: Storage) -> None:
    """`packs` are the served pathways; `counters` is where per-client counts live (the
    request limit's storage), so the PDF limit is shared by every process the way the
    request limit is."""
    if not (static.STATIC / "candid.css").is_file():
        log.warning("the pages' CSS and JS are not built: run `make assets` (needs npm)")
    readings = {p.meta.id: load_learn(p.meta.id) for p in packs}
    key, lifetime = secret_key(config), config.session_minutes * 60
    web = Web(
        config=config,
        packs={p.meta.id: p for p in packs},
        learns=readings,
        cookies=SessionCookies(
            key, lifetime, lambda: Sessions(database(config.sqlalchemy_url()), lifetime)
        ),
        record_links=Sealer(purpose_key(key, "record link"), lifetime),
        pdfs=Pdfs(config.pdf_workers, config.pdf_queue, config.pdf_rate_limit, counters),
        affiliate_links=_affiliate_links(config, list(readings.values())),
    )
    app.state.web = web
    web.db()  # the embedded database is made (and migrated) on first start, not first use
    web.forget_old_comments()
    web.pdfs.start()
    app.router.on_shutdown.append(web.pdfs.stop)
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

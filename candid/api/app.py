"""The ASGI application served by `candid serve`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from limits.storage import Storage, storage_from_string

from candid import __version__
from candid.api import cds_hooks, openapi, problems, v1
from candid.api.cds_hooks.routes import PREFIX as CDS_PREFIX
from candid.api.cds_hooks.trust import load_trust
from candid.api.compression import Compression
from candid.api.fhir import router as fhir_router
from candid.api.guards import BodyLimit, ClientAddress, PathScoped, RateLimit, Shield
from candid.knowledge import deployment
from candid.knowledge.loader import UnknownPack, installed_pack, installed_packs
from candid.knowledge.models import Pack
from candid.settings import Settings, settings
from candid.web import app as web_app
from candid.web.security import SecurityHeaders


def served_packs(config: Settings) -> list[Pack]:
    """The pathways this app serves, loaded and validated now: a deployer's typo or an invalid
    pack stops the start, naming the setting, rather than failing the first request."""
    names = config.pathways or list(installed_packs())
    try:
        packs = [installed_pack(name) for name in names]
    except UnknownPack as err:
        raise ValueError(f"CANDID_PATHWAYS: {err}") from None
    if config.default_pathway not in names:
        raise ValueError(
            f"CANDID_DEFAULT_PATHWAY: {config.default_pathway!r} is not served "
            f"(served: {', '.join(names)})"
        )
    wrong = deployment.problems(config.pack_settings, packs)
    if wrong:
        raise ValueError(f"CANDID_PACK_SETTINGS: {'; '.join(wrong)}")
    deployment.configure(config.pack_settings)
    # The default first: it leads every list of pathways (the start page, /v1/pathways).
    return sorted(packs, key=lambda p: p.meta.id != config.default_pathway)


def create_app(config: Settings | None = None) -> FastAPI:
    config = config or settings()
    packs = served_packs(config)
    pack = next(p for p in packs if p.meta.id == config.default_pathway)
    app = FastAPI(
        title="Candid API",
        version=__version__,
        summary="Evidence-based triage, differential and workup, one pathway per symptom.",
        description=(
            "Pathways: "
            + ", ".join(f"{p.meta.id} {p.meta.version}" for p in packs)
            + f" (default: {pack.meta.id}). Educational decision support to discuss with a "
            "provider, not a diagnosis. Stateless: send all facts each time."
        ),
    )
    app.state.default_pathway = pack.meta.id
    app.state.pathways = {p.meta.id: p for p in packs}
    problems.install(app)
    openapi.install(app, pack, packs)
    app.include_router(v1.router)
    app.include_router(fhir_router)
    app.include_router(cds_hooks.router_for(packs))
    app.state.cds_trust = load_trust(config.cds_clients, config.public_url)
    counters = storage_from_string(config.rate_limit_storage)
    if not isinstance(counters, Storage):
        raise ValueError("CANDID_RATE_LIMIT_STORAGE must name a synchronous `limits` storage")
    web_app.install(app, config, packs, counters)
    app.add_middleware(Compression, minimum_size=1000)
    app.add_middleware(RateLimit, rate=config.rate_limit, storage=counters)
    app.add_middleware(
        BodyLimit,
        max_bytes=config.max_body_bytes,
        by_prefix={CDS_PREFIX: config.cds_max_body_bytes},
    )
    if config.cds_cors_origins:  # browser-based EHRs calling the services directly
        app.add_middleware(
            PathScoped,
            prefix=CDS_PREFIX,
            wrap=lambda inner: CORSMiddleware(
                inner,
                allow_origins=config.cds_cors_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            ),
        )
    app.add_middleware(SecurityHeaders, https=config.https)
    app.add_middleware(ClientAddress, trusted_proxies=config.trusted_proxies)
    app.add_middleware(Shield)  # added last, so it wraps everything
    return app

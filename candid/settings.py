"""Deployment settings, read from the environment (CANDID_*) by pydantic-settings, validated
on start. Lists and pairs are written comma-separated in the environment (NoDecode keeps
pydantic-settings from reading them as JSON; each field's validator splits them)."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "candid"


def _comma_list(text: str) -> list[str]:
    """How the environment writes a list: comma-separated, spaces and empty parts ignored."""
    return [part.strip() for part in text.split(",") if part.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CANDID_", extra="forbid")

    default_pathway: str = Field(
        default="postcoital_bleeding",
        pattern=r"^[a-z][a-z0-9_]*$",
        description=(
            "The installed pathway (pack id) that /v1/assess, /v1/interview, /v1/explain and "
            "the start of the pages use when none is named."
        ),
    )
    pathways: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "The installed pathways to serve (pack ids, comma-separated); empty (the "
            "default): every installed pathway. The default pathway must be among them."
        ),
    )
    pack_settings: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description=(
            "Choices the pathways leave to the deployment, as name=value pairs (comma-"
            "separated), e.g. 'screening_programme=us'. Each pack declares its own with their "
            "allowed values and a default (facts with `asked_by: deployment`); the app refuses "
            "to start on a name no served pathway declares or a value it does not allow."
        ),
    )
    rate_limit: str = Field(
        default="600/minute",
        description="Requests per client, in the `limits` notation (e.g. '600/minute').",
    )
    max_body_bytes: int = Field(default=64_000, gt=0, description="Larger bodies get 413.")
    cds_max_body_bytes: int = Field(
        default=512_000,
        gt=0,
        description=(
            "Larger CDS Hooks request bodies get 413. A prefetched record is bigger than an "
            "answer: the Observation prefetch asks for the 50 most recent results (about 2 KB "
            "each), plus the Patient and active Conditions."
        ),
    )
    cds_cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Origins (comma-separated, e.g. 'https://ehr.example.org') of browser-based EHRs "
            "allowed to call the CDS Hooks services directly (CORS on /cds-services only). "
            "'*' allows any origin. Empty (the default): no cross-origin browser calls."
        ),
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description=(
            "The address people and EHRs reach Candid at. https:// makes every cookie Secure "
            "and sends HSTS: there is no separate switch to forget."
        ),
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the embedded SQLite database and the generated secret key live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: SQLite (WAL) at <data_dir>/candid.db.",
    )
    secret_key: str | None = Field(
        default=None,
        description=(
            "Key for the encrypted session cookie (Fernet, url-safe base64 of 32 bytes). Every "
            "process behind one address needs the same key; default: generated once into "
            "<data_dir>/secret.key."
        ),
    )
    session_minutes: int = Field(
        default=120, gt=0, description="An interview left this long is forgotten."
    )
    diary_code_attempts: int = Field(
        default=5, gt=0, description="Wrong recovery codes per client before a lockout."
    )
    diary_lockout_minutes: int = Field(
        default=15, gt=0, description="How long the wrong-code lockout window lasts."
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description=(
            "Where per-client request counters live (a `limits` storage URI). memory:// is "
            "per process; with several processes use a shared one, e.g. redis://host:6379."
        ),
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Addresses or networks (comma-separated, e.g. '127.0.0.1,10.0.0.0/24') of the "
            "reverse proxies in front of Candid. Only requests from these may say, in "
            "X-Forwarded-For, which client they carry; from anyone else the header is "
            "ignored. Empty (the default): every request counts as coming from its peer."
        ),
    )
    feedback_comment_days: int = Field(
        default=90,
        gt=0,
        description=(
            "Days a feedback comment is kept; older comments are deleted (the rating and the "
            "day stay). Comments are free text, so someone may write more than they should."
        ),
    )
    pdf_workers: int = Field(
        default=1,
        ge=1,
        description=(
            "Processes that make visit-summary PDFs, per app process: the most renders at "
            "once. Each is a process of its own, so a render never slows the other pages."
        ),
    )
    pdf_queue: int = Field(
        default=4,
        ge=0,
        description=(
            "PDF requests that may wait for a free worker, per app process; more get 503 "
            "with Retry-After instead of queueing without bound."
        ),
    )
    pdf_rate_limit: str = Field(
        default="10/minute",
        description="PDFs per client (`limits` notation), counted where request counters are.",
    )
    cds_clients: Path | None = Field(
        default=None,
        description=(
            "A YAML list of the EHRs trusted to call the CDS Hooks services: {iss, jwks_url} or "
            "{iss, jwks}. None: the services accept unsigned calls (development, or a gateway "
            "that authenticates EHRs in front)."
        ),
    )
    emergency_phone: str = Field(
        default="999",
        pattern=r"^\+?[0-9]{2,15}$",
        description=(
            "The emergency number offered as a tap-to-call link when the advice is an "
            "emergency (default: the UK's 999; 911 in the US, 000 in Australia, 112 in the EU)."
        ),
    )
    same_day_phone: str = Field(
        default="111",
        pattern=r"^\+?[0-9]{2,15}$",
        description=(
            "A same-day advice line offered as a tap-to-call link when the advice is to get "
            "care today (default: the NHS's 111)."
        ),
    )
    affiliate_links: Path | None = Field(
        default=None,
        description=(
            "A YAML file mapping product-type ids to {url, label}: shown on the comfort guide "
            "with a disclosure. None by default: Candid has no affiliate links."
        ),
    )

    @field_validator("cds_cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        """A comma-separated list from the environment; each an origin, with no path, or *."""
        if isinstance(value, str):
            value = [part.rstrip("/") for part in _comma_list(value)]
        if isinstance(value, list):
            for origin in value:
                if origin != "*" and not re.fullmatch(r"https?://[^/?#\s]+", str(origin)):
                    raise ValueError(
                        f"{origin!r} is not an origin: give scheme and host, such as "
                        "https://ehr.example.org (no path), or *"
                    )
        return value

    @field_validator("pathways", mode="before")
    @classmethod
    def _pathways(cls, value: Any) -> Any:
        return _comma_list(value) if isinstance(value, str) else value

    @field_validator("pack_settings", mode="before")
    @classmethod
    def _pack_settings(cls, value: Any) -> Any:
        """`name=value,name=value` from the environment."""
        if isinstance(value, str):
            pairs = _comma_list(value)
            bad = [p for p in pairs if p.count("=") != 1 or not all(p.split("="))]
            if bad:
                raise ValueError(f"expected name=value pairs, got {', '.join(bad)}")
            value = {name.strip(): choice.strip() for name, choice in (p.split("=") for p in pairs)}
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        """A comma-separated list from the environment; each entry must be an address or a
        network, because a typo trusted as a name would silently trust nobody."""
        if isinstance(value, str):
            value = _comma_list(value)
        if isinstance(value, list):
            return [str(ipaddress.ip_network(str(v).strip(), strict=False)) for v in value]
        return value

    @property
    def https(self) -> bool:
        """Served over HTTPS: cookies are Secure and browsers are told to stay on HTTPS."""
        return self.public_url.startswith("https://")

    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'candid.db'}"

    @classmethod
    def from_env(cls) -> Settings:
        if "CANDID_SECURE_COOKIES" in os.environ:
            logging.getLogger("candid").warning(
                "CANDID_SECURE_COOKIES is no longer read: cookies are Secure whenever "
                "CANDID_PUBLIC_URL starts with https://"
            )
        return cls()


@cache
def settings() -> Settings:
    return Settings.from_env()

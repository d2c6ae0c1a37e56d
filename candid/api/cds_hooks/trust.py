"""Which EHRs may call the CDS services: the signed JWT on every call (CDS Hooks 2.0,
"Trusting CDS Clients").

With no clients configured the services are open: for development, and for deployments where
a gateway in front authenticates the EHR; a warning says so at start. With clients
configured (`CANDID_CDS_CLIENTS`, a YAML list), every call under /cds-services, discovery
included, must carry `Authorization: Bearer <JWT>` that is signed with an asymmetric key from
its issuer's JWK Set, names the endpoint called as its audience, lives at most five minutes,
and has not been seen before (`jti`). Anything else is a 401 problem that says what was wrong
with the token, never what was in the request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, NoReturn

import jwt
from fastapi import HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, TypeAdapter, model_validator

from candid.knowledge.yaml_io import read_yaml

log = logging.getLogger("candid.api")

# Asymmetric only: a shared-secret (HS*) or unsigned ("none") token proves nothing about who
# sent it. CDS Hooks 2.0 names ES384 and RS384; the others are the same families.
ALGORITHMS = ["ES384", "RS384", "ES256", "RS256", "ES512", "RS512", "PS384", "PS256"]
MAX_LIFETIME_SECONDS = 5 * 60  # "exp ... no more than 5 minutes in the future"
LEEWAY_SECONDS = 30  # clocks differ between the EHR and this server
SEEN_LIMIT = 100_000


class TrustedClient(BaseModel):
    """One EHR: its `iss`, and where its public keys are (a JWK Set URL or the set itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    iss: str = Field(min_length=1)
    jwks_url: HttpUrl | None = None
    jwks: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_key_source(self) -> TrustedClient:
        if (self.jwks_url is None) == (self.jwks is None):
            raise ValueError("give exactly one of jwks_url or jwks")
        if self.jwks is not None:
            jwt.PyJWKSet.from_dict(self.jwks)  # refuse a malformed set at start
        return self


class _Keys:
    """The signing key a token names (`kid`), from the client's set."""

    def __init__(self, client: TrustedClient) -> None:
        self._inline = jwt.PyJWKSet.from_dict(client.jwks) if client.jwks else None
        self._remote = (
            jwt.PyJWKClient(str(client.jwks_url), cache_keys=True, lifespan=3600, timeout=5)
            if client.jwks_url
            else None
        )

    def for_token(self, token: str, kid: str | None) -> jwt.PyJWK:
        if self._remote is not None:
            return self._remote.get_signing_key_from_jwt(token)
        assert self._inline is not None
        keys = self._inline.keys
        if kid is not None:
            return self._inline[kid]
        if len(keys) == 1:
            return keys[0]
        raise jwt.InvalidTokenError("the token names no key (kid) and the set has several")


class Trust:
    def __init__(self, clients: list[TrustedClient], public_url: str) -> None:
        self._keys = {c.iss: _Keys(c) for c in clients}
        self._base = public_url.rstrip("/")
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, authorization: str | None, path: str) -> None:
        """Raises 401 unless the bearer token is from a trusted EHR, for this endpoint."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            _refuse("Send Authorization: Bearer <JWT> signed by your EHR.")
        try:
            claims = self._verified(token.strip(), audience=self._base + path)
        except (jwt.InvalidTokenError, jwt.PyJWKClientError, KeyError) as err:
            _refuse(f"The token is not accepted: {_reason(err)}.")
        self._first_use(claims)

    def _verified(self, token: str, audience: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        iss = jwt.decode(token, options={"verify_signature": False}).get("iss")
        keys = self._keys.get(iss) if isinstance(iss, str) else None
        if keys is None:
            raise jwt.InvalidIssuerError("the issuer (iss) is not a trusted EHR")
        key = keys.for_token(token, header.get("kid"))
        # The bare key, not the JWK: a set often leaves out `alg`, and the JWK would then
        # insist on a guessed default (RS256) instead of the token's allowed algorithm.
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=iss,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
        )
        if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
            raise jwt.InvalidTokenError("it lives longer than five minutes (exp - iat)")
        return claims

    def _first_use(self, claims: dict[str, Any]) -> None:
        """Each token once (per process): a copied token cannot be played again."""
        now = time.time()
        key = (str(claims["iss"]), str(claims["jti"]))
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - LEEWAY_SECONDS:
                self._seen.popitem(last=False)  # expired: can no longer be replayed anyway
            if key in self._seen:
                _refuse("The token is not accepted: it was used before (jti).")
            if len(self._seen) >= SEEN_LIMIT:
                self._seen.popitem(last=False)
            self._seen[key] = float(claims["exp"])


def _reason(err: Exception) -> str:
    if isinstance(err, jwt.ExpiredSignatureError):
        return "it has expired"
    if isinstance(err, jwt.InvalidAudienceError):
        return "its audience (aud) is not this endpoint's URL"
    if isinstance(err, jwt.MissingRequiredClaimError):
        return f"it has no {err.claim} claim"
    if isinstance(err, jwt.InvalidAlgorithmError):
        return f"its algorithm is not one of {', '.join(ALGORITHMS)}"
    if isinstance(err, jwt.InvalidSignatureError):
        return "its signature does not match the issuer's keys"
    if isinstance(err, KeyError):
        return "its key (kid) is not in the issuer's key set"
    if isinstance(err, jwt.PyJWKClientError):
        return "the issuer's key set could not be read"
    return str(err).rstrip(".") or "it cannot be read"


def _refuse(detail: str) -> NoReturn:
    raise HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def load_trust(path: Path | None, public_url: str) -> Trust | None:
    """Raises ValueError naming the entry and field when the file is malformed."""
    if path is None:
        log.warning(
            "CDS Hooks: no trusted EHRs configured (CANDID_CDS_CLIENTS); the services accept "
            "unsigned calls"
        )
        return None
    clients = TypeAdapter(list[TrustedClient]).validate_python(read_yaml(path))
    return Trust(clients, public_url)


def require_trusted_client(request: Request) -> None:
    """FastAPI dependency for every CDS Hooks route."""
    trust: Trust | None = getattr(request.app.state, "cds_trust", None)
    if trust is not None:
        trust.check(request.headers.get("authorization"), request.url.path)

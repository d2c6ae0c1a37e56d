"""Only trusted EHRs may call the CDS services once trust is configured (CDS Hooks 2.0,
"Trusting CDS Clients"): each call carries a JWT the EHR signed for that endpoint."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from candid.api.app import create_app
from candid.settings import Settings
from tests.test_cds_hooks import PCB, URL, hook_request

BASE = "http://127.0.0.1:8000"
EHR = "https://ehr.example.org"
DISCOVERY = "/cds-services"
EHR_KEY = ec.generate_private_key(ec.SECP384R1())
OTHER_KEY = ec.generate_private_key(ec.SECP384R1())


def jwks(key: ec.EllipticCurvePrivateKey, kid: str = "ehr-1") -> dict[str, Any]:
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": kid, "alg": "ES384", "use": "sig"}]}


def token(
    path: str = URL,
    *,
    key: Any = EHR_KEY,
    alg: str = "ES384",
    iss: str = EHR,
    lifetime: int = 60,
    issued: float | None = None,
    jti: str | None = None,
    drop: str | None = None,
) -> str:
    now = time.time() if issued is None else issued
    claims: dict[str, Any] = {
        "iss": iss,
        "sub": "client-app-1",
        "aud": BASE + path,
        "iat": int(now),
        "exp": int(now) + lifetime,
        "jti": jti or str(uuid.uuid4()),
    }
    claims.pop(drop or "", None)
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": "ehr-1"})


def client_with(tmp_path: Path, clients: list[dict[str, Any]]) -> TestClient:
    config = tmp_path / "cds-clients.yaml"
    config.write_text(yaml.safe_dump(clients), encoding="utf-8")
    settings = Settings(rate_limit="100000/minute", cds_clients=config, public_url=BASE)
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def trusted(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return client_with(tmp_path_factory.mktemp("trust"), [{"iss": EHR, "jwks": jwks(EHR_KEY)}])


def call(client: TestClient, bearer: str | None, path: str = URL) -> Any:
    headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
    if path == DISCOVERY:
        return client.get(path, headers=headers)
    return client.post(path, json=hook_request([PCB]), headers=headers)


def test_a_signed_call_from_a_trusted_ehr_gets_its_card(trusted: TestClient) -> None:
    r = call(trusted, token())
    assert r.status_code == 200 and len(r.json()["cards"]) == 1
    assert call(trusted, token(DISCOVERY), DISCOVERY).status_code == 200


@pytest.mark.parametrize(
    ("bearer", "says"),
    [
        (None, "Authorization: Bearer"),
        (lambda: token(issued=time.time() - 600), "expired"),
        (lambda: token(lifetime=3600), "five minutes"),
        (lambda: token(DISCOVERY), "audience"),
        (lambda: token(iss="https://elsewhere.example"), "not a trusted EHR"),
        (lambda: token(key=OTHER_KEY), "signature"),
        (lambda: token(drop="jti"), "jti"),
        (lambda: token(key=b"x" * 48, alg="HS384"), "algorithm"),
        (lambda: "not.a.jwt", "not accepted"),
    ],
    ids=[
        "no token",
        "expired",
        "lives too long",
        "other endpoint",
        "unknown issuer",
        "wrong key",
        "no jti",
        "shared secret",
        "garbage",
    ],
)
def test_anything_else_is_a_401_problem_saying_why(
    trusted: TestClient, bearer: Any, says: str
) -> None:
    r = call(trusted, bearer() if bearer else None)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert says in r.json()["detail"]
    assert "cards" not in r.text


def test_a_token_works_once(trusted: TestClient) -> None:
    once = token(jti="single-use")
    assert call(trusted, once).status_code == 200
    again = call(trusted, once)
    assert again.status_code == 401 and "used before" in again.json()["detail"]


@pytest.fixture
def jwks_server() -> Iterator[str]:
    """The EHR publishing its key set at a URL, as most do."""
    body = json.dumps(jwks(EHR_KEY)).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()


def test_keys_can_come_from_the_ehrs_jwks_url(tmp_path: Path, jwks_server: str) -> None:
    client = client_with(tmp_path, [{"iss": EHR, "jwks_url": jwks_server}])
    assert call(client, token()).status_code == 200
    assert call(client, token(key=OTHER_KEY)).status_code == 401


def test_an_rsa_key_works_too(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    client = client_with(tmp_path, [{"iss": EHR, "jwks": {"keys": [{**public, "kid": "ehr-1"}]}}])
    assert call(client, token(key=key, alg="RS384")).status_code == 200


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"iss": EHR}, "jwks_url or jwks"),
        ({"iss": EHR, "jwks_url": "https://ehr.example.org/k", "jwks": jwks(EHR_KEY)}, "one of"),
        ({"iss": EHR, "jwks_url": "not a url"}, "jwks_url"),
        ({"jwks": jwks(EHR_KEY)}, "iss"),
    ],
    ids=["no keys", "both", "bad url", "no iss"],
)
def test_a_malformed_clients_file_stops_the_start_naming_the_field(
    tmp_path: Path, entry: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        client_with(tmp_path, [entry])


def test_without_configured_ehrs_the_services_stay_open(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(create_app(Settings(rate_limit="100000/minute")))
    assert call(client, None).status_code == 200
    assert "accept unsigned calls" in caplog.text

"""Nothing a person answers reaches the logs: not on success, not on bad input, not when
something breaks inside."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from candid.api import v1
from candid.api.app import create_app
from candid.settings import Settings

# Values unlikely to appear in a log for any other reason.
SECRET_FACTS = {"age": 87, "duration_weeks": 913, "sexual_assault": True}


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.args}" for r in caplog.records)


@pytest.fixture
def client() -> TestClient:
    return TestClient(
        create_app(Settings(rate_limit="100000/minute")), raise_server_exceptions=False
    )


def test_answers_are_not_logged_on_success_or_error(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert client.post("/v1/assess", json={"facts": SECRET_FACTS}).status_code == 200
    bad = {**SECRET_FACTS, "duration_weeks": 9131}
    assert client.post("/v1/assess", json={"facts": bad}).status_code == 422
    text = logged(caplog)
    for value in ("87", "913", "9131", "sexual_assault"):
        assert value not in text


def test_an_internal_error_is_a_problem_and_logs_no_answers(
    client: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"boom with {args!r}")

    monkeypatch.setattr(v1, "assess", broken)
    caplog.set_level(logging.DEBUG)
    r = client.post("/v1/assess", json={"facts": SECRET_FACTS})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert "boom" not in r.text and "87" not in r.text
    assert "913" not in logged(caplog)

"""A person's browser, without the browser: follows redirects, keeps cookies, reads forms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from httpx import Response

from candid.api.app import create_app
from candid.settings import Settings


def make_client(tmp: Path, **overrides: object) -> TestClient:
    config = Settings.model_validate({"data_dir": tmp, "rate_limit": "100000/minute", **overrides})
    return TestClient(create_app(config), raise_server_exceptions=False)


def soup(r: Response) -> BeautifulSoup:
    return BeautifulSoup(r.text, "html.parser")


def main_of(r: Response) -> Tag:
    """The page's <main>, where everything a person reads lives."""
    main = soup(r).find("main")
    assert isinstance(main, Tag), f"{r.url} has no <main>"
    return main


def csrf(r: Response) -> str:
    field = soup(r).select_one("input[name=csrf]")
    assert field is not None, "the page has no form with a CSRF token"
    value = field.get("value")
    assert isinstance(value, str)
    return value


def fact_of(r: Response) -> str | None:
    m = re.fullmatch(r".*/questions/(\w+)", str(r.url).split("?")[0])
    return m.group(1) if m else None


def start(client: TestClient) -> Response:
    home = client.get("/")
    r: Response = client.post("/start", data={"csrf": csrf(home)})
    return r


def answer(client: TestClient, r: Response, value: str, change: bool = False) -> Response:
    fact = fact_of(r)
    assert fact is not None, f"not on a question page: {r.url}"
    suffix = "?change=true" if change else ""
    out: Response = client.post(
        f"/questions/{fact}{suffix}", data={"csrf": csrf(r), "answer": value}
    )
    return out


def interview(
    client: TestClient, answers: Mapping[str, str], limit: int = 60
) -> tuple[Response, list[str]]:
    """Answer every question the app asks from `answers` ("unsure" otherwise) until it stops."""
    r = start(client)
    asked: list[str] = []
    while (fact := fact_of(r)) is not None:
        assert len(asked) < limit, f"the interview did not end within {limit} questions"
        asked.append(fact)
        r = answer(client, r, answers.get(fact, "unsure"))
        assert r.status_code == 200, f"{fact}: {r.status_code} {r.text[:300]}"
    return r, asked

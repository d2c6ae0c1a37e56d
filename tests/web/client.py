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


def unmasked_page(r: Response) -> str:
    """The page with its CSRF fields blanked: each page masks the token afresh (see
    candid.web.context.masked), so two renders of unchanged answers differ only there."""
    return re.sub(r'(name="csrf" value=")[^"]*"', r'\1"', r.text)


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


def group_of(r: Response) -> str | None:
    m = re.fullmatch(r".*/groups/(\w+)", str(r.url).split("?")[0])
    return m.group(1) if m else None


def group_items(r: Response) -> list[str]:
    """The facts a group page asks, in the order shown."""
    return [str(i["value"]) for i in soup(r).select("input[name=ticked]")]


def form_items(r: Response) -> list[str]:
    """The questions a form page holds, in order (a script shows those that apply)."""
    return [str(div["data-fact"]) for div in soup(r).select("form[data-candid-form] [data-fact]")]


def _unsure_in(div: Tag) -> dict[str, str]:
    """The field that says "not sure" for one question of a form."""
    fact = str(div["data-fact"])
    if div.select_one("input[type=text]") is not None:
        return {f"{fact}-unsure": "yes"}
    for radio in div.select("input[type=radio]"):
        label = div.select_one(f"label[for={radio['id']}]")
        text = label.get_text().lower() if label is not None else ""
        if radio["value"] == "unsure" or "not sure" in text or "don't know" in text:
            return {fact: str(radio["value"])}
    raise AssertionError(f"no way to say 'not sure' to {fact}")


def fill(client: TestClient, r: Response, answers: Mapping[str, str]) -> Response:
    """Answer a form page: each question from `answers`, "not sure" to the rest."""
    gid = group_of(r)
    assert gid is not None and form_items(r), f"not on a form page: {r.url}"
    data: dict[str, str] = {"csrf": csrf(r)}
    for div in soup(r).select("form[data-candid-form] [data-fact]"):
        fact = str(div["data-fact"])
        data.update({fact: answers[fact]} if fact in answers else _unsure_in(div))
    out: Response = client.post(f"/groups/{gid}", data=data)
    return out


def answered(client: TestClient) -> list[str]:
    """The questions answered so far, in order, from check-your-answers' Change links."""
    links = soup(client.get("/check")).select(".nhsuk-summary-list__row a")
    return [re.sub(r".*/questions/(\w+).*", r"\1", str(a["href"])) for a in links]


def tick(client: TestClient, r: Response, ticked: list[str]) -> Response:
    """Answer a group page: tick these boxes, or "None of these" when the list is empty."""
    gid = group_of(r)
    assert gid is not None, f"not on a group page: {r.url}"
    data: dict[str, str | list[str]] = {"csrf": csrf(r)}
    if ticked:
        data["ticked"] = ticked
    else:
        data["none"] = "yes"
    out: Response = client.post(f"/groups/{gid}", data=data)
    return out


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


def not_sure(r: Response) -> str:
    """How this question page lets a person say they do not know: the "I'm not sure" option,
    or the question's own answer that says so ("I don't know", "Maybe, I am not sure")."""
    page = soup(r)
    if page.select_one("input[name=answer][value=unsure], button[name=unsure]") is not None:
        return "unsure"
    for radio in page.select("input[name=answer][type=radio]"):
        label = page.select_one(f"label[for={radio['id']}]")
        text = label.get_text().lower() if label is not None else ""
        if "not sure" in text or "don't know" in text:
            return str(radio["value"])
    raise AssertionError(f"{r.url}: no way to say 'not sure'")


def interview(
    client: TestClient, answers: Mapping[str, str], limit: int = 60
) -> tuple[Response, list[str]]:
    """Answer every page the app shows from `answers` until it stops: a question not in
    `answers` gets "not sure", a box on a group page is ticked when its answer is "true"."""
    r = start(client)
    asked: list[str] = []
    while True:
        assert len(asked) < limit, f"the interview did not end within {limit} questions"
        if (fact := fact_of(r)) is not None:
            asked.append(fact)
            r = answer(client, r, answers[fact] if fact in answers else not_sure(r))
        elif group_of(r) is not None and form_items(r):
            r = fill(client, r, answers)
            # Only the questions that applied were asked (the page's script hides the rest):
            # the answers the app kept, as check-your-answers lists them.
            asked += [f for f in answered(client) if f not in asked]
        elif group_of(r) is not None:
            items = group_items(r)
            asked += items
            r = tick(client, r, [f for f in items if answers.get(f) == "true"])
        else:
            return r, asked
        assert r.status_code == 200, f"{asked[-1]}: {r.status_code} {r.text[:300]}"

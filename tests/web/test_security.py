"""Every response carries the security headers; pages load nothing from any other origin."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from candid.knowledge.models import Pack
from candid.settings import Settings
from candid.store.db import database
from candid.store.sessions import Sessions
from candid.web.session import MAX_COOKIE_BYTES, Interview, SessionCookies, secret_key
from tests.web.client import make_client, soup, start

PAGES = ["/", "/learn", "/learn/causes/chlamydia", "/learn/comfort", "/evidence", "/feedback"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return make_client(tmp_path_factory.mktemp("security"))


@pytest.mark.parametrize("url", [*PAGES, "/nowhere", "/v1/pathways", "/static/candid.css"])
def test_security_headers_on_every_response(client: TestClient, url: str) -> None:
    h = client.get(url).headers
    csp = h["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert not re.search(r"https?://", csp), "no external origins"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("url", PAGES)
def test_pages_load_only_their_own_assets_and_nothing_inline(client: TestClient, url: str) -> None:
    page = soup(client.get(url))
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
        for el in page.find_all(tag):
            value = el.get(attr)
            if tag == "script":
                assert value, "no inline script (the CSP would block it anyway)"
            if value:
                assert str(value).startswith(("/", "data:")), f"{tag} loads {value}"
    assert not page.find_all("style") and not page.select("[style]"), "no inline styles"


def test_the_stylesheet_has_no_third_party_urls_or_nhs_fonts(client: TestClient) -> None:
    css = client.get("/static/candid.css").text
    assert "assets.nhs.uk" not in css and "Frutiger" not in css
    assert all(u.startswith(("/", '"/', "data:")) for u in re.findall(r"url\(([^)]*)\)", css))


def test_answers_are_not_cached_by_shared_caches(client: TestClient) -> None:
    r = start(client)
    assert r.headers["cache-control"] == "no-store"


def test_the_session_cookie_is_httponly_and_unreadable(tmp_path: Path) -> None:
    client = make_client(tmp_path)
    r = client.get("/")
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("samesite", "SameSite")
    value = client.cookies["candid_session"]
    assert "heavy_bleeding" not in value and "csrf" not in value, "encrypted, not just signed"


def test_a_complete_interview_and_an_open_diary_fit_in_one_cookie(
    pack: Pack, tmp_path: Path
) -> None:
    """Browsers drop cookies over 4096 bytes: every patient question answered with its
    longest value, plus an unlocked diary, must still fit (a bigger pack would fail here)."""
    db = database(f"sqlite:///{tmp_path / 'candid.db'}")
    interview = Interview(started=True, diary=str(uuid.uuid4()), diary_key="k" * 44)
    for fid, fact in pack.facts.items():
        if fact.asked_by != "patient":
            continue
        if fact.type == "choice":
            value: bool | int | str = max(fact.choices or {}, key=len)
        elif fact.type == "integer":
            value = fact.maximum or 0
        else:
            value = True
        interview.answer(fid, value)
    cookies = SessionCookies(Fernet.generate_key(), 60, lambda: Sessions(db, 60))
    sealed, _ = cookies.seal(interview, None)
    assert len(sealed) + len("candid_session=") <= MAX_COOKIE_BYTES < 4096


def _key_of(data_dir: str) -> bytes:
    return secret_key(Settings(data_dir=Path(data_dir)))


def test_processes_starting_together_share_one_whole_secret_key(tmp_path: Path) -> None:
    """Several app processes start at once on a fresh data folder (as `-n 2` test workers
    and gunicorn workers do): none may read a half-written key, and all must agree."""
    with ProcessPoolExecutor(max_workers=6) as pool:
        keys = list(pool.map(_key_of, [str(tmp_path)] * 24))
    assert len(set(keys)) == 1
    Fernet(keys[0])  # a valid key, not an empty or partial file
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.key"]  # no drafts left

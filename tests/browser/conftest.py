"""The live app (uvicorn, one per xdist worker) and a Chromium browser driven by Playwright.

Each test gets a fresh browser context (no cookies carried over) and a page that records every
request it makes, so the tests can prove Candid never talks to a third party.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from candid.api.app import create_app
from candid.settings import Settings
from candid.web.routes.static import STATIC
from tests.browser.helpers import LiveServer, Traffic

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on a free loopback port, in a background thread, for this worker."""
    if not (STATIC / "candid.css").is_file():
        pytest.fail("the pages' CSS and JS are not built: run `make assets` first")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    data_dir = tmp_path_factory.mktemp("candid-data")
    config = Settings(
        data_dir=data_dir,
        rate_limit="100000/minute",
        public_url=base,
    )
    uv = uvicorn.Server(
        uvicorn.Config(create_app(config), log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            uv.should_exit = True
            pytest.fail(f"the app did not answer at {base} within 30 s")
        time.sleep(0.05)
    yield LiveServer(url=base, data_dir=data_dir)
    uv.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bypass_csp: let Playwright inject scripts (axe-core) despite the CSP"
    )


@pytest.fixture
def context(
    request: pytest.FixtureRequest, browser: Browser, server: LiveServer
) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=server.url,
        locale="en-GB",
        accept_downloads=True,
        bypass_csp=request.node.get_closest_marker("bypass_csp") is not None,
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def page(context: BrowserContext, traffic: Traffic, server: LiveServer) -> Iterator[Page]:
    """A page that records its requests, failed assets and script errors, checked at the end."""
    pg = context.new_page()
    traffic.watch(pg)
    yield pg
    assert not traffic.third_party(server.url), "requests to another origin"
    assert not traffic.errors, f"script or CSP errors in the console: {traffic.errors}"
    assert not traffic.broken, f"assets that failed to load: {traffic.broken}"

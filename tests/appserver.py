"""Candid as it is deployed: a real `candid serve` process on a loopback port, and the few
steps of the diary a browser takes, driven over HTTP with httpx.

The in-process TestClient cannot show what several processes sharing one database do, nor
what a real event loop and thread pool do under concurrent writes; these helpers can. Used by
tests/test_multiprocess.py, tests/test_diary_concurrency.py and benchmarks/diary_load.py.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from bs4 import BeautifulSoup

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")

START_SECONDS = 60.0
"""How long a process may take to answer its first request (it loads the pack on start)."""

STOP_SECONDS = 10.0
"""How long a process gets to shut down on SIGTERM before it is killed."""

EPISODE = {
    "amount": "light",
    "colour": "bright_red",
    "timing": "right_after",
    "pain": "none",
    "lubricant": "no",
    "cycle_day": "",
}
"""A valid episode's fields, apart from the day, the notes and the CSRF token."""


@dataclass
class AppProcess:
    """One running `candid serve` process, started as a deployment starts it."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """The end of what the process printed, to explain a failure."""
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not ended within STOP_SECONDS."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_SECONDS)


def app_env(database_url: str, secret_key: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The process environment: this one's, without any CANDID_* setting that would leak in
    from the shell, plus the given database, key and data folder, and a rate limit no test
    reaches (the limiter counts per process, and every request here comes from 127.0.0.1)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANDID_")}
    env.update(
        CANDID_DATABASE_URL=database_url,
        CANDID_SECRET_KEY=secret_key,
        CANDID_DATA_DIR=str(data_dir),
        CANDID_RATE_LIMIT="100000/minute",
        XDG_DATA_HOME=str(data_dir),
    )
    env.update({f"CANDID_{k.upper()}": v for k, v in extra.items()})
    return env


def _spawn(env: Mapping[str, str], log: Path) -> AppProcess:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "candid", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return AppProcess(process, port, log)


def _wait_ready(app: AppProcess, deadline: float) -> bool:
    """True once GET / answers 200; False if the process ended first (e.g. the port was
    taken between choosing it and binding it). Raises if it is still silent at `deadline`."""
    while True:
        if app.process.poll() is not None:
            return False
        try:
            if httpx.get(app.url + "/", timeout=2.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{app.url} did not answer within {START_SECONDS} s:\n{app.output()}"
            )
        time.sleep(0.1)


@contextmanager
def serving(envs: list[dict[str, str]], log_dir: Path) -> Iterator[list[AppProcess]]:
    """Starts one process per environment, all at once, and yields them once each answers
    GET /. Every process is stopped on the way out, whatever happened inside."""
    with ExitStack() as stack:
        apps: list[AppProcess] = []
        for i, env in enumerate(envs):
            app = _spawn(env, log_dir / f"app-{i}.log")
            stack.callback(app.stop)
            apps.append(app)
        deadline = time.monotonic() + START_SECONDS
        for i, env in enumerate(envs):
            for _ in range(5):
                if _wait_ready(apps[i], deadline):
                    break
                failed = apps[i]
                apps[i] = _spawn(env, log_dir / f"app-{i}.log")
                stack.callback(apps[i].stop)
            else:
                raise RuntimeError(f"the app process would not start:\n{failed.output()}")
        yield apps


def run_async(main: Coroutine[Any, Any, T], within_seconds: float) -> T:
    """Runs `main` to the end on a new event loop in its own thread, failing it after
    `within_seconds`. Its own thread because this one may already run a loop (Playwright's
    sync API, used by the browser tests in the same pytest worker, leaves one running), and
    asyncio.run refuses to start inside a running loop."""

    async def bounded() -> T:
        return await asyncio.wait_for(main, within_seconds)

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, bounded()).result()


def csrf_of(html: str) -> str:
    field = BeautifulSoup(html, "html.parser").select_one("input[name=csrf]")
    assert field is not None, "the page has no form with a CSRF token"
    value = field.get("value")
    assert isinstance(value, str)
    return value


def code_of(html: str) -> str:
    node = BeautifulSoup(html, "html.parser").select_one("#recovery-code")
    assert node is not None, "the page shows no recovery code"
    return node.get_text(strip=True)


def episode_form(csrf: str, notes: str, day: dt.date | None = None) -> dict[str, str]:
    return {**EPISODE, "csrf": csrf, "day": (day or dt.date.today()).isoformat(), "notes": notes}


def new_diary(client: httpx.Client) -> tuple[str, str]:
    """Starts a diary the way a person does; returns (recovery code, CSRF token). The client
    keeps the session cookie that now holds the diary's key; the token, made with the session
    on the first page, stays the same for every later form."""
    start = client.get("/diary")
    assert start.status_code == 200, start.text[:300]
    made = client.post("/diary/new", data={"csrf": csrf_of(start.text)})
    assert made.status_code == 200, made.text[:300]
    return code_of(made.text), csrf_of(start.text)


async def new_diary_async(client: httpx.AsyncClient) -> tuple[str, str]:
    """new_diary for an async client."""
    start = await client.get("/diary")
    assert start.status_code == 200, start.text[:300]
    made = await client.post("/diary/new", data={"csrf": csrf_of(start.text)})
    assert made.status_code == 200, made.text[:300]
    return code_of(made.text), csrf_of(start.text)


def notes_in_csv(text: str) -> list[str]:
    """The notes column of a diary's CSV export, one entry per episode."""
    rows = list(csv.DictReader(io.StringIO(text)))
    return [row["notes"] for row in rows]

"""`candid serve` with default settings, from outside, as an attacker on the network sees it:
rotating X-Forwarded-For does not escape the wrong-code lockout, and the inputs that once made
a 500 get a 4xx. One real process (SQLite in a temporary folder, nothing else set). And the
PDF worker process it starts ends with it, however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from candid.diary.codes import new_code
from tests.appserver import EPISODE, AppProcess, code_of, csrf_of, serving


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AppProcess]:
    """A process of its own for each test: the lockout one locks this machine out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANDID_")}
    env.update(CANDID_DATA_DIR=str(tmp_path / "data"), XDG_DATA_HOME=str(tmp_path))
    with serving([env], tmp_path) as (app,):
        yield app


def _client(app: AppProcess) -> httpx.Client:
    return httpx.Client(base_url=app.url, timeout=30.0)


def test_rotating_x_forwarded_for_does_not_escape_the_wrong_code_lockout(
    server: AppProcess,
) -> None:
    """Six wrong codes, each claiming another address: the sixth is refused (429). uvicorn's
    default trusts the header from loopback, which made all six a 422."""
    with _client(server) as client:
        token = csrf_of(client.get("/diary").text)
        statuses = [
            client.post(
                "/diary/open",
                data={"csrf": token, "code": new_code()},
                headers={"x-forwarded-for": f"203.0.113.{i}"},
            ).status_code
            for i in range(1, 7)
        ]
    assert statuses == [422] * 5 + [429], statuses


def test_the_inputs_that_made_a_500_get_a_4xx(server: AppProcess) -> None:
    deep = "[" * 20_000 + "]" * 20_000
    with _client(server) as client:
        r = client.post(
            "/fhir/Questionnaire/postcoital-bleeding/$assess",
            content=f'{{"resourceType": "QuestionnaireResponse", "item": {deep}}}',
            headers={"content-type": "application/fhir+json"},
        )
        assert r.status_code == 400, r.text[:300]  # cannot be read: FHIR's 400
        assert r.json()["issue"][0]["expression"] == ["body"]

        start = client.get("/diary")
        made = client.post("/diary/new", data={"csrf": csrf_of(start.text)})
        token = csrf_of(start.text)
        for cycle_day in ("²", "1" * 5000):
            r = client.post(
                "/diary/episodes/new",
                data={**EPISODE, "csrf": token, "day": "2026-01-05", "cycle_day": cycle_day},
            )
            assert r.status_code == 422, r.text[:300]
            assert 'href="#cycle_day"' in r.text

        # A second browser holds the same diary open; the first deletes it.
        with _client(server) as other:
            opened = other.post(
                "/diary/open",
                data={"csrf": csrf_of(other.get("/diary").text), "code": code_of(made.text)},
            )
            assert opened.status_code == 303, opened.text[:300]
            form = other.get("/diary/episodes/new")
            client.post("/diary/delete", data={"csrf": token})
            late = other.post(
                "/diary/episodes/new",
                data={**EPISODE, "csrf": csrf_of(form.text), "day": "2026-01-05"},
            )
            assert late.status_code == 410, late.text[:300]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that does not reap it counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_the_pdf_worker_ends_with_the_server(server: AppProcess, how: signal.Signals) -> None:
    """uvicorn ends on SIGTERM by raising it again after shutdown, which skips Python's exit
    handlers; a SIGKILL skips everything. Either way no PDF worker may live on, orphaned."""
    workers = [
        pid
        for pid in _children(server.process.pid)
        if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    ]
    assert workers, "the server starts its PDF worker"
    server.process.send_signal(how)
    server.process.wait(10)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "a PDF worker outlived its server"

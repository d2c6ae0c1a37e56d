"""Benchmark (not a test): does making visit-summary PDFs slow the other pages down?

Goal: while 4 PDF downloads of a 250-episode diary are in progress, `GET /` still answers in
under 200 ms.

    make bench-pdf
    .venv/bin/python benchmarks/pdf_load.py [--episodes 250] [--concurrent 4]

One real `candid serve` process with default settings but the request limit (SQLite in a
temporary folder), on loopback. A person starts a diary and records the episodes (not
timed), downloads the PDF once (so the first render's start-up is not counted), then asks for
`--concurrent` PDFs at once; meanwhile a second client, a new visitor, requests the start
page back to back until the last PDF arrives. Printed: the start page's latency alone and
during the renders (p50, p95, max), each PDF's status and time, and what the PDF says it left
out. Client and server share this machine's CPUs, so the figures include the client's own
time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.appserver import EPISODE, AppProcess, new_diary, serving  # noqa: E402

GOAL_MS = 200.0


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile: the value at or below which p% of the samples fall."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _figures(samples: list[float]) -> str:
    ordered = sorted(samples)
    return (
        f"p50 {percentile(ordered, 50):.0f} ms, p95 {percentile(ordered, 95):.0f} ms, "
        f"max {ordered[-1]:.0f} ms ({len(ordered)} requests)"
    )


def _fill(app: AppProcess, episodes: int) -> dict[str, str]:
    """A diary with `episodes` episodes over the last two years; returns its cookies."""
    rng = random.Random(250)
    today = dt.date.today()
    with httpx.Client(base_url=app.url, timeout=60.0) as client:
        _, token = new_diary(client)
        for i in range(episodes):
            day = today - dt.timedelta(days=rng.randrange(730))
            form = {
                **EPISODE,
                "csrf": token,
                "day": day.isoformat(),
                "cycle_day": str(rng.randint(1, 28)),
                "notes": f"episode {i}: after sex, a little sore, noticed on the tissue",
            }
            r = client.post("/diary/episodes/new", data=form)
            assert r.status_code == 303, f"episode {i}: {r.status_code} {r.text[:300]}"
        return dict(client.cookies)


async def _start_page_until(client: httpx.AsyncClient, done: asyncio.Event) -> list[float]:
    samples: list[float] = []
    while not done.is_set():
        t0 = time.perf_counter()
        r = await client.get("/")
        samples.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.status_code
        await asyncio.sleep(0.02)
    return samples


async def _pdf(client: httpx.AsyncClient) -> tuple[int, float, bytes]:
    t0 = time.perf_counter()
    r = await client.get("/summary.pdf")
    return r.status_code, time.perf_counter() - t0, r.content


def _left_out(pdf: bytes) -> str:
    """The PDF's own words on the episodes it does not list (pdftotext, from poppler)."""
    if shutil.which("pdftotext") is None:
        return "(pdftotext is not installed)"
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    words = " ".join(out.stdout.decode().split())
    start = words.find("Listed above:")
    return words[start : words.find(".", start) + 1] if start >= 0 else "(nothing left out)"


async def _measure(app: AppProcess, cookies: dict[str, str], concurrent: int) -> None:
    limits = httpx.Limits(max_connections=concurrent + 2)
    async with (
        httpx.AsyncClient(base_url=app.url, cookies=cookies, timeout=300.0, limits=limits) as me,
        httpx.AsyncClient(base_url=app.url, timeout=60.0) as visitor,
    ):
        status, seconds, pdf = await _pdf(me)
        print(f"first PDF (warm-up): {status}, {seconds:.2f} s, {len(pdf) / 1000:.0f} KB")
        print(f"  it says: {_left_out(pdf)}")
        idle = [await _timed_get(visitor) for _ in range(30)]
        print(f"GET / alone:            {_figures(idle)}")
        done = asyncio.Event()
        poller = asyncio.create_task(_start_page_until(visitor, done))
        await asyncio.sleep(0.05)
        results = await asyncio.gather(*(_pdf(me) for _ in range(concurrent)))
        done.set()
        busy = await poller
        print(f"GET / during {concurrent} PDFs:  {_figures(busy)}")
        for i, (status, seconds, pdf) in enumerate(results, 1):
            print(f"  PDF {i}: {status}, {seconds:.2f} s, {len(pdf) / 1000:.0f} KB")
        slowest = max(busy)
        verdict = "met" if slowest < GOAL_MS else "NOT met"
        print(f"goal: every GET / under {GOAL_MS:.0f} ms during the renders: {verdict}")


async def _timed_get(client: httpx.AsyncClient) -> float:
    t0 = time.perf_counter()
    r = await client.get("/")
    assert r.status_code == 200, r.status_code
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=250)
    parser.add_argument("--concurrent", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="candid-bench-pdf-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CANDID_")}
        env.update(CANDID_DATA_DIR=str(Path(tmp) / "data"), XDG_DATA_HOME=tmp)
        # The person and the visitor both come from 127.0.0.1, and the visitor asks for the
        # start page dozens of times a second: the request limit (600/minute per address)
        # would cut in. Every other setting, the PDF limits included, is the default.
        env.update(CANDID_RATE_LIMIT="100000/minute")
        with serving([env], Path(tmp)) as (app,):
            t0 = time.perf_counter()
            cookies = _fill(app, args.episodes)
            print(f"diary of {args.episodes} episodes made in {time.perf_counter() - t0:.1f} s")
            asyncio.run(_measure(app, cookies, args.concurrent))


if __name__ == "__main__":
    main()

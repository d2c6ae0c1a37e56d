"""Benchmark (not a test): diary writes under load, on SQLite and on PostgreSQL.

Goal: zero lost writes, and p99 latency of POST /diary/episodes/new under 50 ms, at 50
concurrent writers.

    make bench-diary
    .venv/bin/python benchmarks/diary_load.py [--writers 50] [--writes 20 | --seconds 10]
                                              [--backend sqlite|postgresql|both]

For each backend a real `uvicorn` process serves Candid on loopback (one process, as `candid
serve` runs it); PostgreSQL is a throwaway server (tests/postgres.py). Each writer is a
person with their own diary and connection: the diaries are made first (not timed), then all
writers start together and record episodes one after another, each with distinct notes.
Latency is measured in the client, from sending the form to reading the 303, so it includes
the client's own time: the writers and the server share this machine's CPUs. Afterwards each
diary is exported (CSV) and its notes compared with the writes the server acknowledged: any
missing is a lost write.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.appserver import (  # noqa: E402
    AppProcess,
    app_env,
    episode_form,
    new_diary_async,
    notes_in_csv,
    serving,
)
from tests.postgres import PostgresUnavailable, start_server  # noqa: E402

GOAL_P99_MS = 50.0
SAVED = "/diary/episodes?saved=added"


@dataclass
class Writer:
    """One person's client, diary and results."""

    client: httpx.AsyncClient
    token: str = ""
    latencies_ms: list[float] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    failures: Counter[int] = field(default_factory=Counter)


@dataclass
class Result:
    backend: str
    writes: int
    seconds: float
    latencies_ms: list[float]
    lost: int
    duplicated: int
    failures: Counter[int]


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile: the value at or below which p% of the samples fall."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Plan:
    """How much each writer writes: `count` episodes, or (seconds > 0) until `deadline`,
    which is fixed only at the start signal so the diaries' making is not counted."""

    count: int
    seconds: float
    pace: float = 0.0
    """Mean seconds each writer waits between its writes (0: back to back, the server
    saturated); waits are random, so the writers' requests interleave as real ones do."""
    deadline: float = 0.0

    def more(self, done: int) -> bool:
        return time.perf_counter() < self.deadline if self.seconds else done < self.count


async def _write(w: int, writer: Writer, go: asyncio.Event, plan: Plan) -> None:
    await go.wait()
    rng = random.Random(w)
    if plan.pace:  # people do not all press Save in the same millisecond
        await asyncio.sleep(rng.uniform(0, plan.pace))
    n = 0
    while plan.more(n):
        note = f"writer {w:03d} episode {n:05d}"
        t0 = time.perf_counter()
        r = await writer.client.post("/diary/episodes/new", data=episode_form(writer.token, note))
        elapsed = (time.perf_counter() - t0) * 1000
        if r.status_code == 303 and r.headers.get("location") == SAVED:
            writer.latencies_ms.append(elapsed)
            writer.acknowledged.append(note)
        else:
            writer.failures[r.status_code] += 1
        n += 1
        if plan.pace:  # think time, exponential around the pace (arrivals as a Poisson stream)
            await asyncio.sleep(rng.expovariate(1 / plan.pace))


async def load(
    app: AppProcess, backend: str, writers: int, writes: int, seconds: float, pace: float
) -> Result:
    limits = httpx.Limits(max_connections=1)
    people = [
        Writer(httpx.AsyncClient(base_url=app.url, timeout=60.0, limits=limits))
        for _ in range(writers)
    ]
    try:

        async def start(writer: Writer) -> None:
            _, writer.token = await new_diary_async(writer.client)

        await asyncio.gather(*(start(p) for p in people))
        go = asyncio.Event()
        plan = Plan(writes, seconds, pace)
        tasks = [asyncio.create_task(_write(w, p, go, plan)) for w, p in enumerate(people)]
        await asyncio.sleep(0)  # every writer now waits for the signal
        t0 = time.perf_counter()
        plan.deadline = t0 + seconds
        go.set()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0

        lost = duplicated = 0
        for p in people:
            export = await p.client.get("/diary/export.csv")
            export.raise_for_status()
            stored = Counter(notes_in_csv(export.text))
            lost += sum(1 for note in p.acknowledged if stored[note] == 0)
            duplicated += sum(k - 1 for k in stored.values() if k > 1)
    finally:
        await asyncio.gather(*(p.client.aclose() for p in people), return_exceptions=True)
    return Result(
        backend=backend,
        writes=sum(len(p.acknowledged) for p in people),
        seconds=elapsed,
        latencies_ms=sorted(x for p in people for x in p.latencies_ms),
        lost=lost,
        duplicated=duplicated,
        failures=sum((p.failures for p in people), Counter()),
    )


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    """The URL of a fresh database on `backend`; a PostgreSQL server lives only inside."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'candid.db'}"
        return
    server = start_server()
    try:
        yield server.create_database("candid_bench")
    finally:
        server.stop()


def run(backend: str, writers: int, writes: int, seconds: float, pace: float) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"candid-bench-diary-{backend}-") as folder:
        tmp = Path(folder)
        with database(backend, tmp) as url:
            env = app_env(url, Fernet.generate_key().decode(), tmp / "data")
            with serving([env], tmp) as (app,):
                return asyncio.run(load(app, backend, writers, writes, seconds, pace))


def report(r: Result, writers: int, pace: float) -> None:
    lat = r.latencies_ms
    p50 = statistics.median(lat) if lat else float("nan")
    p99 = percentile(lat, 99) if lat else float("nan")
    failures = ", ".join(f"{n}x HTTP {s}" for s, n in sorted(r.failures.items())) or "none"
    how = f"each waiting {pace:g} s between writes" if pace else "back to back (saturated)"
    print(
        f"{r.backend}: {writers} concurrent writers, {how}: {r.writes} writes in {r.seconds:.2f} s"
    )
    print(f"  writes/s      {r.writes / r.seconds:8.1f}")
    print(f"  latency p50   {p50:8.1f} ms")
    print(f"  latency p99   {p99:8.1f} ms   ({p99 / GOAL_P99_MS:.2f}x goal)")
    print(f"  max           {lat[-1] if lat else float('nan'):8.1f} ms")
    print(f"  lost writes   {r.lost:8d}")
    print(f"  duplicated    {r.duplicated:8d}")
    print(f"  failed        {failures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--writes", type=int, default=20, help="episodes per writer")
    parser.add_argument(
        "--seconds", type=float, default=0.0, help="write for this long instead of --writes"
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="seconds each writer waits between writes (default 0: back to back)",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"goal: zero lost, p99 under {GOAL_P99_MS:.0f} ms at 50 concurrent writers")
    for backend in backends:
        try:
            result = run(backend, args.writers, args.writes, args.seconds, args.pace)
        except PostgresUnavailable as error:
            print(f"{backend}: not run: {error}")
            continue
        report(result, args.writers, args.pace)


if __name__ == "__main__":
    main()

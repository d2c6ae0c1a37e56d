"""Timing one full assessment (posterior, urgency, workup, next question and presentation)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from candid.engine import assess
from candid.knowledge.models import Pack

GOAL_P50_MS = 1.0


@dataclass(frozen=True)
class BenchResult:
    runs: int
    per_second: float
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @property
    def p50_vs_goal(self) -> float:
        return self.p50_ms / GOAL_P50_MS


def run_bench(
    pack: Pack, profiles: Sequence[Mapping[str, Any]], runs: int = 2000, warmup: int = 200
) -> BenchResult:
    for i in range(warmup):
        assess(pack, profiles[i % len(profiles)])
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(runs):
        t0 = time.perf_counter_ns()
        assess(pack, profiles[i % len(profiles)])
        samples.append((time.perf_counter_ns() - t0) / 1e6)
    elapsed = time.perf_counter() - started
    samples.sort()
    return BenchResult(
        runs=runs,
        per_second=runs / elapsed,
        p50_ms=statistics.median(samples),
        p99_ms=samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        mean_ms=statistics.fmean(samples),
    )

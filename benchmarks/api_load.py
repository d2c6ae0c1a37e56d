"""Benchmark (not a test): POST /v1/assess and POST /v1/interview throughput and p99 under
concurrent load from a second process on loopback, against a bare FastAPI endpoint returning
fixed JSON in the same run. Goals: the interview step at least half the bare endpoint's
throughput, p99 under 20 ms; the full report p99 under 20 ms.

    make bench-api        # installs Debian's wrk if missing, then runs this
    .venv/bin/python benchmarks/api_load.py [--seconds 10] [--rounds 5] [--connections 8]

Each server runs as one uvicorn worker in its own process, all started together; the load
comes from wrk (a separate process, one thread, loopback only), against one server at a time,
in rounds that visit every server in turn (on a shared machine the speed drifts by half over
minutes; rounds seconds apart see the same machine), posting
the facts of every public vignette in turn (for the report) or the answers at every step of
the replayed interview of every public vignette (for the interview step: what an app sends
page after page). Two more servers are Candid's app with the engine replaced by a fixed answer
(the report's, the interview step's): what the middlewares, validation and encoding cost on
their own, so the engine's share can be read off, and the most any engine could reach here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LUA = """
local bodies = {}
for line in io.lines("%s") do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i %% #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(target: str, port: int, factory: bool) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if factory:
        cmd.append("--factory")
    env = {**os.environ, "CANDID_RATE_LIMIT": "100000000/minute", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server {target} did not start")


def write_bodies(folder: Path) -> Path:
    path = folder / "bodies.jsonl"
    lines = []
    for file in sorted((ROOT / "vignettes").glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(json.dumps({"facts": json.loads(line)["facts"]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_steps(folder: Path) -> Path:
    """The answers at each step of each public vignette's replayed interview (typical
    respondent), as an app would post them page after page."""
    sys.path.insert(0, str(ROOT))
    from candid.evaluation.interview import converse
    from candid.evaluation.vignettes import load_vignettes
    from candid.knowledge.loader import load_pack

    pack = load_pack()
    lines = []
    for case in load_vignettes(ROOT / "vignettes"):
        truth = {k: v for k, v in case.facts.items() if pack.facts[k].asked_by == "patient"}
        talk = converse(pack, truth)
        facts: dict[str, object] = {}
        lines.append(json.dumps({"facts": facts}))
        for page in talk.pages:
            facts = {**facts, **{f: talk.facts[f] for f in page if f in talk.facts}}
            lines.append(json.dumps({"facts": facts}))
    path = folder / "steps.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise SystemExit(f"cannot read a latency from wrk: {text!r}")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


@dataclass
class Load:
    """One server and the requests posted to it, with what each round measured."""

    name: str
    url: str
    script: Path
    rounds: list[dict[str, float]] = field(default_factory=list)

    def measure(self, seconds: int, connections: int) -> None:
        wrk = ["wrk", "-t1", f"-c{connections}", "--latency", "-s", str(self.script)]
        out = subprocess.run(
            [*wrk, f"-d{seconds}s", self.url], capture_output=True, text=True, check=True
        ).stdout
        per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
        p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        self.rounds.append(
            {
                "per_second": per_second,
                "p50_ms": p50,
                "p99_ms": p99,
                "non_2xx": float(non2xx.group(1)) if non2xx else 0.0,
            }
        )

    def median(self, key: str) -> float:
        return statistics.median(r[key] for r in self.rounds)


def ratio(over: Load, under: Load) -> float:
    """The median, over rounds, of one server's throughput over another's in the same round:
    rounds minutes apart on a shared machine can differ by half, rounds seconds apart less."""
    return statistics.median(
        a["per_second"] / b["per_second"] for a, b in zip(over.rounds, under.rounds, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per load")
    parser.add_argument("--rounds", type=int, default=5, help="rounds the seconds are split in")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run `make bench-api` (it installs Debian's wrk)")
    each = max(1, args.seconds // args.rounds)
    servers = {
        "bare": ("benchmarks.bare_app:app", False),
        "sized": ("benchmarks.bare_app:sized_app", False),
        "floor": ("benchmarks.bare_app:candid_without_engine", True),
        "step_floor": ("benchmarks.bare_app:candid_interview_without_engine", True),
        "candid": ("candid.api.app:create_app", True),
    }
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        bodies = Path(tmp) / "post.lua"
        bodies.write_text(LUA % write_bodies(Path(tmp)), encoding="utf-8")
        steps = Path(tmp) / "steps.lua"
        steps.write_text(LUA % write_steps(Path(tmp)), encoding="utf-8")
        try:
            base: dict[str, str] = {}
            for key, (target, factory) in servers.items():
                port = free_port()
                procs.append(start(target, port, factory))
                base[key] = f"http://127.0.0.1:{port}"
            loads = {
                "bare": Load("bare FastAPI, tiny fixed JSON", base["bare"] + "/v1/assess", bodies),
                "sized": Load(
                    "bare FastAPI, assessment-size JSON", base["sized"] + "/v1/assess", bodies
                ),
                "floor": Load("candid app, report fixed", base["floor"] + "/v1/assess", bodies),
                "step_floor": Load(
                    "candid app, interview step fixed",
                    base["step_floor"] + "/v1/interview",
                    steps,
                ),
                "assess": Load("candid POST /v1/assess", base["candid"] + "/v1/assess", bodies),
                "step": Load(
                    "candid POST /v1/interview, each step",
                    base["candid"] + "/v1/interview",
                    steps,
                ),
            }
            for load in loads.values():  # warm-up, not kept
                load.measure(2, args.connections)
                load.rounds.clear()
            # Round by round, every load in turn: what the machine's neighbours do to the
            # figures, they do to all of them alike.
            for _ in range(args.rounds):
                for load in loads.values():
                    load.measure(each, args.connections)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=10)
    report(loads, args, each)


def report(loads: dict[str, Load], args: argparse.Namespace, each: int) -> None:
    print(
        f"load: wrk, 1 thread, {args.connections} connections, loopback; {args.rounds} rounds "
        f"of {each} s per load, every load in turn; medians over the rounds (p99: median, "
        "worst round)"
    )
    for load in loads.values():
        worst = max(r["p99_ms"] for r in load.rounds)
        non2xx = int(sum(r["non_2xx"] for r in load.rounds))
        print(
            f"{load.name:36s} {load.median('per_second'):8.0f} req/s  "
            f"p50 {load.median('p50_ms'):6.2f} ms  p99 {load.median('p99_ms'):6.2f} ms "
            f"(worst {worst:6.2f})  non-2xx {non2xx}"
        )
    bare, sized, floor = loads["bare"], loads["sized"], loads["floor"]
    assess, step, step_floor = loads["assess"], loads["step"], loads["step_floor"]
    print(
        f"report: throughput ratio {ratio(assess, bare):.2f} of bare (tiny), "
        f"{ratio(assess, sized):.2f} (same size); p99 {assess.median('p99_ms'):.1f} ms "
        "(goal < 20 ms)"
    )
    print(
        f"interview step: throughput ratio {ratio(step, bare):.2f} of bare (goal >= 0.50), "
        f"p99 {step.median('p99_ms'):.1f} ms (goal < 20 ms)"
    )
    print(
        "ceiling for any engine behind this app (engine replaced by a fixed answer): report "
        f"{ratio(floor, bare):.2f}, interview step {ratio(step_floor, bare):.2f} of bare; the "
        f"engine's share of a request: report {1 - ratio(assess, floor):.0%}, interview step "
        f"{1 - ratio(step, step_floor):.0%}"
    )


if __name__ == "__main__":
    main()

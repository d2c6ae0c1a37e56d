"""Benchmark (not a test): POST /v1/assess and POST /v1/interview throughput and p99 under
concurrent load from a second process on loopback, against a bare FastAPI endpoint returning
fixed JSON in the same run. Goals: the interview step at least half the bare endpoint's
throughput, p99 under 20 ms; the full report p99 under 20 ms.

    make bench-api        # installs Debian's wrk if missing, then runs this
    .venv/bin/python benchmarks/api_load.py [--seconds 10] [--connections 8]

Each server runs as one uvicorn worker in its own process, one after the other; the load
comes from wrk (a separate process, one thread, loopback only, bounded by --seconds), posting
the facts of every public vignette in turn (for the report) or the answers at every step of
the replayed interview of every public vignette (for the interview step: what an app sends
page after page). A fourth server is Candid's app with the engine replaced by a fixed answer:
what the middlewares, validation and encoding cost on their own, so the engine's share can be
read off.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
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


def run(
    target: str,
    factory: bool,
    script: Path,
    args: argparse.Namespace,
    path: str = "/v1/assess",
) -> dict[str, float]:
    port = free_port()
    proc = start(target, port, factory)
    url = f"http://127.0.0.1:{port}{path}"
    try:
        # warm-up, then the measured run
        wrk = ["wrk", "-t1", f"-c{args.connections}", "--latency", "-s", str(script)]
        subprocess.run([*wrk, "-d2s", url], capture_output=True, check=True)
        out = subprocess.run(
            [*wrk, f"-d{args.seconds}s", url], capture_output=True, text=True, check=True
        ).stdout
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "per_second": per_second,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": float(non2xx.group(1)) if non2xx else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run `make bench-api` (it installs Debian's wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        bodies = write_bodies(Path(tmp))
        script = Path(tmp) / "post.lua"
        script.write_text(LUA % bodies, encoding="utf-8")
        bare = run("benchmarks.bare_app:app", False, script, args)
        sized = run("benchmarks.bare_app:sized_app", False, script, args)
        floor = run("benchmarks.bare_app:candid_without_engine", True, script, args)
        candid = run("candid.api.app:create_app", True, script, args)
        steps = Path(tmp) / "steps.lua"
        steps.write_text(LUA % write_steps(Path(tmp)), encoding="utf-8")
        step = run("candid.api.app:create_app", True, steps, args, "/v1/interview")
    print(f"load: wrk, 1 thread, {args.connections} connections, {args.seconds} s each, loopback")
    rows = (
        ("bare FastAPI, tiny fixed JSON", bare),
        ("bare FastAPI, assessment-size JSON", sized),
        ("candid app, engine replaced by fixed", floor),
        ("candid POST /v1/assess", candid),
        ("candid POST /v1/interview, each step", step),
    )
    for name, r in rows:
        print(
            f"{name:36s} {r['per_second']:8.0f} req/s  p50 {r['p50_ms']:6.2f} ms  "
            f"p99 {r['p99_ms']:6.2f} ms  non-2xx {int(r['non_2xx'])}"
        )
    print(
        f"throughput ratio candid/bare: {candid['per_second'] / bare['per_second']:.2f} (tiny), "
        f"{candid['per_second'] / sized['per_second']:.2f} (same size); goal >= 0.50. "
        f"candid p99 {candid['p99_ms']:.1f} ms (goal < 20 ms)"
    )
    print(
        f"interview step: throughput ratio {step['per_second'] / bare['per_second']:.2f} of bare "
        f"(goal >= 0.50), p99 {step['p99_ms']:.1f} ms (goal < 20 ms)"
    )
    print(
        f"ceiling for any engine behind this app: {floor['per_second'] / bare['per_second']:.2f}"
        f" of bare; the engine's share of a request: "
        f"{1 - candid['per_second'] / floor['per_second']:.0%}"
    )


if __name__ == "__main__":
    main()

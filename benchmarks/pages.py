"""Benchmark (not a test): the results page's total transfer size and server time.

Goals: under 150 KB transferred for everything the results page loads (HTML, CSS, JS, with
the gzip the server applies), and under 50 ms server time at p50.

    make bench-pages
    .venv/bin/python benchmarks/pages.py [--runs 200]

A person's interview (a 22-year-old on the combined pill, "not sure" to the rest) is run
once in-process; then /results is requested --runs times with that session cookie, timing
each request inside the app (ASGI call to last byte, no network). Transfer size is what a
browser with an empty cache downloads, measured with Accept-Encoding: gzip.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.client import interview, make_client  # noqa: E402

PERSONA = {
    "heavy_bleeding_now": "false",
    "dizziness_or_fainting": "false",
    "severe_abdominal_pain": "false",
    "age": "22",
    "pregnant": "no",
    "hormonal_contraception": "combined",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    client = make_client(Path(tempfile.mkdtemp(prefix="candid-bench-")))
    interview(client, PERSONA)
    gzip = {"accept-encoding": "gzip"}

    page = client.get("/results", headers=gzip)
    html_bytes = page.num_bytes_downloaded
    soup = BeautifulSoup(page.text, "html.parser")
    assets = [str(t["src"]) for t in soup.find_all("script", src=True)]
    assets += [str(t["href"]) for t in soup.find_all("link", rel="stylesheet")]
    assets.append("/static/nhsuk-frontend.min.js")  # imported by candid.js
    sizes = {}
    for url in assets:
        r = client.get(url, headers=gzip)
        sizes[url] = r.num_bytes_downloaded
    total = html_bytes + sum(sizes.values())

    for _ in range(10):  # warm up caches (compiled pack, templates)
        client.get("/results")
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        r = client.get("/results")
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]

    print("results page transfer (gzip, empty cache):")
    print(f"  HTML            {html_bytes / 1024:7.1f} KB")
    for url, size in sizes.items():
        print(f"  {url:<15} {size / 1024:7.1f} KB")
    ratio = total / 1024 / 150
    print(f"  total           {total / 1024:7.1f} KB   goal < 150 KB  ({ratio:.2f}x goal)")
    print(f"server time for /results over {args.runs} runs (in-process, includes the engine):")
    print(f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms   goal p50 < 50 ms  ({p50 / 50:.2f}x goal)")


if __name__ == "__main__":
    main()

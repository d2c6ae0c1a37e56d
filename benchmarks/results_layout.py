"""Benchmark (not a test): can a worried person take in the results page at a glance?

Goals (issue 13): on a 390x844 phone, the urgency and at least three cause names inside the
first 844 px of /results; the page at most 5,000 px tall with every <details> closed.

    make bench-layout
    .venv/bin/python benchmarks/results_layout.py

Starts `candid serve` on a free loopback port with a throwaway data folder, walks three
people through the interview over HTTP (the browser's own cookie jar), then opens /results in
Debian's Chromium through Playwright at 390x844 and at 1280x800 and prints, per person and
width: the page height, the height a reader sees with the details closed (the default), and
what the first screen holds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.helpers import LEVEL_LABEL, interview_over_http  # noqa: E402
from tests.ports import free_port  # noqa: E402

PEOPLE = {
    "24, new partner, yellow discharge": {
        "age": "24",
        "pregnant": "no",
        "new_or_multiple_partners": "true",
        "discharge": "yellow_or_increased",
        "hormonal_contraception": "combined",
    },
    "58, after menopause, dryness": {
        "age": "58",
        "has_uterus": "true",
        "menopause": "postmenopausal",
        "menopausal_hormone_therapy": "none",
        "dryness": "true",
        "pain_with_sex": "entry",
    },
    "31, copper coil, bleeding between periods": {
        "age": "31",
        "has_uterus": "true",
        "pregnant": "no",
        "iud": "copper",
        "bleeding_between_periods": "true",
    },
}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FLAGS += ["--disable-component-update", "--disable-sync"]
FIRST_SCREEN = """(limit) => {
  const main = document.querySelector('main');
  const seen = [];
  for (const el of main.querySelectorAll('[data-candid-cause], h3[id^="cause-"]')) {
    const box = el.getBoundingClientRect();
    if (box.bottom + window.scrollY <= limit && box.height > 0) seen.push(el.textContent.trim());
  }
  const card = main.querySelector('.nhsuk-card--care__heading');
  const cardBox = card ? card.getBoundingClientRect() : null;
  return {
    causes: seen,
    urgency: cardBox !== null && cardBox.bottom + window.scrollY <= limit,
    height: document.documentElement.scrollHeight,
  };
}"""


def serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANDID_")}
    env.update(CANDID_DATA_DIR=str(data_dir), CANDID_RATE_LIMIT="100000/minute")
    process = subprocess.Popen(
        [sys.executable, "-m", "candid", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the app did not start")


def measure(page: Page, viewport_height: int) -> dict[str, object]:
    found: dict[str, object] = page.evaluate(FIRST_SCREEN, viewport_height)
    page.evaluate("() => document.querySelectorAll('main details').forEach(d => d.open = true)")
    found["height_open"] = page.evaluate("() => document.documentElement.scrollHeight")
    return found


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed (make test installs it)")
    process, base = serve(Path(tempfile.mkdtemp(prefix="candid-layout-")))
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            for name, answers in PEOPLE.items():
                level = ""
                for lang, width, height in (("en", 390, 844), ("en", 1280, 800), ("es", 390, 844)):
                    context = browser.new_context(
                        base_url=base, viewport={"width": width, "height": height}
                    )
                    assert interview_over_http(context, answers) == "/check", name
                    page = context.new_page()
                    page.goto(f"/results?lang={lang}")
                    if lang == "en":  # the Spanish row is the same person, in Spanish
                        heading = page.locator("main .nhsuk-card--care__heading").inner_text()
                        level = next(k for k, v in LEVEL_LABEL.items() if v in heading)
                    rows.append((f"{name} ({lang})", width, level, measure(page, height)))
                    context.close()
            browser.close()
    finally:
        process.terminate()
        process.wait(10)
    print(f"{'person':49} {'width':>5} {'urgency':>9} {'height':>7} {'all open':>8}  first screen")
    for name, width, level, m in rows:
        causes = m["causes"]
        assert isinstance(causes, list)
        first = f"urgency {'yes' if m['urgency'] else 'NO'}, {len(causes)} cause names"
        print(f"{name:49} {width:>5} {level:>9} {m['height']:>7} {m['height_open']:>8}  {first}")
    phone = [m for _, w, _, m in rows if w == 390]
    worst = max(int(str(m["height"])) for m in phone)
    shown = min(len(m["causes"]) for m in phone if isinstance(m["causes"], list))
    print(f"phone: tallest results page {worst} px (goal <= 5000: {worst / 5000:.2f}x);")
    print(f"phone: fewest cause names on the first screen {shown} (goal >= 3)")


if __name__ == "__main__":
    main()

"""The visit summary as a PDF, from the same HTML the printable page shows.

WeasyPrint fetches nothing from the network: stylesheets are read from the package's own
static folder, and every other URL is refused, so a template change cannot leak a request.

A render is a second or more of pure-Python layout that holds the GIL throughout. Run in the
app's own threads, four of them at once starved the event loop and every other page (the
start page took over a second). So PDFs are made in worker processes of their own
(`pdf_workers`), at most `pdf_workers + pdf_queue` are admitted at once in an app process
(more get a 503 at once rather than a growing queue), and each client may ask for
`pdf_rate_limit` of them.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from limits import parse
from limits.storage import Storage
from limits.strategies import SlidingWindowCounterRateLimiter
from weasyprint import CSS, HTML  # type: ignore[import-untyped]

PRINT_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 9pt; }
}
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.4; }
h1 { font-size: 18pt; }
h2 { font-size: 13pt; margin-top: 14pt; }
.candid-no-print, .nhsuk-header, .nhsuk-footer-container, .nhsuk-skip-link,
.nhsuk-back-link { display: none; }
/* Screen-reader-only text (the tables' captions) would print as a second copy of each heading. */
.nhsuk-u-visually-hidden { display: none; }
ul.candid-tickboxes { list-style: none; padding-left: 0; }
.candid-header-block { border: 1px solid #d8dde0; padding: 4pt 8pt; }
.candid-header-block dt { font-weight: bold; }
.candid-header-block dd { margin: 0 0 4pt 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; border-bottom: 1px solid #d8dde0; padding: 3pt; vertical-align: top; }
/* A question and its answer, a check and why, stay on one page: split, a clinician could read
   one without the other. */
tr, li { break-inside: avoid; }
h2, h3 { break-after: avoid; }
"""
BUSY_RETRY_SECONDS = 5
"""What a refused PDF request is told to wait: about the time a few renders take."""
PARENT_CHECK_SECONDS = 1.0
RENDERS_PER_WORKER = 200
"""A worker process is replaced after this many renders, so whatever WeasyPrint and its
font caches hold on to cannot grow for the life of the server."""


def _refuse(url: str, **_: Any) -> dict[str, Any]:
    raise ValueError(f"the visit summary may not load {url}")


def html_to_pdf(html: str) -> bytes:
    pdf = HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=[CSS(string=PRINT_CSS)])
    assert isinstance(pdf, bytes)
    return pdf


def _warm() -> None:
    """Run in a new worker: imports and font lookups done before the first person waits."""
    html_to_pdf("<p>Candid</p>")


def _die_with(parent: int) -> None:
    """A worker's initializer: end when the app process that started it has gone. A pool's
    workers hold their own end of its pipes, so they never notice a parent that ended without
    shutting the pool down (uvicorn ends on SIGTERM by raising the signal again, after
    shutdown, which skips Python's exit handlers), and would live on, orphaned."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="candid-pdf-parent", daemon=True).start()


class PdfBusy(Exception):
    """Every render slot and every waiting place of this app process is taken."""


_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    """One pool per process and size, shared by every app made in it (the tests make many).
    Spawned, not forked: the app process has threads (uvicorn's, the database pool's), and a
    fork copies their locks in whatever state they were in."""
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with,
                initargs=(os.getpid(),),
                max_tasks_per_child=RENDERS_PER_WORKER,
            )
            for _ in range(workers):
                pool.submit(_warm)
            _pools[workers] = pool
        return pool


def _discard(workers: int, pool: ProcessPoolExecutor, *, wait: bool = False) -> None:
    """Take `pool` out of use and shut it down; the next render gets a new one."""
    with _pools_lock:
        if _pools.get(workers) is pool:
            del _pools[workers]
    pool.shutdown(wait=wait, cancel_futures=True)


class Pdfs:
    """Admission, per-client rate and rendering of visit-summary PDFs for one app."""

    def __init__(self, workers: int, queue: int, rate: str, counters: Storage) -> None:
        self.workers = workers
        self.most = workers + queue
        self.admitted = 0
        self._lock = threading.Lock()
        self.rate = parse(rate)
        self.limiter = SlidingWindowCounterRateLimiter(counters)

    def start(self) -> None:
        """Start the worker processes now, so the first PDF does not wait for them."""
        _pool(self.workers)

    def stop(self) -> None:
        """On the app's shutdown: the workers end with it (see `_die_with` for a parent
        that ends without this)."""
        with _pools_lock:
            pool = _pools.get(self.workers)
        if pool is not None:
            _discard(self.workers, pool, wait=True)

    def wait_for(self, client: str) -> int:
        """Seconds until `client` may have another PDF; 0 (and counted) when it may now."""
        key = f"pdf:{client}"
        if self.limiter.hit(self.rate, key):
            return 0
        stats = self.limiter.get_window_stats(self.rate, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Held from before the summary is gathered until its PDF is made. Raises PdfBusy
        when this process already has as many PDFs in hand as it admits."""
        with self._lock:
            if self.admitted >= self.most:
                raise PdfBusy
            self.admitted += 1
        try:
            yield
        finally:
            with self._lock:
                self.admitted -= 1

    async def render(self, html: str) -> bytes:
        """The PDF, made in a worker process while this event loop serves other requests."""
        loop = asyncio.get_running_loop()
        pool = _pool(self.workers)
        try:
            return await loop.run_in_executor(pool, html_to_pdf, html)
        except BrokenProcessPool:  # its worker died (killed for memory, say): once more
            _discard(self.workers, pool)
            return await loop.run_in_executor(_pool(self.workers), html_to_pdf, html)

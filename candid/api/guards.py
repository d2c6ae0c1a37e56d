"""Request guards that run before any route: who the client is, body size (413) and
per-client rate (429).

Pure ASGI middlewares, so an oversized body is refused before it is read into memory and a
client over its limit costs one counter update.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any, cast

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from candid.api.problems import PROBLEM_JSON

log = logging.getLogger("candid.api")


async def _problem(
    scope: Scope,
    send: Send,
    status: int,
    title: str,
    detail: str,
    headers: list[tuple[bytes, bytes]],
) -> None:
    """problem+json for the API; the pages' own error page for a page (see candid.web.app)."""
    pages = getattr(getattr(scope.get("app"), "state", None), "html_errors", None)
    if pages is not None and pages.handles(scope.get("path", "")):
        response = await pages.render(Request(scope), status)
        response.headers.update({k.decode(): v.decode() for k, v in headers})
        await response(scope, _no_body, send)
        return
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class _Tracked:
    """A `send` that remembers whether the response has started (then no error can be sent)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class Shield:
    """The outermost layer: an exception that escapes everything else becomes a 500 problem
    here, and only its type is logged. Letting it reach the server would print a traceback
    whose message can quote a person's answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = _Tracked(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception as err:  # the point is to catch everything
            log.error("request failed: %s", type(err).__name__)
            if not tracked.started:
                await _problem(
                    scope, send, 500, "Internal error", "Something went wrong on our side.", []
                )


class ClientAddress:
    """Which address a request comes from, for the request limit, the PDF limit and the
    wrong-code lockout: its peer, unless the peer is one of the deployer's proxies
    (`trusted_proxies`); then the nearest address in X-Forwarded-For that is not one of
    them, and the scheme in X-Forwarded-Proto. Trusting the header from any other peer would
    let a client name a new address with every request and never be limited.

    `candid serve` turns uvicorn's own reading of these headers off (it trusts loopback by
    default), so this is the only place they are read."""

    def __init__(self, app: ASGIApp, trusted_proxies: list[str]) -> None:
        self.app = app
        # uvicorn's middleware is a plain ASGI app; only its type names differ from Starlette's.
        self.proxies = (
            cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=trusted_proxies))
            if trusted_proxies
            else None
        )
        self.warned = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif self.proxies is not None:
            await self.proxies(scope, receive, send)
        else:
            if not self.warned and any(k == b"x-forwarded-for" for k, _ in scope["headers"]):
                self.warned = True  # once per process: a client can send the header at will
                log.warning(
                    "a request carried X-Forwarded-For, which is ignored: behind a reverse "
                    "proxy, name it in CANDID_TRUSTED_PROXIES, or every client counts as the "
                    "proxy's one address"
                )
            await self.app(scope, receive, send)


class BodyLimit:
    """413 for a body over `max_bytes`. A declared length is checked before anything is read;
    a body without one (chunked) is read here, at most `max_bytes` of it, and handed on whole,
    because a route that fails while reading its body reports a parse error, not a 413."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, by_prefix: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.by_prefix = by_prefix or {}
        """Other limits for paths under a prefix (a CDS Hooks prefetch is a record)."""

    def _limit(self, path: str) -> int:
        for prefix, limit in self.by_prefix.items():
            if path == prefix or path.startswith(prefix + "/"):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope.get("path", ""))
        detail = f"The body is larger than {max_bytes} bytes."
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit():
                if int(value) > max_bytes:
                    await _problem(scope, send, 413, "Request body too large", detail, [])
                    return
                # The server frames the body by its declared length: nothing to count.
                await self.app(scope, receive, send)
                return
        if scope.get("method") in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await _problem(scope, send, 413, "Request body too large", detail, [])
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: only a disconnect can follow
            delivered = True
            return whole

        await self.app(scope, replay, send)


class RateLimit:
    """Per-client sliding window (a counter per window, O(1) per request). The storage is in
    memory here; several processes sharing one limit need a shared storage."""

    def __init__(self, app: ASGIApp, rate: str, storage: Storage | None = None) -> None:
        self.app = app
        self.item: RateLimitItem = parse(rate)
        self.limiter = SlidingWindowCounterRateLimiter(storage or MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        if self.limiter.hit(self.item, key):
            await self.app(scope, receive, send)
            return
        stats = self.limiter.get_window_stats(self.item, key)
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        await _problem(
            scope,
            send,
            429,
            "Too many requests",
            f"The limit is {self.item}. Try again in {retry} s.",
            [(b"retry-after", str(retry).encode())],
        )


class PathScoped:
    """Run `wrapped` (a middleware around this app) only for paths under `prefix`: CORS and a
    larger body limit belong to the CDS Hooks services, not to the patient pages or the API."""

    def __init__(self, app: ASGIApp, prefix: str, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
        self.app = app
        self.prefix = prefix
        self.wrapped = wrap(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == self.prefix or path.startswith(self.prefix + "/"):
            await self.wrapped(scope, receive, send)
        else:
            await self.app(scope, receive, send)

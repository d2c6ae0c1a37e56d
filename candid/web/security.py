"""Security headers on every response, pages and API alike.

The CSP allows only this origin and nothing inline: every script and style is a file Candid
serves itself, so no third party learns that someone is reading about bleeding after sex.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    # Responses may be gzipped for clients that ask (candid.api.compression), so caches
    # must key on Accept-Encoding.
    (b"vary", b"Accept-Encoding"),
]


HSTS = (b"strict-transport-security", b"max-age=31536000")
"""A year of HTTPS only, once a browser has seen the site over HTTPS. Not for subdomains:
those are the deployer's to decide."""


class SecurityHeaders:
    """`https`: the deployment is served over HTTPS (its public URL says so), so browsers are
    told never to use plain HTTP for it, where the cookies and answers would travel in the
    clear."""

    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.headers = [*HEADERS, HSTS] if https else HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)

"""gzip for the clients that ask for it.

Starlette's middleware wraps every response, also for clients that do not accept gzip, to
add `Vary`; an EHR integration or a load balancer often does not ask for it, and then the
wrapping is pure cost on every call. Here those responses pass straight through, and
`Vary: Accept-Encoding` comes from `SecurityHeaders` on every response instead.
"""

from __future__ import annotations

from fastapi.middleware.gzip import GZipMiddleware
from starlette.types import Receive, Scope, Send


class Compression(GZipMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(
            name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"]
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

"""ASGI middleware: a 1 MiB body limit (413) and a correlation id for every request."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem

MAX_BODY = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class LimitAndCorrelate:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        correlation = headers.get(b"x-correlation-id", b"").decode("latin-1")[:200].strip()
        scope.setdefault("state", {})["correlation_id"] = correlation or str(uuid.uuid4())
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", []).append(
                    (b"x-correlation-id", scope["state"]["correlation_id"].encode("latin-1"))
                )
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response: Any = problem(
            413, "payload-too-large", "Body too large", f"bodies are at most {self.max_body} bytes"
        )
        await response(scope, receive, send)

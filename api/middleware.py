"""ASGI middleware: a 1 MiB body limit (413), text with NUL refused (422) and a correlation id
for every request.

The body is read here, up to the limit, before the app sees it: a chunked body without
Content-Length that grows past the limit gets 413 too (raising from inside the app's receive
would be turned into a 400 by FastAPI's body parsing).

NUL (U+0000) is refused here, once for every field (issue 13): PostgreSQL text cannot hold it, so
a read model that copied such a string would stop for good. A path, a query (``%00``) or a JSON
body with a NUL in any string, keys included, at any depth, answers 422 before a route runs."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem

MAX_BODY = 1024 * 1024
NUL_DETAIL = "text may not contain NUL (\\u0000)"


def has_nul(scope: Scope, body: bytes) -> bool:
    """A NUL in the path, the query or any string (or key) of a JSON body."""
    query = scope.get("query_string", b"")
    if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
        return True
    if b"\\u0000" not in body:  # a JSON string can only hold NUL escaped
        return False
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False  # not JSON: the route answers 400
    stack = [document]
    while stack:  # iterative: a deeply nested body does not exhaust the Python stack
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


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
        correlation_id = correlation or str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._too_large(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the app sees the disconnect below
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        if has_nul(scope, bytes(body)):
            response: Any = problem(422, "nul", "Text may not contain NUL", NUL_DETAIL)
            await response(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        async def with_correlation(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append(
                    (b"x-correlation-id", correlation_id.encode("latin-1"))
                )
            await send(message)

        await self.app(scope, replay, with_correlation)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response: Any = problem(
            413, "payload-too-large", "Body too large", f"bodies are at most {self.max_body} bytes"
        )
        await response(scope, receive, send)

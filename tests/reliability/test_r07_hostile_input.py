"""R7 (docs/reliability.md): hostile input against a real server process — a 10 MiB body (with
and without Content-Length), deeply nested JSON, invalid UTF-8, a lone surrogate, NUL bytes,
100k-character strings, wrong types, SQL and HTML in strings. Each gets what the contract says
(413 / 400 / 422, or 201 and the string stored and returned verbatim); never a 5xx, and the
server still serves afterwards."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from api.settings import Settings
from tests.support.documents import notice_body
from tests.support.http import auth
from tests.support.servers import api_server

MIB = 1024 * 1024
WRITER = "p-office-dir"
SQL_HTML = '\'); DROP TABLE govrules_events; -- <script>alert("攀")</script> &amp; %s {{x}}'


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent chunked, without Content-Length."""
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def raw(api: httpx.Client, content: Any, path: str = "/documents") -> httpx.Response:
    return api.post(path, content=content, headers=auth(WRITER, content_type="application/json"))


def hostile(api: httpx.Client) -> list[tuple[str, httpx.Response, set[int]]]:
    """(what was sent, the answer, the statuses the contract allows)."""
    nested = b"[" * 200_000 + b"]" * 200_000
    deep_object = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    post = api.post
    return [
        ("10 MiB body", raw(api, b" " * (10 * MIB)), {413}),
        ("10 MiB chunked body", raw(api, chunks(10 * MIB)), {413}),
        ("nested arrays 200k deep", raw(api, nested), {400, 422}),
        ("nested objects 100k deep", raw(api, deep_object), {400, 422}),
        ("invalid UTF-8", raw(api, b'{"title": "\xff\xfe\xfd"}'), {400, 422}),
        ("lone surrogate", raw(api, b'{"title": "\\ud800"}'), {400, 422}),
        ("NaN", raw(api, b'{"title": NaN}'), {400, 422}),
        ("NUL in a title", post("/documents", json=notice_body(title="a\u0000b"),
                                headers=auth(WRITER)), {422}),
        ("NUL in a query", api.get("/documents?status=%00", headers=auth(WRITER)), {422}),
        ("NUL in a path", api.get("/accountability/people/p%00", headers=auth(WRITER)), {422}),
        ("title a number", post("/documents", json=notice_body(title=123),
                                headers=auth(WRITER)), {422}),
        ("matters a string", post("/documents", json=notice_body(matters="x"),
                                  headers=auth(WRITER)), {422}),
        ("body an array", post("/documents", json=[notice_body()], headers=auth(WRITER)), {422}),
        ("date in 9999", post("/documents", json=notice_body(
            implements={"ref": "川府发〔9999〕1号", "issued_on": "9999-12-31"}),
            headers=auth(WRITER)), {422}),
        ("limit 10^30", api.get("/documents?limit=" + "9" * 30, headers=auth(WRITER)), {422}),
        ("min_position 10^30", api.get("/documents?min_position=" + "9" * 30,
                                       headers=auth(WRITER)), {422}),
        ("id not a uuid", api.get("/documents/'%20OR%201=1", headers=auth(WRITER)), {422}),
    ]  # fmt: skip


def verbatim(api: httpx.Client, title: str, body: str) -> httpx.Response:
    """A document with ``title`` and ``body``: 201, and read back exactly as sent."""
    r = api.post("/documents", json=notice_body(title=title, body=body), headers=auth(WRITER))
    if r.status_code == 201:
        doc_id = r.json()["id"]
        read = api.get(f"/documents/{doc_id}", headers=auth(WRITER)).json()
        assert (read["title"], read["body"]) == (title, body)
        history = api.get(f"/documents/{doc_id}/history", headers=auth(WRITER))
        assert history.status_code == 200
        assert history.json()["events"][0]["payload"]["title"] == title
    return r


def test_r07_hostile_input_gets_4xx_or_is_kept_verbatim_never_a_5xx(
    settings: Settings, tmp_path: Path
):
    started = time.monotonic()
    with (
        api_server(settings, tmp_path / "api.log") as server,
        httpx.Client(base_url=server.base, timeout=60) as api,
    ):
        answers = hostile(api)
        long_text = "长" * 100_000
        answers += [
            ("100k-char title and body", verbatim(api, long_text, long_text), {201}),
            ("SQL and HTML in strings", verbatim(api, SQL_HTML, SQL_HTML), {201}),
        ]
        wrong = [(what, r.status_code, r.text[:200]) for what, r, allowed in answers
                 if r.status_code not in allowed]  # fmt: skip
        errors = [(what, r.status_code) for what, r, _ in answers if r.status_code >= 500]
        for what, r, _ in answers:
            if r.status_code >= 400:
                assert r.headers["content-type"].startswith("application/problem+json"), what
        assert api.get("/health").status_code == 200
        assert api.get(f"/documents/{uuid.uuid4()}", headers=auth(WRITER)).status_code == 404
    seconds = time.monotonic() - started
    print(f"R7: {len(answers)} hostile requests, {len(errors)} 5xx, {seconds:.1f} s")
    assert not errors, errors
    assert not wrong, wrong
    assert seconds < 120

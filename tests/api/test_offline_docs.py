"""``/docs`` (Swagger UI) and ``/redoc`` work without internet access: their pages name no
other host, and every script, style and icon they load is served by this server."""

from __future__ import annotations

import re

import pytest

# src="..." / href="..." and the string literals of the inline script (the OpenAPI URL)
REFERENCE = re.compile(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_docs_load_everything_from_this_server(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert re.findall(r"https?://[^\s'\"<>]+", r.text) == []
    references = set(REFERENCE.findall(r.text))
    assets = {ref for ref in references if ref.startswith("/static-offline-docs/")}
    assert any(ref.endswith(".js") for ref in assets), references
    assert "/openapi.json" in references
    for ref in references:
        assert ref.startswith("/"), ref
        answer = client.get(ref)
        assert answer.status_code == 200, (ref, answer.status_code)
        assert answer.content

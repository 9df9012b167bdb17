"""``GET /``: the dashboard page for people (api.md "Dashboards"): served without a token, as
UTF-8 HTML, built on the /dashboard/... endpoints, with nothing from other hosts, and no
markup built from data (titles can be user input)."""

from __future__ import annotations

import base64
import hashlib
import re

from tests.support.http import auth

DASHBOARDS = (
    "/dashboard/summary",
    "/dashboard/countersigns",
    "/dashboard/supervision",
    "/dashboard/leaves",
    "/dashboard/meetings",
    "/dashboard/regulations",
    "/dashboard/decisions",
)


def page(client) -> str:
    r = client.get("/")
    assert r.status_code == 200, r.text
    return r.text


def test_the_page_is_served_without_a_token_as_utf8_html(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.text.lstrip().lower().startswith("<!doctype html>")
    assert '会签 <span class="en">Countersigns</span>' in r.text  # Chinese first, English second


def test_the_page_reads_every_dashboard_endpoint(client):
    html = page(client)
    for path in (*DASHBOARDS, "/dashboard/documents", "/roster", "/events/stream"):
        assert f'"{path}' in html, path


SVG_NS = "http://www.w3.org/2000/svg"  # a namespace's name, never fetched


def test_the_page_loads_nothing_from_other_hosts(client):
    html = page(client)
    assert html.count(SVG_NS) == 1  # the charts' createElementNS
    html = html.replace(SVG_NS, "")
    assert "http://" not in html
    assert "https://" not in html
    for ref in re.findall(r"""(?:src|href|action)\s*=\s*["']([^"']*)["']""", html, re.I):
        same_page = ref.startswith("#")
        assert same_page or (ref.startswith("/") and not ref.startswith("//")), ref
    assert "@import" not in html
    assert "url(" not in html


def test_the_page_never_builds_markup_from_strings(client):
    html = page(client)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in html, sink
    assert "textContent" in html


def test_the_page_keeps_the_token_for_the_tab_and_refreshes_every_30_seconds(client):
    html = page(client)
    assert "sessionStorage" in html
    assert "localStorage" not in html
    assert '"Bearer " + token' in html
    assert "REFRESH_MS = 30000" in html
    assert "position" in html


def test_the_page_allows_only_its_own_inline_script_and_style(client):
    r = client.get("/")
    policy = r.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    inline = re.findall(r"<(script|style)>(.*?)</\1>", r.text, re.DOTALL)
    assert {tag for tag, _ in inline} == {"script", "style"}
    for tag, body in inline:  # a stale hash would leave the browser with a dead page
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in policy
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_page_is_not_in_the_openapi_contract(client):
    assert "/" not in client.get("/openapi.json").json()["paths"]


def test_the_data_the_page_reads_needs_a_token_and_answers_problem_json(client):
    r = client.get("/dashboard/summary")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"]
    for path in DASHBOARDS:
        r = client.get(path, headers=auth("p-mayor"))
        assert r.status_code == 200, (path, r.text)
        assert isinstance(r.json()["position"], int)


def test_the_icon_is_served_so_a_browser_logs_no_404(client):
    for path in ("/favicon.ico", "/favicon.svg"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"] == "image/svg+xml"
        assert r.content.startswith(b"<svg ")

"""``GET /``: the dashboard page for people (api.md "Dashboards"). One self-contained HTML file
(``api/static/dashboard.html``: no CDN, no build step, nothing from other hosts). Its script
takes the bearer token from the URL fragment (``/#token=...``, which browsers never send to a
server) into the tab's sessionStorage and out of the address bar, then reads the
``/dashboard/...`` endpoints and ``/roster`` (names, not ids) with it, draws the charts as
inline SVG, follows ``/events/stream`` for live updates, and shows a decision's trace from
``/accountability/decisions/{id}`` at ``/#/decisions/{id}``. The page needs no token; the data
does.

The page's inline script and style are allowed by their SHA-256 in a Content-Security-Policy
that otherwise permits nothing but same-origin requests, so nothing else can run on it."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(tags=["dashboards"])
PAGE = Path(__file__).resolve().parent.parent / "static" / "dashboard.html"
INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(html: str) -> str:
    """Only the page's own inline script and style, and requests to this origin."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for tag, body in INLINE.findall(html):
        hashes[tag].append(_digest(body))
    return "; ".join(
        (
            "default-src 'none'",
            "script-src " + " ".join(hashes["script"]),
            "style-src " + " ".join(hashes["style"]),
            "connect-src 'self'",
            "img-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


@lru_cache(maxsize=1)
def _page() -> tuple[bytes, str]:
    html = PAGE.read_text(encoding="utf-8")
    return html.encode("utf-8"), content_security_policy(html)


ICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    b'<rect width="16" height="16" rx="3" fill="#2f6fb0"/>'
    b'<rect x="3" y="9" width="2" height="4" fill="#fff"/>'
    b'<rect x="7" y="6" width="2" height="7" fill="#fff"/>'
    b'<rect x="11" y="3" width="2" height="10" fill="#fff"/></svg>'
)


@router.get("/favicon.ico", include_in_schema=False)
@router.get("/favicon.svg", include_in_schema=False)
def icon() -> Response:
    """The page's icon (a small bar chart), so a browser's request for it is not a 404."""
    return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


@router.get("/", include_in_schema=False)
def dashboard_page() -> Response:
    body, policy = _page()
    return Response(
        body,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": policy,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )

"""The page at ``/`` in chromium over a demo year (issue 15; the hooks are the page's DOM
contract, not its texts or layout): it loads from a token in the fragment and draws every panel
and its chart, follows a decision to its timeline and downloads its bundle, follows an item to
its detail view, says plainly when a token is refused, and follows the log live. Never a
console error or an uncaught exception."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, Request, expect

from tests.browser.conftest import PANELS, Console, DemoServer, screenshot

TOKEN_KEY = "govrules.dashboard.token"
SHAPES = "rect, path, circle, line, polyline, polygon, ellipse"
HEX64 = re.compile(r"[0-9a-f]{64}")


def api(server: DemoServer, token: str | None = None) -> httpx.Client:
    bearer = token or server.token
    return httpx.Client(
        base_url=server.base, headers={"Authorization": f"Bearer {bearer}"}, timeout=30
    )


def open_page(page: Page, url: str) -> list[str]:
    """``url`` opened; the URLs of every request the page makes, as it makes them."""
    urls: list[str] = []

    def seen(request: Request) -> None:
        urls.append(request.url)

    page.on("request", seen)
    page.goto(url)
    return urls


def open_dashboard(page: Page, server: DemoServer) -> list[str]:
    """The page opened from ``/#token=...`` and ready; the URLs of every request it makes."""
    urls = open_page(page, f"{server.base}/#token={server.token}")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    return urls


def hrefs(links: Locator) -> list[str]:
    return [
        str(href) for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    ]


def panel(page: Page, name: str) -> Locator:
    return page.locator(f'#view-dashboard section.panel[data-panel="{name}"]')


def test_the_dashboard_loads_from_a_fragment_token_and_draws_every_panel(
    page: Page, console: Console, demo_server: DemoServer
):
    urls = open_dashboard(page, demo_server)

    assert demo_server.token not in page.evaluate("location.hash")
    assert demo_server.token not in page.url
    assert page.evaluate(f"sessionStorage.getItem({TOKEN_KEY!r})") == demo_server.token
    assert urls and not [url for url in urls if demo_server.token in url]
    expect(page.locator("#view-dashboard")).to_be_visible()
    drawn = page.locator("#view-dashboard section.panel[data-panel]").evaluate_all(
        "sections => sections.map(s => s.dataset.panel)"
    )
    assert set(PANELS) <= set(drawn), drawn  # the contract's panels, and any the page adds
    for name in drawn:
        section = panel(page, name)
        expect(section).to_have_attribute("data-loaded", "true")
        charts = section.locator("svg.chart")
        assert charts.count() >= 1, f"panel {name} has no svg.chart"
        for i in range(charts.count()):
            chart = charts.nth(i)
            expect(chart).to_have_attribute("role", "img")
            assert (chart.get_attribute("aria-label") or "").strip(), (
                f"{name}: chart {i} unlabelled"
            )
        shapes = section.locator("svg.chart").locator(SHAPES).count()
        assert shapes > 0, f"panel {name}: its charts draw nothing"
    screenshot(page, "dashboard", full_page=True)

    page.reload()  # the token stays with the tab, out of the address bar
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    assert "token" not in page.url
    assert console.errors == []


def test_without_a_token_the_page_asks_for_one_and_reads_nothing(
    page: Page, console: Console, demo_server: DemoServer
):
    urls = open_page(page, f"{demo_server.base}/")

    expect(page.locator("body")).to_have_attribute("data-state", "no-token")
    expect(page.locator("#auth-problem")).to_be_hidden()
    assert page.evaluate(f"sessionStorage.getItem({TOKEN_KEY!r})") is None
    reads = [url for url in urls if "/dashboard/" in url or "/events" in url]
    assert reads == []
    assert console.errors == []


def test_a_decision_leads_to_its_timeline_and_its_bundle_downloads(
    page: Page, console: Console, demo_server: DemoServer
):
    open_dashboard(page, demo_server)
    links = panel(page, "decisions").locator('a.item-link[href^="#/decisions/"]')
    expect(links.first).to_be_visible()
    # a published decision if the panel links one: its trace runs through a meeting too
    with api(demo_server) as client:
        board = client.get("/dashboard/decisions")
        assert board.status_code == 200, board.text
    published = {d["id"] for d in board.json()["decisions"] if d["stage"] == "published"}
    linked = [(href or "").removeprefix("#/decisions/") for href in hrefs(links)]
    decision_id = next((i for i in linked if i in published), linked[0])
    links.and_(page.locator(f'[href="#/decisions/{decision_id}"]')).first.click()

    timeline = page.locator("#view-timeline")
    expect(timeline).to_have_attribute("data-loaded", "true")
    assert page.evaluate("location.hash") == f"#/decisions/{decision_id}"
    with api(demo_server) as client:
        trace = client.get(f"/accountability/decisions/{decision_id}")
        assert trace.status_code == 200, trace.text
        bundle = client.get(f"/accountability/decisions/{decision_id}", params={"format": "bundle"})
        assert bundle.status_code == 200, bundle.text
    entries: list[dict[str, Any]] = trace.json()["entries"]
    acts = timeline.locator("ol.timeline > li.act")
    expect(acts).to_have_count(len(entries))  # one act per entry of the trace, in its order
    hashes = [h.strip() for h in acts.locator(".hash").all_inner_texts()]
    assert hashes == [entry["hash"] for entry in entries]
    assert all(HEX64.fullmatch(h) for h in hashes)
    people = [p.strip() for p in acts.locator(".person").all_inner_texts()]
    assert len(people) == len(entries) and all(people)
    rules = [r.strip() for r in acts.locator(".rule").all_inner_texts()]
    assert rules and all(rules)  # a decision's acts cite rules (M9-M11, A1 ...)
    assert {r for e in entries for r in e["rules"]} == set(rules)

    with page.expect_download() as started:
        page.locator("#download-bundle").click()
    download = started.value
    # saved under the name the API gives the bundle (Content-Disposition)
    assert f'filename="{download.suggested_filename}"' in bundle.headers["content-disposition"]
    assert decision_id in download.suggested_filename
    saved = json.loads(download.path().read_text(encoding="utf-8"))
    assert set(saved) == set(bundle.json())
    assert saved["trace"]["decision"]["id"] == decision_id

    screenshot(page, "decision-timeline", full_page=True)
    page.emulate_media(media="print")
    screenshot(page, "decision-timeline-print", full_page=True)
    assert console.errors == []


def test_an_item_leads_to_its_detail_view(page: Page, console: Console, demo_server: DemoServer):
    open_dashboard(page, demo_server)
    links = page.locator(
        '#view-dashboard a.item-link[href^="#/supervision-items/"], '
        '#view-dashboard a.item-link[href^="#/regulations/"]'
    )
    expect(links.first).to_be_visible()
    href = links.first.get_attribute("href") or ""
    links.first.click()

    expect(page.locator("#view-detail")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#view-detail")).to_be_visible()
    assert page.evaluate("location.hash") == href
    kind = href.split("/")[1]  # supervision-items | regulations
    screenshot(page, f"detail-{kind}", full_page=True)
    assert console.errors == []


def test_a_refused_token_is_said_plainly_and_leaves_the_address_bar(
    page: Page, console: Console, demo_server: DemoServer
):
    page.goto(f"{demo_server.base}/#token=nonsense")

    expect(page.locator("body")).to_have_attribute("data-state", "unauthorized")
    expect(page.locator("#auth-problem")).to_be_visible()
    assert (page.locator("#auth-problem").inner_text()).strip()
    assert "nonsense" not in page.evaluate("location.hash")
    assert "nonsense" not in page.url
    screenshot(page, "refused-token", full_page=True)
    # chromium itself logs each refused request; the page adds nothing of its own
    refused = "the server responded with a status of 401"
    assert [error for error in console.errors if refused not in error] == []


def test_a_write_shows_on_the_open_dashboard_without_a_reload(
    page: Page, console: Console, demo_server: DemoServer
):
    open_dashboard(page, demo_server)
    expect(page.locator("#live")).to_have_attribute("data-live", "on")
    page.evaluate("window.__notReloaded = true")
    title = f"关于实时看板测试{uuid.uuid4().hex[:6]}的请示"

    # 市财政局 drafts a request and asks 市生态环境局 to countersign it: an open countersign
    with api(demo_server, demo_server.token_for("p-finance-head")) as client:
        body = {
            "doc_type": "request",
            "title": title,
            "from_unit_id": "u-finance",
            "to": "government",
            "matters": ["实时看板测试"],
        }
        drafted = client.post("/documents", json=body)
        assert drafted.status_code == 201, drafted.text
        asked = client.post(
            f"/documents/{drafted.json()['id']}/countersign-requests",
            json={"unit_ids": ["u-ecology"]},
        )
        assert asked.status_code == 200, asked.text

    expect(panel(page, "countersigns")).to_contain_text(title, timeout=10_000)
    assert page.evaluate("window.__notReloaded") is True
    screenshot(page, "dashboard-live-update", full_page=True)
    assert console.errors == []

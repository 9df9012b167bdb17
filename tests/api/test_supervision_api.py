"""Supervision over HTTP (S1–S5): registration (立项) with a lead unit, co-units, a source and a
deadline, progress reports (限期报告), verification (核查复核), rectification (督促整改), closing
and the circular of results (通报).

Every refusal answers its status with the rule id and stores nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.http import assert_problem, auth, events, get, move_clock, ok, post
from tests.support.store import assert_refused, log_head, positions

UNKNOWN = "00000000-0000-4000-8000-000000000000"
DEADLINE = "2026-12-01T00:00:00+08:00"
REPORT_DATES = ["2026-11-15T00:00:00+08:00", "2026-10-15T00:00:00+08:00"]


def item_body(**overrides: Any) -> dict[str, Any]:
    """A leader's instruction (批示) led by 市财政局 with 市生态环境局 as co-unit."""
    body: dict[str, Any] = {
        "title": "落实市长关于生态补偿资金的批示",
        "source": {"kind": "instruction", "ref": "市长批示〔2026〕12号"},
        "lead_unit_id": "u-finance",
        "co_unit_ids": ["u-ecology"],
        "deadline": DEADLINE,
        "report_dates": REPORT_DATES,
    }
    body.update(overrides)
    return body


def register(client: Any, by: str = "p-office-dir", **overrides: Any) -> dict[str, Any]:
    return ok(post(client, "/supervision-items", by, item_body(**overrides)), 201)


def act(client: Any, item_id: str, verb: str, by: str, body: dict[str, Any]) -> Any:
    return post(client, f"/supervision-items/{item_id}/{verb}", by, body)


def report(
    client: Any, item_id: str, unit_id: str = "u-finance", by: str = "p-finance-head"
) -> Any:
    return act(client, item_id, "reports", by, {"unit_id": unit_id, "text": "已拨付首批资金"})


def verify(client: Any, item_id: str, result: str = "passed") -> Any:
    return act(
        client, item_id, "verification", "p-office-dir", {"result": result, "findings": "核查"}
    )


def rectify(client: Any, item_id: str, due: str = "2026-11-20T00:00:00+08:00") -> Any:
    body = {"order": "一周内补齐拨付凭证", "due": due}
    return act(client, item_id, "rectification", "p-office-dir", body)


def close(client: Any, item_id: str) -> Any:
    return act(client, item_id, "close", "p-office-dir", {"summary": "资金全部到位，办结"})


def circulate(client: Any, item_id: str) -> Any:
    return act(client, item_id, "circular", "p-office-dir", {"text": "全市通报办理结果"})


def closed_item(client: Any) -> dict[str, Any]:
    item = register(client)
    ok(report(client, item["id"]))
    ok(verify(client, item["id"]))
    return ok(close(client, item["id"]))


def instants(values: list[str]) -> list[datetime]:
    return [datetime.fromisoformat(v) for v in values]


# ----- every endpoint ---------------------------------------------------------------------------


def test_an_item_from_registration_to_its_circular(client, services):
    r = post(client, "/supervision-items", "p-office-dir", item_body())
    item = ok(r, 201)
    item_id = item["id"]
    assert r.headers["location"] == f"/supervision-items/{item_id}"
    assert r.headers["etag"] == '"1"'
    assert (item["version"], item["position"]) == (1, positions(services))
    assert item["status"] == "registered"
    assert item["title"] == "落实市长关于生态补偿资金的批示"
    assert item["source"] == {"kind": "instruction", "ref": "市长批示〔2026〕12号"}
    assert item["lead_unit_id"] == "u-finance"
    assert item["co_unit_ids"] == ["u-ecology"]
    assert item["first_responsible_id"] == "p-finance-head"  # S2
    assert datetime.fromisoformat(item["deadline"]) == datetime.fromisoformat(DEADLINE)
    assert instants(item["report_dates"]) == sorted(instants(REPORT_DATES))
    assert item["reports"] == [] and item["verifications"] == [] and item["circulars"] == []
    assert item["closed"] is None

    move_clock(client, "2026-10-10T09:00:00+08:00")
    first = ok(report(client, item_id))
    assert (first["version"], first["status"]) == (2, "in_progress")
    assert first["position"] == positions(services)
    assert first["reports"][0]["unit_id"] == "u-finance"
    assert first["reports"][0]["by"] == "p-finance-head"
    assert first["reports"][0]["text"] == "已拨付首批资金"
    co = ok(report(client, item_id, "u-ecology", "p-ecology-head"))
    assert [rep["unit_id"] for rep in co["reports"]] == ["u-finance", "u-ecology"]

    failed = ok(verify(client, item_id, "failed"))
    assert failed["status"] == "failed_verification"
    assert failed["verifications"][0]["result"] == "failed"
    assert failed["verifications"][0]["by"] == "p-office-dir"

    ordered = ok(rectify(client, item_id))
    assert ordered["status"] == "rectifying"
    (order,) = ordered["rectifications"]
    assert order["order"] == "一周内补齐拨付凭证"
    assert datetime.fromisoformat(order["due"]) == datetime.fromisoformat("2026-11-20T00:00+08:00")

    ok(report(client, item_id))
    passed = ok(verify(client, item_id))
    assert passed["status"] == "verified"
    assert [v["result"] for v in passed["verifications"]] == ["failed", "passed"]

    closed = ok(close(client, item_id))
    assert closed["status"] == "closed"
    assert closed["closed"]["summary"] == "资金全部到位，办结"
    assert closed["closed"]["by"] == "p-office-dir"

    circular = ok(circulate(client, item_id))
    assert circular["circulars"][0]["text"] == "全市通报办理结果"
    assert circular["version"] == 9
    assert circular["position"] == positions(services)

    # GET: now (by anyone on the roster), by version, as of a moment, and the history.
    state = get(client, f"/supervision-items/{item_id}", by="p-housing-head")
    assert state == circular
    assert state["first_responsible_id"] == "p-finance-head"
    assert instants(state["report_dates"]) == sorted(instants(REPORT_DATES))
    assert datetime.fromisoformat(state["deadline"]) == datetime.fromisoformat(DEADLINE)
    registered = get(client, f"/supervision-items/{item_id}", version=1)
    assert (registered["version"], registered["status"]) == (1, "registered")
    assert registered["first_responsible_id"] == "p-finance-head"
    as_of = get(client, f"/supervision-items/{item_id}", as_of="2026-10-01T00:00:00+08:00")
    assert as_of["version"] == 1

    history = events(client, "supervision-items", item_id)
    assert [e["type"] for e in history] == [
        "SupervisionItemRegistered",
        "ProgressReported",
        "ProgressReported",
        "ItemVerified",
        "RectificationOrdered",
        "ProgressReported",
        "ItemVerified",
        "ItemClosed",
        "ResultsCirculated",
    ]
    assert "S2" in history[0]["rules"] and "S1" in history[0]["rules"]
    assert history[0]["payload"]["first_responsible_id"] == "p-finance-head"
    assert history[1]["actor_office"] == "unit_head"
    assert "S5" in history[7]["rules"]
    assert history[-1]["position"] == circular["position"]


def test_a_city_leader_registers_an_item_he_leads(client):
    item = register(
        client,
        by="p-vm-a",
        source={"kind": "npc_suggestion", "ref": "市人大建议第88号"},
        lead_unit_id="u-ecology",
        co_unit_ids=[],
        report_dates=[],
        led_by="p-vm-a",
    )
    assert item["led_by"] == "p-vm-a"
    assert item["first_responsible_id"] == "p-ecology-head"
    assert item["report_dates"] == []


def test_an_unknown_item_is_404(client):
    assert_problem(client.get(f"/supervision-items/{UNKNOWN}", headers=auth("p-mayor")), 404)
    assert_problem(report(client, UNKNOWN), 404)


# ----- refusals ---------------------------------------------------------------------------------


def test_registration_by_a_unit_head_is_forbidden_s1(client, services):
    before = log_head(services)
    r = post(client, "/supervision-items", "p-finance-head", item_body())
    assert_refused(client, services, r, 403, "S1", before)


def test_a_bad_source_kind_is_422(client, services):
    before = log_head(services)
    body = item_body(source={"kind": "rumour", "ref": "坊间传闻"})
    assert_problem(post(client, "/supervision-items", "p-office-dir", body), 422)
    body = item_body(source={"kind": "instruction", "ref": ""})
    assert_problem(post(client, "/supervision-items", "p-office-dir", body), 422)
    assert_problem(
        post(client, "/supervision-items", "p-office-dir", item_body(lead_unit_id="u-x")), 422
    )
    assert log_head(services) == before


def test_a_deadline_or_report_date_in_the_past_is_refused_s1(client, services):
    before = log_head(services)
    past = item_body(deadline="2026-09-01T00:00:00+08:00", report_dates=[])
    assert_refused(
        client,
        services,
        post(client, "/supervision-items", "p-office-dir", past),
        409,
        "S1",
        before,
    )
    late = item_body(report_dates=["2026-12-15T00:00:00+08:00"])  # after the deadline
    assert_refused(
        client,
        services,
        post(client, "/supervision-items", "p-office-dir", late),
        409,
        "S1",
        before,
    )


def test_a_report_by_a_unit_that_is_neither_lead_nor_co_unit_is_refused_s1(client, services):
    item = register(client)
    before = log_head(services)
    r = report(client, item["id"], "u-housing", "p-housing-head")
    assert_refused(client, services, r, 409, "S1", before)


def test_a_report_by_someone_not_heading_the_unit_is_forbidden_s1(client, services):
    item = register(client)
    before = log_head(services)
    assert_refused(
        client,
        services,
        report(client, item["id"], "u-finance", "p-ecology-head"),
        403,
        "S1",
        before,
    )
    assert_refused(
        client, services, report(client, item["id"], "u-finance", "p-office-dir"), 403, "S1", before
    )
    assert_refused(
        client, services, report(client, item["id"], "u-finance", "p-vm-a"), 403, "S1", before
    )


def test_verification_needs_a_report_and_the_office(client, services):
    item = register(client)
    before = log_head(services)
    assert_refused(client, services, verify(client, item["id"]), 409, "S1", before)
    ok(report(client, item["id"]))
    before = log_head(services)
    body = {"result": "passed", "findings": "自查合格"}
    r = act(client, item["id"], "verification", "p-finance-head", body)
    assert_refused(client, services, r, 403, "S1", before)
    bad = act(
        client, item["id"], "verification", "p-office-dir", {"result": "maybe", "findings": "?"}
    )
    assert_problem(bad, 422)
    assert log_head(services) == before


def test_closing_before_a_passed_verification_is_refused_s1(client, services):
    item = register(client)
    before = log_head(services)
    assert_refused(client, services, close(client, item["id"]), 409, "S1", before)
    ok(report(client, item["id"]))
    before = log_head(services)
    assert_refused(client, services, close(client, item["id"]), 409, "S1", before)
    ok(verify(client, item["id"], "failed"))
    before = log_head(services)
    assert_refused(client, services, close(client, item["id"]), 409, "S1", before)
    ok(rectify(client, item["id"]))
    before = log_head(services)
    assert_refused(client, services, close(client, item["id"]), 409, "S1", before)
    assert get(client, f"/supervision-items/{item['id']}")["closed"] is None


def test_rectification_without_a_failed_verification_is_refused_s1(client, services):
    item = register(client)
    before = log_head(services)
    assert_refused(client, services, rectify(client, item["id"]), 409, "S1", before)
    ok(report(client, item["id"]))
    before = log_head(services)
    assert_refused(client, services, rectify(client, item["id"]), 409, "S1", before)
    ok(verify(client, item["id"], "passed"))
    before = log_head(services)
    assert_refused(client, services, rectify(client, item["id"]), 409, "S1", before)
    assert get(client, f"/supervision-items/{item['id']}")["rectifications"] == []


def test_a_rectification_due_in_the_past_is_refused_s1(client, services):
    item = register(client)
    ok(report(client, item["id"]))
    ok(verify(client, item["id"], "failed"))
    before = log_head(services)
    r = rectify(client, item["id"], due="2026-09-01T00:00:00+08:00")
    assert_refused(client, services, r, 409, "S1", before)


def test_a_circular_comes_after_closing_s1(client, services):
    item = register(client)
    ok(report(client, item["id"]))
    ok(verify(client, item["id"]))
    before = log_head(services)
    assert_refused(client, services, circulate(client, item["id"]), 409, "S1", before)


def test_every_command_on_a_closed_item_is_refused_s1(client, services):
    item = closed_item(client)
    item_id = item["id"]
    before = log_head(services)
    refused = [
        report(client, item_id),
        report(client, item_id, "u-ecology", "p-ecology-head"),
        verify(client, item_id),
        verify(client, item_id, "failed"),
        rectify(client, item_id),
        close(client, item_id),
    ]
    for r in refused:
        assert_refused(client, services, r, 409, "S1", before)
    state = get(client, f"/supervision-items/{item_id}")
    assert state == {**item, "position": state["position"]}
    assert state["version"] == item["version"] == 4


# ----- dates where people think in dates (api.md) ------------------------------------------


def test_a_deadline_and_report_dates_given_as_days_mean_the_end_of_those_days_s1(client):
    """``YYYY-MM-DD`` is the end of that day in Asia/Shanghai: 24:00, the next 00:00 +08:00."""
    item = register(client, deadline="2026-11-30", report_dates=["2026-10-14", "2026-11-14"])

    assert datetime.fromisoformat(item["deadline"]) == datetime.fromisoformat(DEADLINE)
    assert sorted(map(datetime.fromisoformat, item["report_dates"])) == sorted(
        map(datetime.fromisoformat, REPORT_DATES)
    )
    report(client, item["id"])
    assert verify(client, item["id"], "failed").status_code == 200
    ordered = ok(rectify(client, item["id"], due="2026-11-19"))
    (order,) = ordered["rectifications"]
    assert datetime.fromisoformat(order["due"]) == datetime.fromisoformat(
        "2026-11-20T00:00:00+08:00"
    )


def test_a_day_that_is_not_one_is_422_and_stores_nothing(client, services):
    before = log_head(services)
    for deadline in ("2026-13-01", "2026-02-30", "9999-12-31", "2026-12-01T00:00:00"):
        r = post(client, "/supervision-items", "p-office-dir", item_body(deadline=deadline))
        assert_problem(r, 422)
    assert log_head(services) == before

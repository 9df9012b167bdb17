"""Supervision over HTTP (S1–S6): registration (立项) with a lead unit, co-units, a source and a
deadline, progress reports (限期报告), verification (核查复核), rectification (督促整改), closing
and the circular of results (通报); the ranking from performance results approved at an
executive meeting, and the reminder interviews (约谈提醒) of the bottom-ranked (S6).

Every refusal answers its status with the rule id and stores nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.http import START, assert_problem, auth, events, get, move_clock, ok, post
from tests.support.meetings import ALL_AGREE, QUORUM
from tests.support.store import assert_refused, catch_up, log_head, positions

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


# ----- S6: the ranking from performance results approved at an executive meeting -------------

SCORES = {"u-finance": 92.5, "u-ecology": 88.0, "u-housing": 85.0, "u-justice": 79.5}


def executive_meeting(client: Any, assessment_id: str | None) -> dict[str, Any]:
    """An executive meeting held now; with ``assessment_id``: a topic on those results set
    before, and decided once open."""
    body = {"kind": "executive", "title": "市政府常务会议", "convener_id": "p-mayor",
            "scheduled_at": START}  # fmt: skip
    meeting_id = ok(post(client, "/meetings", "p-office-dir", body), 201)["id"]
    topic_id = None
    if assessment_id is not None:
        topic = {"title": "审定2026年度目标绩效考核结果", "proposed_by": "p-sg",
                 "assessment_id": assessment_id}  # fmt: skip
        topic_id = ok(post(client, f"/meetings/{meeting_id}/topics", "p-sg", topic))["topic_id"]
        ok(post(client, f"/meetings/{meeting_id}/topics/{topic_id}/set", "p-mayor"))
    ok(post(client, f"/meetings/{meeting_id}/papers", "p-office-dir", {"distributed_at": START}))
    meeting = ok(post(client, f"/meetings/{meeting_id}/open", "p-mayor", {"present": QUORUM}))
    if topic_id is not None:
        decision = {"topic_id": topic_id, "text": "审定通过", "positions": ALL_AGREE}
        meeting = ok(post(client, f"/meetings/{meeting_id}/decisions", "p-mayor", decision))
    return meeting


def record_results(client: Any, **overrides: Any) -> Any:
    body = {"period": "2026", "scope": "departments", "scores": SCORES, "bottom_places": 1}
    return post(client, "/performance-assessments", "p-office-dir", {**body, **overrides})


def ranking(client: Any, **params: Any) -> Any:
    return client.get("/performance-assessments/ranking", params=params, headers=auth("p-mayor"))


def test_S6_the_ranking_comes_from_results_approved_at_an_executive_meeting(client, services):
    results = ok(record_results(client), 201)
    path = f"/performance-assessments/{results['id']}"
    assert (results["status"], results["ranking"]) == ("recorded", [])
    catch_up(services)
    assert_problem(ranking(client, period="2026", scope="departments"), 404)  # not approved

    bare = executive_meeting(client, None)  # held, but the results were no topic there
    before = log_head(services)
    r = post(client, f"{path}/approval", "p-office-dir", {"meeting_id": bare["id"]})
    assert_refused(client, services, r, 409, "S6", before)

    meeting = executive_meeting(client, results["id"])
    approved = ok(post(client, f"{path}/approval", "p-office-dir", {"meeting_id": meeting["id"]}))
    assert approved["approval"]["meeting_id"] == meeting["id"]
    catch_up(services)

    board = ok(ranking(client, period="2026", scope="departments"))
    assert board["meeting_id"] == meeting["id"]
    assert [(row["unit_id"], row["rank"], row["bottom"]) for row in board["ranking"]] == [
        ("u-finance", 1, False),
        ("u-ecology", 2, False),
        ("u-housing", 3, False),
        ("u-justice", 4, True),
    ]
    assert_problem(ranking(client, period="2025", scope="departments"), 404)
    assert_problem(ranking(client, period="2026", scope="counties"), 404)


def test_S6_the_bottom_ranked_get_a_recorded_reminder_interview(client, services):
    results = ok(record_results(client), 201)
    path = f"/performance-assessments/{results['id']}"
    before = log_head(services)
    early = post(client, f"{path}/interviews", "p-mayor", {"unit_id": "u-justice", "notes": "x"})
    assert_refused(client, services, early, 409, "S6", before)  # not approved yet
    meeting = executive_meeting(client, results["id"])
    ok(post(client, f"{path}/approval", "p-office-dir", {"meeting_id": meeting["id"]}))

    talk = {"unit_id": "u-housing", "notes": "指出差距"}
    before = log_head(services)
    assert_refused(client, services, post(client, f"{path}/interviews", "p-mayor", talk), 409,
                   "S6", before)  # fmt: skip
    talk = {"unit_id": "u-justice", "notes": "指出差距，要求限期整改"}
    by_head = post(client, f"{path}/interviews", "p-finance-head", talk)
    assert_refused(client, services, by_head, 403, "S6", before)
    done = ok(post(client, f"{path}/interviews", "p-mayor", talk))
    (interview,) = done["interviews"]
    assert (interview["unit_id"], interview["person_id"], interview["by"]) == (
        "u-justice", "p-justice-head", "p-mayor",
    )  # fmt: skip
    assert events(client, "performance-assessments", results["id"])[-1]["type"] == (
        "ReminderInterviewed"
    )
    catch_up(services)
    board = ok(ranking(client, period="2026", scope="departments"))
    interviewed = {row["unit_id"]: row["interviewed_at"] for row in board["ranking"]}
    assert interviewed["u-justice"] is not None and interviewed["u-housing"] is None


def test_S6_results_are_recorded_by_the_office_for_units_of_one_scope(client, services):
    before = log_head(services)
    by_head = post(client, "/performance-assessments", "p-finance-head",
                   {"period": "2026", "scope": "departments", "scores": SCORES,
                    "bottom_places": 1})  # fmt: skip
    assert_refused(client, services, by_head, 403, "S6", before)
    mixed = record_results(client, scores={**SCORES, "u-east-district": 90.0})
    assert_refused(client, services, mixed, 409, "S6", before)
    assert_problem(record_results(client, scope="provinces"), 422)
    assert log_head(services) == before

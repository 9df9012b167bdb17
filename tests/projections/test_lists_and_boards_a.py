"""The summaries, decisions_board and meetings_board read models: projection specs (given
events written through the API, then rows), the lists GET /{collection}?status=&limit=&cursor=
(api.md "Every resource"), /dashboard/decisions (M9, M10) and /dashboard/meetings (M4, M5, M8).

The drill clock starts on Mon 2026-09-28 09:00 +08:00 (tests.support.http.START).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from psycopg.sql import SQL

from api.services import Services
from projections.engine import Engine, ReadModel
from projections.read_models.decisions_board import DecisionsBoard
from projections.read_models.meetings_board import MeetingsBoard
from projections.read_models.summaries import Summaries
from tests.support.decisions import (
    PROCEDURE_ORDER,
    confirm_waiver,
    initiate,
    ready_decision,
    record_procedure,
)
from tests.support.http import auth, get, move_clock, ok, post
from tests.support.meetings import (
    QUORUM,
    closed_executive,
    convene,
    decided_at_executive,
    distribute_papers,
    draft_minutes,
    open_meeting,
    sign,
)

# ----- helpers -----------------------------------------------------------------------------


def caught_up(services: Services, model: ReadModel) -> Engine:
    """An engine over the test's store with ``model`` alone, caught up with the log."""
    engine = Engine(services.engine.conninfo, services.engine.schema, "govrules_events", [model])
    engine.setup()
    engine.catch_up(model.name)
    return engine


def rows(engine: Engine, name: str, table: str) -> dict[str, dict[str, Any]]:
    """The model's rows by id."""
    with engine.connect() as conn:
        t, _ = engine.tables(conn, name)
        found = conn.execute(SQL("SELECT * FROM {}").format(t[table])).fetchall()
    return {str(r["id"]): r for r in found}


def held(client: Any, kind: str) -> dict[str, Any]:
    """A meeting of ``kind`` convened by the mayor, papers out, opened with a quorum."""
    meeting = convene(client, kind, title=f"{kind}会议")
    distribute_papers(client, meeting["id"])
    return ok(open_meeting(client, meeting["id"], QUORUM))


def publish_decision(client: Any, decision_id: str, **body: Any) -> dict[str, Any]:
    body = body or {"interpretation_ref": "政策解读-1"}
    return ok(post(client, f"/decisions/{decision_id}/publication", "p-office-dir", body))


def register_item(client: Any) -> dict[str, Any]:
    body = {
        "title": "落实生态补偿资金批示",
        "source": {"kind": "instruction", "ref": "市长批示〔2026〕12号"},
        "lead_unit_id": "u-finance",
        "co_unit_ids": [],
        "deadline": "2026-12-01T00:00:00+08:00",
        "report_dates": [],
    }
    return ok(post(client, "/supervision-items", "p-office-dir", body), 201)


def item_act(client: Any, item_id: str, verb: str, body: dict[str, Any], by: str) -> Any:
    return ok(post(client, f"/supervision-items/{item_id}/{verb}", by, body))


def report_leave(client: Any, person_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    body = {
        "person_id": person_id,
        "kind": kind,
        "starts_at": "2026-10-05T09:00:00+08:00",
        "ends_at": "2026-10-06T18:00:00+08:00",
        **extra,
    }
    return ok(post(client, "/leaves", person_id, body), 201)


def department_regulation(client: Any, title: str = "财政专项资金管理办法") -> dict[str, Any]:
    body = {"kind": "department_normative", "title": title, "drafting_unit_id": "u-finance"}
    return ok(post(client, "/regulations", "p-finance-head", body), 201)


def in_force(client: Any, reg_id: str) -> dict[str, Any]:
    review = {"passed": True, "opinion": "符合上位法"}
    ok(post(client, f"/regulations/{reg_id}/legality-review", "p-finance-legal", review))
    body = {"published_on": "2026-09-28", "valid_until": "2029-09-28", "number": "攀财规1号"}
    return ok(post(client, f"/regulations/{reg_id}/publish", "p-finance-head", body))


def same_instant(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def listed(client: Any, path: str, min_position: int, **params: Any) -> dict[str, Any]:
    return get(client, path, min_position=min_position, **params)


# ----- projection specs: given events, then rows ------------------------------------------


def test_summaries_given_each_collections_events_then_rows(client, services):
    convened = convene(client)
    closed = closed_executive(client)

    preparing = ready_decision(client, procedures=PROCEDURE_ORDER[:2])
    ready = ready_decision(client)
    minor = initiate(client, matter_kind="other", title="办公用房调整")
    decided, _, _ = decided_at_executive(client)
    published = publish_decision(client, decided_at_executive(client)[0]["id"])
    withheld = publish_decision(
        client, decided_at_executive(client)[0]["id"], withheld_reason="依法不公开"
    )

    registered = register_item(client)
    rectifying = register_item(client)
    ok(post(client, f"/supervision-items/{rectifying['id']}/reports", "p-finance-head",
            {"unit_id": "u-finance", "text": "已拨付首批资金"}))  # fmt: skip
    failed = item_act(client, rectifying["id"], "verification",
                      {"result": "failed", "findings": "凭证不全"}, "p-office-dir")  # fmt: skip
    assert failed["status"] == "failed_verification"
    rectifying = item_act(client, rectifying["id"], "rectification",
                          {"order": "补齐凭证", "due": "2026-11-20T00:00:00+08:00"},
                          "p-office-dir")  # fmt: skip

    asked = report_leave(client, "p-vm-a", "private", acting_id="p-vm-b")
    approved = ok(post(client, f"/leaves/{asked['id']}/approve", "p-mayor"))
    no_approval = report_leave(client, "p-ecology-head", "private")
    cancelled = report_leave(client, "p-housing-head", "private")
    cancelled = ok(post(client, f"/leaves/{cancelled['id']}/cancel", "p-housing-head"))

    drafting = department_regulation(client, "财政票据管理办法")
    abolished = in_force(client, department_regulation(client)["id"])
    abolished = ok(post(client, f"/regulations/{abolished['id']}/abolish", "p-office-dir"))

    engine = caught_up(services, Summaries())
    got = rows(engine, "summaries", "summaries")
    assert {(r["collection"], r["status"], r["title"]) for r in got.values()} >= {
        ("meetings", "convened", convened["title"]),
        ("meetings", "closed", closed["title"]),
        ("decisions", "preparing", preparing["title"]),
        ("decisions", "ready", "办公用房调整"),  # not major: nothing to prepare (M10)
        ("supervision-items", "registered", "落实生态补偿资金批示"),
        ("supervision-items", "rectifying", "落实生态补偿资金批示"),
        ("leaves", "approved", "p-vm-a private"),
        ("leaves", "approved", "p-ecology-head private"),  # no approval needed (L3, L5)
        ("leaves", "cancelled", "p-housing-head private"),
        ("regulations", "drafting", "财政票据管理办法"),
        ("regulations", "abolished", "财政专项资金管理办法"),
    }
    status = {i: r["status"] for i, r in got.items()}
    assert status[ready["id"]] == "ready"  # all four procedures recorded (M10)
    assert status[decided["id"]] == "decided"
    assert (status[published["id"]], status[withheld["id"]]) == ("published", "withheld")
    assert status[registered["id"]] == "registered"
    assert status[no_approval["id"]] == "approved"
    assert status[minor["id"]] == "ready"
    for written in (closed, preparing, rectifying, approved, cancelled, drafting, abolished):
        row = got[written["id"]]
        assert row["version"] == written["version"]
        assert row["position"] <= written["position"]  # a write may end on another aggregate
    assert got[drafting["id"]]["position"] == drafting["position"]
    assert engine.position("summaries") == abolished["position"]


def test_decisions_board_given_procedures_taken_and_published_then_rows(client, services):
    preparing = ready_decision(client, procedures=["legality_review", "expert_review"])
    ready = ready_decision(client)
    minor = initiate(client, matter_kind="other", title="办公用房调整")
    decided, meeting, _ = decided_at_executive(client)
    published = publish_decision(client, decided_at_executive(client)[0]["id"])

    got = rows(caught_up(services, DecisionsBoard()), "decisions_board", "decisions")

    assert (got[preparing["id"]]["stage"], got[preparing["id"]]["procedures"]) == (
        "preparing",
        ["legality_review", "expert_review"],
    )
    assert (got[ready["id"]]["stage"], sorted(got[ready["id"]]["procedures"])) == (
        "ready",
        sorted(PROCEDURE_ORDER),
    )
    assert (got[minor["id"]]["major"], got[minor["id"]]["stage"]) == (False, "ready")
    assert (got[decided["id"]]["stage"], got[decided["id"]]["meeting_id"]) == (
        "decided",
        meeting["id"],
    )
    assert got[published["id"]]["stage"] == "published"
    assert got[published["id"]]["position"] == published["position"]


def test_M10_decision_boards_count_a_waiver_once_confirmed_and_a_legality_review_passed(
    client, services
):
    """The decisions board and the summaries agree with each decision's own stage and missing
    procedures, as the aggregate folds them."""
    waived = ready_decision(client, procedures=PROCEDURE_ORDER[1:])
    waive = {"conclusion": None, "evidence_refs": [], "waived_reason": "依法需要保密"}
    ok(record_procedure(client, waived["id"], "public_participation", **waive))
    confirmed = ready_decision(client, procedures=PROCEDURE_ORDER[1:])
    ok(record_procedure(client, confirmed["id"], "public_participation", **waive))
    ok(confirm_waiver(client, confirmed["id"], "public_participation"))
    failed = ready_decision(client, procedures=PROCEDURE_ORDER[:3])
    ok(record_procedure(client, failed["id"], "legality_review", passed=False))
    revised = ready_decision(client)  # passed, then failed, then passed again
    ok(record_procedure(client, revised["id"], "legality_review", passed=False))
    ok(record_procedure(client, revised["id"], "legality_review"))

    got = rows(caught_up(services, DecisionsBoard()), "decisions_board", "decisions")
    listed = rows(caught_up(services, Summaries()), "summaries", "summaries")

    for decision, stage in ((waived, "preparing"), (confirmed, "ready"), (failed, "preparing"),
                            (revised, "ready")):  # fmt: skip
        state = get(client, f"/decisions/{decision['id']}")
        row = got[decision["id"]]
        assert (row["stage"], state["stage"], listed[decision["id"]]["status"]) == (stage,) * 3
        missing = [p for p in PROCEDURE_ORDER if p not in row["procedures"]]
        assert missing == state["missing_procedures"]
    assert got[waived["id"]]["procedures"] == PROCEDURE_ORDER[1:]
    assert got[failed["id"]]["procedures"] == PROCEDURE_ORDER[:3]


def test_meetings_board_given_opened_closed_and_minutes_then_rows(client, services):
    plenary = convene(client, "plenary")
    signed = closed_executive(client)
    ok(draft_minutes(client, signed["id"]))
    signed = ok(sign(client, signed["id"]))
    pending = closed_executive(client)
    pending = ok(draft_minutes(client, pending["id"]))

    got = rows(caught_up(services, MeetingsBoard()), "meetings_board", "meetings")

    row = got[plenary["id"]]
    assert (row["kind"], row["status"], row["opened_at"], row["closed_at"]) == (
        "plenary",
        "convened",
        None,
        None,
    )
    assert row["minutes_pending"] is False
    row = got[pending["id"]]
    assert (row["kind"], row["status"], row["minutes_pending"], row["minutes_version"]) == (
        "executive",
        "closed",
        True,
        1,
    )
    assert row["opened_at"] <= row["closed_at"] <= row["minutes_drafted_at"]
    assert row["opened_at"] == datetime.fromisoformat(pending["opening"]["at"])
    assert got[signed["id"]]["minutes_pending"] is False
    assert got[signed["id"]]["position"] == signed["position"]


# ----- the lists ---------------------------------------------------------------------------


@pytest.mark.usefixtures("live_services")
def test_a_list_pages_with_the_cursor_and_filters_by_status(client):
    preparing = [initiate(client, title=f"重大决策{i}") for i in range(5)]
    minor = [initiate(client, matter_kind="other", title=f"一般事项{i}") for i in range(2)]
    last = convene(client)["position"]  # a meeting is not a decision

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = listed(client, "/decisions", last, **params)
        assert page["position"] >= last
        assert len(page["items"]) <= 3
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert [i["id"] for i in seen] == sorted(d["id"] for d in preparing + minor)
    by_id = {i["id"]: i for i in seen}
    assert by_id[minor[0]["id"]] == {
        "id": minor[0]["id"],
        "status": "ready",
        "title": "一般事项0",
        "version": 1,
        "updated_at": by_id[minor[0]["id"]]["updated_at"],
    }
    ready = listed(client, "/decisions", last, status="ready")
    assert sorted(i["id"] for i in ready["items"]) == sorted(d["id"] for d in minor)
    assert ready["next_cursor"] is None
    assert listed(client, "/decisions", last, status="published")["items"] == []


@pytest.mark.usefixtures("live_services")
def test_each_collection_answers_at_its_path(client):
    meeting = held(client, "executive")
    item = register_item(client)
    leave = report_leave(client, "p-vm-a", "private", acting_id="p-vm-b")
    reg = department_regulation(client)
    last = reg["position"]

    expected = {
        "/meetings": (meeting["id"], "open", "executive会议"),
        "/supervision-items": (item["id"], "registered", "落实生态补偿资金批示"),
        "/leaves/list": (leave["id"], "requested", "p-vm-a private"),  # L3: the mayor approves
        "/regulations": (reg["id"], "drafting", "财政专项资金管理办法"),
    }
    for path, want in expected.items():
        page = listed(client, path, last)
        assert [(i["id"], i["status"], i["title"]) for i in page["items"]] == [want], path
    assert "away" in get(client, "/leaves")  # GET /leaves still says who is away


def test_a_list_waits_for_min_position_then_answers_503(client, live_services):
    first = initiate(client)
    page = listed(client, "/decisions", first["position"])
    assert [i["id"] for i in page["items"]] == [first["id"]]
    assert page["position"] >= first["position"]

    live_services.stop_background()  # from now on no runner follows the log
    later = initiate(client, title="另一项决策")
    r = client.get(f"/decisions?min_position={later['position']}", headers=auth("p-mayor"))
    assert r.status_code == 503
    assert r.headers["retry-after"]
    assert r.headers["content-type"] == "application/problem+json"


# ----- the dashboards ----------------------------------------------------------------------


@pytest.mark.usefixtures("live_services")
def test_the_decisions_dashboard_counts_major_decisions_by_stage(client):
    preparing = ready_decision(client, procedures=["public_participation", "expert_review"])
    ready = ready_decision(client)
    initiate(client, matter_kind="other", title="办公用房调整")  # not major: not on the board
    decided, meeting, _ = decided_at_executive(client)
    published = publish_decision(client, decided_at_executive(client)[0]["id"])

    board = get(client, "/dashboard/decisions", min_position=published["position"])

    assert board["position"] >= published["position"]
    assert board["by_stage"] == {
        "preparing": 1,
        "ready": 1,
        "decided": 1,
        "published": 1,
        "withheld": 0,
    }
    assert [(d["id"], d["stage"], d["missing_procedures"]) for d in board["decisions"]] == [
        (preparing["id"], "preparing", ["risk_assessment", "legality_review"]),
        (ready["id"], "ready", []),
        (decided["id"], "decided", []),
        (published["id"], "published", []),
    ]
    assert board["decisions"][0]["title"] == preparing["title"]
    assert board["decisions"][2]["meeting_id"] == meeting["id"]


@pytest.mark.usefixtures("live_services")
def test_the_meetings_dashboard_counts_plenaries_of_the_server_clocks_year(client):
    for _ in range(2):
        held(client, "plenary")
    convene(client, "plenary")  # convened, not held
    last = held(client, "executive")["position"]
    board = get(client, "/dashboard/meetings", min_position=last)
    assert board["plenaries_this_year"] == {"year": 2026, "held": 2, "expected": 3, "met": False}

    last = held(client, "plenary")["position"]
    board = get(client, "/dashboard/meetings", min_position=last)
    assert board["plenaries_this_year"] == {"year": 2026, "held": 3, "expected": 3, "met": True}

    move_clock(client, "2027-01-01T00:30:00+08:00")  # a new year in Shanghai (M4)
    board = get(client, "/dashboard/meetings", min_position=last)
    assert board["plenaries_this_year"] == {"year": 2027, "held": 0, "expected": 3, "met": False}


@pytest.mark.usefixtures("live_services")
def test_the_meetings_dashboard_lists_the_meetings_held_this_year_by_time(client):
    plenary = held(client, "plenary")
    convene(client, "executive")  # convened, not held: not listed
    executive = held(client, "executive")
    board = get(client, "/dashboard/meetings", min_position=executive["position"])
    assert [row["kind"] for row in board["held_this_year"]] == ["plenary", "executive"]
    assert same_instant(board["held_this_year"][0]["at"], plenary["opening"]["at"])
    assert same_instant(board["held_this_year"][1]["at"], executive["opening"]["at"])

    move_clock(client, "2027-01-01T00:30:00+08:00")  # a new year in Shanghai
    board = get(client, "/dashboard/meetings", min_position=executive["position"])
    assert board["held_this_year"] == []


@pytest.mark.usefixtures("live_services")
def test_the_meetings_dashboard_flags_executive_gaps_over_14_days(client):
    first = held(client, "executive")
    board = get(client, "/dashboard/meetings", min_position=first["position"])
    assert board["executive_gaps"] == []
    assert same_instant(board["last_executive_at"], first["opening"]["at"])

    move_clock(client, "2026-10-20T09:00:00+08:00")  # 22 days later
    second = held(client, "executive")
    board = get(client, "/dashboard/meetings", min_position=second["position"])
    (gap,) = board["executive_gaps"]
    assert (gap["from"][:10], gap["to"][:10], round(gap["days"])) == (
        "2026-09-28",
        "2026-10-20",
        22,
    )

    move_clock(client, "2026-11-10T09:00:00+08:00")  # 21 days since the last one (M5)
    board = get(client, "/dashboard/meetings", min_position=second["position"])
    assert [(g["from"][:10], round(g["days"])) for g in board["executive_gaps"]] == [
        ("2026-09-28", 22),
        ("2026-10-20", 21),
    ]
    assert board["executive_gaps"][-1]["to"][:10] == "2026-11-10"


@pytest.mark.usefixtures("live_services")
def test_the_meetings_dashboard_lists_minutes_awaiting_signature(client):
    meeting = closed_executive(client)
    other = closed_executive(client)
    ok(draft_minutes(client, other["id"]))
    drafted = ok(draft_minutes(client, meeting["id"], text="会议纪要"))

    board = get(client, "/dashboard/meetings", min_position=drafted["position"])
    assert [(m["id"], m["kind"], m["minutes_version"]) for m in board["pending_minutes"]] == [
        (other["id"], "executive", 1),
        (meeting["id"], "executive", 1),
    ]
    assert board["pending_minutes"][1]["title"] == meeting["title"]
    assert board["pending_minutes"][1]["drafted_at"] and board["pending_minutes"][1]["closed_at"]

    signed = ok(sign(client, other["id"]))  # M8: the mayor signs
    board = get(client, "/dashboard/meetings", min_position=signed["position"])
    assert [m["id"] for m in board["pending_minutes"]] == [meeting["id"]]
    assert board["position"] >= signed["position"]

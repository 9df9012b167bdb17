"""The supervision, leave and regulation boards: projection specs (given events written through
the API, then rows) and the dashboards' figures over HTTP as the drill clock moves (S1, S3, L1,
L6, P2, P3, G5, G6, G7, G9), with the summary of every panel.

The drill clock starts on Mon 2026-09-28 09:00 +08:00 (tests.support.http.START)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from psycopg.sql import SQL

from api.services import Services
from projections.engine import Engine
from projections.read_models.leaves_board import LeavesBoard
from projections.read_models.regulations_board import RegulationsBoard
from projections.read_models.supervision_board import SupervisionBoard
from tests.support.clock import at, instant
from tests.support.http import auth, move_clock, write
from tests.support.leaves import leave, mayor_trip
from tests.support.regulations import department_doc, reg
from tests.support.supervision import closed, item, report, sv, verify

# ----- helpers ---------------------------------------------------------------------------------


def board(client: Any, path: str, position: int | None = None) -> dict[str, Any]:
    query = f"?min_position={position}" if position is not None else ""
    r = client.get(f"/dashboard/{path}{query}", headers=auth("p-mayor"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    if position is not None:
        assert body["position"] >= position
    return body


def head(services: Services) -> int:
    return int(services.store.max_notification_id() or 0)


def boards_engine(services: Services) -> Engine:
    """An engine keeping only this module's models, caught up to the head of the log."""
    engine = Engine(
        services.engine.conninfo,
        services.engine.schema,
        "govrules_events",
        [SupervisionBoard(), LeavesBoard(), RegulationsBoard()],
    )
    engine.setup()
    return engine


def rows(engine: Engine, name: str, table: str, order: str) -> list[dict[str, Any]]:
    engine.catch_up(name)
    with engine.connect() as conn:
        t, _ = engine.tables(conn, name)
        return conn.execute(SQL("SELECT * FROM {} ORDER BY " + order).format(t[table])).fetchall()


DAY0 = date(2026, 9, 28)


def ids(items: list[dict[str, Any]], key: str = "id") -> list[str]:
    return [i[key] for i in items]


# ----- projection specs: given events, then rows ----------------------------------------------


def test_supervision_board_given_a_lifecycle_then_rows(client, services):
    engine = boards_engine(services)
    reporting = item(client, "u-finance", at("12-01"), [at("11-15"), at("10-15")])
    report(client, reporting)  # 09-28: answers 10-15 (S3)
    rectifying = item(client, "u-ecology", at("12-01"), [at("10-15")])
    report(client, rectifying, "u-ecology")
    verify(client, rectifying, "failed")
    sv(client, rectifying, "rectification", {"order": "补齐凭证", "due": at("11-20")})
    done = item(client, "u-finance", at("10-20"), [at("10-10")])
    closed(client, done)
    sv(client, done, "circular", {"text": "通报"})

    got = {str(r["id"]): r for r in rows(engine, "supervision_board", "items", "id")}
    assert got[reporting]["status"] == "in_progress"
    assert got[reporting]["lead_unit_id"] == "u-finance"
    assert got[reporting]["overdue_from"] == instant(at("12-01"))
    assert got[rectifying]["status"] == "rectifying"
    assert got[rectifying]["rectification_due"] == instant(at("11-20"))
    assert got[rectifying]["overdue_from"] == instant(at("11-20"))  # the earlier due (S3)
    assert got[rectifying]["version"] == 4
    assert got[done]["status"] == "closed"
    assert got[done]["closed_at"] is not None and got[done]["circulated_at"] is not None
    assert got[done]["version"] == 5
    assert got[done]["position"] == head(services)

    dates = [
        (str(r["item_id"]), r["due"], r["reported_at"] is not None)
        for r in rows(engine, "supervision_board", "reports", "item_id, due")
        if str(r["item_id"]) == reporting
    ]
    assert dates == [
        (reporting, instant(at("10-15")), True),
        (reporting, instant(at("11-15")), False),
    ]


def test_leaves_board_given_reported_approved_filed_returned_cancelled_then_rows(client, services):
    engine = boards_engine(services)
    private = leave(client, "p-vm-a", "p-vm-a", "private", at("10-05"), at("10-06", "18:00"),
                    acting_id="p-vm-b")  # fmt: skip
    trip = mayor_trip(client, at("09-28", "10:00"), at("09-29", "18:00"))
    cancelled = leave(client, "p-ecology-head", "p-ecology-head", "out_of_city", at("10-05"),
                      at("10-07"), destination="北京")  # fmt: skip
    write(client, f"/leaves/{private['id']}/approve", "p-mayor")
    write(client, f"/leaves/{private['id']}/file", "p-office-dir")
    write(client, f"/leaves/{cancelled['id']}/cancel", "p-ecology-head")
    move_clock(client, at("09-29", "12:00"))
    write(client, f"/leaves/{trip['id']}/return", "p-mayor", {"returned_at": at("09-29", "11:00")})

    got = {str(r["id"]): r for r in rows(engine, "leaves_board", "absences", "id")}
    assert (got[private["id"]]["status"], got[private["id"]]["office"]) == (
        "approved",
        "vice_mayor",
    )
    assert got[private["id"]]["acting_id"] == "p-vm-b"  # P3
    assert got[private["id"]]["filed_at"] is not None  # L4
    assert got[private["id"]]["ends_at"] == instant(at("10-06", "18:00"))
    assert (got[trip["id"]]["status"], got[trip["id"]]["office"]) == ("returned", "mayor")
    assert got[trip["id"]]["acting_id"] == "p-exec-vm"  # P2
    assert got[trip["id"]]["returned_at"] == instant(at("09-29", "11:00"))  # L6
    assert got[cancelled["id"]]["status"] == "cancelled"
    assert got[cancelled["id"]]["version"] == 2


def test_regulations_board_given_published_filed_reviewed_abolished_then_rows(client, services):
    engine = boards_engine(services)
    kept = department_doc(client, "财政专项资金管理办法", "攀财规〔2026〕1号", DAY0,
                          date(2029, 9, 28))  # fmt: skip
    gone = department_doc(client, "财政票据管理办法", "攀财规〔2026〕2号", DAY0, date(2027, 9, 28))
    body = {"kind": "department_normative", "title": "草案", "drafting_unit_id": "u-finance"}
    drafted = write(client, "/regulations", "p-finance-head", body, 201)["id"]
    filing = {"body": "city_government", "filed_on": DAY0.isoformat()}
    reg(client, kept, "filings", "p-finance-head", filing)
    reg(client, kept, "cleanup", "p-finance-head", {"verdict": "continue", "reason": "仍适用"})
    reg(client, gone, "abolish", "p-office-dir", {"reason": "上位法废止"})

    got = {str(r["id"]): r for r in rows(engine, "regulations_board", "regulations", "id")}
    assert got[drafted]["status"] == "drafting" and got[drafted]["published_on"] is None
    assert got[kept]["status"] == "in_force"
    assert (got[kept]["published_on"], got[kept]["valid_until"]) == (DAY0, date(2029, 9, 28))
    assert got[kept]["number"] == "攀财规〔2026〕1号"
    assert got[kept]["last_cleanup_verdict"] == "continue"  # G7
    assert got[kept]["last_cleanup_at"] is not None
    assert (got[gone]["status"], got[gone]["ended_on"]) == ("abolished", DAY0)

    filings = [
        (str(r["regulation_id"]), r["body"], r["due"], r["filed_on"])
        for r in rows(engine, "regulations_board", "filings", "regulation_id, body")
        if str(r["regulation_id"]) == kept
    ]
    due = date(2026, 10, 28)  # G5: 30 days after publication
    assert filings == [
        (kept, "city_government", due, DAY0),
        (kept, "superior_department", due, None),
    ]


# ----- the dashboards over HTTP ---------------------------------------------------------------


@pytest.mark.usefixtures("live_services")
def test_supervision_dashboard_counts_overdue_items_and_reports_due_this_week(client):
    late = item(client, "u-finance", at("10-10"), [at("10-01"), at("10-08")], title="甲")
    rectified = item(client, "u-ecology", at("12-01"), [at("10-02"), at("10-15")], title="乙")
    done = closed(client, item(client, "u-finance", at("10-09"), [at("10-05")], title="丙"))

    first = board(client, "supervision", done["position"])
    assert first["by_status"] == {"registered": 2, "closed": 1}
    assert first["by_unit"] == {"u-finance": 2, "u-ecology": 1}
    assert first["overdue"] == []
    due = [(r["item_id"], instant(r["due"])) for r in first["reports_due_this_week"]]
    assert due == [(late, instant(at("10-01"))), (rectified, instant(at("10-02")))]  # 7 days

    report(client, rectified, "u-ecology")  # answers 10-02, not 10-15 (S1)

    answered = report(client, late)  # answers 10-01 (S1)
    assert board(client, "supervision", answered["position"])["reports_due_this_week"] == []

    verify(client, rectified, "failed")
    ordered = sv(client, rectified, "rectification", {"order": "整改", "due": at("10-12")})
    move_clock(client, at("10-10", "10:00"))  # past 甲's deadline (and 丙's, closed)
    later = board(client, "supervision", ordered["position"])
    assert ids(later["overdue"]) == [late]  # S3
    assert [(r["item_id"], instant(r["due"])) for r in later["reports_due_this_week"]] == [
        (rectified, instant(at("10-15")))
    ]
    assert later["by_status"] == {"in_progress": 1, "rectifying": 1, "closed": 1}

    move_clock(client, at("10-12"))  # 乙's rectification falls due (S3)
    last = board(client, "supervision", ordered["position"])
    assert ids(last["overdue"]) == [late, rectified]
    assert instant(last["overdue"][1]["overdue_since"]) == instant(at("10-12"))


@pytest.mark.usefixtures("live_services")
def test_leaves_dashboard_shows_who_is_away_who_acts_and_overdue_returns(client):
    trip = mayor_trip(client, at("09-28", "10:00"), at("09-29", "18:00"))
    private = leave(client, "p-vm-a", "p-vm-a", "private", at("09-30"), at("10-01", "18:00"),
                    acting_id="p-vm-b")  # fmt: skip
    nobody = board(client, "leaves", private["position"])
    assert nobody["away_now"] == [] and nobody["return_overdue"] == []
    (asked,) = nobody["requests"]  # L3: a request awaiting the mayor, not an absence
    assert (asked["leave_id"], asked["person_id"], asked["approval_by"], asked["status"]) == (
        private["id"], "p-vm-a", "p-mayor", "requested")  # fmt: skip
    private = write(client, f"/leaves/{private['id']}/approve", "p-mayor")
    assert board(client, "leaves", private["position"])["requests"] == []
    assert nobody["l1"] == {
        "mayor_away": False,
        "executive_vice_mayor_away": False,
        "both_away": False,
    }

    move_clock(client, at("09-28", "12:00"))
    away = board(client, "leaves", private["position"])
    assert [(a["person_id"], a["office"], a["acting_id"], a["return_overdue"])
            for a in away["away_now"]] == [("p-mayor", "mayor", "p-exec-vm", False)]  # fmt: skip
    assert instant(away["away_now"][0]["until"]) == instant(at("09-29", "18:00"))
    assert away["l1"]["mayor_away"] is True and away["l1"]["both_away"] is False

    move_clock(client, at("09-30", "10:00"))  # the mayor is past the end, no return (L6)
    overdue = board(client, "leaves", private["position"])
    assert [(a["person_id"], a["return_overdue"]) for a in overdue["away_now"]] == [
        ("p-mayor", True),
        ("p-vm-a", False),
    ]
    assert ids(overdue["return_overdue"], "leave_id") == [trip["id"]]
    assert overdue["away_now"][1]["acting_id"] == "p-vm-b"  # P3

    back = write(client, f"/leaves/{trip['id']}/return", "p-mayor",
                {"returned_at": at("09-30", "09:30")})  # fmt: skip
    after = board(client, "leaves", back["position"])
    assert [a["person_id"] for a in after["away_now"]] == ["p-vm-a"]
    assert after["return_overdue"] == [] and after["l1"]["mayor_away"] is False


@pytest.mark.usefixtures("live_services")
def test_L3_L4_the_leaves_board_keeps_requests_apart_and_shows_absences_begun_unfiled(
    client, services
):
    engine = boards_engine(services)
    refused = leave(client, "p-sg", "p-sg", "private", at("09-28", "12:00"),
                    at("09-28", "18:00"), acting_id="p-dsg")  # fmt: skip
    late = leave(client, "p-vm-a", "p-vm-a", "private", at("09-28", "10:00"),
                 at("09-29", "18:00"), acting_id="p-vm-b")  # fmt: skip
    trip = mayor_trip(client, at("09-28", "10:00"), at("09-29", "18:00"))
    write(client, f"/leaves/{refused['id']}/refuse", "p-mayor", {"reason": "工作需要"})
    move_clock(client, at("09-28", "11:00"))
    approved = write(client, f"/leaves/{late['id']}/approve", "p-mayor")  # after its start
    began = instant(approved["begins_at"])
    assert instant(at("09-28", "11:00")) <= began < instant(at("09-28", "11:01"))
    move_clock(client, at("09-28", "12:30"))  # the ticker: both began unfiled (L4)

    now = board(client, "leaves", head(services))
    away = {a["person_id"]: a for a in now["away_now"]}
    assert set(away) == {"p-mayor", "p-vm-a"}  # the refused request is nobody's absence
    assert instant(away["p-vm-a"]["starts_at"]) == began  # away from the approval (L3)
    assert (away["p-mayor"]["unfiled"], away["p-mayor"]["filed"]) == (True, False)
    assert instant(away["p-mayor"]["unfiled_since"]) == instant(at("09-28", "10:00"))
    assert instant(away["p-vm-a"]["unfiled_since"]) == began
    assert sorted(ids(now["unfiled"], "leave_id")) == sorted([trip["id"], late["id"]])
    assert now["requests"] == []

    filed = write(client, f"/leaves/{trip['id']}/file", "p-office-dir")  # late: the record stands
    after = board(client, "leaves", filed["position"])
    mayor = next(a for a in after["away_now"] if a["person_id"] == "p-mayor")
    assert (mayor["filed"], mayor["unfiled"]) == (True, True)

    got = {str(r["id"]): r for r in rows(engine, "leaves_board", "absences", "id")}
    assert (got[refused["id"]]["status"], got[refused["id"]]["begins_at"]) == ("refused", None)
    assert got[late["id"]]["begins_at"] == began
    assert got[late["id"]]["starts_at"] == instant(at("09-28", "10:00"))  # as requested
    assert got[trip["id"]]["unfiled_at"] == instant(at("09-28", "10:00"))


@pytest.mark.usefixtures("live_services")
def test_leaves_dashboard_shows_the_mayor_and_executive_vice_mayor_both_away_L1(client):
    leave(client, "p-exec-vm", "p-exec-vm", "official_trip", at("10-05"), at("10-06"),
          acting_id="p-sg", reported_to_id="p-mayor")  # fmt: skip
    trip = mayor_trip(client, at("10-05"), at("10-06"), acting_id="p-vm-a",
                      override_reason="省政府紧急会议")  # fmt: skip
    move_clock(client, at("10-05", "12:00"))
    both = board(client, "leaves", trip["position"])
    assert both["l1"] == {
        "mayor_away": True,
        "executive_vice_mayor_away": True,
        "both_away": True,
    }
    assert board(client, "summary", trip["position"])["leaves"]["both_leaders_away"] is True


@pytest.mark.usefixtures("live_services")
def test_regulations_dashboard_expiring_filings_overdue_cleanup_and_catalog(client):
    short = department_doc(client, "临时补贴办法", "攀财规〔2026〕1号", DAY0, date(2026, 12, 1))
    long = department_doc(client, "专项资金管理办法", "攀财规〔2026〕2号", DAY0, date(2029, 9, 28))
    filed = reg(client, short, "filings", "p-finance-head",
                {"body": "city_government", "filed_on": DAY0.isoformat()})  # fmt: skip

    now = board(client, "regulations", filed["position"])
    assert now["today"] == "2026-09-28"
    assert ids(now["expiring_within_90_days"]) == [short]  # G6: 12-01 is 64 days away
    assert now["expiring_within_90_days"][0]["days_left"] == 64
    assert now["filings_overdue"] == {}  # G5: due 10-28
    assert sorted(ids(now["cleanup_due"])) == sorted([short, long])  # never reviewed (G7)
    assert sorted(ids(now["catalog"])) == sorted([short, long])  # G9

    reviewed = reg(client, long, "cleanup", "p-finance-head",
                   {"verdict": "continue", "reason": "仍适用"})  # fmt: skip
    assert ids(board(client, "regulations", reviewed["position"])["cleanup_due"]) == [short]

    move_clock(client, at("10-29"))  # past the filings' due day (G5)
    late = board(client, "regulations", reviewed["position"])
    overdue = {b: sorted(ids(regs, "regulation_id")) for b, regs in late["filings_overdue"].items()}
    assert overdue == {"city_government": [long], "superior_department": sorted([short, long])}
    assert late["filings_overdue"]["city_government"][0]["due"] == "2026-10-28"

    move_clock(client, at("12-01"))  # the short one is no longer valid (G6, G9)
    expired = board(client, "regulations", reviewed["position"])
    assert ids(expired["catalog"]) == [long]
    assert expired["expiring_within_90_days"] == []

    move_clock(client, at("2027-09-28"))  # a year after the last cleanup review (G7)
    assert ids(board(client, "regulations", reviewed["position"])["cleanup_due"]) == [long]


@pytest.mark.usefixtures("live_services")
def test_summary_counts_each_panel_at_the_lowest_position_read(client, services):
    doc = {
        "doc_type": "request",
        "title": "关于申请专项资金的请示",
        "from_unit_id": "u-finance",
        "to": "government",
        "matters": ["专项资金"],
    }
    doc_id = write(client, "/documents", "p-finance-head", doc, 201)["id"]
    write(client, f"/documents/{doc_id}/countersign-requests", "p-finance-head",
         {"unit_ids": ["u-ecology", "u-housing"]})  # fmt: skip
    item(client, "u-finance", at("10-10"), [at("10-01")])
    mayor_trip(client, at("09-28", "10:00"), at("09-29", "18:00"))
    department_doc(client, "临时补贴办法", "攀财规〔2026〕1号", DAY0, date(2026, 12, 1))
    last = head(services)

    start = board(client, "summary", last)
    assert start["countersigns"] == {"open": 2, "overdue": 0, "due_pending": 0}
    assert start["supervision"] == {"overdue": 0}
    assert start["leaves"] == {"away_now": 0, "return_overdue": 0, "both_leaders_away": False,
                               "unfiled": 0, "requests": 0}  # fmt: skip
    assert start["regulations"] == {"expiring_within_90_days": 1, "filings_overdue": 0}

    move_clock(client, at("10-29"))
    last = head(services)  # the ticker recorded what fell due (D7 deemed the countersigns)
    later = board(client, "summary", last)
    countersigns = board(client, "countersigns", last)
    assert later["countersigns"] == {
        "open": len(countersigns["open"]),
        "overdue": countersigns["overdue"],
        "due_pending": sum(1 for c in countersigns["open"] if c["due"] is None),
    }
    assert later["supervision"] == {"overdue": 1}  # S3
    assert later["leaves"] == {
        "away_now": 1,
        "return_overdue": 1,
        "both_leaders_away": False,
        "unfiled": 1,
        "requests": 0,
    }  # L4: the trip was never filed
    assert later["regulations"] == {"expiring_within_90_days": 1, "filings_overdue": 2}
    positions = [board(client, name, last)["position"] for name in
                 ("countersigns", "supervision", "leaves", "regulations")]  # fmt: skip
    assert later["position"] <= min(positions)


def test_a_board_not_yet_at_the_position_answers_503_with_retry_after(client, services):
    written = item(client, "u-finance", at("10-10"), [at("10-01")])
    assert written
    r = client.get(f"/dashboard/summary?min_position={head(services)}", headers=auth("p-mayor"))
    assert r.status_code == 503
    assert r.headers["retry-after"]
    assert r.headers["content-type"] == "application/problem+json"

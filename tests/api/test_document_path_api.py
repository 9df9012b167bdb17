"""The path a request (请示) takes over HTTP, and the countersign limits a unit agrees (D7, D8):
the office routes it (to the mayor for provincial documents and major matters), the leader
it was routed to instructs on it (批示), and the reply (批复) answers it; a unit that cannot
answer in time agrees another limit with the lead unit and the due time moves."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.documents import command, draft, draft_request, instructed_request
from tests.support.http import create, get, move_clock, post, write
from tests.support.store import assert_refused, catch_up, log_head

ROUTE = {"conforming": True, "proposed_handling": "拟请领导阅示"}
# START is Mon 2026-09-28 09:00: 7 working days → due 2026-10-14 00:00 (D7's worked example).
D7_DUE = "2026-10-14T00:00:00+08:00"
AGREED = "2026-10-20T18:00:00+08:00"


def reply_body(request_id: str, to: str = "u-finance") -> dict[str, object]:
    return {
        "doc_type": "reply", "title": "关于同意拨付生态补偿专项资金的批复", "from_unit_id": "u-gov",
        "drafting_unit_id": "u-finance", "to": to, "matters": ["生态补偿专项资金"],
        "replies_to": request_id,
    }  # fmt: skip


def test_D8_a_request_is_routed_instructed_and_answered_by_a_reply(client):
    request = instructed_request(client)

    assert request["status"] == "instructed"
    (instruction,) = request["instructions"]
    assert (instruction["by"], instruction["text"]) == ("p-exec-vm", "同意，请办理")
    assert instruction["at"].endswith("+08:00")
    reply = create(client, "/documents", "p-office-dir", reply_body(request["id"]))
    answered = get(client, f"/documents/{request['id']}")
    assert answered["replies"] == [reply["id"]]
    types = [e["type"] for e in get(client, f"/documents/{request['id']}/history")["events"]]
    assert types == ["DocumentDrafted", "DocumentRouted", "LeaderInstructed", "DocumentReplyLinked"]


def test_D8_a_reply_before_the_leaders_instruction_is_refused_and_nothing_stored(client, services):
    request = draft_request(client)
    write(client, f"/documents/{request['id']}/review", "p-office-dir", ROUTE)
    before = log_head(services)

    r = post(client, "/documents", "p-office-dir", reply_body(request["id"]))

    assert_refused(client, services, r, 409, "D8", before)


def test_D8_only_the_leader_it_was_routed_to_instructs(client, services):
    request = draft_request(client)
    write(client, f"/documents/{request['id']}/review", "p-office-dir", ROUTE)
    before = log_head(services)

    r = command(client, request["id"], "instruction", "p-vm-a", {"text": "同意"})

    assert_refused(client, services, r, 403, "D8", before)


def test_D8_a_provincial_document_is_received_by_the_office_and_goes_to_the_mayor(client, services):
    """The province does not write here itself: the office receives its document (收文)."""
    provincial = draft(client, "p-office-dir", {
        "doc_type": "notice", "title": "四川省人民政府关于做好防汛工作的通知",
        "from_unit_id": "u-province-gov", "to": "government", "matters": ["防汛"],
    })  # fmt: skip
    assert provincial["direction"] == "incoming"
    before = log_head(services)

    r = command(client, provincial["id"], "review", "p-office-dir",
                {**ROUTE, "routed_to": "p-exec-vm"})  # fmt: skip

    assert_refused(client, services, r, 409, "D8", before)
    routed = write(client, f"/documents/{provincial['id']}/review", "p-office-dir", ROUTE)
    assert routed["review"]["routed_to"] == "p-mayor"


def test_D8_a_request_on_a_major_matter_goes_to_the_mayor(client, services):
    request = draft_request(client, matter_kind="major_funds")
    before = log_head(services)

    r = command(
        client, request["id"], "review", "p-office-dir", {**ROUTE, "routed_to": "p-exec-vm"}
    )

    assert_refused(client, services, r, 409, "D8", before)
    routed = write(client, f"/documents/{request['id']}/review", "p-office-dir", ROUTE)
    assert routed["review"]["routed_to"] == "p-mayor"


def countersign_requested(client) -> str:
    doc = draft_request(client)
    body = {"unit_ids": ["u-ecology"]}
    asked = write(client, f"/documents/{doc['id']}/countersign-requests", "p-finance-head", body)
    assert datetime.fromisoformat(asked["countersigns"][0]["due"]) == datetime.fromisoformat(D7_DUE)
    return str(doc["id"])


def test_D7_an_agreed_limit_moves_the_due_time_and_the_deemed_answer_waits_for_it(client, services):
    doc_id = countersign_requested(client)

    moved = write(client, f"/documents/{doc_id}/countersign-extensions", "p-finance-head",
                  {"unit_id": "u-ecology", "due": AGREED})  # fmt: skip

    (asked,) = moved["countersigns"]
    assert (asked["due"], asked["due_basis"]) == (AGREED, "agreed with the lead unit")
    catch_up(services)
    (row,) = get(client, "/dashboard/countersigns")["open"]
    assert datetime.fromisoformat(row["due"]) == datetime.fromisoformat(AGREED)
    assert move_clock(client, D7_DUE)["deadlines_recorded"] == 0  # the old limit deems nothing
    assert get(client, f"/documents/{doc_id}")["countersigns"][0]["status"] == "pending"
    assert move_clock(client, AGREED)["deadlines_recorded"] == 1
    assert get(client, f"/documents/{doc_id}")["countersigns"][0]["status"] == "deemed"


@pytest.mark.parametrize(
    ("by", "now", "status"),
    [("p-ecology-head", None, 403), ("p-finance-head", D7_DUE, 409)],
    ids=["asked-by-the-late-unit-alone", "after-the-limit-passed"],
)
def test_D7_an_extension_refused_stores_nothing(client, services, by, now, status):
    """The lead unit records the limit it agreed (the late unit alone does not), before the
    old one passes."""
    doc_id = countersign_requested(client)
    if now is not None:
        move_clock(client, now)
    before = log_head(services)

    r = post(client, f"/documents/{doc_id}/countersign-extensions", by,
             {"unit_id": "u-ecology", "due": AGREED})  # fmt: skip

    assert_refused(client, services, r, status, "D7", before)


def test_D10_a_handling_limit_passed_is_recorded_by_the_system_and_shown(client, services):
    request = draft_request(client)
    routed = write(client, f"/documents/{request['id']}/review", "p-office-dir",
                   {**ROUTE, "handling_due": "2026-10-09"})  # fmt: skip
    assert routed["review"]["handling_due"] == "2026-10-10T00:00:00+08:00"  # the day's end
    catch_up(services)
    (limit,) = get(client, "/dashboard/documents")["open"]
    assert (limit["document_id"], limit["kind"], limit["overdue"]) == (
        request["id"], "handling", False)  # fmt: skip

    assert move_clock(client, "2026-10-09T23:59:59+08:00")["deadlines_recorded"] == 0
    assert move_clock(client, "2026-10-10T00:00:00+08:00")["deadlines_recorded"] == 1

    assert get(client, f"/documents/{request['id']}")["overdue"] == ["handling"]
    types = [e["type"] for e in get(client, f"/documents/{request['id']}/history")["events"]]
    assert types[-1] == "DocumentHandlingOverdue"
    catch_up(services)
    board = get(client, "/dashboard/documents")
    assert [(i["kind"], i["overdue"], i["passed"]) for i in board["open"]] == [
        ("handling", True, True)]  # fmt: skip
    assert get(client, "/dashboard/summary")["documents"] == {"open_limits": 1, "overdue": 1}
    write(client, f"/documents/{request['id']}/instruction", "p-exec-vm", {"text": "同意"})
    catch_up(services)
    board = get(client, "/dashboard/documents")
    assert (board["open"], board["met_late"]) == ([], 1)


def test_D10_an_implementing_document_not_issued_in_6_months_is_recorded_overdue(client, services):
    provincial = {"ref": "川府发〔2026〕9号", "issued_on": "2026-04-15"}
    doc = draft(client, "p-office-dir", {
        "doc_type": "opinion", "title": "关于贯彻落实川府发〔2026〕9号文件的实施意见",
        "from_unit_id": "u-gov", "drafting_unit_id": "u-ecology", "to": "u-ecology",
        "matters": ["实施"], "implements": provincial,
    })  # fmt: skip
    assert doc["implementation_due"] == "2026-10-15"

    assert move_clock(client, "2026-10-15T23:59:00+08:00")["deadlines_recorded"] == 0
    assert move_clock(client, "2026-10-16T00:00:00+08:00")["deadlines_recorded"] == 1

    assert get(client, f"/documents/{doc['id']}")["overdue"] == ["implementation"]
    catch_up(services)
    (limit,) = get(client, "/dashboard/documents")["open"]
    assert (limit["kind"], limit["due"], limit["overdue"]) == ("implementation", "2026-10-15", True)

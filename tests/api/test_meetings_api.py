"""Meetings over HTTP (M1–M12): convening, topics, papers, absences, opening with a quorum,
decisions per topic with each member's position, closing, minutes, signing and corrections.

Every refusal answers its status with the rule id and stores nothing.
"""

from __future__ import annotations

import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.decisions import PROCEDURE_ORDER, ready_decision
from tests.support.http import assert_problem, auth, events, get, ok, post
from tests.support.meetings import (
    ALL_AGREE,
    EXECUTIVE_MEMBERS,
    QUORUM,
    closed_executive,
    convene,
    convene_body,
    decide,
    decided_at_executive,
    distribute_papers,
    draft_minutes,
    open_executive_with_topic,
    open_meeting,
    propose,
    set_topic,
    sign,
)
from tests.support.store import assert_refused, log_head, positions

APPROVAL = {"unit_id": "u-finance", "year": 2026, "reason": "安全生产专项整治紧急部署"}


def citywide(client: Any, scheduled_at: str, approval_id: str | None = None) -> Any:
    """The finance bureau convenes a citywide meeting (M12), naming an approval or not."""
    body = convene_body(
        "department_citywide",
        title="全市财政工作会议",
        convener_id="p-finance-head",
        unit_id="u-finance",
        scheduled_at=scheduled_at,
    )
    if approval_id is not None:
        body["approval_id"] = approval_id
    return post(client, "/meetings", "p-finance-head", body)


# ----- every endpoint, one executive meeting from convening to corrected minutes ---------------


def test_an_executive_meeting_from_convening_to_corrected_minutes(client, services):
    decision = ready_decision(client)

    r = post(client, "/meetings", "p-office-dir", convene_body(title="市政府第12次常务会议"))
    meeting = ok(r, 201)
    meeting_id = meeting["id"]
    assert r.headers["location"] == f"/meetings/{meeting_id}"
    assert r.headers["etag"] == '"1"'
    assert (meeting["version"], meeting["position"]) == (1, positions(services))
    assert meeting["kind"] == "executive"
    assert meeting["title"] == "市政府第12次常务会议"
    assert meeting["status"] == "convened"
    assert meeting["convener_id"] == "p-mayor"
    assert meeting["topics"] == [] and meeting["minutes"] == []
    assert meeting["opening"] is None

    # Topics (M6): proposed in writing by a vice-mayor, set by the mayor.
    r = post(
        client,
        f"/meetings/{meeting_id}/topics",
        "p-exec-vm",
        {"title": "审议2027年预算草案", "decision_id": decision["id"], "proposed_by": "p-exec-vm"},
    )
    proposed = ok(r)
    topic_id = proposed["topic_id"]
    assert isinstance(topic_id, str) and topic_id
    assert proposed["version"] == 2
    (topic,) = proposed["topics"]
    assert topic["topic_id"] == topic_id
    assert topic["decision_id"] == decision["id"]
    assert topic["proposed_by"] == "p-exec-vm"
    assert (topic["set_by"], topic["decided"]) == (None, None)
    second = propose(client, meeting_id, None, proposed_by="p-sg", title="听取安全生产工作汇报")
    assert second["topic_id"] != topic_id
    assert [t["topic_id"] for t in second["topics"]] == [topic_id, second["topic_id"]]

    was_set = ok(set_topic(client, meeting_id, topic_id))
    assert was_set["version"] == 4
    assert was_set["topics"][0]["set_by"] == "p-mayor"
    assert was_set["topics"][0]["set_at"].startswith("2026-09-28T")
    assert was_set["topics"][1]["set_by"] is None

    papers = distribute_papers(client, meeting_id)
    assert papers["papers_distributed_at"] == "2026-09-28T09:00:00+08:00"

    # Absences (M7): leave asked of the mayor; 陈副市长 simply does not come.
    absence = {"person_id": "p-vm-b", "reason": "赴省参加会议", "approved_by": "p-mayor"}
    absent = ok(post(client, f"/meetings/{meeting_id}/absences", "p-office-dir", absence))
    assert absent["absences"] == [{**absence, "stand_in_id": None}]

    opened = ok(open_meeting(client, meeting_id, QUORUM))
    assert opened["status"] == "open"
    opening = opened["opening"]
    assert sorted(opening["members"]) == sorted(EXECUTIVE_MEMBERS)
    assert opening["present"] == QUORUM
    assert opening["absent_with_leave"] == ["p-vm-b"]
    assert opening["absent_without_leave"] == ["p-vm-c"]

    taken = {"p-mayor": "agree", "p-exec-vm": "agree", "p-vm-a": "dissent", "p-sg": "abstain"}
    decided = ok(decide(client, meeting_id, topic_id, taken, {"p-vm-a": "增支过多"}))
    outcome = decided["topics"][0]["decided"]
    assert outcome["positions"] == taken
    assert outcome["dissent_notes"] == {"p-vm-a": "增支过多"}
    assert outcome["decision_id"] == decision["id"]
    assert outcome["text"] == "原则通过"
    assert decided["position"] == positions(services)

    closed = ok(post(client, f"/meetings/{meeting_id}/close", "p-mayor"))
    assert closed["status"] == "closed" and closed["closed_at"]

    drafted = ok(draft_minutes(client, meeting_id, text="会议原则通过2027年预算草案"))
    (minutes,) = drafted["minutes"]
    assert minutes["version"] == 1
    assert minutes["drafted_by"] == "p-office-dir"
    assert (minutes["signed_by"], minutes["corrects"]) == (None, None)

    signed = ok(sign(client, meeting_id))
    assert signed["minutes"][0]["signed_by"] == "p-mayor"
    assert signed["minutes"][0]["signed_at"]

    correction = {
        "text": "会议原则通过2027年预算草案（更正：张副市长持保留意见）",
        "drafted_by": "p-office-dir",
        "corrects": 1,
        "reason": "遗漏不同意见",
    }
    corrected = ok(
        post(client, f"/meetings/{meeting_id}/minutes/corrections", "p-office-dir", correction)
    )
    assert len(corrected["minutes"]) == 2
    assert corrected["minutes"][0]["signed_by"] == "p-mayor"  # the signed text is untouched
    assert corrected["minutes"][1]["corrects"] == 1
    assert corrected["minutes"][1]["reason"] == "遗漏不同意见"
    assert corrected["minutes"][1]["signed_by"] is None
    resigned = ok(sign(client, meeting_id, version=2))
    assert resigned["minutes"][1]["signed_by"] == "p-mayor"

    # GET shows it all, and the history has one event per command.
    state = get(client, f"/meetings/{meeting_id}", by="p-finance-head")
    assert state == resigned
    assert state["opening"]["absent_without_leave"] == ["p-vm-c"]
    assert state["topics"][0]["decided"]["positions"] == taken
    assert [m["version"] for m in state["minutes"]] == [1, 2]
    assert [e["type"] for e in events(client, "meetings", meeting_id)] == [
        "MeetingConvened",
        "TopicProposed",
        "TopicProposed",
        "TopicSet",
        "PapersDistributed",
        "AbsenceRecorded",
        "MeetingOpened",
        "TopicDecided",
        "MeetingClosed",
        "MinutesDrafted",
        "MinutesSigned",
        "MinutesDrafted",
        "MinutesSigned",
    ]
    assert get(client, f"/decisions/{decision['id']}")["meeting"]["meeting_id"] == meeting_id


def test_an_unknown_meeting_is_404(client):
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_problem(client.get(f"/meetings/{unknown}", headers=auth("p-mayor")), 404)
    assert_problem(post(client, f"/meetings/{unknown}/close", "p-mayor"), 404)


def test_a_topic_linked_to_an_unknown_decision_is_422(client, services):
    meeting = convene(client)
    before = log_head(services)
    body = {
        "title": "t",
        "decision_id": "00000000-0000-4000-8000-000000000000",
        "proposed_by": "p-exec-vm",
    }
    assert_problem(post(client, f"/meetings/{meeting['id']}/topics", "p-exec-vm", body), 422)
    assert log_head(services) == before


# ----- authority (403 + rule id, nothing stored) -----------------------------------------------


@pytest.mark.parametrize("by", ["p-vm-a", "p-office-dir"])
def test_an_executive_meeting_convened_by_a_vice_mayor_is_refused_m2(client, services, by):
    before = log_head(services)
    r = post(client, "/meetings", by, convene_body(convener_id="p-vm-a"))
    assert_refused(client, services, r, 403, "M2", before)


def test_a_topic_set_by_a_vice_mayor_is_refused_m6(client, services):
    meeting = convene(client)
    topic_id = propose(client, meeting["id"])["topic_id"]
    before = log_head(services)
    r = set_topic(client, meeting["id"], topic_id, by="p-vm-a")
    assert_refused(client, services, r, 403, "M6", before)
    assert get(client, f"/meetings/{meeting['id']}")["topics"][0]["set_by"] is None


def test_an_executive_topic_proposed_by_a_unit_head_is_refused_m6(client, services):
    meeting = convene(client)
    before = log_head(services)
    body = {"title": "预算", "proposed_by": "p-finance-head"}
    r = post(client, f"/meetings/{meeting['id']}/topics", "p-finance-head", body)
    assert_refused(client, services, r, 403, "M6", before)


def test_minutes_signed_by_a_vice_mayor_are_refused_m8(client, services):
    meeting = closed_executive(client)
    ok(draft_minutes(client, meeting["id"]))
    before = log_head(services)
    r = sign(client, meeting["id"], by="p-vm-a")
    assert_refused(client, services, r, 403, "M8", before)
    assert get(client, f"/meetings/{meeting['id']}")["minutes"][0]["signed_by"] is None


def test_executive_minutes_drafted_by_a_unit_head_are_refused_m8(client, services):
    meeting = closed_executive(client)
    before = log_head(services)
    r = draft_minutes(client, meeting["id"], by="p-finance-head")
    assert_refused(client, services, r, 403, "M8", before)


def closed_special_topic(client: Any) -> str:
    """A special-topic meeting 张副市长 convened, held and closed."""
    meeting = convene(client, "special_topic", by="p-vm-a", convener_id="p-vm-a")
    ok(open_meeting(client, meeting["id"], ["p-vm-a", "p-ecology-head"], by="p-vm-a"))
    ok(post(client, f"/meetings/{meeting['id']}/close", "p-vm-a"))
    return str(meeting["id"])


def test_special_topic_minutes_are_drafted_and_corrected_by_the_office_only_m8(client, services):
    meeting_id = closed_special_topic(client)
    before = log_head(services)
    r = draft_minutes(client, meeting_id, by="p-vm-a")  # the convener signs; it does not draft
    assert_refused(client, services, r, 403, "M8", before)
    r = post(client, f"/meetings/{meeting_id}/minutes", "p-office-dir",
             {"text": "纪要", "drafted_by": "p-vm-a"})  # fmt: skip
    assert_refused(client, services, r, 403, "M8", before)
    r = draft_minutes(client, meeting_id, by="p-investigator")  # reads only (api.md)
    assert_refused(client, services, r, 403, "A1", before)
    assert get(client, f"/meetings/{meeting_id}")["minutes"] == []

    ok(draft_minutes(client, meeting_id, by="p-dsg"))
    ok(sign(client, meeting_id, by="p-vm-a"))
    correction = {"text": "更正稿", "drafted_by": "p-vm-a", "corrects": 1, "reason": "笔误"}
    path = f"/meetings/{meeting_id}/minutes/corrections"
    before = log_head(services)
    assert_refused(client, services, post(client, path, "p-vm-a", correction), 403, "M8", before)
    corrected = ok(post(client, path, "p-sg", {**correction, "drafted_by": "p-sg"}))
    assert corrected["minutes"][1]["drafted_by"] == "p-sg"
    assert ok(sign(client, meeting_id, by="p-vm-a", version=2))["minutes"][1]["signed_by"] == (
        "p-vm-a"
    )


def test_signing_names_the_latest_draft_m8(client, services):
    meeting = closed_executive(client)
    ok(draft_minutes(client, meeting["id"], text="纪要初稿"))
    ok(draft_minutes(client, meeting["id"], text="纪要修改稿"))  # redrafted before signing
    before = log_head(services)
    r = sign(client, meeting["id"], version=1)  # the draft the mayor read is not the latest
    body = assert_refused(client, services, r, 409, "M8", before)
    assert "latest" in body["detail"]
    assert_problem(post(client, f"/meetings/{meeting['id']}/minutes/sign", "p-mayor"), 422)
    assert_problem(sign(client, meeting["id"], version=0), 422)
    assert log_head(services) == before
    signed = ok(sign(client, meeting["id"], version=2))
    assert [m["signed_by"] for m in signed["minutes"]] == [None, "p-mayor"]
    assert signed["minutes"][1]["text"] == "纪要修改稿"


def test_a_special_topic_meeting_by_a_deputy_secretary_general_needs_an_entrustment_m2(
    client, services
):
    before = log_head(services)
    r = post(client, "/meetings", "p-dsg", convene_body("special_topic", convener_id="p-dsg"))
    assert_refused(client, services, r, 403, "M2", before)

    entrusted = ok(
        post(
            client,
            "/meetings",
            "p-dsg",
            convene_body("special_topic", convener_id="p-dsg", entrusted_by="p-vm-a"),
        ),
        201,
    )
    assert (entrusted["convener_id"], entrusted["entrusted_by"]) == ("p-dsg", "p-vm-a")


def test_special_topic_minutes_are_signed_by_the_leader_who_entrusted_it_m8(client, services):
    meeting = convene(
        client, "special_topic", by="p-dsg", convener_id="p-dsg", entrusted_by="p-vm-a"
    )
    meeting_id = meeting["id"]
    ok(open_meeting(client, meeting_id, ["p-dsg", "p-ecology-head"], by="p-dsg"))
    ok(post(client, f"/meetings/{meeting_id}/close", "p-dsg"))
    ok(draft_minutes(client, meeting_id))
    before = log_head(services)
    assert_refused(client, services, sign(client, meeting_id, by="p-mayor"), 403, "M8", before)
    signed = ok(sign(client, meeting_id, by="p-vm-a"))
    assert signed["minutes"][0]["signed_by"] == "p-vm-a"


def test_a_department_citywide_meeting_convened_by_another_units_head_is_refused_m2(
    client, services
):
    before = log_head(services)
    body = convene_body("department_citywide", convener_id="p-ecology-head", unit_id="u-finance")
    r = post(client, "/meetings", "p-ecology-head", body)
    assert_refused(client, services, r, 403, "M2", before)


def test_an_executive_meeting_closed_by_a_vice_mayor_is_refused_m2(client, services):
    meeting, _ = open_executive_with_topic(client, None)
    before = log_head(services)
    r = post(client, f"/meetings/{meeting['id']}/close", "p-vm-a")
    assert_refused(client, services, r, 403, "M2", before)


# ----- rules (409 + rule id, nothing stored) ---------------------------------------------------


def test_an_executive_meeting_needs_at_least_half_its_members_m3(client, services):
    """半数以上 includes half: 3 of the example roster's 6 members open it, 2 do not."""
    meeting = convene(client)
    distribute_papers(client, meeting["id"])
    before = log_head(services)
    r = open_meeting(client, meeting["id"], ["p-mayor", "p-sg"])
    body = assert_refused(client, services, r, 409, "M3", before)
    assert body["article"] == 42
    assert get(client, f"/meetings/{meeting['id']}")["status"] == "convened"

    opened = ok(open_meeting(client, meeting["id"], ["p-mayor", "p-exec-vm", "p-sg"]))
    assert opened["status"] == "open"
    assert sorted(opened["opening"]["absent_without_leave"]) == ["p-vm-a", "p-vm-b", "p-vm-c"]


def test_non_members_do_not_count_towards_the_quorum_m3(client, services):
    meeting = convene(client)
    distribute_papers(client, meeting["id"])
    before = log_head(services)
    present = ["p-mayor", "p-sg", "p-office-dir", "p-finance-head"]  # 2 of 6 members
    r = open_meeting(client, meeting["id"], present)
    assert_refused(client, services, r, 409, "M3", before)


def test_an_executive_meeting_opens_only_after_the_papers_went_out_m6(client, services):
    meeting = convene(client)
    before = log_head(services)
    r = open_meeting(client, meeting["id"], QUORUM)
    assert_refused(client, services, r, 409, "M6", before)


def test_an_absence_without_the_mayors_leave_is_refused_m7(client, services):
    meeting = convene(client)
    before = log_head(services)
    absence = {"person_id": "p-vm-b", "reason": "出差", "approved_by": "p-exec-vm"}
    r = post(client, f"/meetings/{meeting['id']}/absences", "p-office-dir", absence)
    assert_refused(client, services, r, 409, "M7", before)


def test_a_member_on_leave_from_the_meeting_is_not_counted_present_m7(client, services):
    meeting = convene(client)
    distribute_papers(client, meeting["id"])
    absence = {"person_id": "p-vm-a", "reason": "赴省参加会议", "approved_by": "p-mayor"}
    ok(post(client, f"/meetings/{meeting['id']}/absences", "p-office-dir", absence))
    before = log_head(services)

    r = open_meeting(client, meeting["id"], QUORUM)  # QUORUM lists p-vm-a

    body = assert_refused(client, services, r, 409, "M7", before)
    assert "p-vm-a" in body["detail"]
    assert get(client, f"/meetings/{meeting['id']}")["status"] == "convened"


def test_a_topic_never_set_is_not_decided_m6(client, services):
    meeting = convene(client)
    topic_id = propose(client, meeting["id"])["topic_id"]
    distribute_papers(client, meeting["id"])
    ok(open_meeting(client, meeting["id"], QUORUM))
    before = log_head(services)
    r = decide(client, meeting["id"], topic_id)
    assert_refused(client, services, r, 409, "M6", before)
    assert get(client, f"/meetings/{meeting['id']}")["topics"][0]["decided"] is None

    r = set_topic(client, meeting["id"], topic_id)  # too late: the meeting is open
    assert_refused(client, services, r, 409, "M6", before)


def test_a_major_decision_with_a_procedure_missing_is_refused_m10(client, services):
    decision = ready_decision(client, procedures=PROCEDURE_ORDER[:3])
    assert decision["missing_procedures"] == ["legality_review"]
    meeting, topic_id = open_executive_with_topic(client, decision["id"])
    before = log_head(services)
    r = decide(client, meeting["id"], topic_id)
    body = assert_refused(client, services, r, 409, "M10", before)
    assert "legality_review" in body["detail"]
    assert get(client, f"/meetings/{meeting['id']}")["topics"][0]["decided"] is None
    assert get(client, f"/decisions/{decision['id']}")["stage"] == "preparing"


@pytest.mark.parametrize("kind", ["special_topic", "mayor_office"])
def test_a_major_matter_is_decided_only_at_a_plenary_or_executive_meeting_m9(
    client, services, kind
):
    decision = ready_decision(client)
    meeting = convene(client, kind, by="p-mayor")
    topic_id = propose(client, meeting["id"], decision["id"])["topic_id"]
    ok(set_topic(client, meeting["id"], topic_id))
    ok(open_meeting(client, meeting["id"], QUORUM))
    before = log_head(services)
    r = decide(client, meeting["id"], topic_id)
    assert_refused(client, services, r, 409, "M9", before)
    assert get(client, f"/decisions/{decision['id']}")["stage"] == "ready"


def test_every_present_members_position_is_recorded_m11(client, services):
    meeting, topic_id = open_executive_with_topic(client, None)
    before = log_head(services)
    missing_sg = {p: v for p, v in ALL_AGREE.items() if p != "p-sg"}
    body = assert_refused(
        client, services, decide(client, meeting["id"], topic_id, missing_sg), 409, "M11", before
    )
    assert "p-sg" in body["detail"]
    absent_voter = {**ALL_AGREE, "p-vm-c": "agree"}
    r = decide(client, meeting["id"], topic_id, absent_voter)
    assert_refused(client, services, r, 409, "M11", before)
    stray_note = decide(client, meeting["id"], topic_id, ALL_AGREE, {"p-mayor": "无"})
    assert_refused(client, services, stray_note, 409, "M11", before)


def test_a_topic_is_decided_once_m11(client, services):
    meeting, topic_id = open_executive_with_topic(client, None)
    ok(decide(client, meeting["id"], topic_id))
    before = log_head(services)
    assert_refused(client, services, decide(client, meeting["id"], topic_id), 409, "M11", before)


def test_a_department_holds_one_citywide_meeting_a_year_m12(client, services):
    """In principle one a year (原则上): the second without the government's approval is
    refused, nothing stored; another year or another department is another count."""
    first = ok(citywide(client, "2026-10-20T09:00:00+08:00"), 201)
    assert (first["unit_id"], first["approval_id"]) == ("u-finance", None)
    before = log_head(services)
    r = citywide(client, "2026-12-20T09:00:00+08:00")
    body = assert_refused(client, services, r, 409, "M12", before)
    assert body["article"] == 46
    assert "approval" in body["detail"]
    next_year = ok(citywide(client, "2027-02-20T09:00:00+08:00"), 201)
    assert next_year["id"] != first["id"]
    other_unit = convene_body(
        "department_citywide",
        convener_id="p-ecology-head",
        unit_id="u-ecology",
        scheduled_at="2026-12-20T09:00:00+08:00",
    )
    ok(post(client, "/meetings", "p-ecology-head", other_unit), 201)


def test_a_second_citywide_meeting_with_the_governments_approval_is_convened_m12(client, services):
    ok(citywide(client, "2026-10-20T09:00:00+08:00"), 201)
    r = post(client, "/citywide-meeting-approvals", "p-mayor", APPROVAL)
    approval = ok(r, 201)
    assert r.headers["location"] == f"/citywide-meeting-approvals/{approval['id']}"
    assert (approval["unit_id"], approval["year"], approval["reason"]) == (
        "u-finance",
        2026,
        APPROVAL["reason"],
    )
    assert approval["approved_by"] == "p-mayor"
    assert get(client, f"/citywide-meeting-approvals/{approval['id']}") == approval
    (event,) = events(client, "citywide-meeting-approvals", approval["id"])
    assert event["type"] == "CitywideMeetingApproved"

    second = ok(citywide(client, "2026-12-20T09:00:00+08:00", approval["id"]), 201)

    assert second["approval_id"] == approval["id"]
    before = log_head(services)
    r = citywide(client, "2026-12-27T09:00:00+08:00", approval["id"])
    body = assert_refused(client, services, r, 409, "M12", before)
    assert second["id"] in body["detail"]  # the approval admitted that meeting already


@pytest.mark.parametrize("by", ["p-finance-head", "p-vm-a", "p-exec-vm"])
def test_an_approval_by_someone_not_entitled_is_refused_m12(client, services, by):
    before = log_head(services)
    r = post(client, "/citywide-meeting-approvals", by, APPROVAL)
    assert_refused(client, services, r, 403, "M12", before)


def test_the_office_records_the_approval_for_the_government_m12(client, services):
    ok(citywide(client, "2026-10-20T09:00:00+08:00"), 201)
    headers = auth("p-office-dir", idempotency_key="approve-finance-2026")
    r = client.post("/citywide-meeting-approvals", json=APPROVAL, headers=headers)
    approval = ok(r, 201)
    assert approval["approved_by"] == "p-office-dir"
    after = log_head(services)
    again = client.post("/citywide-meeting-approvals", json=APPROVAL, headers=headers)
    assert (ok(again, 201), again.headers["idempotent-replay"]) == (approval, "true")
    assert log_head(services) == after  # one approval, recorded once
    ok(citywide(client, "2026-12-20T09:00:00+08:00", approval["id"]), 201)


def test_an_approval_of_another_department_or_an_unknown_one_admits_nothing_m12(client, services):
    ok(citywide(client, "2026-10-20T09:00:00+08:00"), 201)
    ecology = {**APPROVAL, "unit_id": "u-ecology"}
    other = ok(post(client, "/citywide-meeting-approvals", "p-mayor", ecology), 201)
    before = log_head(services)
    r = citywide(client, "2026-12-20T09:00:00+08:00", other["id"])
    assert_refused(client, services, r, 409, "M12", before)
    for unknown in ("00000000-0000-4000-8000-000000000000", "not-an-id"):
        assert_problem(citywide(client, "2026-12-20T09:00:00+08:00", unknown), 422)
    assert log_head(services) == before
    for bad in ({**APPROVAL, "reason": ""}, {**APPROVAL, "year": "soon"}):
        assert_problem(post(client, "/citywide-meeting-approvals", "p-mayor", bad), 422)
    assert log_head(services) == before


def test_signed_minutes_are_never_redrafted_m8(client, services):
    meeting = closed_executive(client)
    ok(draft_minutes(client, meeting["id"], text="纪要初稿"))
    ok(sign(client, meeting["id"]))
    before = log_head(services)
    r = draft_minutes(client, meeting["id"], text="纪要改稿")
    assert_refused(client, services, r, 409, "M8", before)
    path = f"/meetings/{meeting['id']}/minutes/corrections"
    no_reason = {"text": "更正", "drafted_by": "p-office-dir", "corrects": 1, "reason": " "}
    assert_refused(
        client, services, post(client, path, "p-office-dir", no_reason), 409, "M8", before
    )
    wrong_version = {**no_reason, "reason": "笔误", "corrects": 2}
    r = post(client, path, "p-office-dir", wrong_version)
    assert_refused(client, services, r, 409, "M8", before)
    assert get(client, f"/meetings/{meeting['id']}")["minutes"][0]["text"] == "纪要初稿"


def test_minutes_come_after_the_meeting_closes_m8(client, services):
    meeting, _ = open_executive_with_topic(client, None)
    before = log_head(services)
    assert_refused(client, services, draft_minutes(client, meeting["id"]), 409, "M8", before)
    closed = ok(post(client, f"/meetings/{meeting['id']}/close", "p-mayor"))
    assert closed["status"] == "closed"
    before = log_head(services)
    assert_refused(client, services, sign(client, meeting["id"]), 409, "M8", before)


def test_a_meeting_kind_outside_m1_is_refused(client, services):
    before = log_head(services)
    r = post(client, "/meetings", "p-office-dir", convene_body("banquet"))
    assert_refused(client, services, r, 409, "M1", before)


def test_a_decision_is_taken_at_one_meeting_only_m9(client, services):
    decision, _, _ = decided_at_executive(client)
    meeting, topic_id = open_executive_with_topic(client, decision["id"])
    before = log_head(services)
    r = decide(client, meeting["id"], topic_id)
    assert_refused(client, services, r, 409, "M9", before)
    assert get(client, f"/meetings/{meeting['id']}")["topics"][0]["decided"] is None


def test_unknown_topics_and_positions_are_422(client, services):
    meeting, topic_id = open_executive_with_topic(client, None)
    before = log_head(services)
    assert_problem(decide(client, meeting["id"], "no-such-topic"), 422)
    assert_problem(set_topic(client, meeting["id"], "no-such-topic"), 422)
    maybe = {**ALL_AGREE, "p-sg": "maybe"}
    assert_problem(decide(client, meeting["id"], topic_id, maybe), 422)
    r = open_meeting(client, convene(client)["id"], ["p-nobody"])
    assert_problem(r, 422)
    assert positions(services) == before[0] + 1  # only the second meeting's convening


# ----- If-Match and Idempotency-Key on meeting commands ----------------------------------------


def test_deciding_with_a_stale_if_match_is_412_and_a_repeated_key_records_once(client, services):
    meeting, topic_id = open_executive_with_topic(client, None)
    version = get(client, f"/meetings/{meeting['id']}")["version"]
    body = {"topic_id": topic_id, "text": "同意", "positions": ALL_AGREE}
    path = f"/meetings/{meeting['id']}/decisions"
    before = log_head(services)
    stale = client.post(path, json=body, headers=auth("p-mayor", if_match=f'"{version - 1}"'))
    assert_problem(stale, 412)
    assert log_head(services) == before

    first = client.post(path, json=body, headers=auth("p-mayor", idempotency_key="decide-1"))
    assert ok(first)["version"] == version + 1
    after = log_head(services)
    again = client.post(path, json=body, headers=auth("p-mayor", idempotency_key="decide-1"))
    assert ok(again) == first.json()
    assert again.headers["idempotent-replay"] == "true"
    assert log_head(services) == after


def _race(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> Any:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, c) for c in calls]]


def test_racing_citywide_conventions_with_one_idempotency_key_are_answered_alike_m12(
    client, services
):
    """api.md: the same key with the same body answers the first response again. Two such
    requests racing for a department's one citywide meeting of a year (M12) are one request:
    both answer 201 with the same meeting; neither is refused as the year's second meeting."""
    for year in range(2030, 2035):
        body = convene_body(
            "department_citywide",
            title=f"{year}年全市财政工作会议",
            convener_id="p-finance-head",
            unit_id="u-finance",
            scheduled_at=f"{year}-03-01T09:00:00+08:00",
        )
        headers = auth("p-finance-head", idempotency_key=f"citywide-{year}")
        call = functools.partial(client.post, "/meetings", json=body, headers=headers)
        responses = _race([call, call])
        answers = [(r.status_code, r.json().get("rule"), r.json().get("id")) for r in responses]
        assert [a[0] for a in answers] == [201, 201], (year, answers)
        assert answers[0][2] == answers[1][2], (year, answers)
        assert sum(r.headers.get("idempotent-replay") == "true" for r in responses) == 1

"""Regulations and normative documents over HTTP (G1–G9).

A government rule (政府规章) drafted by 市司法局 → legality review by the justice bureau (G2) →
public comment (here 30 days; the rules set no length) with a comment received (G3) → adopted
as a topic decided at an executive meeting (G4) → published (G6) → filed with each required
body (G5) → cleanup (G7), post-implementation evaluation (G8), revision with lineage (G7) and
abolition. City normative documents are adopted at a meeting too; department normative
documents need none: their own legal reviewer reviews them, and the justice bureau reviews
them on filing (G2). The catalog
(G9) lists what is in force on a day: a published revision supersedes the version it revises.

Every refusal answers its status with the rule id (and article) and stores nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from tests.support.http import assert_problem, auth, events, get, move_clock, ok, post
from tests.support.meetings import ALL_AGREE, QUORUM, convene
from tests.support.store import assert_refused, catch_up, log_head, positions

DAY0 = date(2026, 9, 28)  # the drill clock's first day (tests.support.http.START)
# rules.md: the article(s) each rule cites; a refusal's `article` is one of them.
ARTICLES = {
    "G1": {21, 23},
    "G2": {21, 23},
    "G3": {22},
    "G4": {28, 42},
    "G5": {22, 24},
    "G6": {25},
    "G7": {25},
    "G8": {22},
    "G9": {24},
}
# Who drafts each kind, for which unit, under which title.
DRAFTERS: dict[str, tuple[str, str, str]] = {
    "government_rule": ("p-justice-head", "u-justice", "攀枝花市城市绿化管理办法"),
    "city_normative": ("p-office-dir", "u-gov-office", "攀枝花市政务公开工作规定"),
    "department_normative": ("p-finance-head", "u-finance", "攀枝花市财政专项资金管理办法"),
}
FILING_BODIES = {
    "government_rule": {
        "state_council",
        "provincial_npc_sc",
        "provincial_government",
        "city_npc_sc",
    },
    "city_normative": {"provincial_government", "city_npc_sc"},
    "department_normative": {"city_government", "superior_department"},
}
MEETING_KINDS = ("government_rule", "city_normative")
UNKNOWN = "00000000-0000-4000-8000-000000000000"


# ----- helpers ---------------------------------------------------------------------------------


def at(day: date, hour: int = 9) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+08:00"


def to_day(client: Any, day: date, hour: int = 9) -> None:
    move_clock(client, at(day, hour))


def years_later(day: date, years: int) -> date:
    return day.replace(year=day.year + years)


def draft_body(kind: str = "government_rule", **overrides: Any) -> dict[str, Any]:
    _, unit_id, title = DRAFTERS[kind]
    body: dict[str, Any] = {"kind": kind, "title": title, "drafting_unit_id": unit_id}
    body.update(overrides)
    return body


def draft_response(
    client: Any, kind: str = "government_rule", by: str | None = None, **kw: Any
) -> Any:
    return client.post(
        "/regulations", json=draft_body(kind, **kw), headers=auth(by or DRAFTERS[kind][0])
    )


def draft(
    client: Any, kind: str = "government_rule", by: str | None = None, **kw: Any
) -> dict[str, Any]:
    return ok(draft_response(client, kind, by, **kw), 201)


def act(
    client: Any, reg_id: str, verb: str, by: str, body: dict[str, Any] | None = None, **headers: str
) -> Any:
    return client.post(f"/regulations/{reg_id}/{verb}", json=body, headers=auth(by, **headers))


# G2: a department's own legal reviewer (roster.json) reviews its normative documents.
LEGAL_REVIEWERS = {
    "u-finance": "p-finance-legal",
    "u-ecology": "p-ecology-legal",
    "u-housing": "p-housing-legal",
}


def reviewer(client: Any, reg_id: str) -> str:
    """G2: who reviews the regulation's legality before adoption: the justice bureau, or for
    a department's normative document that department's own legal reviewer."""
    state = reg(client, reg_id)
    if state["kind"] != "department_normative":
        return "p-justice-head"
    return LEGAL_REVIEWERS[state["drafting_unit_id"]]


def review(client: Any, reg_id: str, passed: bool = True, by: str | None = None) -> Any:
    by = by or reviewer(client, reg_id)
    opinion = "符合上位法，同意提请审议" if passed else "与上位法相抵触"
    return act(client, reg_id, "legality-review", by, {"passed": passed, "opinion": opinion})


def open_comment(
    client: Any, reg_id: str, opens: date, closes: date, by: str = "p-justice-head", **extra: Any
) -> Any:
    body = {"opens_on": opens.isoformat(), "closes_on": closes.isoformat(), **extra}
    return act(client, reg_id, "public-comment", by, body)


def comment(
    client: Any, reg_id: str, by: str = "p-justice-head", text: str = "建议增加古树保护条款"
) -> Any:
    return act(client, reg_id, "comments", by, {"text": text, "source": "市民来信"})


def adopt(client: Any, reg_id: str, meeting_id: str | None, by: str = "p-office-dir") -> Any:
    return act(client, reg_id, "adopt", by, {"meeting_id": meeting_id})


def publish(
    client: Any,
    reg_id: str,
    published_on: date,
    valid_until: date | None,
    by: str = "p-office-dir",
    number: str = "攀府令第1号",
) -> Any:
    body = {
        "published_on": published_on.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "number": number,
    }
    return act(client, reg_id, "publish", by, body)


def file_with(client: Any, reg_id: str, body: str, filed_on: date, by: str = "p-office-dir") -> Any:
    return act(client, reg_id, "filings", by, {"body": body, "filed_on": filed_on.isoformat()})


def held_meeting(
    client: Any,
    day: date,
    reg_id: str | None = None,
    kind: str = "executive",
    decided: bool = True,
) -> dict[str, Any]:
    """A meeting convened by the mayor for ``day`` 09:00 (the clock is there) and opened. With
    ``reg_id``: a topic taking up that regulation proposed and set before, and (``decided``)
    decided once open (G4: adopted only as a topic decided there)."""
    meeting_id = convene(client, kind, by="p-mayor", scheduled_at=at(day))["id"]
    topic_id = None
    if reg_id is not None:
        topic = {"title": "审议规章草案", "proposed_by": "p-exec-vm", "regulation_id": reg_id}
        topic_id = ok(post(client, f"/meetings/{meeting_id}/topics", "p-exec-vm", topic))[
            "topic_id"
        ]
        ok(post(client, f"/meetings/{meeting_id}/topics/{topic_id}/set", "p-mayor"))
    if kind == "executive":
        ok(post(client, f"/meetings/{meeting_id}/papers", "p-office-dir",
                {"distributed_at": at(day)}))  # fmt: skip
    meeting = ok(post(client, f"/meetings/{meeting_id}/open", "p-mayor", {"present": QUORUM}))
    if topic_id is not None and decided:
        decision = {"topic_id": topic_id, "text": "原则通过", "positions": ALL_AGREE}
        meeting = ok(post(client, f"/meetings/{meeting_id}/decisions", "p-mayor", decision))
    return meeting


def commented_rule(client: Any, **overrides: Any) -> dict[str, Any]:
    """A government rule on DAY0: legality review passed, comment open DAY0 – DAY0+30 with one
    comment received."""
    rule = draft(client, **overrides)
    ok(review(client, rule["id"]))
    ok(open_comment(client, rule["id"], DAY0, DAY0 + timedelta(days=30)))
    return ok(comment(client, rule["id"]))


def adoptable_rule(client: Any) -> tuple[dict[str, Any], date]:
    """A commented government rule, the clock moved past the comment period: (rule, today)."""
    rule = commented_rule(client)
    today = DAY0 + timedelta(days=31)
    to_day(client, today)
    return rule, today


def bring_into_force(
    client: Any, reg: dict[str, Any], day: date, number: str
) -> tuple[dict[str, Any], date]:
    """A drafted regulation (clock on ``day``) through its kind's whole path: legality review;
    a government rule's 30-day comment with one comment; adoption as a topic decided at an
    executive meeting held for it (government rules, city normative documents); publication
    on the day, valid 3 years (a normative document; a government rule has none, G6).
    Returns the publication answer and the day it was published on."""
    kind = reg["kind"]
    ok(review(client, reg["id"]))
    if kind == "government_rule":
        ok(open_comment(client, reg["id"], day, day + timedelta(days=30)))
        ok(comment(client, reg["id"]))
        day += timedelta(days=31)
        to_day(client, day)
    if kind in MEETING_KINDS:
        meeting = held_meeting(client, day, reg["id"])
        ok(adopt(client, reg["id"], meeting["id"]))
    publisher = DRAFTERS[kind][0] if kind == "department_normative" else "p-office-dir"
    until = None if kind == "government_rule" else years_later(day, 3)
    published = ok(publish(client, reg["id"], day, until, publisher, number))
    return published, day


def department_doc_in_force(
    client: Any,
    published_on: date = DAY0,
    valid_until: date | None = None,
    by: str = "p-finance-head",
    drafter: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A department normative document of 市财政局 (or another unit): reviewed by its own legal
    reviewer (G2) and published by ``by`` without any meeting."""
    doc = draft(client, "department_normative", drafter, **overrides)
    ok(review(client, doc["id"]))
    until = valid_until or years_later(published_on, 3)
    return ok(publish(client, doc["id"], published_on, until, by, "攀财规〔2026〕1号"))


def refused(
    client: Any, services: Any, response: Any, status: int, rule: str, before: tuple[int, int]
) -> dict[str, Any]:
    """A refusal naming ``rule`` with one of its articles (rules.md), storing nothing."""
    body = assert_refused(client, services, response, status, rule, before)
    assert body["article"] in ARTICLES[rule], body
    return body


def reg(client: Any, reg_id: str, by: str = "p-mayor", **params: Any) -> dict[str, Any]:
    return get(client, f"/regulations/{reg_id}", by, **params)


def catalog(client: Any, on: date | None = None, **params: Any) -> dict[str, Any]:
    """The catalog (G9) as the regulations board has it once it has read every event so far
    (no runner follows the log in the background: it is caught up here)."""
    catch_up(client.app.state.services)
    if on is not None:
        params["on"] = on.isoformat()
    return get(client, "/regulations/catalog", "p-investigator", **params)


def catalog_ids(client: Any, on: date, **params: Any) -> list[str]:
    found = catalog(client, on, **params)
    assert found["count"] == len(found["documents"])
    assert found["on"] == on.isoformat()
    return [d["id"] for d in found["documents"]]


def assert_written(response: Any, services: Any, status: int, version: int) -> dict[str, Any]:
    """A write's answer: state, ``version``, ``position`` (the head of the log), ``ETag``."""
    body = ok(response, status)
    assert body["version"] == version, body
    assert body["position"] == positions(services)
    assert response.headers["etag"] == f'"{version}"'
    if status == 201:
        assert response.headers["location"] == f"/regulations/{body['id']}"
    return body


# ----- every endpoint: a government rule from draft to abolition --------------------------------


def test_a_government_rule_through_every_endpoint(client, services):
    r = draft_response(client)
    rule = assert_written(r, services, 201, 1)
    rule_id = rule["id"]
    assert uuid.UUID(rule_id)
    assert (rule["kind"], rule["title"], rule["drafting_unit_id"]) == (
        "government_rule",
        "攀枝花市城市绿化管理办法",
        "u-justice",
    )
    assert rule["status"] == "drafting"
    assert rule["temporary"] is False
    assert (rule["revises"], rule["revised_by"]) == (None, [])
    assert rule["legality_reviews"] == [] and rule["comments"] == []
    assert (rule["public_comment"], rule["adoption"], rule["publication"]) == (None, None, None)
    assert rule["filings"] == [] and rule["cleanups"] == [] and rule["evaluations"] == []

    reviewed = assert_written(review(client, rule_id), services, 200, 2)
    (legality,) = reviewed["legality_reviews"]
    assert legality["passed"] is True
    assert legality["by"] == "p-justice-head"
    assert legality["opinion"] == "符合上位法，同意提请审议"

    closes = DAY0 + timedelta(days=30)
    opened = assert_written(open_comment(client, rule_id, DAY0, closes), services, 200, 3)
    assert opened["public_comment"]["opens_on"] == "2026-09-28"
    assert opened["public_comment"]["closes_on"] == "2026-10-28"

    commented = assert_written(comment(client, rule_id), services, 200, 4)
    (received,) = commented["comments"]
    assert (received["text"], received["source"]) == ("建议增加古树保护条款", "市民来信")

    today = DAY0 + timedelta(days=31)  # 2026-10-29: the comment period has closed
    to_day(client, today)
    meeting = held_meeting(client, today, rule_id)
    adopted = assert_written(adopt(client, rule_id, meeting["id"]), services, 200, 5)
    assert adopted["status"] == "adopted"
    assert adopted["adoption"]["meeting_id"] == meeting["id"]
    assert adopted["adoption"]["decision_id"] is None

    before = log_head(services)  # G6: a government rule has no validity period
    with_period = publish(client, rule_id, today, date(2031, 10, 28), number="攀府令第150号")
    assert_refused(client, services, with_period, 409, "G6", before)
    published = assert_written(
        publish(client, rule_id, today, None, number="攀府令第150号"), services, 200, 6
    )
    assert published["status"] == "in_force"
    assert published["publication"] == {
        "number": "攀府令第150号",
        "published_on": "2026-10-29",
        "valid_until": None,
    }
    assert {f["body"] for f in published["filings"]} == FILING_BODIES["government_rule"]
    assert {(f["due"], f["filed_on"]) for f in published["filings"]} == {("2026-11-28", None)}

    filed = assert_written(file_with(client, rule_id, "state_council", today), services, 200, 7)
    by_body = {f["body"]: f for f in filed["filings"]}
    assert by_body["state_council"]["filed_on"] == "2026-10-29"
    assert by_body["city_npc_sc"]["filed_on"] is None

    later = date(2027, 3, 1)
    to_day(client, later)  # the three other filings fell due on 2026-11-28 (G5)
    overdue = [e for e in events(client, "regulations", rule_id) if e["type"] == "FilingOverdue"]
    assert sorted(e["payload"]["body"] for e in overdue) == sorted(
        FILING_BODIES["government_rule"] - {"state_council"}
    )
    assert {(e["actor_id"], e["version"] > 7) for e in overdue} == {("system", True)}
    cleaned = assert_written(
        act(
            client,
            rule_id,
            "cleanup",
            "p-justice-head",
            {"verdict": "continue", "reason": "仍适用"},
        ),
        services,
        200,
        11,
    )
    (cleanup,) = cleaned["cleanups"]
    assert (cleanup["verdict"], cleanup["reason"], cleanup["by"]) == (
        "continue",
        "仍适用",
        "p-justice-head",
    )
    assert cleaned["status"] == "in_force"

    evaluated = assert_written(
        act(client, rule_id, "evaluation", "p-justice-head", {"findings": "实施效果良好"}),
        services,
        200,
        12,
    )
    assert [e["findings"] for e in evaluated["evaluations"]] == ["实施效果良好"]

    r = act(
        client,
        rule_id,
        "revise",
        "p-justice-head",
        {"title": "攀枝花市城市绿化管理办法（修订草案）"},
    )
    revision = assert_written(r, services, 201, 1)
    assert revision["id"] != rule_id
    assert r.headers["location"] == f"/regulations/{revision['id']}"
    assert (revision["kind"], revision["drafting_unit_id"]) == ("government_rule", "u-justice")
    assert revision["title"] == "攀枝花市城市绿化管理办法（修订草案）"
    assert revision["status"] == "drafting"
    assert (revision["revises"], revision["revised_by"]) == (rule_id, [])
    old = reg(client, rule_id)
    assert (old["version"], old["revised_by"], old["status"]) == (13, [revision["id"]], "in_force")

    abolished = assert_written(
        act(client, rule_id, "abolish", "p-office-dir", {"reason": "上位法已废止"}),
        services,
        200,
        14,
    )
    assert abolished["status"] == "abolished"
    assert abolished["ended"] == {"how": "abolished", "on": "2027-03-01", "reason": "上位法已废止"}

    # GET: current state, ?version=, ?as_of=, /history.
    current = client.get(f"/regulations/{rule_id}", headers=auth("p-finance-head"))
    assert current.headers["etag"] == '"14"'
    assert {k: v for k, v in ok(current).items() if k != "position"} == {
        k: v for k, v in abolished.items() if k != "position"
    }
    assert current.json()["position"] == abolished["position"]

    fifth = client.get(f"/regulations/{rule_id}", params={"version": 5}, headers=auth("p-sg"))
    assert fifth.headers["etag"] == '"5"'
    assert ok(fifth)["status"] == "adopted"
    assert fifth.json()["publication"] is None
    assert fifth.json()["position"] == adopted["position"]
    assert_problem(
        client.get(f"/regulations/{rule_id}", params={"version": 15}, headers=auth("p-sg")), 404
    )

    drafting = reg(client, rule_id, as_of="2026-09-28T18:00:00+08:00")
    assert (drafting["version"], drafting["status"], len(drafting["comments"])) == (
        4,
        "drafting",
        1,
    )
    in_force = reg(client, rule_id, as_of="2026-11-01T00:00:00+08:00")
    assert (in_force["version"], in_force["status"]) == (7, "in_force")
    assert in_force["revised_by"] == []
    r = client.get(
        f"/regulations/{rule_id}",
        params={"as_of": "2026-09-27T00:00:00+08:00"},
        headers=auth("p-sg"),
    )
    assert_problem(r, 404)

    history = events(client, "regulations", rule_id)
    assert [e["type"] for e in history] == [
        "RegulationDrafted",
        "LegalityReviewed",
        "PublicCommentOpened",
        "CommentReceived",
        "RegulationAdopted",
        "RegulationPublished",
        "RegulationFiled",
        "FilingOverdue",
        "FilingOverdue",
        "FilingOverdue",
        "CleanupReviewed",
        "RegulationEvaluated",
        "RegulationRevised",
        "RegulationAbolished",
    ]
    assert [e["version"] for e in history] == list(range(1, 15))
    assert [e["position"] for e in history] == sorted(e["position"] for e in history)
    assert history[0]["position"] == rule["position"]
    assert (history[0]["actor_id"], history[0]["actor_office"]) == ("p-justice-head", "unit_head")
    assert history[0]["rules"] == ["G1"]
    assert "G2" in history[1]["rules"]
    assert "G3" in history[3]["rules"]
    assert set(history[4]["rules"]) == {"G2", "G3", "G4"}
    assert history[4]["actor_id"] == "p-office-dir"
    assert set(history[5]["rules"]) == {"G5", "G6"}
    assert history[5]["payload"]["number"] == "攀府令第150号"
    assert history[6]["payload"]["body"] == "state_council"
    assert (history[7]["payload"]["due"], history[7]["rules"]) == ("2026-11-28", ["G5"])
    assert history[12]["payload"]["new_regulation_id"] == revision["id"]
    assert history[13]["recorded_at"].startswith("2027-03-01T")
    assert all(len(e["hash"]) == 64 for e in history)
    new_history = events(client, "regulations", revision["id"])
    assert [e["type"] for e in new_history] == ["RegulationDrafted"]
    assert set(new_history[0]["rules"]) == {"G1", "G7"}
    assert new_history[0]["payload"]["revises"] == rule_id


def test_an_unknown_regulation_is_404(client, services):
    before = log_head(services)
    assert_problem(client.get(f"/regulations/{UNKNOWN}", headers=auth("p-mayor")), 404)
    assert_problem(client.get(f"/regulations/{UNKNOWN}/history", headers=auth("p-mayor")), 404)
    assert_problem(review(client, UNKNOWN, by="p-justice-head"), 404)
    assert_problem(act(client, UNKNOWN, "revise", "p-justice-head", {"title": "修订"}), 404)
    assert log_head(services) == before


def test_a_draft_of_an_unknown_kind_or_unit_is_refused(client, services):
    before = log_head(services)
    r = draft_response(client, kind="government_rule", drafting_unit_id="u-nowhere")
    assert_problem(r, 422)
    r = client.post(
        "/regulations",
        json=draft_body(kind="government_rule") | {"kind": "party_rule"},
        headers=auth("p-justice-head"),
    )
    assert_problem(r, 409, "G1")
    assert log_head(services) == before


# ----- refusals: authority (403) ---------------------------------------------------------------


def test_a_legality_review_by_the_office_director_is_refused_g2(client, services):
    rule = draft(client)
    before = log_head(services)
    refused(client, services, review(client, rule["id"], by="p-office-dir"), 403, "G2", before)
    refused(client, services, review(client, rule["id"], by="p-finance-head"), 403, "G2", before)
    assert reg(client, rule["id"])["legality_reviews"] == []
    assert reg(client, rule["id"])["version"] == 1


def test_G2_a_department_document_is_reviewed_by_its_own_legal_reviewer_then_on_filing(
    client, services
):
    """Before adoption: the issuing department's legal reviewer, not the justice bureau (403)
    nor the department's head; after the filing with the city government: the justice
    bureau's review on filing (备案审查), recorded once."""
    doc = draft(client, "department_normative")
    before = log_head(services)
    for by in ("p-justice-head", "p-finance-head", "p-ecology-legal"):
        refused(client, services, review(client, doc["id"], by=by), 403, "G2", before)
    reviewed = ok(review(client, doc["id"], by="p-finance-legal"))
    (legality,) = reviewed["legality_reviews"]
    assert (legality["by"], legality["passed"]) == ("p-finance-legal", True)
    ok(
        publish(
            client, doc["id"], DAY0, years_later(DAY0, 3), "p-finance-head", "攀财规〔2026〕9号"
        )
    )

    on_filing = {"passed": True, "opinion": "经备案审查，未发现与上位法相抵触"}
    before = log_head(services)
    early = act(client, doc["id"], "filing-review", "p-justice-head", on_filing)
    refused(client, services, early, 409, "G2", before)  # not filed with the city government
    ok(file_with(client, doc["id"], "city_government", DAY0, by="p-finance-head"))
    before = log_head(services)
    by_department = act(client, doc["id"], "filing-review", "p-finance-legal", on_filing)
    refused(client, services, by_department, 403, "G2", before)
    done = ok(act(client, doc["id"], "filing-review", "p-justice-head", on_filing))
    review_ = done["filing_review"]
    assert (review_["passed"], review_["by"]) == (True, "p-justice-head")
    assert review_["opinion"] == "经备案审查，未发现与上位法相抵触"
    assert events(client, "regulations", doc["id"])[-1]["type"] == "RegulationFilingReviewed"
    before = log_head(services)
    again = act(client, doc["id"], "filing-review", "p-justice-head", on_filing)
    refused(client, services, again, 409, "G2", before)


def test_G2_the_city_governments_documents_are_reviewed_by_the_justice_bureau(client, services):
    doc = draft(client, "city_normative")
    before = log_head(services)
    refused(client, services, review(client, doc["id"], by="p-finance-legal"), 403, "G2", before)
    assert ok(review(client, doc["id"]))["legality_reviews"][0]["by"] == "p-justice-head"


@pytest.mark.parametrize("by", ["p-finance-head", "p-justice-head"])
def test_adoption_recorded_by_a_unit_head_is_refused_g4(client, services, by):
    rule, today = adoptable_rule(client)
    meeting = held_meeting(client, today, rule["id"])
    before = log_head(services)
    refused(client, services, adopt(client, rule["id"], meeting["id"], by=by), 403, "G4", before)
    assert reg(client, rule["id"])["status"] == "drafting"


def test_publication_of_a_government_rule_by_a_unit_head_is_refused_g6(client, services):
    rule, today = adoptable_rule(client)
    ok(adopt(client, rule["id"], held_meeting(client, today, rule["id"])["id"]))
    before = log_head(services)
    r = publish(client, rule["id"], today, years_later(today, 3), by="p-justice-head")
    refused(client, services, r, 403, "G6", before)
    assert reg(client, rule["id"])["status"] == "adopted"


def test_cleanup_by_an_unrelated_unit_head_is_refused_g7(client, services):
    doc = department_doc_in_force(client)
    before = log_head(services)
    body = {"verdict": "abolish", "reason": "不再适用"}
    refused(
        client,
        services,
        act(client, doc["id"], "cleanup", "p-ecology-head", body),
        403,
        "G7",
        before,
    )
    refused(
        client, services, act(client, doc["id"], "cleanup", "p-office-dir", body), 403, "G7", before
    )
    assert reg(client, doc["id"])["cleanups"] == []
    # The drafting unit and the justice bureau may.
    own = ok(
        act(
            client,
            doc["id"],
            "cleanup",
            "p-finance-head",
            {"verdict": "continue", "reason": "有效"},
        )
    )
    assert own["cleanups"][0]["by"] == "p-finance-head"
    justice = ok(
        act(
            client,
            doc["id"],
            "cleanup",
            "p-justice-head",
            {"verdict": "revise", "reason": "需修改"},
        )
    )
    assert [c["verdict"] for c in justice["cleanups"]] == ["continue", "revise"]


# ----- refusals: G2, G3 ------------------------------------------------------------------------


def test_adoption_after_a_failed_legality_review_is_refused_g2(client, services):
    doc = draft(client, "city_normative")
    ok(review(client, doc["id"], passed=False))
    meeting = held_meeting(client, DAY0, doc["id"])
    before = log_head(services)
    refused(client, services, adopt(client, doc["id"], meeting["id"]), 409, "G2", before)
    ok(review(client, doc["id"], passed=True))
    assert ok(adopt(client, doc["id"], meeting["id"]))["status"] == "adopted"


def test_G3_a_comment_period_of_any_length_is_accepted_without_a_reason(client, services):
    """Art. 22 sets no number of days: a one-day period and a 20-day one are accepted as they
    are (the old 30-day minimum was invented)."""
    rule = draft(client)
    ok(review(client, rule["id"]))
    opened = ok(open_comment(client, rule["id"], DAY0, DAY0 + timedelta(days=20)))
    assert opened["public_comment"] == {
        "opens_on": "2026-09-28",
        "closes_on": "2026-10-18",
        "short_reason": None,
        "waived_reason": None,
        "secret_by_law": False,
    }
    one_day = draft(client)
    assert ok(open_comment(client, one_day["id"], DAY0, DAY0))["public_comment"]["closes_on"] == (
        "2026-09-28"
    )
    backwards = draft(client)
    before = log_head(services)
    r = open_comment(client, backwards["id"], DAY0, DAY0 - timedelta(days=1))
    refused(client, services, r, 409, "G3", before)


def test_G3_public_comment_is_waived_only_for_a_draft_secret_by_law(client, services):
    rule = draft(client)
    before = log_head(services)
    other_ground = {"waived_reason": "上级部署时间紧迫"}
    r = act(client, rule["id"], "public-comment", "p-justice-head", other_ground)
    refused(client, services, r, 409, "G3", before)
    no_basis = {"secret_by_law": True, "waived_reason": " "}
    r = act(client, rule["id"], "public-comment", "p-justice-head", no_basis)
    refused(client, services, r, 409, "G3", before)
    assert reg(client, rule["id"])["public_comment"] is None

    secret = {"secret_by_law": True, "waived_reason": "《保守国家秘密法》第九条"}
    waived = ok(act(client, rule["id"], "public-comment", "p-justice-head", secret))
    assert waived["public_comment"] == {
        "opens_on": None,
        "closes_on": None,
        "short_reason": None,
        "waived_reason": "《保守国家秘密法》第九条",
        "secret_by_law": True,
    }
    before = log_head(services)
    refused(client, services, comment(client, rule["id"]), 409, "G3", before)  # no period


def test_a_comment_outside_the_period_is_refused_g3(client, services):
    rule = draft(client)
    before = log_head(services)
    refused(client, services, comment(client, rule["id"]), 409, "G3", before)  # no period yet

    ok(open_comment(client, rule["id"], date(2026, 10, 1), date(2026, 10, 31)))
    before = log_head(services)
    refused(client, services, comment(client, rule["id"]), 409, "G3", before)  # 09-28: not open yet
    to_day(client, date(2026, 10, 15))
    assert len(ok(comment(client, rule["id"]))["comments"]) == 1
    to_day(client, date(2026, 11, 1))
    before = log_head(services)
    refused(client, services, comment(client, rule["id"]), 409, "G3", before)  # closed
    assert len(reg(client, rule["id"])["comments"]) == 1


def test_adopting_before_the_comment_period_closed_is_refused_g3(client, services):
    rule = commented_rule(client)  # period 2026-09-28 – 2026-10-28
    day = date(2026, 10, 20)
    to_day(client, day)
    meeting = held_meeting(client, day, rule["id"])
    before = log_head(services)
    refused(client, services, adopt(client, rule["id"], meeting["id"]), 409, "G3", before)
    assert reg(client, rule["id"])["status"] == "drafting"

    to_day(client, date(2026, 10, 29))
    assert ok(adopt(client, rule["id"], meeting["id"]))["status"] == "adopted"


def test_a_government_rule_without_public_comment_is_not_adopted_g3(client, services):
    rule = draft(client)
    ok(review(client, rule["id"]))
    meeting = held_meeting(client, DAY0, rule["id"])
    before = log_head(services)
    refused(client, services, adopt(client, rule["id"], meeting["id"]), 409, "G3", before)


# ----- refusals: G4 ----------------------------------------------------------------------------


def test_adopting_at_a_special_topic_meeting_is_refused_g4(client, services):
    rule, today = adoptable_rule(client)
    meeting = held_meeting(client, today, rule["id"], kind="special_topic")
    assert (meeting["kind"], meeting["status"]) == ("special_topic", "open")
    before = log_head(services)
    refused(client, services, adopt(client, rule["id"], meeting["id"]), 409, "G4", before)
    assert reg(client, rule["id"])["adoption"] is None


def test_G4_a_meeting_held_where_the_rule_was_no_topic_does_not_adopt_it(client, services):
    """The misreading was: any executive meeting held will do. It must have decided a topic
    that took the regulation up."""
    rule, today = adoptable_rule(client)
    other = draft(client, "city_normative")
    bare = held_meeting(client, today)
    about_other = held_meeting(client, today, other["id"])
    before = log_head(services)
    refused(client, services, adopt(client, rule["id"], bare["id"]), 409, "G4", before)
    refused(client, services, adopt(client, rule["id"], about_other["id"]), 409, "G4", before)
    assert reg(client, rule["id"])["status"] == "drafting"


def test_G4_a_topic_raised_but_not_decided_does_not_adopt_it(client, services):
    rule, today = adoptable_rule(client)
    meeting = held_meeting(client, today, rule["id"], decided=False)
    (topic,) = meeting["topics"]
    assert (topic["regulation_id"], topic["decided"]) == (rule["id"], None)
    before = log_head(services)
    refused(client, services, adopt(client, rule["id"], meeting["id"]), 409, "G4", before)

    decision = {"topic_id": topic["topic_id"], "text": "原则通过", "positions": ALL_AGREE}
    ok(post(client, f"/meetings/{meeting['id']}/decisions", "p-mayor", decision))
    adopted = ok(adopt(client, rule["id"], meeting["id"]))
    assert adopted["adoption"]["meeting_id"] == meeting["id"]


def test_G4_a_topic_naming_an_unknown_regulation_is_422(client, services):
    meeting = convene(client, "executive", by="p-mayor", scheduled_at=at(DAY0 + timedelta(days=1)))
    before = log_head(services)
    topic = {"title": "审议规章草案", "proposed_by": "p-exec-vm", "regulation_id": UNKNOWN}
    r = post(client, f"/meetings/{meeting['id']}/topics", "p-exec-vm", topic)
    assert_problem(r, 422)
    assert log_head(services) == before


def test_adopting_at_a_meeting_not_yet_held_is_refused_g4(client, services):
    rule, today = adoptable_rule(client)
    meeting = convene(client, "executive", by="p-mayor", scheduled_at=at(today + timedelta(days=2)))
    assert meeting["status"] == "convened"
    before = log_head(services)
    refused(client, services, adopt(client, rule["id"], meeting["id"]), 409, "G4", before)
    assert reg(client, rule["id"])["status"] == "drafting"


def test_a_city_normative_document_is_adopted_at_a_meeting_g4(client, services):
    doc = draft(client, "city_normative")
    ok(review(client, doc["id"]))
    before = log_head(services)
    refused(client, services, adopt(client, doc["id"], None), 409, "G4", before)
    r = publish(client, doc["id"], DAY0, years_later(DAY0, 3))
    refused(client, services, r, 409, "G4", before)  # published only after its adoption
    meeting = held_meeting(client, DAY0, doc["id"])
    adopted = ok(adopt(client, doc["id"], meeting["id"]))
    assert adopted["adoption"]["meeting_id"] == meeting["id"]


def test_adopting_at_an_unknown_meeting_is_422(client, services):
    rule, _ = adoptable_rule(client)
    before = log_head(services)
    assert_problem(adopt(client, rule["id"], UNKNOWN), 422)
    assert_problem(adopt(client, rule["id"], "not-a-meeting"), 422)
    assert log_head(services) == before
    assert reg(client, rule["id"])["status"] == "drafting"


# ----- refusals: G6 ----------------------------------------------------------------------------


def test_publishing_without_a_validity_period_is_refused_g6(client, services):
    doc = draft(client, "department_normative")
    ok(review(client, doc["id"]))
    before = log_head(services)
    body = {"published_on": "2026-09-28", "number": "攀财规〔2026〕1号"}
    r = act(client, doc["id"], "publish", "p-finance-head", body)
    refused(client, services, r, 409, "G6", before)
    r = publish(client, doc["id"], DAY0, None, by="p-finance-head")
    refused(client, services, r, 409, "G6", before)
    assert reg(client, doc["id"])["publication"] is None


def test_a_validity_period_over_five_years_is_refused_g6(client, services):
    rule = draft(client, "city_normative")  # a normative document states its validity period
    ok(review(client, rule["id"]))
    today = DAY0 + timedelta(days=31)  # published 2026-10-29
    to_day(client, today)
    ok(adopt(client, rule["id"], held_meeting(client, today, rule["id"])["id"]))
    before = log_head(services)
    refused(
        client, services, publish(client, rule["id"], today, date(2031, 10, 30)), 409, "G6", before
    )
    refused(
        client, services, publish(client, rule["id"], today, date(2036, 10, 29)), 409, "G6", before
    )
    refused(client, services, publish(client, rule["id"], today, today), 409, "G6", before)
    assert reg(client, rule["id"])["status"] == "adopted"
    published = ok(publish(client, rule["id"], today, date(2031, 10, 29)))
    assert published["publication"]["valid_until"] == "2031-10-29"


@pytest.mark.parametrize("mark", ["暂行", "试行"])
def test_a_temporary_document_is_valid_two_years_at_most_g6(client, services, mark):
    title = f"攀枝花市政府购买服务{mark}办法"
    doc = draft(client, "department_normative", title=title)
    assert doc["temporary"] is True
    ok(review(client, doc["id"]))
    published_on = date(2026, 10, 1)
    before = log_head(services)
    for too_long in (date(2028, 10, 2), date(2029, 9, 30), date(2031, 9, 30)):
        r = publish(client, doc["id"], published_on, too_long, by="p-finance-head")
        body = refused(client, services, r, 409, "G6", before)
        assert "2028-10-01" in body["detail"]
    published = ok(publish(client, doc["id"], published_on, date(2028, 10, 1), by="p-finance-head"))
    assert published["publication"]["valid_until"] == "2028-10-01"


def test_a_document_without_the_temporary_mark_may_run_five_years(client):
    doc = department_doc_in_force(
        client, published_on=date(2026, 10, 1), valid_until=date(2031, 10, 1)
    )
    assert doc["temporary"] is False
    assert doc["publication"]["valid_until"] == "2031-10-01"


# ----- refusals: G5 ----------------------------------------------------------------------------


def test_filings_are_refused_before_publication_twice_or_with_a_body_not_required_g5(
    client, services
):
    doc = draft(client, "department_normative")
    ok(review(client, doc["id"]))
    before = log_head(services)
    r = file_with(client, doc["id"], "city_government", DAY0, by="p-finance-head")
    refused(client, services, r, 409, "G5", before)  # not yet published

    ok(publish(client, doc["id"], DAY0, years_later(DAY0, 3), by="p-finance-head"))
    published = reg(client, doc["id"])
    assert {f["body"] for f in published["filings"]} == FILING_BODIES["department_normative"]
    before = log_head(services)
    for not_required in (
        "state_council",
        "provincial_npc_sc",
        "provincial_government",
        "city_npc_sc",
    ):
        r = file_with(client, doc["id"], not_required, DAY0, by="p-finance-head")
        refused(client, services, r, 409, "G5", before)
    assert_problem(file_with(client, doc["id"], "un_security_council", DAY0), 422)
    assert log_head(services) == before

    filed = ok(file_with(client, doc["id"], "city_government", DAY0, by="p-finance-head"))
    assert {f["body"]: f["filed_on"] for f in filed["filings"]} == {
        "city_government": "2026-09-28",
        "superior_department": None,
    }
    before = log_head(services)
    r = file_with(client, doc["id"], "city_government", DAY0, by="p-office-dir")
    refused(client, services, r, 409, "G5", before)  # already filed
    assert reg(client, doc["id"])["version"] == filed["version"]


def test_a_city_normative_document_is_filed_with_the_province_and_the_city_npc(client, services):
    doc = draft(client, "city_normative")
    published, _ = bring_into_force(client, doc, DAY0, "攀府规〔2026〕1号")
    assert {f["body"] for f in published["filings"]} == FILING_BODIES["city_normative"]
    before = log_head(services)
    refused(
        client, services, file_with(client, doc["id"], "state_council", DAY0), 409, "G5", before
    )
    refused(
        client, services, file_with(client, doc["id"], "city_government", DAY0), 409, "G5", before
    )


# ----- refusals: G7, G8 ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["department_normative", "city_normative"])
def test_evaluating_a_normative_document_is_refused_g8(client, services, kind):
    doc = draft(client, kind)
    bring_into_force(client, doc, DAY0, "攀规〔2026〕1号")
    before = log_head(services)
    r = act(client, doc["id"], "evaluation", "p-justice-head", {"findings": "效果良好"})
    refused(client, services, r, 409, "G8", before)
    assert reg(client, doc["id"])["evaluations"] == []


def test_an_unpublished_government_rule_is_not_evaluated_g8(client, services):
    rule = draft(client)
    before = log_head(services)
    r = act(client, rule["id"], "evaluation", "p-justice-head", {"findings": "效果良好"})
    refused(client, services, r, 409, "G8", before)


def test_a_draft_is_neither_cleaned_up_revised_nor_abolished_g7(client, services):
    rule = draft(client)
    before = log_head(services)
    body = {"verdict": "continue", "reason": "有效"}
    refused(
        client,
        services,
        act(client, rule["id"], "cleanup", "p-justice-head", body),
        409,
        "G7",
        before,
    )
    r = act(client, rule["id"], "revise", "p-justice-head", {"title": "修订稿"})
    refused(client, services, r, 409, "G7", before)
    refused(client, services, act(client, rule["id"], "abolish", "p-office-dir"), 409, "G7", before)


# ----- revision chain: v1 → v2 → v3, walked both ways -----------------------------------------


@pytest.mark.parametrize("kind", ["government_rule", "city_normative", "department_normative"])
def test_a_revision_chain_of_three_versions_g7_g9(client, services, kind):
    drafter, unit_id, title = DRAFTERS[kind]
    v1 = draft(client, kind)
    v1_pub, day1 = bring_into_force(client, v1, DAY0, "第1号")
    assert v1_pub["status"] == "in_force"

    r = act(client, v1["id"], "revise", drafter, {"title": f"{title}（2027年修订）"})
    v2 = ok(r, 201)
    assert r.headers["location"] == f"/regulations/{v2['id']}"
    assert (v2["revises"], v2["kind"], v2["drafting_unit_id"]) == (v1["id"], kind, unit_id)
    assert reg(client, v1["id"])["status"] == "in_force"  # until v2 is published
    assert catalog_ids(client, day1) == [v1["id"]]

    day = day1 + timedelta(days=10)
    to_day(client, day)
    v2_pub, day2 = bring_into_force(client, v2, day, "第2号")
    assert v2_pub["status"] == "in_force"
    old = reg(client, v1["id"])
    assert old["status"] == "superseded"
    assert old["ended"] == {"how": "superseded", "by": v2["id"], "on": day2.isoformat()}
    assert old["publication"] == v1_pub["publication"]
    lineage = [e["type"] for e in events(client, "regulations", v1["id"])]
    lineage = [t for t in lineage if t != "FilingOverdue"]  # G5 timers may fall due meanwhile
    assert lineage[-2:] == [
        "RegulationRevised",
        "RegulationSuperseded",
    ]
    assert catalog_ids(client, day2 - timedelta(days=1)) == [v1["id"]]
    assert catalog_ids(client, day2) == [v2["id"]]
    assert catalog_ids(client, day2 + timedelta(days=1), kind=kind, unit_id=unit_id) == [v2["id"]]

    # A superseded version is no longer revised.
    before = log_head(services)
    r = act(client, v1["id"], "revise", drafter, {"title": "再次修订"})
    refused(client, services, r, 409, "G7", before)

    r = act(client, v2["id"], "revise", drafter, {"title": f"{title}（2028年修订）"})
    v3 = ok(r, 201)
    assert r.headers["location"] == f"/regulations/{v3['id']}"
    day = day2 + timedelta(days=10)
    to_day(client, day)
    v3_pub, day3 = bring_into_force(client, v3, day, "第3号")
    assert v3_pub["status"] == "in_force"

    # Walked backwards from v3 ...
    third = reg(client, v3["id"])
    assert (third["status"], third["revised_by"]) == ("in_force", [])
    second = reg(client, third["revises"])
    assert second["id"] == v2["id"]
    first = reg(client, second["revises"])
    assert first["id"] == v1["id"]
    assert first["revises"] is None
    # ... and forwards from v1.
    assert first["revised_by"] == [v2["id"]]
    assert second["revised_by"] == [v3["id"]]
    assert reg(client, first["revised_by"][0])["revised_by"] == [v3["id"]]
    assert (first["status"], second["status"]) == ("superseded", "superseded")
    assert second["ended"] == {"how": "superseded", "by": v3["id"], "on": day3.isoformat()}

    assert catalog_ids(client, day1) == [v1["id"]]
    assert catalog_ids(client, day2) == [v2["id"]]
    assert catalog_ids(client, day3 - timedelta(days=1)) == [v2["id"]]
    assert catalog_ids(client, day3) == [v3["id"]]
    found = catalog(client, day3 + timedelta(days=30))
    assert [(d["id"], d["number"], d["published_on"]) for d in found["documents"]] == [
        (v3["id"], "第3号", day3.isoformat())
    ]


# ----- the catalog (G9) ------------------------------------------------------------------------


def test_the_catalog_of_documents_in_force_g9(client, services):
    # 市财政局's own document: no meeting, reviewed by 司法局, published by its head.
    finance = department_doc_in_force(
        client, published_on=date(2026, 10, 1), valid_until=date(2028, 9, 30)
    )
    assert finance["adoption"] is None
    assert finance["publication"]["published_on"] == "2026-10-01"
    history = events(client, "regulations", finance["id"])
    assert [e["type"] for e in history] == [
        "RegulationDrafted",
        "LegalityReviewed",
        "RegulationPublished",
    ]
    assert history[-1]["actor_id"] == "p-finance-head"
    # 市生态环境局's document published by the office.
    ecology = department_doc_in_force(
        client,
        published_on=date(2026, 10, 10),
        valid_until=date(2027, 10, 10),
        by="p-office-dir",
        drafter="p-ecology-head",
        title="攀枝花市排污许可管理规定",
        drafting_unit_id="u-ecology",
    )
    assert events(client, "regulations", ecology["id"])[-1]["actor_id"] == "p-office-dir"
    # A city normative document, adopted at an executive meeting.
    city = draft(client, "city_normative")
    ok(review(client, city["id"]))
    ok(adopt(client, city["id"], held_meeting(client, DAY0, city["id"])["id"]))
    ok(
        publish(
            client, city["id"], date(2026, 10, 1), date(2029, 9, 30), number="攀府规〔2026〕2号"
        )
    )

    assert catalog_ids(client, date(2026, 9, 30)) == []  # before any publication
    assert sorted(catalog_ids(client, date(2026, 10, 5))) == sorted([finance["id"], city["id"]])
    everything = catalog(client, date(2026, 10, 15))
    assert everything["count"] == 3
    entry = next(d for d in everything["documents"] if d["id"] == finance["id"])
    assert entry["kind"] == "department_normative"
    assert entry["title"] == "攀枝花市财政专项资金管理办法"
    assert entry["drafting_unit_id"] == "u-finance"
    assert entry["number"] == "攀财规〔2026〕1号"
    assert (entry["published_on"], entry["valid_until"]) == ("2026-10-01", "2028-09-30")

    on = date(2026, 10, 15)
    assert sorted(catalog_ids(client, on, kind="department_normative")) == sorted(
        [finance["id"], ecology["id"]]
    )
    assert catalog_ids(client, on, kind="city_normative") == [city["id"]]
    assert catalog_ids(client, on, kind="government_rule") == []
    assert catalog_ids(client, on, unit_id="u-finance") == [finance["id"]]
    assert catalog_ids(client, on, unit_id="u-ecology", kind="department_normative") == [
        ecology["id"]
    ]
    assert catalog_ids(client, on, unit_id="u-ecology", kind="city_normative") == []
    assert catalog_ids(client, on, unit_id="u-housing") == []
    r = client.get("/regulations/catalog", params={"kind": "bylaw"}, headers=auth("p-mayor"))
    assert_problem(r, 422)

    # After valid_until: gone.
    assert catalog_ids(client, date(2027, 10, 9), unit_id="u-ecology") == [ecology["id"]]
    assert catalog_ids(client, date(2027, 10, 11), unit_id="u-ecology") == []
    assert catalog_ids(client, date(2028, 9, 29), unit_id="u-finance") == [finance["id"]]
    assert catalog_ids(client, date(2028, 10, 1), unit_id="u-finance") == []
    assert catalog_ids(client, date(2028, 10, 1)) == [city["id"]]

    # After abolition: gone (from the day of abolition on; before it, still listed).
    to_day(client, date(2027, 1, 15))
    abolished = ok(act(client, city["id"], "abolish", "p-office-dir", {"reason": "已被新规定替代"}))
    assert abolished["ended"]["on"] == "2027-01-15"
    assert catalog_ids(client, date(2027, 1, 10), kind="city_normative") == [city["id"]]
    assert catalog_ids(client, date(2027, 1, 20), kind="city_normative") == []
    assert catalog_ids(client, date(2028, 10, 1)) == []
    today = catalog(client)
    assert today["on"] == "2027-01-15"
    assert sorted(d["id"] for d in today["documents"]) == sorted([finance["id"], ecology["id"]])


def test_a_department_document_needs_a_passed_legality_review_before_publication_g2(
    client, services
):
    doc = draft(client, "department_normative")
    before = log_head(services)
    r = publish(client, doc["id"], DAY0, years_later(DAY0, 3), by="p-finance-head")
    refused(client, services, r, 409, "G2", before)
    assert catalog_ids(client, DAY0) == []


def test_a_department_document_is_published_by_its_own_head_only(client, services):
    doc = draft(client, "department_normative")
    ok(review(client, doc["id"]))
    before = log_head(services)
    r = publish(client, doc["id"], DAY0, years_later(DAY0, 3), by="p-ecology-head")
    refused(client, services, r, 403, "G6", before)


# ----- lineage and dates that must hold whatever the order of the commands ---------------------


def test_an_adopted_department_document_is_still_published_g4_g6(client, services):
    """A department normative document needs no meeting (G4): /adopt records its adoption
    without one, and the adopted document stays publishable."""
    doc = draft(client, "department_normative")
    ok(review(client, doc["id"]))
    adopted = ok(adopt(client, doc["id"], None))
    assert adopted["status"] == "adopted"
    published = ok(publish(client, doc["id"], DAY0, years_later(DAY0, 3), by="p-finance-head"))
    assert published["status"] == "in_force"
    assert catalog_ids(client, DAY0) == [doc["id"]]


def test_two_revisions_of_one_version_never_leave_both_in_force_g7_g9(client, services):
    """Lineage (G7): a version is replaced once. A second revision draft of a version whose
    revision is under way is refused (one revision at a time), so the catalog (G9) never lists
    two versions of one regulation."""
    v1 = department_doc_in_force(client)
    first = ok(act(client, v1["id"], "revise", "p-finance-head", {"title": "修订稿甲"}), 201)
    before = log_head(services)
    second = act(client, v1["id"], "revise", "p-finance-head", {"title": "修订稿乙"})
    assert_refused(client, services, second, 409, "G7", before)
    day = DAY0 + timedelta(days=1)
    ok(review(client, first["id"]))
    ok(publish(client, first["id"], day, years_later(day, 3), by="p-finance-head", number="甲"))
    lineage = {v1["id"], first["id"]}
    in_force = [i for i in catalog_ids(client, day + timedelta(days=1)) if i in lineage]
    assert len(in_force) == 1, in_force
    assert in_force != [v1["id"]]


def test_a_department_abolishes_its_own_normative_document_g7(client, services):
    """Art 25 (G7): 制定机关要即时对规范性文件进行清理，需要修改、废止的应当及时办理 — the
    enacting body abolishes; for a department normative document that is the department,
    which may already give the cleanup verdict and draft the revision."""
    doc = department_doc_in_force(client)
    ok(
        act(
            client,
            doc["id"],
            "cleanup",
            "p-finance-head",
            {"verdict": "abolish", "reason": "已过时"},
        )
    )
    abolished = ok(act(client, doc["id"], "abolish", "p-finance-head", {"reason": "已过时"}))
    assert abolished["status"] == "abolished"
    assert catalog_ids(client, DAY0 + timedelta(days=1)) == []


def test_a_publication_dated_before_the_adoption_is_refused(client, services):
    """G4 then G6: a rule is published after its adoption; a publication dated before it
    would list the rule in the catalog (G9) for days it had not been adopted on, and make its
    filings (G5) fall due before it existed."""
    rule, today = adoptable_rule(client)  # adopted 2026-10-29
    ok(adopt(client, rule["id"], held_meeting(client, today, rule["id"])["id"]))
    before = log_head(services)
    r = publish(client, rule["id"], date(2026, 1, 1), date(2027, 1, 1))
    assert_problem(r, 409, "G4")
    assert log_head(services) == before
    assert catalog_ids(client, date(2026, 6, 1)) == []

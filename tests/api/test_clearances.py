"""D12, P1: clearance is its own recorded act (ClearanceGranted), by the secretary-general
(who heads the government office, whose work 保密 is, art. 82), never to themself and never
above their own clearance. The system administrator records the roster but grants no
clearance: an appointment by a person does not clear anyone above 'none' (a leader's office
still brings its own clearance), and nobody appoints themself."""

from __future__ import annotations

from typing import Any

from tests.support.documents import notice_body
from tests.support.http import auth, get, ok, post
from tests.support.store import assert_refused, log_head

SECRET_TITLE = "关于某重点项目安全保卫方案的通知（机密样例CL-4410）"


def _secret_notice(client: Any) -> dict[str, Any]:
    r = client.post(
        "/documents",
        json=notice_body(title=SECRET_TITLE, classification="secret"),
        headers=auth("p-sg"),
    )
    return ok(r, 201)


def _clearance(client: Any, person_id: str) -> str:
    holders = get(client, "/roster", "p-mayor")["office_holders"]
    return str(next(h["clearance"] for h in holders if h["person_id"] == person_id))


def test_D12_admin_appointing_themself_investigator_top_secret_is_refused(client, services):
    doc = _secret_notice(client)
    before = log_head(services)
    r = post(client, "/roster/appointments", "p-admin", {
        "person_id": "p-admin", "name": "系统管理员", "office": "investigator",
        "since": "2026-01-01", "clearance": "top_secret",
    })  # fmt: skip
    assert_refused(client, services, r, 403, "P1", before)
    r = client.get(f"/documents/{doc['id']}", headers=auth("p-admin"))
    assert r.status_code == 403
    assert SECRET_TITLE not in r.text
    assert _clearance(client, "p-admin") == "none"


def test_D12_an_appointment_by_the_admin_clears_nobody_above_none(client, services):
    before = log_head(services)
    r = post(client, "/roster/appointments", "p-admin", {
        "person_id": "p-new-investigator", "name": "新监察员", "office": "investigator",
        "since": "2026-01-01", "clearance": "secret",
    })  # fmt: skip
    assert_refused(client, services, r, 403, "D12", before)


def test_D12_the_admin_grants_no_clearance(client, services):
    before = log_head(services)
    r = post(client, "/roster/clearances", "p-admin", {
        "person_id": "p-office-dir", "clearance": "secret", "reason": "需要",
    })  # fmt: skip
    assert_refused(client, services, r, 403, "D12", before)
    assert _clearance(client, "p-office-dir") == "none"


def test_D12_the_secretary_general_grants_a_clearance_as_its_own_recorded_act(client, services):
    doc = _secret_notice(client)
    r = post(client, "/roster/clearances", "p-sg", {
        "person_id": "p-office-dir", "clearance": "secret", "reason": "办理涉密公文",
    })  # fmt: skip
    ok(r)
    assert _clearance(client, "p-office-dir") == "secret"
    (granted,) = [
        e for e in get(client, "/roster/history", "p-mayor")["events"]
        if e["type"] == "ClearanceGranted"
    ]  # fmt: skip
    assert granted["actor_id"] == "p-sg"
    assert granted["rules"] == ["D12"]
    assert granted["payload"]["reason"] == "办理涉密公文"
    ok(client.get(f"/documents/{doc['id']}", headers=auth("p-office-dir")))


def test_D12_nobody_raises_their_own_clearance(client, services):
    before = log_head(services)
    r = post(client, "/roster/clearances", "p-sg", {
        "person_id": "p-sg", "clearance": "top_secret", "reason": "自己",
    })  # fmt: skip
    assert_refused(client, services, r, 403, "D12", before)

"""Specs of the Regulation aggregate (政府规章、规范性文件, Ch. 4): rules G1–G9 (the G9 catalog
is the regulations board's: ``tests/projections/test_regulations_catalog.py``).

Given past events (or a copy of the example roster), when a command, then new events or a
refusal naming the rule (``tests/domain/spec.py``). The rule text of ``shared/domain/rules.md``
is the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.meetings import Meeting
from domain.regulations import (
    FILING_BODIES,
    KINDS,
    Abolition,
    Comment,
    Filing,
    Publication,
    Regulation,
    RegulationPolicy,
    Supersession,
)
from domain.roster import InvalidReference
from tests.domain.spec import AT, PAST_META, act, given, refused_on_creation, roster, when

Past = tuple[type, dict[str, Any]]

TODAY = date(2026, 9, 28)  # AT, in Shanghai
PUBLISHED = date(2026, 9, 1)
ADOPTED_AT = datetime(2026, 8, 31, 2, 0, tzinfo=UTC)
FIVE_YEARS = date(2031, 9, 1)
TWO_YEARS = date(2028, 9, 1)
NUMBER = "攀府令〔2026〕1号"
POLICY = RegulationPolicy()
EXECUTIVE = ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-b", "p-vm-c", "p-sg"]
# The unit that drafts each kind in these specs, and its head.
DRAFTERS = {
    "government_rule": ("u-justice", "p-justice-head"),
    "city_normative": ("u-finance", "p-finance-head"),
    "department_normative": ("u-finance", "p-finance-head"),
}
TITLES = {
    "government_rule": "攀枝花市城市绿化管理办法",
    "city_normative": "攀枝花市市级财政专项资金管理办法",
    "department_normative": "攀枝花市财政局政府采购管理规定",
}


def at_day(day: date, hour: int = 9) -> datetime:
    """``hour`` o'clock in Shanghai on ``day``."""
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)


def meta(actor_id: str, **more: Any) -> dict[str, Any]:
    return {**PAST_META, "actor_id": actor_id, **more}


# ----- past events of a regulation -----------------------------------------------------------


def drafted(
    kind: str = "government_rule", title: str | None = None, revises: str | None = None
) -> Past:
    unit_id, head = DRAFTERS[kind]
    return (
        Regulation.Created,
        {
            "kind": kind,
            "title": title or TITLES[kind],
            "drafting_unit_id": unit_id,
            "revises": revises,
            "meta": meta(head),
        },
    )


# G2: who reviews each kind's legality before adoption.
REVIEWERS = {
    "government_rule": "p-justice-head",
    "city_normative": "p-justice-head",
    "department_normative": "p-finance-legal",  # 市财政局's own legal reviewer
}


def reviewed(passed: bool = True, by: str = "p-justice-head") -> Past:
    return (
        Regulation.LegalityReviewed,
        {
            "passed": passed,
            "opinion": "合法" if passed else "第三条缺乏上位法依据",
            "meta": meta(by),
        },
    )


def comment_opened(
    opens_on: date | None = date(2026, 8, 1),
    closes_on: date | None = date(2026, 8, 31),
    short_reason: str | None = None,
    waived_reason: str | None = None,
    secret_by_law: bool | None = None,
) -> Past:
    """``secret_by_law=None``: the field left out, as in history written before issue 12."""
    payload: dict[str, Any] = {
        "opens_on": opens_on,
        "closes_on": closes_on,
        "short_reason": short_reason,
        "waived_reason": waived_reason,
        "meta": meta("p-justice-head"),
    }
    if secret_by_law is not None:
        payload["secret_by_law"] = secret_by_law
    return (Regulation.PublicCommentOpened, payload)


def adopted(meeting_id: str | None = "m-earlier") -> Past:
    """Adopted in August, before PUBLISHED: a publication never precedes its adoption."""
    return (
        Regulation.Adopted,
        {
            "meeting_id": meeting_id,
            "decision_id": None,
            "meta": meta("p-office-dir"),
            "timestamp": ADOPTED_AT,
        },
    )


NORMATIVE = [k for k in KINDS if k != "government_rule"]  # G6: these state a validity period
NO_PERIOD = date.min  # the default: FIVE_YEARS for a normative document, none for a rule


def period(kind: str, valid_until: date | None) -> date | None:
    if valid_until is not NO_PERIOD:
        return valid_until
    return None if kind == "government_rule" else FIVE_YEARS


def published(
    kind: str = "government_rule",
    published_on: date = PUBLISHED,
    valid_until: date | None = NO_PERIOD,
    title: str | None = None,
    revises: str | None = None,
) -> Past:
    return (
        Regulation.Published,
        {
            "kind": kind,
            "title": title or TITLES[kind],
            "drafting_unit_id": DRAFTERS[kind][0],
            "number": NUMBER,
            "published_on": published_on,
            "valid_until": period(kind, valid_until),
            "filings_due": dict.fromkeys(FILING_BODIES[kind], published_on + timedelta(days=30)),
            "revises": revises,
            "meta": meta("p-office-dir"),
        },
    )


def abolished(on: date = date(2026, 9, 20)) -> Past:
    return (Regulation.Abolished, {"on": on, "reason": "已不适应", "meta": meta("p-office-dir")})


def history(kind: str, upto: str) -> list[Past]:
    """The past of a regulation of ``kind`` up to the stage ``upto``: drafted, reviewed,
    commented (government rules), adopted (at a meeting for the first two kinds), published."""
    stages = ["drafted", "reviewed", "commented", "adopted", "published"]
    past: list[Past] = [drafted(kind)]
    wanted = stages[: stages.index(upto) + 1]
    if "reviewed" in wanted:
        past.append(reviewed(by=REVIEWERS[kind]))
    if "commented" in wanted and kind == "government_rule":
        past.append(comment_opened())
    if "adopted" in wanted and kind != "department_normative":
        past.append(adopted())
    if "published" in wanted:
        past.append(published(kind))
    return past


def regulation(kind: str = "government_rule", upto: str = "drafted", *more: Past) -> Regulation:
    reg: Regulation = given(Regulation, *history(kind, upto), *more)
    return reg


# ----- meetings ------------------------------------------------------------------------------


def meeting(
    kind: str = "executive",
    status: str = "open",
    about: Regulation | None = None,
    topic: str = "decided",
) -> Meeting:
    """A meeting of ``kind`` convened, and then (per ``status``) opened and closed. With
    ``about``: a topic taking up that regulation proposed and set before opening and — per
    ``topic`` — decided while open ("decided") or not ("raised")."""
    convener = "p-mayor" if kind != "special_topic" else "p-vm-a"
    members = EXECUTIVE if kind in ("executive", "plenary") else []
    past: list[Past] = [
        (
            Meeting.Convened,
            {
                "kind": kind,
                "title": f"{kind} meeting",
                "convener_id": convener,
                "entrusted_by": None,
                "scheduled_at": AT - timedelta(hours=1),
                "unit_id": None,
                "meta": meta(convener),
            },
        )
    ]
    if about is not None:
        past += [
            (
                Meeting.TopicProposed,
                {"topic_id": "t-1", "title": f"审议《{about.title}》", "decision_id": None,
                 "proposed_by": "p-exec-vm", "regulation_id": str(about.id),
                 "meta": meta("p-office-dir")},
            ),
            (Meeting.TopicSet, {"topic_id": "t-1", "meta": meta("p-mayor")}),
        ]  # fmt: skip
    if status in ("open", "closed"):
        past.append(
            (
                Meeting.Opened,
                {
                    "members": members,
                    "present": EXECUTIVE,
                    "absent_with_leave": [],
                    "absent_without_leave": [],
                    "stand_ins": {},
                    "meta": meta(convener),
                },
            )
        )
        if about is not None and topic == "decided":
            past.append(
                (
                    Meeting.TopicDecided,
                    {"topic_id": "t-1", "text": "原则通过", "positions": dict.fromkeys(EXECUTIVE,
                     "agree"), "dissent_notes": {}, "decision_id": None,
                     "meta": meta(convener)},
                )
            )  # fmt: skip
    if status == "closed":
        past.append((Meeting.Closed, {"meta": meta(convener)}))
    m: Meeting = given(Meeting, *past)
    assert m.status == status
    return m


# ----- commands ------------------------------------------------------------------------------


def draft(by: str = "p-finance-head", **fields: Any) -> Regulation:
    values: dict[str, Any] = {
        "kind": "city_normative",
        "title": TITLES["city_normative"],
        "drafting_unit_id": "u-finance",
    }
    values.update(fields)
    return Regulation.draft(act(by), roster(), **values)


def review(reg: Regulation, by: str = "p-justice-head", passed: bool = True, opinion: str = "合法"):
    return when(reg, lambda r: r.review_legality(act(by), roster(), passed, opinion))


def open_comment(
    reg: Regulation,
    opens_on: date | None,
    closes_on: date | None,
    waived_reason: str | None = None,
    secret_by_law: bool = False,
    by: str = "p-justice-head",
):
    return when(
        reg,
        lambda r: r.open_public_comment(act(by), opens_on, closes_on, waived_reason, secret_by_law),
    )


def comment(reg: Regulation, at: datetime = AT, by: str = "p-justice-head"):
    return when(reg, lambda r: r.receive_comment(act(by, at), "建议明确罚款幅度", "市民张某"))


def adopt(reg: Regulation, m: Meeting | None, by: str = "p-office-dir", at: datetime = AT):
    return when(reg, lambda r: r.adopt(act(by, at), m, "d-1" if m else None))


def publish(
    reg: Regulation,
    valid_until: date | None = NO_PERIOD,
    published_on: date = PUBLISHED,
    policy: RegulationPolicy = POLICY,
    by: str = "p-office-dir",
    number: str = NUMBER,
):
    until = period(reg.kind, valid_until)
    return when(reg, lambda r: r.publish(act(by), policy, published_on, until, number))


def file(reg: Regulation, body: str, filed_on: date = date(2026, 9, 20), by: str = "p-office-dir"):
    return when(reg, lambda r: r.file(act(by), body, filed_on))


def filed(body: str, filed_on: date = date(2026, 9, 20)) -> Past:
    return (Regulation.Filed, {"body": body, "filed_on": filed_on, "meta": meta("p-office-dir")})


def review_on_filing(reg: Regulation, by: str = "p-justice-head", passed: bool = True):
    opinion = "经备案审查，未发现问题" if passed else "第五条与上位法相抵触，建议纠正"
    return when(reg, lambda r: r.review_on_filing(act(by), roster(), passed, opinion))


# ----- G1 kinds and drafting -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_G1_each_of_the_three_kinds_is_accepted(kind: str) -> None:
    unit_id, head = DRAFTERS[kind]
    then = when(
        None, lambda _: draft(head, kind=kind, title=TITLES[kind], drafting_unit_id=unit_id)
    )

    (event,) = then.events("Created")
    assert event.kind == kind
    assert event.title == TITLES[kind]
    assert event.drafting_unit_id == unit_id
    assert event.revises is None
    assert event.meta["actor_id"] == head
    assert event.meta["actor_office"] == "unit_head"
    assert event.meta["actor_unit_id"] == unit_id
    assert event.meta["rules"] == ["G1"]
    assert then.aggregate.status == "drafting"
    assert then.aggregate.revised_by == []
    assert then.aggregate.publication is None


def test_G1_the_three_kinds_are_the_rules_three() -> None:
    assert set(KINDS) == {"government_rule", "city_normative", "department_normative"}


def test_G1_the_office_may_draft_for_a_unit() -> None:
    then = when(None, lambda _: draft("p-office-dir"))

    (event,) = then.events("Created")
    assert event.drafting_unit_id == "u-finance"
    assert event.meta["actor_office"] == "office_director"


def test_G1_an_unknown_kind_is_refused() -> None:
    refused_on_creation(lambda: draft(kind="local_regulation"), "G1")


@pytest.mark.parametrize("by", ["p-ecology-head", "p-housing-head", "p-justice-head"])
def test_G1_drafting_by_an_unrelated_unit_head_is_refused(by: str) -> None:
    refused_on_creation(lambda: draft(by), "G1", status=403)


def test_G1_drafting_for_an_unknown_unit_is_an_invalid_reference() -> None:
    with pytest.raises(InvalidReference):
        draft("p-office-dir", drafting_unit_id="u-nowhere")


# ----- G2 legality review --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
def test_G2_the_city_governments_legality_review_is_the_justice_bureaus(kind: str) -> None:
    then = review(regulation(kind), passed=True, opinion="合法，建议提请常务会议审议")

    (event,) = then.events("LegalityReviewed")
    assert event.passed is True
    assert event.opinion == "合法，建议提请常务会议审议"
    assert event.meta["actor_id"] == "p-justice-head"
    assert event.meta["actor_office"] == "unit_head"
    assert event.meta["actor_unit_id"] == "u-justice"
    assert event.meta["rules"] == ["G2"]
    assert then.aggregate.legality_reviews[-1].by == "p-justice-head"
    assert then.aggregate.legality_passed() is True


def test_G2_a_departments_document_is_reviewed_by_its_own_legal_reviewer() -> None:
    then = review(regulation("department_normative"), by="p-finance-legal")

    (event,) = then.events("LegalityReviewed")
    assert event.meta["actor_id"] == "p-finance-legal"
    assert event.meta["actor_office"] == "legal_reviewer"
    assert event.meta["actor_unit_id"] == "u-finance"
    assert event.meta["rules"] == ["G2"]
    assert then.aggregate.legality_passed() is True


@pytest.mark.parametrize(
    "by",
    ["p-justice-head", "p-finance-head", "p-ecology-legal", "p-office-dir"],
    ids=["justice-bureau", "own-head", "another-departments-reviewer", "office"],
)
def test_G2_a_departments_document_reviewed_by_anyone_but_its_legal_reviewer_is_refused(
    by: str,
) -> None:
    """Before adoption the justice bureau does not review a department's document (it does on
    filing); nor does the department's head who issues it, nor another department."""
    review(regulation("department_normative"), by=by).refused("G2", status=403)


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
def test_G2_a_department_legal_reviewer_does_not_review_the_city_governments(kind: str) -> None:
    review(regulation(kind), by="p-finance-legal").refused("G2", status=403)


def test_G2_a_failed_legality_review_is_recorded_and_does_not_pass() -> None:
    then = review(regulation(), passed=False, opinion="第三条缺乏上位法依据")

    (event,) = then.events("LegalityReviewed")
    assert event.passed is False
    assert then.aggregate.legality_passed() is False


@pytest.mark.parametrize("by", ["p-office-dir", "p-finance-head", "p-mayor", "p-sg"])
def test_G2_legality_review_by_anyone_but_the_justice_bureau_is_refused(by: str) -> None:
    review(regulation("city_normative"), by=by).refused("G2", status=403)


def test_G2_legality_review_without_an_opinion_is_refused() -> None:
    review(regulation(), opinion="  ").refused("G2")


def test_G2_legality_review_after_adoption_is_refused() -> None:
    review(regulation("city_normative", "adopted")).refused("G2")


@pytest.mark.parametrize("kind", KINDS)
def test_G2_adoption_without_any_legality_review_is_refused(kind: str) -> None:
    past = [drafted(kind)]
    if kind == "government_rule":
        past.append(comment_opened())
    reg = given(Regulation, *past)
    adopt(reg, meeting(about=reg)).refused("G2")


def test_G2_adoption_after_a_failed_legality_review_is_refused() -> None:
    reg = given(Regulation, drafted("city_normative"), reviewed(passed=False))

    adopt(reg, meeting(about=reg)).refused("G2")


def test_G2_a_failed_review_followed_by_a_passed_one_lets_adoption_through() -> None:
    reg = given(Regulation, drafted("city_normative"), reviewed(passed=False), reviewed())
    assert reg.legality_passed() is True

    (event,) = adopt(reg, meeting(about=reg)).events("Adopted")
    assert "G2" in event.meta["rules"]


def test_G2_a_passed_review_followed_by_a_failed_one_blocks_adoption() -> None:
    reg = given(Regulation, drafted("city_normative"), reviewed(), reviewed(passed=False))

    adopt(reg, meeting(about=reg)).refused("G2")


def test_G2_a_department_normative_document_is_not_published_without_a_passed_review() -> None:
    reg = given(
        Regulation, drafted("department_normative"), reviewed(passed=False, by="p-finance-legal")
    )

    publish(reg, by="p-finance-head").refused("G2")


@pytest.mark.parametrize("passed", [True, False])
def test_G2_the_justice_bureau_reviews_a_department_document_on_filing(passed: bool) -> None:
    reg = regulation("department_normative", "published", filed("city_government"))

    then = review_on_filing(reg, passed=passed)

    (event,) = then.events("FilingReviewed")
    assert event.passed is passed
    assert event.meta["actor_id"] == "p-justice-head"
    assert event.meta["rules"] == ["G2"]
    review_ = then.aggregate.filing_review
    assert (review_.passed, review_.by, review_.at) == (passed, "p-justice-head", AT)
    assert then.aggregate.status == "in_force"  # the review is recorded; it ends nothing


def test_G2_the_review_on_filing_follows_the_filing_with_the_city_government() -> None:
    published = regulation("department_normative", "published")
    review_on_filing(published).refused("G2")
    superior_only = regulation("department_normative", "published", filed("superior_department"))
    review_on_filing(superior_only).refused("G2")


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
def test_G2_the_city_governments_documents_get_no_review_on_filing(kind: str) -> None:
    body = FILING_BODIES[kind][-1]
    review_on_filing(regulation(kind, "published", filed(body))).refused("G2")


@pytest.mark.parametrize("by", ["p-finance-legal", "p-finance-head", "p-office-dir"])
def test_G2_the_review_on_filing_by_anyone_but_the_justice_bureau_is_refused(by: str) -> None:
    reg = regulation("department_normative", "published", filed("city_government"))

    review_on_filing(reg, by=by).refused("G2", status=403)


def test_G2_the_review_on_filing_is_recorded_once_with_an_opinion() -> None:
    reg = regulation("department_normative", "published", filed("city_government"))
    blank = when(reg, lambda r: r.review_on_filing(act("p-justice-head"), roster(), True, " "))
    blank.refused("G2")
    review_on_filing(reg).events("FilingReviewed")

    review_on_filing(reg).refused("G2")


# ----- G3 public comment ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "closes_on",
    [TODAY, TODAY + timedelta(days=1), date(2026, 10, 27), date(2026, 10, 28), date(2026, 11, 30)],
    ids=["one-day", "two-days", "29-days", "30-days", "two-months"],
)
def test_G3_a_comment_period_of_any_length_is_accepted_the_rules_set_none(closes_on: date) -> None:
    """Art. 22 says the draft goes out for comment; it sets no number of days (the 30-day
    minimum was invented), so no length is refused and none needs a reason."""
    then = open_comment(regulation(), TODAY, closes_on)

    (event,) = then.events("PublicCommentOpened")
    assert event.opens_on == TODAY
    assert event.closes_on == closes_on
    assert event.short_reason is None
    assert event.waived_reason is None
    assert event.secret_by_law is False
    assert event.meta["rules"] == ["G3"]
    assert event.meta["actor_id"] == "p-justice-head"
    assert then.aggregate.public_comment.closes_on == closes_on


def test_G3_public_comment_waived_as_secret_by_law_citing_the_basis_is_accepted() -> None:
    basis = "《中华人民共和国保守国家秘密法》第九条"
    then = open_comment(regulation(), None, None, waived_reason=basis, secret_by_law=True)

    (event,) = then.events("PublicCommentOpened")
    assert event.secret_by_law is True
    assert event.waived_reason == basis
    assert event.opens_on is None
    assert event.closes_on is None
    assert then.aggregate.public_comment.secret_by_law is True
    assert then.aggregate.public_comment.waived_reason == basis


@pytest.mark.parametrize(
    "reason",
    ["时间紧迫", "上位法施行在即", "依法需要保密"],
    ids=["urgency", "deadline", "text-only"],
)
def test_G3_a_waiver_on_any_ground_but_secrecy_by_law_is_refused(reason: str) -> None:
    """Only 依法需要保密的 drafts skip public comment; a waiver that does not claim secrecy by
    law (whatever its text says) is refused."""
    open_comment(regulation(), None, None, waived_reason=reason).refused("G3")


def test_G3_a_waiver_for_secrecy_by_law_without_its_basis_is_refused() -> None:
    open_comment(regulation(), None, None, waived_reason=" ", secret_by_law=True).refused("G3")
    open_comment(regulation(), None, None, secret_by_law=True).refused("G3")


def test_G3_a_draft_secret_by_law_has_no_comment_period() -> None:
    then = open_comment(regulation(), TODAY, date(2026, 10, 28), "保密法第九条", secret_by_law=True)

    then.refused("G3")


def test_G3_history_before_issue_12_still_loads_a_short_period_and_a_waiver() -> None:
    """Events recorded under the invented 30-day minimum (with ``short_reason``) and waivers
    recorded without ``secret_by_law`` replay as they were."""
    short = regulation(
        "government_rule", "drafted", comment_opened(TODAY, date(2026, 10, 8), "时间紧迫")
    )
    waived = regulation("government_rule", "drafted", comment_opened(None, None, None, "涉密"))

    assert short.public_comment is not None and short.public_comment.short_reason == "时间紧迫"
    assert waived.public_comment is not None and waived.public_comment.secret_by_law is False
    assert waived.public_comment.waived_reason == "涉密"


def test_G3_public_comment_neither_held_nor_waived_is_refused() -> None:
    open_comment(regulation(), None, None).refused("G3")
    open_comment(regulation(), TODAY, None).refused("G3")


def test_G3_a_comment_period_closing_before_it_opens_is_refused() -> None:
    open_comment(regulation(), TODAY, TODAY - timedelta(days=1)).refused("G3")


@pytest.mark.parametrize("kind", ["city_normative", "department_normative"])
def test_G3_public_comment_for_a_normative_document_is_refused(kind: str) -> None:
    open_comment(regulation(kind), TODAY, date(2026, 10, 28), by="p-finance-head").refused("G3")


def test_G3_a_second_comment_period_is_refused() -> None:
    reg = regulation("government_rule", "drafted", comment_opened())

    open_comment(reg, TODAY, date(2026, 10, 28)).refused("G3")


def test_G3_public_comment_opened_by_an_unrelated_unit_head_is_refused() -> None:
    open_comment(regulation(), TODAY, date(2026, 10, 28), by="p-ecology-head").refused(
        "G3", status=403
    )


@pytest.mark.parametrize(
    ("opens_on", "closes_on"),
    [
        (TODAY, date(2026, 10, 28)),
        (date(2026, 8, 29), TODAY),
        (date(2026, 9, 1), date(2026, 10, 1)),
    ],
    ids=["first-day", "last-day", "midway"],
)
def test_G3_a_comment_inside_the_period_is_recorded(opens_on: date, closes_on: date) -> None:
    reg = regulation("government_rule", "drafted", comment_opened(opens_on, closes_on))

    then = comment(reg)

    (event,) = then.events("CommentReceived")
    assert event.text == "建议明确罚款幅度"
    assert event.source == "市民张某"
    assert event.meta["rules"] == ["G3"]
    assert then.aggregate.comments == [Comment("建议明确罚款幅度", "市民张某", AT)]


@pytest.mark.parametrize(
    ("opens_on", "closes_on"),
    [(date(2026, 9, 29), date(2026, 10, 29)), (date(2026, 8, 28), date(2026, 9, 27))],
    ids=["before", "after"],
)
def test_G3_a_comment_outside_the_period_is_refused(opens_on: date, closes_on: date) -> None:
    reg = regulation("government_rule", "drafted", comment_opened(opens_on, closes_on))

    comment(reg).refused("G3")


def test_G3_a_comment_without_a_period_or_with_the_period_waived_is_refused() -> None:
    comment(regulation()).refused("G3")
    waived = regulation(
        "government_rule", "drafted", comment_opened(None, None, None, "保密法第九条", True)
    )
    comment(waived).refused("G3")


def test_G3_adopting_a_government_rule_before_the_comment_period_closes_is_refused() -> None:
    reg = given(
        Regulation,
        drafted(),
        reviewed(),
        comment_opened(date(2026, 9, 1), date(2026, 10, 1)),
    )

    adopt(reg, meeting(about=reg)).refused("G3")


def test_G3_adopting_a_government_rule_on_the_last_day_of_comment_is_refused() -> None:
    reg = given(Regulation, drafted(), reviewed(), comment_opened(date(2026, 8, 29), TODAY))

    adopt(reg, meeting(about=reg)).refused("G3")


def test_G3_adopting_a_government_rule_the_day_after_the_comment_period_is_accepted() -> None:
    reg = given(
        Regulation, drafted(), reviewed(), comment_opened(date(2026, 8, 28), date(2026, 9, 27))
    )

    (event,) = adopt(reg, meeting(about=reg)).events("Adopted")
    assert event.meta["rules"] == ["G2", "G3", "G4"]


def test_G3_adopting_a_government_rule_without_any_comment_period_is_refused() -> None:
    reg = given(Regulation, drafted(), reviewed())

    adopt(reg, meeting(about=reg)).refused("G3")


def test_G3_adopting_a_government_rule_whose_comment_was_waived_is_accepted() -> None:
    waiver = comment_opened(None, None, None, "保密法第九条", secret_by_law=True)
    reg = given(Regulation, drafted(), reviewed(), waiver)

    adopt(reg, meeting(about=reg)).events("Adopted")


def test_G3_a_city_normative_document_is_adopted_without_a_comment_period() -> None:
    reg = regulation("city_normative", "reviewed")
    (event,) = adopt(reg, meeting(about=reg)).events("Adopted")
    assert event.meta["rules"] == ["G2", "G4"]


# ----- G4 adoption at a plenary or executive meeting -----------------------------------------


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
@pytest.mark.parametrize("meeting_kind", ["executive", "plenary"])
@pytest.mark.parametrize("status", ["open", "closed"])
def test_G4_adoption_as_a_topic_decided_at_an_executive_or_plenary_meeting_is_accepted(
    kind: str, meeting_kind: str, status: str
) -> None:
    reg = regulation(kind, "commented")
    m = meeting(meeting_kind, status, about=reg)

    then = adopt(reg, m)

    (event,) = then.events("Adopted")
    assert event.meeting_id == str(m.id)
    assert event.decision_id == "d-1"
    assert "G4" in event.meta["rules"]
    assert event.meta["actor_id"] == "p-office-dir"
    assert event.meta["actor_office"] == "office_director"
    assert then.aggregate.status == "adopted"
    assert then.aggregate.adoption.meeting_id == str(m.id)


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
@pytest.mark.parametrize("status", ["open", "closed"])
def test_G4_a_meeting_held_where_the_regulation_was_no_topic_does_not_adopt_it(
    kind: str, status: str
) -> None:
    """The misreading was: any plenary or executive meeting held will do."""
    reg = regulation(kind, "commented")
    other = regulation(kind, "commented")

    adopt(reg, meeting("executive", status)).refused("G4")
    adopt(reg, meeting("executive", status, about=other)).refused("G4")


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
@pytest.mark.parametrize("status", ["open", "closed"])
def test_G4_a_topic_raised_but_not_decided_does_not_adopt_it(kind: str, status: str) -> None:
    reg = regulation(kind, "commented")

    adopt(reg, meeting("executive", status, about=reg, topic="raised")).refused("G4")


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
@pytest.mark.parametrize("meeting_kind", ["special_topic", "mayor_office"])
def test_G4_a_topic_decided_at_another_kind_of_meeting_does_not_adopt_it(
    kind: str, meeting_kind: str
) -> None:
    reg = regulation(kind, "commented")

    adopt(reg, meeting(meeting_kind, "open", about=reg)).refused("G4")


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
def test_G4_adoption_at_a_meeting_only_convened_is_refused(kind: str) -> None:
    reg = regulation(kind, "commented")

    adopt(reg, meeting("executive", "convened", about=reg)).refused("G4")


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
def test_G4_adoption_without_a_meeting_is_refused(kind: str) -> None:
    adopt(regulation(kind, "commented"), None).refused("G4")


def test_G4_a_department_normative_document_needs_no_meeting() -> None:
    then = adopt(regulation("department_normative", "reviewed"), None)

    (event,) = then.events("Adopted")
    assert event.meeting_id is None
    assert event.meta["rules"] == ["G2"]
    assert then.aggregate.status == "adopted"


@pytest.mark.parametrize("by", ["p-justice-head", "p-finance-head", "p-mayor"])
def test_G4_adoption_recorded_by_a_non_office_person_is_refused(by: str) -> None:
    reg = regulation("city_normative", "reviewed")
    adopt(reg, meeting(about=reg), by=by).refused("G4", status=403)


def test_G4_adopting_twice_is_refused() -> None:
    reg = regulation("city_normative", "adopted")
    adopt(reg, meeting(about=reg)).refused("G4")


@pytest.mark.parametrize("kind", ["government_rule", "city_normative"])
def test_G4_publication_before_adoption_at_a_meeting_is_refused(kind: str) -> None:
    publish(regulation(kind, "commented")).refused("G4")


def test_G4_a_department_normative_document_adopted_without_a_meeting_can_be_published() -> None:
    """Adoption is open to a department normative document (it needs no meeting, G4), so an
    adopted one must still be publishable (G6)."""
    reg = regulation("department_normative", "reviewed", adopted(None))
    assert reg.status == "adopted"

    then = publish(reg, by="p-finance-head")

    then.events("Published")
    assert then.aggregate.status == "in_force"


# ----- G5 filing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "bodies"),
    [
        ("government_rule",
         {"state_council", "provincial_npc_sc", "provincial_government", "city_npc_sc"}),
        ("city_normative", {"provincial_government", "city_npc_sc"}),
        ("department_normative", {"city_government", "superior_department"}),
    ],
)  # fmt: skip
def test_G5_publication_stores_a_filing_due_for_each_required_body(
    kind: str, bodies: set[str]
) -> None:
    then = publish(regulation(kind, "adopted"))

    (event,) = then.events("Published")
    assert set(event.filings_due) == bodies
    assert set(event.filings_due.values()) == {date(2026, 10, 1)}
    assert "G5" in event.meta["rules"]
    assert then.aggregate.filings == {body: Filing(body, date(2026, 10, 1)) for body in bodies}


def test_G5_the_filing_days_are_a_policy() -> None:
    then = publish(
        regulation("government_rule", "adopted"), policy=RegulationPolicy(filing_days=10)
    )

    (event,) = then.events("Published")
    assert set(event.filings_due.values()) == {date(2026, 9, 11)}


def test_G5_filing_with_a_required_body_is_recorded() -> None:
    then = file(regulation("government_rule", "published"), "state_council")

    (event,) = then.events("Filed")
    assert event.body == "state_council"
    assert event.filed_on == date(2026, 9, 20)
    assert event.meta["rules"] == ["G5"]
    assert then.aggregate.filings["state_council"].filed_on == date(2026, 9, 20)


def test_G5_each_body_is_tracked_on_its_own() -> None:
    reg = regulation("government_rule", "published")

    file(reg, "state_council", date(2026, 9, 10)).events("Filed")
    assert {b: f.filed_on for b, f in reg.filings.items()} == {
        "state_council": date(2026, 9, 10),
        "provincial_npc_sc": None,
        "provincial_government": None,
        "city_npc_sc": None,
    }

    file(reg, "city_npc_sc", date(2026, 9, 25)).events("Filed")
    assert reg.filings["state_council"].filed_on == date(2026, 9, 10)
    assert reg.filings["city_npc_sc"].filed_on == date(2026, 9, 25)
    assert reg.filings["provincial_npc_sc"].filed_on is None
    assert reg.filings["provincial_government"].filed_on is None


def test_G5_the_drafting_unit_head_may_file_a_department_normative_document() -> None:
    reg = regulation("department_normative", "published")

    (event,) = file(reg, "superior_department", by="p-finance-head").events("Filed")
    assert event.meta["actor_id"] == "p-finance-head"


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("city_normative", "state_council"),
        ("city_normative", "city_government"),
        ("department_normative", "provincial_npc_sc"),
        ("government_rule", "superior_department"),
    ],
)
def test_G5_filing_with_a_body_not_required_for_the_kind_is_refused(kind: str, body: str) -> None:
    file(regulation(kind, "published"), body).refused("G5")


def test_G5_filing_with_an_unknown_body_is_an_invalid_reference() -> None:
    reg = regulation("government_rule", "published")

    with pytest.raises(InvalidReference):
        reg.file(act("p-office-dir"), "party_committee", date(2026, 9, 20))
    assert list(reg.pending_events) == []


def test_G5_filing_twice_with_the_same_body_is_refused() -> None:
    reg = regulation("government_rule", "published")
    file(reg, "state_council").events("Filed")

    file(reg, "state_council", date(2026, 9, 21)).refused("G5")


@pytest.mark.parametrize("kind", KINDS)
def test_G5_filing_before_publication_is_refused(kind: str) -> None:
    file(regulation(kind, "adopted"), FILING_BODIES[kind][0]).refused("G5")


@pytest.mark.parametrize("filed_on", [date(2026, 8, 31), date(2026, 9, 29)])
def test_G5_filing_dated_before_publication_or_after_today_is_refused(filed_on: date) -> None:
    file(regulation("government_rule", "published"), "state_council", filed_on).refused("G5")


def test_G5_filing_by_an_unrelated_unit_head_is_refused() -> None:
    reg = regulation("city_normative", "published")

    file(reg, "city_npc_sc", by="p-ecology-head").refused("G5", status=403)


# ----- G6 validity period --------------------------------------------------------------------


@pytest.mark.parametrize("kind", NORMATIVE)
def test_G6_a_normative_document_without_a_validity_period_is_refused(kind: str) -> None:
    publish(regulation(kind, "adopted"), valid_until=None).refused("G6")


def test_G6_a_government_rule_is_published_without_a_validity_period() -> None:
    then = publish(regulation("government_rule", "adopted"), valid_until=None)

    (event,) = then.events("Published")
    assert event.valid_until is None
    assert event.meta["rules"] == ["G5", "G6"]
    assert then.aggregate.publication == Publication(NUMBER, PUBLISHED, None)
    assert then.aggregate.in_force_on(date(2099, 1, 1))  # nothing expires it


def test_G6_a_government_rule_states_no_validity_period() -> None:
    publish(regulation("government_rule", "adopted"), valid_until=FIVE_YEARS).refused("G6")


def test_G6_nothing_expires_a_government_rule() -> None:
    reg = given(Regulation, drafted(), reviewed(), adopted(), published())
    at = datetime(2099, 1, 1, tzinfo=UTC)

    then = when(reg, lambda r: r.record_expiry(act("p-office-dir", at=at), FIVE_YEARS))

    assert then.new_events == [] and then.aggregate.status == "in_force"


@pytest.mark.parametrize("kind", NORMATIVE)
def test_G6_a_validity_of_exactly_five_years_is_accepted(kind: str) -> None:
    then = publish(regulation(kind, "adopted"), valid_until=FIVE_YEARS)

    (event,) = then.events("Published")
    assert event.kind == kind
    assert event.title == TITLES[kind]
    assert event.drafting_unit_id == DRAFTERS[kind][0]
    assert event.number == NUMBER
    assert event.published_on == PUBLISHED
    assert event.valid_until == FIVE_YEARS
    assert event.revises is None
    assert event.meta["rules"] == ["G5", "G6"]
    assert then.aggregate.status == "in_force"
    assert then.aggregate.publication == Publication(NUMBER, PUBLISHED, FIVE_YEARS)


@pytest.mark.parametrize("kind", NORMATIVE)
def test_G6_a_validity_over_five_years_is_refused(kind: str) -> None:
    publish(regulation(kind, "adopted"), valid_until=FIVE_YEARS + timedelta(days=1)).refused("G6")


@pytest.mark.parametrize("valid_until", [PUBLISHED, PUBLISHED - timedelta(days=1)])
def test_G6_a_validity_ending_on_or_before_publication_is_refused(valid_until: date) -> None:
    publish(regulation("city_normative", "adopted"), valid_until=valid_until).refused("G6")


def test_G6_publication_without_a_number_is_refused() -> None:
    publish(regulation("city_normative", "adopted"), number=" ").refused("G6")


@pytest.mark.parametrize("mark", ["暂行", "试行"])
def test_G6_a_temporary_document_is_valid_two_years_at_most(mark: str) -> None:
    title = f"攀枝花市专项资金管理{mark}办法"
    reg = given(Regulation, drafted("city_normative", title), reviewed(), adopted())
    assert reg.temporary is True

    publish(reg, valid_until=TWO_YEARS + timedelta(days=1)).refused("G6")
    publish(reg, valid_until=FIVE_YEARS).refused("G6")
    (event,) = publish(reg, valid_until=TWO_YEARS).events("Published")
    assert event.valid_until == TWO_YEARS


def test_G6_the_temporary_limit_is_a_policy() -> None:
    title = "攀枝花市专项资金管理暂行办法"
    reg = given(Regulation, drafted("city_normative", title), reviewed(), adopted())
    three = RegulationPolicy(temporary_validity_years=3)

    publish(reg, valid_until=date(2029, 9, 2), policy=three).refused("G6")
    publish(reg, valid_until=date(2029, 9, 1), policy=three).events("Published")


def test_G6_the_validity_limit_is_a_policy() -> None:
    three = RegulationPolicy(validity_years=3)
    reg = regulation("city_normative", "adopted")

    publish(reg, valid_until=date(2029, 9, 2), policy=three).refused("G6")
    publish(reg, valid_until=date(2029, 9, 1), policy=three).events("Published")


def test_G6_G4_publication_of_a_government_rule_before_adoption_is_refused() -> None:
    publish(given(Regulation, drafted(), reviewed(), comment_opened())).refused("G4")


def test_G6_publishing_twice_is_refused() -> None:
    publish(regulation("government_rule", "published")).refused("G4")
    publish(regulation("department_normative", "published"), by="p-finance-head").refused("G6")


def test_G6_a_department_publishes_its_own_normative_document() -> None:
    then = publish(regulation("department_normative", "reviewed"), by="p-finance-head")

    (event,) = then.events("Published")
    assert event.meta["actor_id"] == "p-finance-head"
    assert event.meta["actor_office"] == "unit_head"


@pytest.mark.parametrize(
    ("kind", "by"),
    [("government_rule", "p-justice-head"), ("city_normative", "p-finance-head"),
     ("department_normative", "p-ecology-head")],
)  # fmt: skip
def test_G6_publication_by_anyone_but_the_office_or_the_department_is_refused(
    kind: str, by: str
) -> None:
    publish(regulation(kind, "adopted"), by=by).refused("G6", status=403)


# ----- G7 cleanup, revision, lineage, supersession, abolition --------------------------------


@pytest.mark.parametrize("verdict", ["continue", "revise", "abolish"])
@pytest.mark.parametrize("by", ["p-finance-head", "p-justice-head"])
def test_G7_a_cleanup_verdict_is_recorded(verdict: str, by: str) -> None:
    reg = regulation("city_normative", "published")

    then = when(reg, lambda r: r.review_cleanup(act(by), roster(), verdict, "经清理"))

    (event,) = then.events("CleanupReviewed")
    assert event.verdict == verdict
    assert event.reason == "经清理"
    assert event.meta["rules"] == ["G7"]
    assert event.meta["actor_id"] == by
    assert then.aggregate.cleanups[-1].verdict == verdict
    assert then.aggregate.cleanups[-1].by == by
    assert then.aggregate.status == "in_force"


@pytest.mark.parametrize("by", ["p-ecology-head", "p-office-dir", "p-mayor"])
def test_G7_a_cleanup_verdict_by_others_is_refused(by: str) -> None:
    reg = regulation("city_normative", "published")

    then = when(reg, lambda r: r.review_cleanup(act(by), roster(), "continue", "经清理"))

    then.refused("G7", status=403)


def test_G7_a_cleanup_verdict_without_a_reason_is_refused() -> None:
    reg = regulation("city_normative", "published")

    when(reg, lambda r: r.review_cleanup(act("p-finance-head"), roster(), "continue", " ")).refused(
        "G7"
    )


def test_G7_an_unknown_cleanup_verdict_is_an_invalid_reference() -> None:
    reg = regulation("city_normative", "published")

    with pytest.raises(InvalidReference):
        reg.review_cleanup(act("p-finance-head"), roster(), "suspend", "经清理")
    assert list(reg.pending_events) == []


def test_G7_a_cleanup_of_a_draft_is_refused() -> None:
    reg = regulation("city_normative", "reviewed")

    when(reg, lambda r: r.review_cleanup(act("p-finance-head"), roster(), "continue", "x")).refused(
        "G7"
    )


def test_G7_start_revision_links_the_new_draft_and_the_old_version_both_ways() -> None:
    old = regulation("city_normative", "published")

    new = old.start_revision(
        act("p-finance-head"), roster(), "攀枝花市市级财政专项资金管理办法（修订）"
    )

    (created,) = new.collect_events()
    (revised,) = old.collect_events()
    assert type(created).__name__ == "Created"
    assert created.revises == str(old.id)
    assert created.kind == "city_normative"
    assert created.drafting_unit_id == "u-finance"
    assert created.meta["rules"] == ["G1", "G7"]
    assert type(revised).__name__ == "Revised"
    assert revised.new_regulation_id == str(new.id)
    assert revised.meta["rules"] == ["G7"]
    assert new.revises == str(old.id)
    assert new.status == "drafting"
    assert new.title == "攀枝花市市级财政专项资金管理办法（修订）"
    assert old.revised_by == [str(new.id)]
    assert old.status == "in_force"  # until the revision is published and supersedes it


def test_G7_a_revision_started_by_an_unrelated_unit_head_is_refused() -> None:
    old = regulation("city_normative", "published")

    when(old, lambda r: r.start_revision(act("p-ecology-head"), roster(), "修订")).refused(
        "G1", status=403
    )
    assert old.revised_by == []


def test_G7_a_revision_of_a_draft_is_refused() -> None:
    reg = regulation("city_normative", "reviewed")

    when(reg, lambda r: r.start_revision(act("p-finance-head"), roster(), "修订")).refused("G7")


def test_G7_a_chain_of_three_versions_is_walked_both_ways() -> None:
    fin, office = act("p-finance-head"), act("p-office-dir")
    v1 = regulation("department_normative", "published")

    v2 = v1.start_revision(fin, roster(), "第二版")
    v2.review_legality(act("p-finance-legal"), roster(), True, "合法")
    v2.publish(fin, POLICY, date(2026, 9, 10), date(2031, 9, 10), "攀财规〔2026〕2号")
    v1.supersede(office, v2, date(2026, 9, 10))
    v3 = v2.start_revision(fin, roster(), "第三版")
    for reg in (v1, v2, v3):
        reg.collect_events()
    by_id = {str(r.id): r for r in (v1, v2, v3)}

    forward, reg = [], v1
    while True:
        forward.append(reg.title)
        if not reg.revised_by:
            break
        (next_id,) = reg.revised_by
        reg = by_id[next_id]
    backward, reg = [], v3
    while True:
        backward.append(reg.title)
        if reg.revises is None:
            break
        reg = by_id[reg.revises]

    assert forward == [TITLES["department_normative"], "第二版", "第三版"]
    assert backward == ["第三版", "第二版", TITLES["department_normative"]]
    assert v1.status == "superseded"
    assert v1.ended == Supersession("superseded", date(2026, 9, 10), str(v2.id))
    assert v2.status == "in_force"
    assert v3.status == "drafting"


def test_G7_supersede_ends_the_old_version() -> None:
    old = regulation("city_normative", "published")
    new = given(Regulation, drafted("city_normative", "修订版", revises=str(old.id)))

    then = when(old, lambda r: r.supersede(act("p-office-dir"), new, date(2026, 9, 20)))

    (event,) = then.events("Superseded")
    assert event.by_regulation_id == str(new.id)
    assert event.on == date(2026, 9, 20)
    assert event.meta["rules"] == ["G7", "G9"]
    assert old.status == "superseded"
    assert old.ended == Supersession("superseded", date(2026, 9, 20), str(new.id))
    assert old.in_force_on(date(2026, 9, 19)) is True
    assert old.in_force_on(date(2026, 9, 20)) is False


@pytest.mark.parametrize("by", ["p-office-dir", "p-justice-head"])
def test_G7_abolish_ends_a_regulation(by: str) -> None:
    reg = regulation("city_normative", "published")

    then = when(reg, lambda r: r.abolish(act(by), roster(), "上位法已废止"))

    (event,) = then.events("Abolished")
    assert event.on == TODAY
    assert event.reason == "上位法已废止"
    assert event.meta["rules"] == ["G7"]
    assert event.meta["actor_id"] == by
    assert reg.status == "abolished"
    assert reg.ended == Abolition("abolished", TODAY, "上位法已废止")
    assert reg.in_force_on(TODAY - timedelta(days=1)) is True
    assert reg.in_force_on(TODAY) is False


@pytest.mark.parametrize("by", ["p-finance-head", "p-ecology-head"])
def test_G7_abolish_by_others_is_refused(by: str) -> None:
    reg = regulation("city_normative", "published")

    when(reg, lambda r: r.abolish(act(by), roster(), "x")).refused("G7", status=403)


def test_G7_abolishing_a_draft_is_refused() -> None:
    reg = regulation("city_normative", "reviewed")

    when(reg, lambda r: r.abolish(act("p-office-dir"), roster(), "x")).refused("G7")


COMMANDS_ON_ABOLISHED: dict[str, Callable[[Regulation], Any]] = {
    "cleanup": lambda r: r.review_cleanup(act("p-justice-head"), roster(), "continue", "经清理"),
    "revision": lambda r: r.start_revision(act("p-finance-head"), roster(), "修订"),
    "abolish": lambda r: r.abolish(act("p-office-dir"), roster(), "再次废止"),
    "supersede": lambda r: r.supersede(
        act("p-office-dir"), given(Regulation, drafted("city_normative")), TODAY
    ),
}


@pytest.mark.parametrize("command", COMMANDS_ON_ABOLISHED.values(), ids=COMMANDS_ON_ABOLISHED)
def test_G7_commands_on_an_abolished_regulation_are_refused(
    command: Callable[[Regulation], Any],
) -> None:
    reg = regulation("city_normative", "published", abolished())

    when(reg, command).refused("G7")
    assert reg.status == "abolished"
    assert reg.ended is not None and reg.ended.how == "abolished"


# ----- G8 post-implementation evaluation -----------------------------------------------------


@pytest.mark.parametrize("by", ["p-justice-head", "p-office-dir"])
def test_G8_evaluation_of_a_published_government_rule_is_recorded(by: str) -> None:
    reg = regulation("government_rule", "published")

    then = when(reg, lambda r: r.evaluate(act(by), roster(), "实施效果良好，建议修改第五条"))

    (event,) = then.events("Evaluated")
    assert event.findings == "实施效果良好，建议修改第五条"
    assert event.meta["rules"] == ["G8"]
    assert event.meta["actor_id"] == by
    assert then.aggregate.evaluations[-1].findings == "实施效果良好，建议修改第五条"


@pytest.mark.parametrize("kind", ["city_normative", "department_normative"])
def test_G8_evaluation_of_a_normative_document_is_refused(kind: str) -> None:
    reg = regulation(kind, "published")

    when(reg, lambda r: r.evaluate(act("p-justice-head"), roster(), "良好")).refused("G8")


@pytest.mark.parametrize("upto", ["drafted", "adopted"])
def test_G8_evaluation_before_publication_is_refused(upto: str) -> None:
    reg = regulation("government_rule", upto)

    when(reg, lambda r: r.evaluate(act("p-justice-head"), roster(), "良好")).refused("G8")


def test_G8_evaluation_without_findings_is_refused() -> None:
    reg = regulation("government_rule", "published")

    when(reg, lambda r: r.evaluate(act("p-justice-head"), roster(), " ")).refused("G8")


def test_G8_evaluation_by_an_unrelated_unit_head_is_refused() -> None:
    reg = regulation("government_rule", "published")

    when(reg, lambda r: r.evaluate(act("p-ecology-head"), roster(), "良好")).refused(
        "G8", status=403
    )

"""Rule ids of ``shared/domain/rules.md`` and the refusals that cite them.

Every refusal names the rule it enforces, quoting it in Chinese (the 2019 work rules,
攀府发〔2019〕6号) and in English, so a reader can go from an error to the text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    article: int | None
    zh: str
    en: str


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {r.id: r for r in rules}


RULES: dict[str, Rule] = _rules(
    Rule(
        "P1",
        4,
        "市政府由市长、副市长、秘书长，市政府各工作部门局（委、办）局长（主任）组成。",
        "Offices are held by people over time; only the holder of an office acts in it.",
    ),
    Rule(
        "P2",
        10,
        "市长出国出境、脱产学习、出差、请假休假等期间，受市长委托，由常务副市长代行市长职责。",
        "While the mayor is away, the executive vice-mayor acts as mayor on the mayor's "
        "entrustment; acts record both the actor and the office acted for.",
    ),
    Rule(
        "P3",
        61,
        "互为 AB 角的领导同志，其中一位外出期间，由另一位代行部分政务活动职责。",
        "AB partners cover some official activities for each other while one is away "
        "(events, delegations, special-topic meetings) — not document sign-off (D9) or leave "
        "approval (L5); when both are away the office assigns another leader.",
    ),
    Rule(
        "D1",
        47,
        "常用公文主要包括：决定、命令（令）、意见、通知、通报、报告、请示、批复、议案、函、纪要等。",
        "Document types: decision, order, opinion, notice, circular, report, request, reply, "
        "motion, letter, minutes.",
    ),
    Rule(
        "D2",
        47,
        "未经批准不得越级行文；重大突发事件必要时可越级行文但应抄送被越过的单位。",
        "No skip-level submission, except in a major emergency, which must copy the bypassed unit.",
    ),
    Rule(
        "D3",
        47,
        "请示应当一文一事，报告不得夹带请示事项。",
        "A request carries one matter; a report may not carry a request.",
    ),
    Rule(
        "D4",
        47,
        "议事协调机构及其办公室、部门管理机构以及县（区）政府工作部门，不得向市政府报送公文。",
        "Coordination bodies, department-managed bodies and county government departments may "
        "not submit documents to the city government.",
    ),
    Rule(
        "D5",
        48,
        "除市政府领导同志直接交办的个别事项、尚在酝酿过程中的敏感事项、必须直接报送的涉密事项、"
        "重大突发事件以及部分涉外事项外，一般不得直接向市政府领导同志个人报送公文。",
        "Documents go to the government, not to a leader personally, except matters a leader "
        "assigned directly, sensitive matters in preparation, secret matters, major emergencies "
        "and some foreign affairs (reason recorded).",
    ),
    Rule(
        "D6",
        49,
        "内容涉及其他部门、地方职权的，由主办单位主要负责人与相关单位负责人会签；有分歧的，"
        "主办单位应列明各方理据，提出办理建议，与相关单位负责人会签后报市政府决定。",
        "A request touching other units' remit needs their countersignature; where they "
        "disagree, the lead unit lists each side's reasons and a proposal before it goes up.",
    ),
    Rule(
        "D7",
        49,
        "会签文件时，除主办单位另有时限要求外，一般应在7个工作日内回复；特殊情况不能按期回复的，"
        "应主动与主办单位沟通并商定回复时限及方式，逾期不回复的视为无不同意见。",
        "A countersign request is answered within 7 working days unless the lead unit set "
        "another limit or agreed another with the unit; no answer by then counts as no "
        "objection, and a later opinion is recorded as late.",
    ),
    Rule(
        "D8",
        50,
        "凡报送市政府的公文，市政府办公室要切实履行审核把关责任，对不符合行文规则的，予以退文；"
        "符合要求的，提出明确拟办意见后，按照市政府领导同志分工呈批。党中央国务院、省委省政府文件和"
        "党中央国务院、省委省政府领导同志批示件，以及涉及重大事项的来文，应及时报市长阅批。",
        "The office reviews every incoming document: a non-conforming one is returned with "
        "reasons; a conforming one gets a proposed handling and goes to the leader in charge — "
        "to the mayor when it comes from the central or provincial authorities or concerns a "
        "major matter.",
    ),
    Rule(
        "D9",
        51,
        "市政府报省政府和市委的文件、议案、规章、决定、命令和人事任免文件等，由市长签署或签发；"
        "其他以市政府发文，由市政府分管领导同志签发；如有必要，报市长签发。事务性文件可由市政府秘书长签发。",
        "Sign-off authority: the mayor for documents to the province and the party committee, "
        "motions, rules, decisions, orders, personnel and major requests; the vice-mayor in "
        "charge (or the mayor) for other government documents; the secretary-general for the "
        "office's routine ones. An AB partner does not sign off for an absent vice-mayor.",
    ),
    Rule(
        "D10",
        53,
        "市政府及各部门公文办理实行限时办结制度；制发贯彻落实省政府（办公厅）非规划类、非法规类文件的"
        "对应发文，原则上不超过 6 个月。",
        "Documents are handled within set time limits; a document implementing a provincial "
        "document is issued within 6 months of it. Overdue is recorded by the system.",
    ),
    Rule(
        "D11",
        None,
        "发文字号由发文机关代字、年份、发文顺序号组成，如“攀府发〔2019〕6号”（GB/T 9704）。",
        "Issued documents are numbered issuer code, 〔year〕, sequence: unique, gapless and "
        "increasing per issuer code and year.",
    ),
    Rule(
        "D12",
        82,
        "严格遵守保密纪律，涉密公文只限知悉范围内的人员阅知。",
        "Secret documents are readable only by those cleared for them.",
    ),
    Rule(
        "M1",
        40,
        "市政府工作实行政府全体会议和政府常务会议制度。根据工作需要可召开市长办公会议、专题会议。",
        "Meeting kinds: plenary, executive, mayor's office, special-topic, department citywide.",
    ),
    Rule(
        "M2",
        45,
        "全体会议、常务会议、市长办公会由市长召集和主持；专题会议由市长、副市长或秘书长召集和主持，"
        "受其委托，副秘书长也可召集、主持专题会议。",
        "Plenary, executive and mayor's office meetings are convened by the mayor (or the acting "
        "mayor); special-topic meetings by the mayor, a vice-mayor or the secretary-general, or a "
        "deputy secretary-general they entrusted.",
    ),
    Rule(
        "M3",
        42,
        "市政府常务会议由市长、副市长、秘书长组成，半数以上组成人员到会方可召开。",
        "An executive meeting opens only when at least half of its members are present "
        "(以上 includes the number: 4 of 8 opens, 3 of 8 does not).",
    ),
    Rule(
        "M4",
        41,
        "市政府全体会议由市长召集和主持，一般每年召开3次。",
        "About three plenary meetings a year.",
    ),
    Rule(
        "M5",
        42,
        "市政府常务会议原则上每两周召开1次。",
        "An executive meeting about every two weeks; a gap over 14 days is flagged.",
    ),
    Rule(
        "M6",
        42,
        "提请市政府常务会议审议的议题由市长确定，或者由副市长、秘书长提出书面建议报市长确定。"
        "议题和文件于会前送达与会人员。",
        "Agenda topics are set by the mayor, or proposed in writing by a vice-mayor or the "
        "secretary-general and set by the mayor; topics and papers reach attendees before the "
        "meeting.",
    ),
    Rule(
        "M7",
        43,
        "市政府领导同志不能出席，向市长请假；各部门和各县（区）政府主要负责人不能参加会议，"
        "向市长请假，并指派人员代为参会。",
        "A leader who cannot attend asks the mayor for leave; a department or county head also "
        "names a stand-in.",
    ),
    Rule(
        "M8",
        43,
        "全体会议、常务会议的纪要，由市政府办公室起草，按程序报市长签发；专题会议纪要一般由"
        "会议召集人签发，或由委托召开会议的市政府领导签发。",
        "Minutes of the government's meetings are drafted, and corrected, only by the "
        "government office (a department's citywide meeting is minuted in the department); "
        "plenary, executive and mayor's office minutes are signed off by the mayor (or the "
        "acting mayor), special-topic minutes by the convener or the leader who entrusted it; "
        "the signer names the draft version signed, the latest; signed minutes are never "
        "edited, only corrected by a new, linked version, signed again.",
    ),
    Rule(
        "M9",
        7,
        "市政府工作中的重大事项，必须经市政府全体会议或市政府常务会议讨论决定。（第二十八条：全市经济"
        "和社会发展规划及财政预算，重大规划，经济调节和改革开放的重大政策措施，政府和社会管理重要事务、"
        "地方性法规议案和政府规章、重大资金安排等，由市政府全体会议或常务会议讨论决定。）",
        "Major matters (by their kind: arts. 28 and 42) are decided only at a plenary or "
        "executive meeting; what carries a major decision out comes after that meeting.",
    ),
    Rule(
        "M10",
        27,
        "把公众参与、专家论证、风险评估、合法性审查、集体讨论决定作为重大行政决策的法定程序。",
        "A major administrative decision needs public participation, expert review, risk "
        "assessment and legality review before the collective decision, each recorded by the "
        "initiating unit, the office or its performer. The legality review is the justice "
        "bureau's, never waived, and a failed one blocks the decision; another procedure may "
        "be waived with a reason, counting once the government office confirms the waiver.",
    ),
    Rule(
        "M11",
        76,
        "市政府组成人员如有不同意见可在内部提出。",
        "Members may voice dissent inside the meeting; each member's position is recorded.",
    ),
    Rule(
        "M12",
        46,
        "市政府及各部门召开的工作会议，要减少数量，控制规模，严格审批。……"
        "各部门召开全市性会议原则上每年不超过1次。",
        "In principle a department holds one citywide meeting a year; a further one needs the "
        "government's recorded approval (by the mayor, the acting mayor or the office), which "
        "the meeting names and which admits that one meeting.",
    ),
    Rule(
        "M13",
        36,
        "全体会议和常务会议讨论决定的事项，除依法需要保密的外，应及时公布；政策解读与政策制定同步。",
        "Decisions are published unless secret by law, together with the policy interpretation.",
    ),
    Rule(
        "G1",
        21,
        "市政府制定、修改或废止政府规章；市政府及各部门制定规范性文件。",
        "Kinds: government rule, city normative document, department normative document.",
    ),
    Rule(
        "G2",
        21,
        "审议的政府规章草案，由司法局审查或组织起草；规范性文件严格履行合法性审查等规定程序；"
        "司法局应当对市政府各部门制定的规范性文件进行备案审查。",
        "A draft government rule is reviewed (or drafted) by the justice bureau; every normative "
        "document passes legality review before adoption: by the justice bureau for the city "
        "government's, by the issuing department's legal reviewer for a department's; the "
        "justice bureau then reviews department documents on filing (备案审查).",
    ),
    Rule(
        "G3",
        22,
        "除依法需要保密的外，政府规章的草案要公开征求意见。",
        "Drafts of government rules go out for public comment unless secret by law (the only "
        "ground for a waiver); comments are recorded.",
    ),
    Rule(
        "G4",
        42,
        "市政府常务会议讨论决定政府规章（市政府令）、行政规范性文件。",
        "Government rules and city normative documents are adopted at a plenary or executive "
        "meeting: as a topic decided there.",
    ),
    Rule(
        "G5",
        24,
        "市政府规章向国务院、省人民代表大会常务委员会、省政府和市人民代表大会常务委员会备案；"
        "市政府制定的规范性文件向省政府和市人民代表大会常务委员会备案，市政府各部门制定的"
        "规范性文件向市政府和上级主管部门备案。",
        "Filing after publication with each required body, within 30 days; each body tracked "
        "on its own; missing filings become overdue.",
    ),
    Rule(
        "G6",
        25,
        "规范性文件应当规定有效期。",
        "Every normative document states a validity period; publication without one is "
        "refused; expiry is recorded when it comes.",
    ),
    Rule(
        "G7",
        25,
        "制定机关要即时对规范性文件进行清理，需要修改、废止的应当及时办理，继续执行的应当公告目录"
        "并报司法局。",
        "Cleanup: each document is reviewed and marked continue, revise or abolish; revisions "
        "keep the lineage.",
    ),
    Rule(
        "G8",
        22,
        "政府规章实施后要进行评估，发现问题，及时完善。",
        "Government rules get a post-implementation evaluation.",
    ),
    Rule(
        "G9",
        24,
        "司法局每年对市政府及各部门制定的规范性文件目录进行汇总并向社会公布。",
        "The justice bureau publishes an annual catalog of normative documents in force.",
    ),
    Rule(
        "S1",
        63,
        "健全督查立项、限期报告、核查复核、督促整改、情况通报等制度。",
        "Supervision: registered with a lead unit, co-units, a source and a deadline; progress "
        "reports by set dates; verification; rectification where needed; closed with a "
        "circular of results.",
    ),
    Rule(
        "S2",
        62,
        "部门主要负责同志是第一责任人；涉及多部门参与的工作，牵头部门要发挥主导作用，协办部门要积极配合。",
        "The lead unit's head is the first responsible person, recorded for life.",
    ),
    Rule(
        "S3",
        63,
        "限期报告，督促整改。",
        "A report or closure past its date makes the item overdue, recorded when the date passes.",
    ),
    Rule(
        "S4",
        69,
        "认真办理人大代表建议和政协委员提案，限时办结，主动公开办理结果，市政府领导每年领衔办理"
        "市人大代表建议、政协委员提案各1件。",
        "People's-congress suggestions and CPPCC proposals are handled in time and published; "
        "each city leader leads at least one of each a year.",
    ),
    Rule(
        "S5",
        75,
        "事事有着落、件件有回音。",
        "Every instruction has a ledger line until it is closed.",
    ),
    Rule(
        "S6",
        65,
        "考核结果报市政府常务会议审定……对排名靠后的县（区）政府和市政府部门相关负责同志进行约谈提醒。",
        "Performance results, once approved at an executive meeting, rank departments and "
        "counties; the bottom-ranked get a reminder interview.",
    ),
    Rule(
        "L1",
        84,
        "市长与负责常务工作的副市长一般不同时外出。",
        "The mayor and the executive vice-mayor are not away at the same time, unless the mayor "
        "records an override with a reason.",
    ),
    Rule(
        "L2",
        84,
        "副市长、秘书长离攀外出，应提前 1 天报告市长或负责常务工作的副市长，因紧急事项临时外出的"
        "应当及时报告。",
        "A vice-mayor or the secretary-general leaving the city (on private leave too) reports "
        "to the mayor or the executive vice-mayor at least a day ahead; an urgent departure is "
        "reported as soon as possible and marked urgent.",
    ),
    Rule(
        "L3",
        84,
        "副市长、秘书长因私离岗须向市长请假。",
        "Private leave of a vice-mayor or the secretary-general is approved by the mayor; until "
        "approved it is a request, not an absence (nobody acts for them, L1 does not count it).",
    ),
    Rule(
        "L4",
        84,
        "市长、副市长、秘书长外出活动的安排及外出期间代行其职责的领导应向市政府办公室备案。",
        "Each absence of the mayor, a vice-mayor or the secretary-general names who acts (P2, "
        "P3) and is filed with the office before it begins; one begun unfiled is recorded so.",
    ),
    Rule(
        "L5",
        84,
        "市政府各部门主要负责人离攀外出，须经市政府分管领导同意。",
        "A department head leaving the city needs the approval of the vice-mayor in charge.",
    ),
    Rule(
        "L6",
        84,
        "严格执行请销假制度。",
        "Return is reported (销假); an absence past its planned end without return is overdue.",
    ),
    Rule(
        "A1",
        74,
        "实行重大决策终身责任追究制度及责任倒查机制。",
        "Lifetime accountability for major decisions: who proposed, reviewed, voted, dissented "
        "and signed, in which office, under which rule.",
    ),
    Rule(
        "A2",
        74,
        "记录不得修改或删除；更正以新的记录指向被更正的记录。",
        "Nothing recorded is ever edited or deleted; corrections are new events.",
    ),
)


class RuleViolation(Exception):
    """A command broke a rule: it is refused and nothing is stored."""

    def __init__(self, rule: str, detail: str) -> None:
        self.rule = RULES[rule]
        self.detail = detail
        super().__init__(f"{rule}: {detail}")


class NotAuthorised(RuleViolation):
    """The actor acts outside the authority a rule gives."""


class NotFound(Exception):
    """No such resource."""

    def __init__(self, what: str) -> None:
        self.detail = what
        super().__init__(what)


class Conflict(Exception):
    """The resource moved on under a concurrent writer, or is not at the version the writer
    saw (``precondition``: If-Match)."""

    def __init__(self, detail: str, *, precondition: bool = False) -> None:
        self.detail = detail
        self.precondition = precondition
        super().__init__(detail)


def refuse(rule: str, detail: str) -> RuleViolation:
    return RuleViolation(rule, detail)


def forbid(rule: str, detail: str) -> NotAuthorised:
    return NotAuthorised(rule, detail)

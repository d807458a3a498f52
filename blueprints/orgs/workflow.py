"""The filing of a community social organization, readable at a glance. Nothing else sets a
filing's state: every step goes through FilingFlow.apply (blueprints/core/workflow.py).

    draft ──submit──▶ community_review ──pass──▶ street_review ──approve──▶ approved
                       │  return / refuse           │  return / refuse
                       ▼                            ▼
                    returned ──resubmit──▶ community_review      (refused: the end)

A change of the filed facts and a renewal start at the street: only the street decides them.
`who` names roles checked against the filing's community, and one relation, "applicant".
"""

import json
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.core.workflow import Change, Flow, due_after, step
from blueprints.orgs import documents, rules
from blueprints.orgs.models import PARTS, REVIEW_STATES, Filing, FilingEvent
from blueprints.util.times import utcnow
from blueprints.util.words import N_
from blueprints.web.links import public_url
from extensions import db

REVIEW_DAYS = 7
CONFIRM = _l("请勾选“我确定要撤回”。")

TRANSITIONS = {
    ("draft", "submit"): step("community_review", {"applicant"}, (), _l("提交申请")),
    ("draft", "discard"): step(
        "withdrawn", {"applicant"}, {"confirm"}, _l("删除草稿"), danger=True
    ),
    ("community_review", "pass"): step(
        "street_review", {Role.COMMUNITY_REVIEWER}, (), _l("初审通过")
    ),
    ("community_review", "return"): step(
        "returned", {Role.COMMUNITY_REVIEWER}, {"reasons"}, _l("退回修改"), danger=True
    ),
    ("community_review", "refuse"): step(
        "refused", {Role.COMMUNITY_REVIEWER}, {"reason"}, _l("不予备案"), danger=True
    ),
    ("street_review", "approve"): step("approved", {Role.STREET_REVIEWER}, (), _l("准予备案")),
    ("street_review", "return"): step(
        "returned", {Role.STREET_REVIEWER}, {"reasons"}, _l("退回修改"), danger=True
    ),
    ("street_review", "refuse"): step(
        "refused", {Role.STREET_REVIEWER}, {"reason"}, _l("不予备案"), danger=True
    ),
    ("returned", "resubmit"): step("community_review", {"applicant"}, (), _l("重新提交")),
}
for state in (*REVIEW_STATES, "returned"):
    TRANSITIONS[(state, "withdraw")] = step(
        "withdrawn", {"applicant"}, {"confirm"}, _l("撤回申请"), danger=True
    )

EVENT_LABELS = {
    "remind": _l("临近审核时限提醒"),
    "overdue": _l("已超过审核时限"),
    "decline": _l("被列入的人不同意列入"),
    "paper": _l("社区确认了书面签字"),
    "expire": _l("备案到期"),
    "deregister": _l("注销"),
}
NEEDS = {
    "reasons": _l("退回时请至少写一条原因，写在要修改的那一项旁边。"),
    "reason": _l("请写明不予备案的原因。"),
    "confirm": CONFIRM,
}


# What the applicant is told of each decision, in plain words: in the inbox with the filing's
# name and the reviewer's reasons, by text in fixed words with a link to them.
APPLICANT_NEWS = {
    "pass": N_("您的备案申请“%(name)s”社区已初审通过，现在由街道审核。"),
    "approve": N_("您的备案申请“%(name)s”已准予备案，备案编号 %(number)s。"),
    "return": N_("您的备案申请“%(name)s”被退回，需要修改：%(reason)s。改好后请重新提交。"),
    "refuse": N_("您的备案申请“%(name)s”不予备案，原因：%(reason)s"),
}
APPLICANT_TEXTS = {
    "pass": N_("【邻里】您的备案申请社区已初审通过，现在由街道审核。详情：%(link)s"),
    "approve": N_("【邻里】您的备案申请已准予备案，备案编号 %(number)s。详情：%(link)s"),
    "return": N_("【邻里】您的备案申请被退回，需要修改。要改的地方请看：%(link)s"),
    "refuse": N_("【邻里】您的备案申请不予备案，原因请看：%(link)s"),
}
REASON_SHOWN = 120  # characters of the reviewer's reasons in an inbox message


def tell_applicant(filing, action, url):
    """The applicant's inbox and phone hear the decision, in the applicant's language."""
    from blueprints.notices.services import notify
    from blueprints.notices.sms import message, send_sms

    reason = filing.events[-1].note if filing.events else ""
    number = filing.org.number if filing.org else ""
    params = {"name": filing.name, "number": number, "reason": reason[:REASON_SHOWN]}
    applicant = filing.applicant
    notify([applicant], APPLICANT_NEWS[action], url, **params)
    if applicant.phone:
        given = {"number": number} if action == "approve" else {}
        text = message(applicant.locale, APPLICANT_TEXTS[action], link=public_url(url), **given)
        send_sms(applicant.phone, text)


def filing_url(filing):
    """The application's page, as stored in inbox messages (written outside requests too)."""
    return f"/orgs/f/{filing.id}"


def is_applicant(filing, user, _context):
    return user.is_authenticated and filing.applicant_id == user.id


class FilingFlow(Flow):
    transitions = TRANSITIONS
    event_labels = EVENT_LABELS
    needs = NEEDS
    relations = {"applicant": is_applicant}
    open_states = REVIEW_STATES
    model = Filing

    def __init__(self):
        self.effects = {
            "submit": self.submit,
            "resubmit": self.submit,
            "pass": self.pass_community,
            "approve": self.approve,
            "return": self.send_back,
            "discard": self.discard,
        }

    def place_of(self, filing):
        return filing.community

    def shown(self, filing, action, user):
        # A reviewer never decides their own application.
        if action in ("pass", "approve", "return", "refuse"):
            return filing.applicant_id != user.id
        return True

    def refusal(self, filing, action, user):
        if action in ("pass", "approve", "return", "refuse") and filing.applicant_id == user.id:
            return _l("不能审核自己提交的申请。")
        return None

    # ---- effects ---------------------------------------------------------------------------

    def submit(self, filing, _actor, _given):
        problem = rules.first_problem(filing)
        if problem:
            raise Refused(problem[1], field=problem[0])
        rules.tell_listed_people(filing)
        if filing.purpose != "new":
            return Change(to="street_review")
        return None

    def discard(self, filing, _actor, _given):
        """A deleted draft keeps its timeline, not its charter's file."""
        documents.remove_after_commit(filing.charter_file)
        filing.charter_file = filing.charter_type = ""

    def pass_community(self, filing, _actor, _given):
        problem = rules.first_problem(filing) or rules.unconfirmed_on_paper(filing)
        if problem:
            raise Refused(problem[1], field=problem[0])

    def approve(self, filing, actor, _given):
        problem = rules.first_problem(filing)
        if problem:
            raise Refused(problem[1], field=problem[0])
        org = rules.put_into_effect(filing, actor)
        return Change(detail=(N_("备案编号 %(number)s"), {"number": org.number}))

    def send_back(self, filing, _actor, given):
        reasons = {part: text.strip() for part, text in given["reasons"].items() if part in PARTS}
        reasons = {part: text[:500] for part, text in reasons.items() if text}
        if not reasons:
            raise Refused(NEEDS["reasons"], field="reasons")
        filing.reasons = json.dumps(reasons, ensure_ascii=False)
        filing.snapshot = json.dumps(rules.snapshot(filing), ensure_ascii=False)
        note = "；".join(f"{PARTS[part]}：{text}" for part, text in reasons.items())
        return Change(note=note)

    # ---- timeline, messages, deadlines -------------------------------------------------------

    def record(self, filing, action, actor, before, after, note="", public=True, detail=None):
        db.session.add(
            FilingEvent.step(
                action,
                actor,
                before,
                after,
                note,
                public,
                detail,
                filing=filing,
                org_id=filing.org_id,
            )
        )

    def tell(self, filing, action, before, after, _public):
        from blueprints.notices.services import notify

        url = filing_url(filing)
        if after in REVIEW_STATES and after != before:
            notify(
                rules.reviewers(filing, after),
                N_("有一份社会组织备案申请等您审核：%(name)s"),
                url,
                name=filing.name,
            )
        if action in APPLICANT_NEWS:
            tell_applicant(filing, action, url)
        if action == "withdraw" and before in REVIEW_STATES:
            notify(
                rules.reviewers(filing, before),
                N_("备案申请“%(name)s”已被申请人撤回"),
                url,
                name=filing.name,
            )

    def entered(self, filing, _action, _before):
        filing.reminded_for = filing.overdue_for = ""
        if filing.state in REVIEW_STATES:
            filing.deadline_at = due_after(utcnow(), workdays=REVIEW_DAYS)
        else:
            filing.deadline_at = None

    def remind(self, filing):
        from blueprints.notices.services import notify

        self.record(filing, "remind", None, filing.state, filing.state, public=False)
        notify(
            rules.reviewers(filing, filing.state),
            N_("备案申请“%(name)s”明天到审核时限，请尽快决定"),
            filing_url(filing),
            name=filing.name,
        )

    def overdue(self, filing):
        from blueprints.notices.services import notify

        self.record(filing, "overdue", None, filing.state, filing.state, public=False)
        notify(
            [*rules.reviewers(filing, filing.state), *rules.admins(filing)],
            N_("备案申请“%(name)s”已超过审核时限"),
            filing_url(filing),
            name=filing.name,
        )

    def tick(self, now=None, warn=timedelta(days=1)):
        return super().tick(now, warn=warn)


flow = FilingFlow()

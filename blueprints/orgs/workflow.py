"""The filing of a community social organization, readable at a glance. Nothing else sets a
filing's state: every step goes through FilingFlow.apply (blueprints/core/workflow.py).

    draft ──submit──▶ community_review ──pass──▶ street_review ──approve──▶ approved
                       │  return / refuse           │  return / refuse
                       ▼                            ▼
                    returned ──resubmit──▶ community_review      (refused: the end)

A change of the filed facts and a renewal start at the street: only the street decides them.
`who` names roles checked against the filing's community, and one relation, "applicant".
The effects below change the filing's columns; whom each step tells is in messages.py.
"""

import json
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.core.workflow import Change, Due, Flow, step
from blueprints.orgs import documents, messages, rules
from blueprints.orgs.models import PARTS, REVIEW_STATES, Filing, FilingEvent
from blueprints.orgs.models import FilingState as S
from blueprints.util.words import N_
from extensions import db

REVIEW_DAYS = 7
DECISIONS = ("pass", "approve", "return", "refuse")

TRANSITIONS = {
    (S.DRAFT, "submit"): step(S.COMMUNITY_REVIEW, {"applicant"}, (), _l("提交申请")),
    (S.DRAFT, "discard"): step(
        S.WITHDRAWN, {"applicant"}, {"confirm"}, _l("删除草稿"), danger=True
    ),
    (S.COMMUNITY_REVIEW, "pass"): step(
        S.STREET_REVIEW, {Role.COMMUNITY_REVIEWER}, (), _l("初审通过")
    ),
    (S.COMMUNITY_REVIEW, "return"): step(
        S.RETURNED, {Role.COMMUNITY_REVIEWER}, {"reasons"}, _l("退回修改"), danger=True
    ),
    (S.COMMUNITY_REVIEW, "refuse"): step(
        S.REFUSED, {Role.COMMUNITY_REVIEWER}, {"reason"}, _l("不予备案"), danger=True
    ),
    (S.STREET_REVIEW, "approve"): step(S.APPROVED, {Role.STREET_REVIEWER}, (), _l("准予备案")),
    (S.STREET_REVIEW, "return"): step(
        S.RETURNED, {Role.STREET_REVIEWER}, {"reasons"}, _l("退回修改"), danger=True
    ),
    (S.STREET_REVIEW, "refuse"): step(
        S.REFUSED, {Role.STREET_REVIEWER}, {"reason"}, _l("不予备案"), danger=True
    ),
    (S.RETURNED, "resubmit"): step(S.COMMUNITY_REVIEW, {"applicant"}, (), _l("重新提交")),
}
for state in (*REVIEW_STATES, S.RETURNED):
    TRANSITIONS[(state, "withdraw")] = step(
        S.WITHDRAWN, {"applicant"}, {"confirm"}, _l("撤回申请"), danger=True
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
    "confirm": _l("请勾选“我确定要撤回”。"),
}


# ---- effects: what a step changes beyond the state ----------------------------------------------


def refuse_problem(problem):
    if problem:
        raise Refused(problem[1], field=problem[0])


def _submit(filing, _actor, _given):
    """A change of the filed facts and a renewal go straight to the street."""
    refuse_problem(rules.first_problem(filing))
    if filing.purpose != "new":
        return Change(to=S.STREET_REVIEW)
    return None


def _discard(filing, _actor, _given):
    """A deleted draft keeps its timeline, not its charter's file."""
    documents.remove_after_commit(filing.charter_file)
    filing.charter_file = filing.charter_type = ""


def _pass(filing, _actor, _given):
    refuse_problem(rules.first_problem(filing) or rules.unconfirmed_on_paper(filing))


def _approve(filing, actor, _given):
    refuse_problem(rules.first_problem(filing))
    org = rules.put_into_effect(filing, actor)
    return Change(detail=(N_("备案编号 %(number)s"), {"number": org.number}))


def _return(filing, _actor, given):
    reasons = {part: text.strip() for part, text in given["reasons"].items() if part in PARTS}
    reasons = {part: text[:500] for part, text in reasons.items() if text}
    if not reasons:
        raise Refused(NEEDS["reasons"], field="reasons")
    filing.reasons = json.dumps(reasons, ensure_ascii=False)
    filing.snapshot = json.dumps(rules.snapshot(filing), ensure_ascii=False)
    note = "；".join(f"{PARTS[part]}：{text}" for part, text in reasons.items())
    return Change(note=note)


def is_applicant(filing, user, _context):
    return user.is_authenticated and filing.applicant_id == user.id


class FilingFlow(Flow):
    """Organization filing on the workflow core."""

    model = Filing
    transitions = TRANSITIONS
    event_labels = EVENT_LABELS
    needs = NEEDS
    effects = {
        "submit": _submit,
        "resubmit": _submit,
        "discard": _discard,
        "pass": _pass,
        "approve": _approve,
        "return": _return,
    }
    relations = {"applicant": is_applicant}
    open_states = REVIEW_STATES
    deadlines = {state: Due(workdays=REVIEW_DAYS) for state in REVIEW_STATES}

    def place_of(self, filing):
        return filing.community

    def shown(self, filing, action, user):
        # A reviewer never decides their own application.
        return action not in DECISIONS or filing.applicant_id != user.id

    def refusal(self, filing, action, user):
        if action in DECISIONS and filing.applicant_id == user.id:
            return _l("不能审核自己提交的申请。")
        return None

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
        messages.tell(filing, action, before, after)

    def remind(self, filing):
        self.record(filing, "remind", None, filing.state, filing.state, public=False)
        messages.remind(filing)

    def overdue(self, filing):
        self.record(filing, "overdue", None, filing.state, filing.state, public=False)
        messages.overdue(filing)

    def tick(self, now=None, warn=timedelta(days=1)):
        """Reviewers are reminded a day before their deadline."""
        return super().tick(now, warn=warn)


FLOW = FilingFlow()

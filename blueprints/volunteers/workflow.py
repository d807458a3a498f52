"""The volunteer flows, readable at a glance: a sign-up's life and an hours record's review, their
clocks and who may take their steps. Nothing else sets their state: the workflow core
(blueprints/core/workflow.py) applies these tables through SignupFlow (signups.py) and HoursFlow
(hours.py), with the messages of messages.py.

`who` names relations, which the flows answer (RELATIONS below):
  "volunteer"    the person the sign-up (or record) is about, signed in;
  "proxy"        a grid worker of the volunteer's grid, when the volunteer agreed to it;
  "organizer"    a grid worker, admin or org officer of the activity's community;
  "code_holder"  the volunteer, having typed the shift's check-in code;
  "token"        whoever opened the volunteer's signed link (offer or day-before), while the
                 sign-up is at the stage the link was sent for;
  "system"       the clock (offers that run out, check-outs nobody made).
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from blueprints.core.access import can
from blueprints.core.roles import Role
from blueprints.core.workflow import Due, step
from blueprints.volunteers.activities import may_organize, may_run
from blueprints.volunteers.models import HoursState as H
from blueprints.volunteers.models import SignupState as S
from extensions import db

SELF = {"volunteer", "proxy"}
SIGNUP_TRANSITIONS = {
    (S.NEW, "join"): step(None, SELF, (), _l("报名")),
    (S.WAITLISTED, "offer"): step(S.OFFERED, {"system"}, (), _l("空出名额，请确认")),
    (S.OFFERED, "accept"): step(S.CONFIRMED, {*SELF, "token"}, (), _l("接受名额")),
    (S.OFFERED, "decline"): step(S.DECLINED, {*SELF, "token"}, (), _l("放弃名额"), danger=True),
    (S.OFFERED, "expire"): step(S.EXPIRED, {"system"}, (), _l("名额保留时间已过")),
    (S.CONFIRMED, "confirm_coming"): step(None, {*SELF, "token"}, (), _l("确认会来")),
    (S.CONFIRMED, "cancel"): step(S.CANCELLED, {*SELF, "token"}, (), _l("取消报名"), danger=True),
    (S.WAITLISTED, "cancel"): step(S.CANCELLED, {*SELF, "token"}, (), _l("不再候补"), danger=True),
    (S.CONFIRMED, "check_in"): step(S.CHECKED_IN, {"code_holder"}, (), _l("签到")),
    (S.CHECKED_IN, "check_out"): step(S.ATTENDED, {"code_holder", "organizer"}, (), _l("签退")),
    (S.CHECKED_IN, "auto_close"): step(S.ATTENDED, {"system"}, (), _l("未签退，按结束时间记")),
    (S.CONFIRMED, "mark_present"): step(S.CHECKED_IN, {"organizer"}, (), _l("记为到场")),
    (S.WAITLISTED, "mark_present"): step(S.CHECKED_IN, {"organizer"}, (), _l("记为到场")),
    (S.ABSENT, "mark_present"): step(S.CHECKED_IN, {"organizer"}, (), _l("记为到场")),
    (S.CONFIRMED, "mark_absent"): step(S.ABSENT, {"organizer"}, (), _l("记为缺席"), danger=True),
    (S.NEW, "walk_in"): step(S.CHECKED_IN, {"organizer"}, (), _l("现场加入")),
}
# Someone who cancelled, gave up a seat or let an offer run out may sign up again.
AGAIN = (S.CANCELLED, S.DECLINED, S.EXPIRED)
for state in AGAIN:
    SIGNUP_TRANSITIONS[(state, "join")] = step(None, SELF, (), _l("重新报名"))
    SIGNUP_TRANSITIONS[(state, "walk_in")] = step(S.CHECKED_IN, {"organizer"}, (), _l("现场加入"))
# The steps a signed link (the offer's, the day before's) may take.
LINK_ACTIONS = ("confirm_coming", "cancel", "accept", "decline")

# States in which a person holds or waits for a seat (an overlap with them is refused).
ACTIVE = (S.CONFIRMED, S.WAITLISTED, S.OFFERED, S.CHECKED_IN, S.ATTENDED)
SIGNUP_EVENTS = {
    "remind_offer": _l("名额快到期提醒"),
    "day_before": _l("活动前一天提醒"),
}

# A freed seat is held this long for the one it is offered to, and never past the shift's start.
OFFER_HOURS = 12


def offer_due(signup, start):
    return min(start + timedelta(hours=OFFER_HOURS), signup.shift.starts_at)


SIGNUP_DEADLINES = {S.OFFERED: offer_due}

HOURS_TRANSITIONS = {
    (H.PENDING, "approve"): step(H.APPROVED, {"organizer"}, (), _l("认定时长")),
    (H.PENDING, "decline"): step(
        H.DECLINED, {"organizer"}, {"reason"}, _l("不予认定"), danger=True
    ),
    (H.APPROVED, "reopen"): step(H.PENDING, {"organizer"}, {"reason"}, _l("重新审核")),
    (H.DECLINED, "reopen"): step(H.PENDING, {"organizer"}, {"reason"}, _l("重新审核")),
    # More than the time served, approved by one organizer, counts once a second one agrees.
    (H.AWAITING_SECOND, "agree"): step(H.APPROVED, {"organizer"}, (), _l("同意这个时长")),
    (H.AWAITING_SECOND, "decline"): step(
        H.DECLINED, {"organizer"}, {"reason"}, _l("不予认定"), danger=True
    ),
}
# Review is never the volunteer's own, even when they also organize (hours.py, refusal).
REVIEW = ("approve", "agree", "decline", "reopen")
for state in H:
    HOURS_TRANSITIONS[(state, "ask_correction")] = step(
        None, {"volunteer"}, {"note"}, _l("申请更正")
    )
    HOURS_TRANSITIONS[(state, "answer")] = step(None, {"organizer"}, {"note"}, _l("答复"))
HOURS_EVENTS = {"record": _l("生成服务记录"), "overdue": _l("超过10个工作日未审核")}
HOURS_NEEDS = {"reason": _l("请写明原因。"), "note": _l("请写几句说明。")}

# A record is reviewed within ten working days of its hours being recorded.
HOURS_DUE_WORKDAYS = 10
HOURS_OPEN = (H.PENDING, H.AWAITING_SECOND)
HOURS_DEADLINES = {state: Due(workdays=HOURS_DUE_WORKDAYS) for state in HOURS_OPEN}


# ---- relations --------------------------------------------------------------------------------


def is_volunteer(obj, user, _context):
    """The person a sign-up or a record is about, signed in."""
    return user.is_authenticated and obj.profile.user_id == user.id


def is_proxy(signup, user, _context):
    """A grid worker of the volunteer's grid, when the volunteer agreed to be helped."""
    resident = signup.profile.user
    return (
        user.is_authenticated
        and user.id != resident.id
        and signup.profile.proxy_consent
        and resident.grid is not None
        and can(resident.grid, Role.GRID_WORKER, user=user)
    )


def is_organizer(signup, user, _context):
    return may_run(user, signup.shift.activity)


def may_run_record(user, record):
    """The organizer of the record's activity (its group's officer too), else its community's staff."""
    if record.shift is not None:
        return may_run(user, record.shift.activity)
    return may_organize(user, record.community)


SIGNUP_RELATIONS = {
    "volunteer": is_volunteer,
    "proxy": is_proxy,
    "organizer": is_organizer,
    "code_holder": lambda s, u, c: bool(c.get("code_ok")) and is_volunteer(s, u, c),
    "token": lambda s, _u, c: c.get("token_for") == s.id,
    "system": lambda _s, _u, c: c.get("system") is True,
}
HOURS_RELATIONS = {
    "volunteer": is_volunteer,
    "organizer": lambda r, u, _c: may_run_record(u, r),
}


def proposer(record):
    """Who approved the hours now waiting for a second organizer."""
    approvals = [e for e in record.events if e.action == "approve"]
    return approvals[-1].actor_id if approvals else None


def opened(flow, ident, user):
    """The flow's object with this id when one of its relations names this person by their
    account alone (the volunteer, their proxy, an organizer); else None, a page's 404."""
    obj = db.session.get(flow.model, ident)
    if obj is None or not any(test(obj, user, {}) for test in flow.relations.values()):
        return None
    return obj

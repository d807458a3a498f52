"""The volunteer flows, readable at a glance: a sign-up's life and an hours record's review.
Nothing else sets their state: the workflow core (blueprints/core/workflow.py) applies these tables
with the effects and relations in signups.py and hours.py.

`who` names relations, which the flows answer:
  "volunteer"    the person the sign-up (or record) is about, signed in;
  "proxy"        a grid worker of the volunteer's grid, when the volunteer agreed to it;
  "organizer"    a grid worker, admin or org officer of the activity's community;
  "code_holder"  the volunteer, having typed the shift's check-in code;
  "token"        whoever opened the volunteer's signed link (offer or day-before), while the
                 sign-up is at the stage the link was sent for;
  "system"       the clock (offers that run out, check-outs nobody made).
"""

from flask_babel import lazy_gettext as _l

from blueprints.core.workflow import step

SELF = {"volunteer", "proxy"}
SIGNUP_TRANSITIONS = {
    ("new", "join"): step(None, SELF, (), _l("报名")),
    ("waitlisted", "offer"): step("offered", {"system"}, (), _l("空出名额，请确认")),
    ("offered", "accept"): step("confirmed", {*SELF, "token"}, (), _l("接受名额")),
    ("offered", "decline"): step("declined", {*SELF, "token"}, (), _l("放弃名额"), danger=True),
    ("offered", "expire"): step("expired", {"system"}, (), _l("名额保留时间已过")),
    ("confirmed", "confirm_coming"): step(None, {*SELF, "token"}, (), _l("确认会来")),
    ("confirmed", "cancel"): step("cancelled", {*SELF, "token"}, (), _l("取消报名"), danger=True),
    ("waitlisted", "cancel"): step("cancelled", {*SELF, "token"}, (), _l("不再候补"), danger=True),
    ("confirmed", "check_in"): step("checked_in", {"code_holder"}, (), _l("签到")),
    ("checked_in", "check_out"): step("attended", {"code_holder", "organizer"}, (), _l("签退")),
    ("checked_in", "auto_close"): step("attended", {"system"}, (), _l("未签退，按结束时间记")),
    ("confirmed", "mark_present"): step("checked_in", {"organizer"}, (), _l("记为到场")),
    ("waitlisted", "mark_present"): step("checked_in", {"organizer"}, (), _l("记为到场")),
    ("absent", "mark_present"): step("checked_in", {"organizer"}, (), _l("记为到场")),
    ("confirmed", "mark_absent"): step("absent", {"organizer"}, (), _l("记为缺席"), danger=True),
    ("new", "walk_in"): step("checked_in", {"organizer"}, (), _l("现场加入")),
}
# Someone who cancelled, gave up a seat or let an offer run out may sign up again.
for state in ("cancelled", "declined", "expired"):
    SIGNUP_TRANSITIONS[(state, "join")] = step(None, SELF, (), _l("重新报名"))
    SIGNUP_TRANSITIONS[(state, "walk_in")] = step("checked_in", {"organizer"}, (), _l("现场加入"))

# States in which a person holds or waits for a seat (an overlap with them is refused).
ACTIVE = ("confirmed", "waitlisted", "offered", "checked_in", "attended")
SIGNUP_EVENTS = {
    "remind_offer": _l("名额快到期提醒"),
    "day_before": _l("活动前一天提醒"),
}

HOURS_TRANSITIONS = {
    ("pending", "approve"): step("approved", {"organizer"}, (), _l("认定时长")),
    ("pending", "decline"): step(
        "declined", {"organizer"}, {"reason"}, _l("不予认定"), danger=True
    ),
    ("approved", "reopen"): step("pending", {"organizer"}, {"reason"}, _l("重新审核")),
    ("declined", "reopen"): step("pending", {"organizer"}, {"reason"}, _l("重新审核")),
    # More than the time served, approved by one organizer, counts once a second one agrees.
    ("awaiting_second", "agree"): step("approved", {"organizer"}, (), _l("同意这个时长")),
    ("awaiting_second", "decline"): step(
        "declined", {"organizer"}, {"reason"}, _l("不予认定"), danger=True
    ),
}
# Review is never the volunteer's own, even when they also organize (hours.py, refusal).
REVIEW = ("approve", "agree", "decline", "reopen")
for state in ("pending", "awaiting_second", "approved", "declined"):
    HOURS_TRANSITIONS[(state, "ask_correction")] = step(
        None, {"volunteer"}, {"note"}, _l("申请更正")
    )
    HOURS_TRANSITIONS[(state, "answer")] = step(None, {"organizer"}, {"note"}, _l("答复"))
HOURS_EVENTS = {"record": _l("生成服务记录"), "overdue": _l("超过10个工作日未审核")}

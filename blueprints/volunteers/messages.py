"""What the volunteer flows tell people: the inbox notices and texts of a sign-up's steps and
clock (an offer, its reminder, the day before) and of an hours record's review. The flows call
these from their `tell`, `remind` and `overdue` hooks (signups.py, hours.py); nothing here
changes a state."""

from blueprints.auth.people import staff_for
from blueprints.core.roles import Role
from blueprints.notices.services import notify
from blueprints.notices.sms import message, send_sms
from blueprints.util.times import local
from blueprints.util.words import N_
from blueprints.volunteers.models import HoursState
from blueprints.volunteers.profiles import make_token, public_url
from blueprints.volunteers.workflow import is_proxy, proposer

PROXY_WORDS = {
    "join": N_("网格员为您报名了“%(title)s”：%(state)s"),
    "cancel": N_("网格员为您取消了“%(title)s”的报名"),
    "accept": N_("网格员为您接受了“%(title)s”的名额"),
    "decline": N_("网格员为您放弃了“%(title)s”的名额"),
    "confirm_coming": N_("网格员为您确认会参加“%(title)s”"),
}
PROXY_TEXT = N_("【邻里】网格员为您办理了一项志愿活动的报名事宜。详情：%(link)s")
# What the volunteer hears of a review step on their record.
REVIEWED = ("approve", "agree", "decline", "answer", "reopen")


def signup_url(signup):
    return f"/volunteers/signups/{signup.id}"


def record_url(record):
    return f"/volunteers/hours/{record.id}"


def confirm_token(signup):
    """The token of a link that acts on this sign-up without signing in, while it stays at the
    stage it is in now."""
    return make_token("confirm", signup.id, signup.stage)


def confirm_link(signup):
    return public_url("/volunteers/c/" + confirm_token(signup))


def organizers_of(shift):
    community = shift.activity.community
    people = staff_for(Role.ORG_OFFICER, community) + staff_for(Role.ADMIN, community)
    for grid in community.grids:
        people += staff_for(Role.GRID_WORKER, grid)
    return people


# ---- sign-ups -------------------------------------------------------------------------------


def tell_signup(signup, action):
    """The volunteer hears of every step someone else took for them; offers go by SMS too."""
    resident = signup.profile.user
    title = signup.shift.activity.title
    last = signup.events[-1] if signup.events else None
    actor = last.actor if last else None
    if action == "offer":
        notify(
            [resident],
            N_("“%(title)s”空出了名额，请在保留时间内确认"),
            signup_url(signup),
            title=title,
        )
        send_sms(
            resident.phone,
            message(
                resident.locale,
                N_("【邻里】您候补的志愿活动空出一个名额给您，请在 %(until)s 前确认：%(link)s"),
                until=local(signup.deadline_at).strftime("%m-%d %H:%M"),
                link=confirm_link(signup),
            ),
        )
    elif action == "expire":
        notify(
            [resident],
            N_("“%(title)s”的名额保留时间已过，已让给下一位"),
            signup_url(signup),
            title=title,
        )
    elif action == "auto_close":
        notify(
            organizers_of(signup.shift),
            N_("“%(title)s”有人没有签退，请核对时长"),
            f"/volunteers/shifts/{signup.shift_id}",
            title=title,
        )
    elif action in PROXY_WORDS and actor is not None and is_proxy(signup, actor, {}):
        state = str(signup.state_label)
        notify([resident], PROXY_WORDS[action], signup_url(signup), title=title, state=state)
        send_sms(
            resident.phone,
            message(resident.locale, PROXY_TEXT, link=public_url(signup_url(signup))),
        )


def remind_offer(signup):
    notify(
        [signup.profile.user],
        N_("给您留的“%(title)s”名额快到期了，请尽快确认"),
        signup_url(signup),
        title=signup.shift.activity.title,
    )


def day_before(signup):
    """An inbox reminder and an SMS with a link to confirm (or cancel) without signing in."""
    resident = signup.profile.user
    title = signup.shift.activity.title
    start = local(signup.shift.starts_at).strftime("%m-%d %H:%M")
    notify(
        [resident],
        N_("提醒：您报名的“%(title)s”在 %(start)s 开始"),
        "/volunteers/mine",
        title=title,
        start=start,
    )
    send_sms(
        resident.phone,
        message(
            resident.locale,
            N_("【邻里】提醒：您报名的志愿活动 %(start)s 开始，请点链接确认会来或取消：%(link)s"),
            start=start,
            link=confirm_link(signup),
        ),
    )


# ---- hours records --------------------------------------------------------------------------


def record_organizers(record):
    return organizers_of(record.shift) if record.shift else []


def tell_hours(record, action, after):
    title = record.activity_title
    if action == "ask_correction":
        notify(
            record_organizers(record),
            N_("志愿者对“%(title)s”的时长申请更正"),
            record_url(record),
            title=title,
        )
    elif after == HoursState.AWAITING_SECOND:
        notify(
            [u for u in record_organizers(record) if u.id != proposer(record)],
            N_("“%(title)s”有一条服务时长要第二位组织者同意"),
            record_url(record),
            title=title,
        )
    elif action in REVIEWED:
        notify(
            [record.profile.user],
            N_("您在“%(title)s”的服务时长有新消息"),
            record_url(record),
            title=title,
        )


def hours_overdue(record):
    notify(
        record_organizers(record),
        N_("“%(title)s”的服务时长超过10个工作日未审核"),
        record_url(record),
        title=record.activity_title,
    )

"""Whom a case's steps tell, and in what words: inbox notices for the staff who must act next,
and for the reporter and whoever follows the case, what changed in plain words (texted at the
turns that matter: returned, handed to someone, ready to rate, reopened). Every notice and text
the grid-report flow sends is here; the workflow core calls `tell` after each step."""

from blueprints.auth.people import staff_for
from blueprints.core.roles import Role
from blueprints.notices.services import notify
from blueprints.notices.sms import message, send_sms
from blueprints.reports.follows import followers
from blueprints.reports.models import ReportState
from blueprints.reports.refs import report_url
from blueprints.util.words import N_
from blueprints.web.links import public_url

# Steps the reporter takes themselves: they are not told of them.
OWN_STEPS = {"correct", "withdraw", "rate", "add_update"}


def assignees(report):
    if report.assignee:
        return [report.assignee]
    if report.department:
        return staff_for(Role.HANDLER, report.department)
    return []


def dispatchers(report):
    return staff_for(Role.DISPATCHER, report.grid)


def handed_to(report, locale):
    """Whom the case went to, as the reader of `locale` says it: (msgid part, values)."""
    if report.department:
        name = report.department.name
        if report.department.name_en and (locale or "").startswith("en"):
            name = report.department.name_en
        return "department", {"department": name}
    return "grid", {"grid": report.grid.name}


# What changed, in plain words, for the reporter and for whoever follows the case. Keyed by the
# step, or by (step, where it led); each entry: (inbox msgid, SMS msgid or None). A text names
# nobody and quotes no reason (blueprints/notices/sms.py): its link leads to the case, ref and code asked.
HANDED_TEXT = N_("【邻里】您反映的问题 %(ref)s 已交给处理人员办理。进度：%(link)s")
TRACK_PATH = "/reports/track"
NEWS = {
    "accept": (N_("已受理，正在安排人员"), None),
    "return": (
        N_("暂不受理：%(reason)s"),
        N_("【邻里】您反映的问题 %(ref)s 暂不受理，原因请看：%(link)s"),
    ),
    ("dispatch", "grid"): (
        N_("已交给%(grid)s网格员处理"),
        HANDED_TEXT,
    ),
    ("dispatch", "department"): (
        N_("已交给%(department)s处理"),
        HANDED_TEXT,
    ),
    "sign": (N_("处理人已接单"), None),
    "start": (N_("正在处理"), None),
    "note": (N_("处理人记下了进展"), None),
    ("handle", ReportState.HANDLED): (N_("处理人说已处理好，网格员会来现场核查"), None),
    "redo": (N_("网格员到现场核查，还没处理好，正在继续处理"), None),
    "merge": (N_("和别人反映的同一问题合并办理"), None),
}
# Ready to rate: the reporter is asked; a follower is told it is done.
READY = (
    N_("已处理好，请您评价"),
    N_("【邻里】您反映的问题 %(ref)s 已处理好，请打开链接评价是否满意：%(link)s"),
)
READY_FOR_FOLLOWERS = N_("已处理好，等反映人评价")
REOPENED = (
    N_("您不满意，已重新安排处理"),
    N_("【邻里】您反映的问题 %(ref)s 已重新安排处理，处理好后会再请您评价。进度：%(link)s"),
)
FOR_FOLLOWERS = {
    ReportState.REOPENED: N_("反映人不满意，正在重新处理"),
    ReportState.CLOSED: N_("已办结"),
    ReportState.WITHDRAWN: N_("反映人已撤回这条反映"),
}


def news_for_reporter(report, action, to, locale):
    """(inbox msgid, SMS msgid or None, values) of what the reporter is told, or None."""
    values = {"ref": report.ref, "reason": report.return_reason}
    if to == ReportState.VERIFIED:
        return (*READY, values)
    if to == ReportState.REOPENED:
        return (*REOPENED, values)
    if action in OWN_STEPS:
        return None
    if action in ("dispatch", "transfer"):
        kind, names = handed_to(report, locale)
        return (*NEWS[("dispatch", kind)], values | names)
    found = NEWS.get((action, to)) or NEWS.get(action)
    return (*found, values) if found else None


def news_for_followers(report, action, to, locale):
    """(inbox msgid, values) of what a follower is told, or None."""
    if to == ReportState.VERIFIED:
        return READY_FOR_FOLLOWERS, {"ref": report.ref}
    if to in FOR_FOLLOWERS:
        return FOR_FOLLOWERS[to], {"ref": report.ref}
    if action in OWN_STEPS:
        return None
    news = news_for_reporter(report, action, to, locale)
    return (news[0], news[2]) if news else None


def tell_reporter(report, action, to):
    locale = report.reporter.locale if report.reporter else report.reporter_locale
    news = news_for_reporter(report, action, to, locale)
    if news is None:
        return
    inbox, text, values = news
    if report.reporter:
        notify([report.reporter], inbox, report_url(report), **values)
    if text and report.reporter_phone:
        link = public_url(TRACK_PATH)
        send_sms(report.reporter_phone, message(locale, text, ref=report.grouped_ref, link=link))


def tell_staff(report, action, to):
    """The staff this step gives something to do."""
    url = report_url(report)
    if action in ("dispatch", "transfer"):
        for helper in report.helper_departments:
            notify(staff_for(Role.HANDLER, helper), N_("请协助处理 %(ref)s"), url, ref=report.ref)
        notify(assignees(report), N_("新任务 %(ref)s，请签收"), url, ref=report.ref)
    if to == ReportState.HANDLED:
        notify(
            staff_for(Role.GRID_WORKER, report.grid),
            N_("请到现场核查 %(ref)s"),
            url,
            ref=report.ref,
        )
    if action == "redo":
        notify(assignees(report), N_("核查不合格，请继续处理 %(ref)s"), url, ref=report.ref)
    if action == "urge":
        notify(assignees(report), N_("请抓紧办理 %(ref)s"), url, ref=report.ref)
    if action == "add_update":
        who = assignees(report) or dispatchers(report)
        notify(who, N_("反映人补充了情况 %(ref)s"), url, ref=report.ref)
    if action in ("send_back", "ask_extension") or to == ReportState.REOPENED:
        notify(dispatchers(report), N_("案件 %(ref)s 需要您处理"), url, ref=report.ref)


def tell(report, action, _before, to, public):
    """Inbox messages and texts for whoever this step concerns: staff who must act, and the
    reporter and followers, told what changed at every public turn."""
    tell_staff(report, action, to)
    if public:
        tell_reporter(report, action, to)
        url = report_url(report)
        for follower in followers(report):
            news = news_for_followers(report, action, to, follower.locale)
            if news:
                notify([follower], news[0], url, **news[1])


def tell_near_deadline(report):
    notify(
        assignees(report) or dispatchers(report),
        N_("案件 %(ref)s 快到时限了"),
        report_url(report),
        ref=report.ref,
    )


def tell_overdue(report):
    notify(
        dispatchers(report) + assignees(report),
        N_("案件 %(ref)s 已超时"),
        report_url(report),
        ref=report.ref,
    )

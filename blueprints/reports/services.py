"""A case's steps: grid reporting on the workflow core (ReportFlow: the table's effects, who is
told, deadlines, the tick), and the privacy rules of a case. apply() is the only place a report's
state changes."""

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.auth.people import staff_for
from blueprints.core.access import can
from blueprints.core.errors import Conflict, Refused
from blueprints.core.roles import Role
from blueprints.core.workflow import STALE, Change, Flow
from blueprints.notices.services import notify
from blueprints.notices.sms import message, send_sms
from blueprints.places.models import Department
from blueprints.reports.deadlines import set_deadline
from blueprints.reports.follows import followers
from blueprints.reports.intake import count_metoo
from blueprints.reports.models import (
    OPEN_STATES,
    PhoneReveal,
    Report,
    ReportPhoto,
    ReportState,
)
from blueprints.reports.refs import event, find_report, normalize_ref, report_url
from blueprints.reports.workflow import AFTER_RATING, EVENT_LABELS, PRIMARY, TRANSITIONS
from blueprints.util.times import utcnow
from blueprints.util.words import N_
from blueprints.web.links import public_url
from extensions import db

# ---- the one way a state changes: the workflow core, with this flow's table and effects ---------


# The longest extension a handler may ask for at once: a month.
MAX_EXTENSION_HOURS = 720

NEEDS = {
    "reason": _l("请写明原因。"),
    "note": _l("请写几句说明。"),
    "urgency": _l("请选择紧急程度。"),
    "assignee": _l("请选择交给谁处理。"),
    "target": _l("请填写要并入的案件编号。"),
    "text": _l("请填写问题描述。"),
    "rating": _l("请选择您是否满意。"),
    "hours": _l("请填写要延长的小时数。"),
    "confirm": _l("请勾选“我确定要撤回”。"),
}


def _accept(report, _who, given):
    if given["urgency"] not in ("normal", "urgent"):
        raise Refused(NEEDS["urgency"], field="urgency")
    report.urgency = given["urgency"]


def _return(report, _who, given):
    report.return_reason = given["reason"].strip()[:200]


@dataclass(frozen=True)
class Assignee:
    """Whom the dispatcher hands a case to: a grid worker or a department, by id."""

    WORKER: ClassVar[str] = "user"
    DEPARTMENT: ClassVar[str] = "dept"

    kind: str
    id: int


def street_department(ident, street_id):
    """The active department of this street with this id, else None."""
    department = db.session.get(Department, ident)
    if department is None or not department.active or department.street_id != street_id:
        return None
    return department


def _dispatch(report, _who, given):
    choice = given["assignee"]
    street_id = report.grid.community.street_id
    unassign(report)
    if choice.kind == Assignee.WORKER:
        user = db.session.get(User, choice.id)
        if user is None or not can(report.grid, Role.GRID_WORKER, user=user):
            raise Refused(_("请选择本网格的网格员。"))
        report.assignee = user
    else:
        report.department = street_department(choice.id, street_id)
        if report.department is None:
            raise Refused(_("请选择本街道的部门。"))
    for helper_id in given.get("helpers", []):
        helper = street_department(helper_id, street_id)
        if helper and helper is not report.department and helper not in report.helper_departments:
            report.helper_departments.append(helper)
    report.extension_hours = 0
    if report.assignee:
        handed = {"name": report.assignee.display_name, "office": Role.GRID_WORKER}
    else:
        handed = {"name": report.department.name, "office": f"department:{report.department.id}"}
    # A dispatcher's note is for the handler; residents read it only when the dispatcher says so.
    handed["public_note"] = bool(given.get("public_note"))
    for helper in report.helper_departments:
        notify(
            staff_for(Role.HANDLER, helper),
            N_("请协助处理 %(ref)s"),
            report_url(report),
            ref=report.ref,
        )
    # Handed on again (a transfer keeps the state): the new handler's deadline starts now.
    return Change(to=ReportState.DISPATCHED, detail=(N_("交给：%(name)s"), handed))


def unassign(report):
    report.assignee = report.department = None
    report.helper_departments = []


def _send_back(report, _who, _given):
    unassign(report)


def _merge(report, who, given):
    target = find_report(normalize_ref(given["target"]) or "")
    if target is None or target.id == report.id or not target.is_open:
        raise Refused(_("没有找到可以并入的案件，请核对编号。"))
    if not can(target.grid, Role.DISPATCHER, user=who):
        raise Refused(_("您不能对这件事做这个操作。"))
    report.merged_into = target
    count_metoo(target, 1 + report.metoo_count)
    merged = (N_("并入案件 %(ref)s"), {"ref": report.ref})
    event(target, "metoo", who, target.state, target.state, detail=merged)
    return Change(detail=(N_("已并入案件 %(ref)s，办理结果请看那一件。"), {"ref": target.ref}))


def _handle(report, _who, given):
    if given.get("photo"):
        name, size = given["photo"]
        report.photos.append(ReportPhoto(kind="after", filename=name, thumb_bytes=size))
    if not report.category.needs_verification:
        return Change(to=ReportState.VERIFIED)
    notify(
        staff_for(Role.GRID_WORKER, report.grid),
        N_("请到现场核查 %(ref)s"),
        report_url(report),
        ref=report.ref,
    )


def _redo(report, _who, _given):
    notify(
        assignees(report),
        N_("核查不合格，请继续处理 %(ref)s"),
        report_url(report),
        ref=report.ref,
    )


def _rate(report, _who, given):
    rating = given["rating"]
    if rating not in AFTER_RATING:
        raise Refused(NEEDS["rating"], field="rating")
    report.rating = rating
    report.rating_comment = (given.get("comment") or "").strip()[:500]
    reopened_before = any(e.to_state == ReportState.REOPENED for e in report.events)
    if rating == "unsatisfied" and not reopened_before:
        report.rating = ""  # asked again after the rework
        unassign(report)
        return Change(to=ReportState.REOPENED, note=report.rating_comment)
    return Change(to=ReportState.CLOSED, note=report.rating_comment)


# A resident's updates may bring this many photos in all, on top of those sent with the report.
MAX_UPDATE_PHOTOS = 3


def _add_update(report, _who, given):
    note = given["note"].strip()[:500]
    if not note:
        raise Refused(NEEDS["note"], field="note")
    if given.get("photo"):
        if sum(p.kind == "update" for p in report.photos) >= MAX_UPDATE_PHOTOS:
            raise Refused(_("补充的照片最多3张。"), field="photo")
        name, size = given["photo"]
        report.photos.append(ReportPhoto(kind="update", filename=name, thumb_bytes=size))
    notify(
        assignees(report) or staff_for(Role.DISPATCHER, report.grid),
        N_("反映人补充了情况 %(ref)s"),
        report_url(report),
        ref=report.ref,
    )
    return Change(note=note)


def _ask_extension(report, _who, given):
    hours = given["hours"]
    if not 1 <= hours <= MAX_EXTENSION_HOURS:
        raise Refused(_("延长的小时数要在1到720之间。"))
    if report.deadline_at and report.deadline_at < utcnow():
        raise Refused(_("已经超过时限，不能再申请延期。请尽快办理。"))
    report.extension_hours = hours
    report.extension_reason = given["reason"].strip()[:200]
    return Change(detail=(N_("申请延长%(h)s小时"), {"h": hours}))


def _approve_extension(report, _who, _given):
    if not report.extension_hours:
        raise Conflict(STALE)
    report.deadline_at = (report.deadline_at or utcnow()) + timedelta(hours=report.extension_hours)
    detail = (N_("延长%(h)s小时"), {"h": report.extension_hours})
    report.extension_hours = 0
    report.overdue_for = report.reminded_for = ""
    return Change(detail=detail)


def _refuse_extension(report, _who, _given):
    if not report.extension_hours:
        raise Conflict(STALE)
    report.extension_hours = 0


def _supervise(report, _who, _given):
    report.supervised = True


def _urge(report, _who, _given):
    notify(assignees(report), N_("请抓紧办理 %(ref)s"), report_url(report), ref=report.ref)


def _correct(report, _who, given):
    report.description = given["text"].strip()[:1000]
    return Change(note="")


EFFECTS = {
    "accept": _accept,
    "return": _return,
    "dispatch": _dispatch,
    "transfer": _dispatch,
    "send_back": _send_back,
    "merge": _merge,
    "handle": _handle,
    "redo": _redo,
    "rate": _rate,
    "ask_extension": _ask_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "supervise": _supervise,
    "urge": _urge,
    "correct": _correct,
    "add_update": _add_update,
}


def assignees(report):
    if report.assignee:
        return [report.assignee]
    if report.department:
        return staff_for(Role.HANDLER, report.department)
    return []


OWN_STEPS = {"correct", "withdraw", "rate", "add_update"}


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


def tell(report, action, _before, to, public):
    """Inbox messages and texts for whoever this step concerns: staff who must act, and the
    reporter, told what changed in plain words at every public turn (texted at the turns that
    matter: returned, handed to someone, ready to rate, reopened)."""
    url = report_url(report)
    if action in ("dispatch", "transfer"):
        notify(assignees(report), N_("新任务 %(ref)s，请签收"), url, ref=report.ref)
    if action in ("send_back", "ask_extension") or to == ReportState.REOPENED:
        dispatchers = staff_for(Role.DISPATCHER, report.grid)
        notify(dispatchers, N_("案件 %(ref)s 需要您处理"), url, ref=report.ref)
    if public:
        tell_reporter(report, action, to)
        for follower in followers(report):
            news = news_for_followers(report, action, to, follower.locale)
            if news:
                notify([follower], news[0], url, **news[1])


def on_reporter(report, user, context):
    """The resident who reported it: signed in, or holding the tracking code on this device."""
    return bool(context.get("tracker")) or (user.is_authenticated and report.reporter_id == user.id)


def on_assignee(report, user, _context):
    """The grid worker it was sent to, or a handler of the department it was sent to."""
    return user.is_authenticated and (
        report.assignee_id == user.id
        or (report.department is not None and can(report.department, Role.HANDLER, user=user))
    )


class ReportFlow(Flow):
    """Grid reporting on the workflow core: blueprints/reports/workflow.py is its table."""

    model = Report
    transitions = TRANSITIONS
    event_labels = EVENT_LABELS
    needs = NEEDS
    effects = EFFECTS
    relations = {"reporter": on_reporter, "assignee": on_assignee}
    open_states = OPEN_STATES

    def place_of(self, report):
        return report.grid

    def refusal(self, report, action, user):
        """Rules of timing and separation that the table's roles alone do not say."""
        if action in ("verify", "redo") and user.is_authenticated and report.assignee_id == user.id:
            return _("办理人不能核查自己办的案件，请另一位网格员或指挥中心核查。")
        if action == "supervise" and not report.overdue:
            return _("还没到时限，可以先催办。")
        if action == "urge" and report.overdue:
            return _("已经超时，请督办。")
        return None

    def shown(self, report, action, _user):
        if action in ("approve_extension", "refuse_extension"):
            return bool(report.extension_hours)
        if action == "ask_extension":
            return not report.extension_hours
        if action == "rate":
            return not report.rating
        if action == "urge":  # someone to urge
            return bool(report.assignee_id or report.department_id)
        return True

    def record(self, report, action, actor, before, after, note="", public=True, detail=None):
        event(report, action, actor, before, after, note, public=public, detail=detail)

    def tell(self, report, action, before, after, public):
        tell(report, action, before, after, public)

    def entered(self, report, _action, _before):
        set_deadline(report)

    def overdue(self, report):
        report.supervised = True
        event(report, "overdue", None, report.state, report.state, "", public=False)
        notify(
            staff_for(Role.DISPATCHER, report.grid) + assignees(report),
            N_("案件 %(ref)s 已超时"),
            report_url(report),
            ref=report.ref,
        )

    def remind(self, report):
        event(report, "remind", None, report.state, report.state, "", public=False)
        notify(
            assignees(report) or staff_for(Role.DISPATCHER, report.grid),
            N_("案件 %(ref)s 快到时限了"),
            report_url(report),
            ref=report.ref,
        )

    def silent(self, now):
        """Follow-ups nobody answered within FOLLOW_UP_DAYS."""
        return select(Report).where(Report.state == ReportState.VERIFIED, Report.deadline_at < now)

    def close_silent(self, report):
        report.rating = "no_response"
        event(report, "close_no_response", None, ReportState.VERIFIED, ReportState.CLOSED, "")
        report.state = ReportState.CLOSED
        report.deadline_at = None


FLOW = ReportFlow()


def actions_for(report, user, tracker=False):
    """The buttons this user gets on this report, drawn from the same table apply() uses."""
    return FLOW.actions_for(report, user, tracker=tracker)


def primary_first(report, actions):
    """The step a case page leads with (or None), and the others, in the table's order."""
    primary = next((a for a in PRIMARY.get(report.state, ()) if a in actions), None)
    rest = {action: found for action, found in actions.items() if action != primary}
    return primary, rest


def allowed_step(report, action, actor, version=None, tracker=False):
    return FLOW.check(report, action, actor, version, {"tracker": tracker})


def apply(report, action, actor, version=None, tracker=False, **given):
    return FLOW.apply(report, action, actor, version, {"tracker": tracker}, **given)


# ---- privacy -----------------------------------------------------------------------------


def may_reveal_phone(report, user):
    return bool(report.reporter_phone) and (
        can(report.grid, Role.DISPATCHER, user=user)
        or report.assignee_id == user.id
        or (report.department is not None and can(report.department, Role.HANDLER, user=user))
    )


def reveal_phone(report, user):
    if not may_reveal_phone(report, user):
        raise Refused(_("您不能查看这个号码。"))
    db.session.add(PhoneReveal(report=report, user=user))
    db.session.commit()
    return report.reporter_phone


def mark_photo_public(photo, user):
    if not can(photo.report.grid, Role.DISPATCHER, user=user):
        raise Refused(_("您不能对这件事做这个操作。"))
    photo.fit_for_public = True
    event(
        photo.report, "photo_public", user, photo.report.state, photo.report.state, "", public=False
    )
    db.session.commit()


# ---- the clock ---------------------------------------------------------------------------


def sla_tick(now=None):
    """Reminders before deadlines, overdue cases into supervision, silent follow-ups closed.
    Each case is marked with what it was told, so running twice sends nothing twice."""
    return FLOW.tick(now)

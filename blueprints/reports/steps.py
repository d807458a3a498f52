"""What each step of a case changes, beyond its state: the effects of the workflow table
(blueprints/reports/workflow.py). An effect checks what was given, sets the case's columns and
returns what the core should record (a Change); whom a step tells is in messages.py."""

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.auth.models import User
from blueprints.core.access import can
from blueprints.core.errors import Conflict, Refused
from blueprints.core.roles import Role
from blueprints.core.workflow import STALE, Change
from blueprints.places.models import Department
from blueprints.reports.intake import count_metoo
from blueprints.reports.models import ReportPhoto
from blueprints.reports.models import ReportState as S
from blueprints.reports.refs import event, find_report, normalize_ref
from blueprints.util.times import utcnow
from blueprints.util.words import N_
from extensions import db

# The longest extension a handler may ask for at once: a month.
MAX_EXTENSION_HOURS = 720
# A resident's updates may bring this many photos in all, on top of those sent with the report.
MAX_UPDATE_PHOTOS = 3

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

# What rating leads where: "not satisfied" reopens the case; every other answer closes it.
AFTER_RATING = {
    "satisfied": S.CLOSED,
    "basic": S.CLOSED,
    "unsatisfied": S.REOPENED,
}


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


def unassign(report):
    report.assignee = report.department = None
    report.helper_departments = []


def _accept(report, _who, given):
    if given["urgency"] not in ("normal", "urgent"):
        raise Refused(NEEDS["urgency"], field="urgency")
    report.urgency = given["urgency"]


def _return(report, _who, given):
    report.return_reason = given["reason"].strip()[:200]


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
    # Handed on again (a transfer keeps the state): the new handler's deadline starts now.
    return Change(to=S.DISPATCHED, detail=(N_("交给：%(name)s"), handed))


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
        return Change(to=S.VERIFIED)
    return None


def _rate(report, _who, given):
    rating = given["rating"]
    if rating not in AFTER_RATING:
        raise Refused(NEEDS["rating"], field="rating")
    report.rating = rating
    report.rating_comment = (given.get("comment") or "").strip()[:500]
    reopened_before = any(e.to_state == S.REOPENED for e in report.events)
    if rating == "unsatisfied" and not reopened_before:
        report.rating = ""  # asked again after the rework
        unassign(report)
        return Change(to=S.REOPENED, note=report.rating_comment)
    return Change(to=S.CLOSED, note=report.rating_comment)


def _add_update(report, _who, given):
    note = given["note"].strip()[:500]
    if not note:
        raise Refused(NEEDS["note"], field="note")
    if given.get("photo"):
        if sum(p.kind == "update" for p in report.photos) >= MAX_UPDATE_PHOTOS:
            raise Refused(_("补充的照片最多3张。"), field="photo")
        name, size = given["photo"]
        report.photos.append(ReportPhoto(kind="update", filename=name, thumb_bytes=size))
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
    "rate": _rate,
    "ask_extension": _ask_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "supervise": _supervise,
    "correct": _correct,
    "add_update": _add_update,
}

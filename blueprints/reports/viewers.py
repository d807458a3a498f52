"""Who is looking at a case: its staff, its reporter (signed in, or this phone tracking it), or
the public; the cases this phone tracks; and the version of a case as one viewer sees it."""

from functools import cache

from flask import abort, session
from flask_login import current_user
from sqlalchemy import bindparam, false, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from blueprints.core.access import can
from blueprints.core.roles import Role
from blueprints.places.models import Community, Department, Grid
from blueprints.reports.lists import grant_places
from blueprints.reports.models import (
    Category,
    Report,
    ReportEvent,
    ReportPhoto,
    report_helper,
)
from extensions import db


def remember_tracked(report):
    tracked = set(session.get("tracked", []))
    tracked.add(report.id)
    session["tracked"] = sorted(tracked)[-20:]


def is_tracker(report):
    return report.id in session.get("tracked", [])


def is_staff_for(report):
    if not current_user.is_authenticated:
        return False
    return (
        can(report.grid, Role.DISPATCHER, Role.GRID_WORKER, Role.ADMIN)
        or report.assignee_id == current_user.id
        or any(can(d, Role.HANDLER) for d in [report.department, *report.helper_departments] if d)
    )


def viewer(report):
    """'staff', 'owner' or 'public'; a 404 when this person may not see the report at all."""
    if is_staff_for(report):
        return "staff"
    owner = current_user.is_authenticated and report.reporter_id == current_user.id
    if owner or is_tracker(report):
        return "owner"
    if report.is_public:
        return "public"
    abort(404)


def openable_by(user):
    """The cases `user` may open (viewer() gives them no 404), as one condition on Report, for
    lists built elsewhere (a figure's cases): public ones, their own, and those is_staff_for
    gives them, the same rule in SQL."""
    places = grant_places(user.grants_for(Role.DISPATCHER, Role.GRID_WORKER, Role.ADMIN))
    if places is None:
        return true()
    handler_grants = user.grants_for(Role.HANDLER)
    grids = (
        select(Grid.id)
        .join(Community, Community.id == Grid.community_id)
        .where(or_(false(), *(GRID_PLACES[kind].in_(ids) for kind, ids in places.items())))
    )
    public = select(Category.id).where(Category.sensitive.is_(False))
    held = [
        Report.category_id.in_(public),
        Report.reporter_id == user.id,
        Report.assignee_id == user.id,
        Report.grid_id.in_(grids),
    ]
    if handler_grants:
        departments = select(Department.id)
        if not any(g.everywhere for g in handler_grants):
            departments = departments.where(
                or_(
                    Department.id.in_([g.department_id for g in handler_grants if g.department_id]),
                    Department.street_id.in_([g.street_id for g in handler_grants if g.street_id]),
                )
            )
        helped = select(report_helper.c.report_id).where(
            report_helper.c.department_id.in_(departments)
        )
        held += [Report.department_id.in_(departments), Report.id.in_(helped)]
    return or_(*held)


# Where a grant's place (lists.grant_places) shows on a grid.
GRID_PLACES = {
    "in_street_id": Community.street_id,
    "in_community_id": Grid.community_id,
    "in_grid_id": Grid.id,
}


@cache
def case_select():
    """A case by its ref, with what deciding who is looking needs: its place, category and
    department in the same statement, its helpers in one more. (The page's timeline and photos
    are one statement each when it is drawn, and never read for a 304.) Built once, on first
    use: its loader options need every model mapped."""
    return (
        select(Report)
        .options(
            joinedload(Report.grid).joinedload(Grid.community),
            joinedload(Report.category),
            joinedload(Report.department),
            selectinload(Report.helper_departments),
        )
        .where(Report.ref == bindparam("ref"))
    )


def report_or_404(ref):
    report = db.session.scalar(case_select(), {"ref": ref})
    if report is None:
        abort(404)
    return report


# A case's photos (how many, how many shown to the public) and its newest event: built once.
CASE_STAMP = select(
    func.count(ReportPhoto.id),
    func.count(ReportPhoto.id).filter(ReportPhoto.fit_for_public),
    select(func.max(ReportEvent.id))
    .where(ReportEvent.report_id == bindparam("report_id"))
    .scalar_subquery(),
).where(ReportPhoto.report_id == bindparam("report_id"))


def case_version(report):
    """What changes when the case page may have, for anyone: the row's version (every step and
    edit), its "me too" count (counted in SQL without a version), its newest event, and its
    photos. One statement; names, categories and the staff to choose from are left to the
    page's minute (see responses.unchanged_since)."""
    shown = db.session.execute(CASE_STAMP, {"report_id": report.id}).one()
    return (report.id, report.version, report.metoo_count, *shown)


def held_grants():
    """The roles and places of the person looking: what they may see and do on a case."""
    if not current_user.is_authenticated:
        return ()
    return tuple(
        (g.id, g.role, g.street_id, g.community_id, g.grid_id, g.department_id)
        for g in current_user.grants
    )

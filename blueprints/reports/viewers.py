"""Who is looking at a case: its staff, its reporter (signed in, or this phone tracking it), or
the public; and the cases this phone tracks."""

from flask import abort, session
from flask_login import current_user

from blueprints.access import can
from blueprints.auth.models import Role
from blueprints.reports import refs


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


def report_or_404(ref):
    report = refs.find_report(ref)
    if report is None:
        abort(404)
    return report

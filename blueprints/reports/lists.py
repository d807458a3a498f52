"""The staff's lists: the command centre's queue, each person's tasks, a resident's own reports."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.orm import joinedload

from blueprints.auth.models import Role
from blueprints.places.models import Community, Grid
from blueprints.reports.models import (
    OPEN_STATES,
    PhoneReveal,
    Report,
    ReportState,
)
from blueprints.timeutil import utcnow
from extensions import db

# ---- lists -------------------------------------------------------------------------------

PAGE = 30
REVEALS_SHOWN = 200
# What a list row shows, loaded with the rows rather than one query each.
LIST_LOADS = (
    joinedload(Report.category),
    joinedload(Report.grid).joinedload(Grid.community),
)


def dispatcher_queue(
    user, state=None, grid_id=None, category_id=None, urgency=None, overdue=False, after=None
):
    """Open cases in the user's places, soonest deadline first; keyset-paginated by (deadline, id)."""
    grants = user.grants_for(Role.DISPATCHER, Role.ADMIN)
    query = select(Report).join(Grid).join(Community).where(place_filter(grants))
    if state:
        query = query.where(Report.state == state)
    else:
        query = query.where(Report.state.in_(OPEN_STATES))
    if grid_id:
        query = query.where(Report.grid_id == grid_id)
    if category_id:
        query = query.where(Report.category_id == category_id)
    if urgency:
        query = query.where(Report.urgency == urgency)
    if overdue:
        query = query.where(Report.deadline_at < utcnow())
    if after:
        query = query.where(tuple_(Report.deadline_at, Report.id) > tuple_(*after))
    query = query.options(*LIST_LOADS).order_by(Report.deadline_at, Report.id).limit(PAGE + 1)
    return db.session.scalars(query).all()


def place_filter(grants):
    clauses = []
    for g in grants:
        if g.place is None:
            return True
        if g.street_id:
            clauses.append(Community.street_id == g.street_id)
        elif g.community_id:
            clauses.append(Grid.community_id == g.community_id)
        elif g.grid_id:
            clauses.append(Report.grid_id == g.grid_id)
    return or_(*clauses) if clauses else False


def my_tasks(user):
    """Cases sent to me or my department, and handled cases in my grids waiting for verification."""
    departments = [g.department_id for g in user.grants_for(Role.HANDLER) if g.department_id]
    grids = [g.grid_id for g in user.grants_for(Role.GRID_WORKER) if g.grid_id]
    working = (ReportState.DISPATCHED, ReportState.SIGNED, ReportState.IN_PROGRESS)
    mine = [and_(Report.assignee_id == user.id, Report.state.in_(working))]
    if departments:
        mine.append(and_(Report.department_id.in_(departments), Report.state.in_(working)))
    if grids:
        # Checked by another worker: a case one handled oneself is not one's to verify.
        someone_else = or_(Report.assignee_id.is_(None), Report.assignee_id != user.id)
        mine.append(
            and_(Report.grid_id.in_(grids), Report.state == ReportState.HANDLED, someone_else)
        )
    return db.session.scalars(
        select(Report)
        .where(or_(*mine))
        .options(*LIST_LOADS)
        .order_by(Report.deadline_at, Report.id)
        .limit(100)
    ).all()


# A person's tasks by what to do next.
TASK_GROUPS = (
    ("sign", _l("待签收"), (ReportState.DISPATCHED,)),
    ("work", _l("处置中"), (ReportState.SIGNED, ReportState.IN_PROGRESS)),
    ("verify", _l("待核查"), (ReportState.HANDLED,)),
)


def grouped_tasks(rows):
    """[(code, heading, rows)] in TASK_GROUPS order, soonest deadline first in each."""
    return [
        (code, label, [r for r in rows if r.state in states]) for code, label, states in TASK_GROUPS
    ]


def my_reports(user):
    return db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.id.desc()).limit(50)
    ).all()


def phone_reveals():
    """The newest entries of the log of who saw a reporter's phone number."""
    return db.session.scalars(
        select(PhoneReveal).order_by(PhoneReveal.id.desc()).limit(REVEALS_SHOWN)
    ).all()

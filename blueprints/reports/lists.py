"""The staff's lists: the command centre's queue, each person's tasks, a resident's own reports."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal_column, or_, select, tuple_, union

from blueprints.auth.models import Role
from blueprints.places.models import Community, Grid
from blueprints.reports.models import (
    OPEN_STATES,
    Category,
    MeToo,
    PhoneReveal,
    Report,
    ReportEvent,
    ReportState,
    open_case,
)
from blueprints.timeutil import utcnow
from extensions import db

# What changes when any list row may have: the newest case, step and "me too" (three reads of
# a primary key's last entry). Built once, as it is asked on every poll.
NEWEST = select(*(select(func.max(t.id)).scalar_subquery() for t in (Report, ReportEvent, MeToo)))


def lists_version():
    return tuple(db.session.execute(NEWEST).one())


# ---- lists -------------------------------------------------------------------------------

PAGE = 30
REVEALS_SHOWN = 200


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One case in a staff list: only what its row shows, read as plain columns. A list page
    makes no ORM objects, so a row costs a tuple, not an instance with its state tracking."""

    id: int
    ref: str
    state: str
    urgency: str
    deadline_at: datetime | None
    supervised: bool
    metoo_count: int
    description: str
    address: str
    icon: str
    name_zh: str
    name_en: str
    community: str
    grid_name: str

    @property
    def grouped_ref(self):
        return " ".join(self.ref[i : i + 4] for i in range(0, len(self.ref), 4))

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def first_line(self):
        return self.description.splitlines()[0] if self.description else ""

    @property
    def grid(self):
        return f"{self.community} · {self.grid_name}"


ROW_COLUMNS = (
    Report.id,
    Report.ref,
    Report.state,
    Report.urgency,
    Report.deadline_at,
    Report.supervised,
    Report.metoo_count,
    Report.description,
    Report.address,
    Category.icon,
    Category.name_zh,
    Category.name_en,
    Community.name,
    Grid.name,
)


def case_rows(query):
    """The CaseRows of a select() of ROW_COLUMNS."""
    return [CaseRow(*row) for row in db.session.execute(query)]


def dispatcher_queue(
    user, state=None, grid_id=None, category_id=None, urgency=None, overdue=False, after=None
):
    """Open cases in the user's places, soonest deadline first; keyset-paginated by (deadline, id)."""
    grants = user.grants_for(Role.DISPATCHER, Role.ADMIN)
    # Joined on an expression (+ 0) that no index serves: the database cannot start from the
    # place's grids and read their every case, closed ones included, to sort them. It walks the
    # open cases in deadline order instead and stops at the page, however long the history.
    query = (
        select(*ROW_COLUMNS)
        .select_from(Report)
        .join(Grid, Grid.id == Report.grid_id + literal_column("0"))
        .join(Community, Community.id == Grid.community_id)
        .join(Category, Category.id == Report.category_id)
        .where(place_filter(grants))
    )
    query = query.where(Report.state == state if state else open_case())
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
    return case_rows(query.order_by(Report.deadline_at, Report.id).limit(PAGE + 1))


def place_filter(grants):
    clauses = []
    for g in grants:
        if g.everywhere:
            return True
        if g.street_id:
            clauses.append(Community.street_id == g.street_id)
        elif g.community_id:
            clauses.append(Grid.community_id == g.community_id)
        elif g.grid_id:
            clauses.append(Report.grid_id == g.grid_id)
    return or_(*clauses) if clauses else False


TASKS_PAGE = 100


def my_tasks(user, after=None):
    """Cases sent to me or my department, and handled cases in my grids waiting for verification,
    soonest deadline first; keyset-paginated by (deadline, id), TASKS_PAGE + 1 rows to tell
    whether there is more.

    One query per source, each read from its own index in deadline order and cut at the page,
    then merged: an OR of the three would read every row of all three to sort them."""
    departments = [g.department_id for g in user.grants_for(Role.HANDLER) if g.department_id]
    grids = [g.grid_id for g in user.grants_for(Role.GRID_WORKER) if g.grid_id]
    working = (ReportState.DISPATCHED, ReportState.SIGNED, ReportState.IN_PROGRESS)
    sources = [and_(Report.assignee_id == user.id, Report.state.in_(working))]
    if departments:
        sources.append(and_(Report.department_id.in_(departments), Report.state.in_(working)))
    if grids:
        # Checked by another worker: a case one handled oneself is not one's to verify.
        someone_else = or_(Report.assignee_id.is_(None), Report.assignee_id != user.id)
        sources.append(
            and_(Report.grid_id.in_(grids), Report.state == ReportState.HANDLED, someone_else)
        )
    order = (Report.deadline_at, Report.id)
    parts = []
    for where in sources:
        part = select(Report.id).where(where)
        if after:
            part = part.where(tuple_(*order) > tuple_(*after))
        # Wrapped: SQLite allows no ORDER BY or LIMIT on a member of a UNION itself.
        parts.append(select(part.order_by(*order).limit(TASKS_PAGE + 1).subquery()))
    ids = union(*parts).subquery()
    return case_rows(
        select(*ROW_COLUMNS)
        .select_from(Report)
        .join(ids, Report.id == ids.c.id)
        .join(Grid, Grid.id == Report.grid_id)
        .join(Community, Community.id == Grid.community_id)
        .join(Category, Category.id == Report.category_id)
        .order_by(*order)
        .limit(TASKS_PAGE + 1)
    )


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

"""The staff's lists: the command centre's queue, each person's tasks, a resident's own reports."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    and_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union,
)

from blueprints.core.roles import Role
from blueprints.places.models import Community, Grid, grid_label
from blueprints.reports.models import (
    OPEN_STATES,
    Category,
    MeToo,
    PhoneReveal,
    Report,
    ReportEvent,
    ReportState,
    grouped_code,
    open_case,
)
from blueprints.util.times import utcnow
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
        return grouped_code(self.ref)

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def first_line(self):
        return self.description.splitlines()[0] if self.description else ""

    @property
    def grid(self):
        return grid_label(self.community, self.grid_name)


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


def case_rows(query, given=None):
    """The CaseRows of a select() of ROW_COLUMNS."""
    return [CaseRow(*row) for row in db.session.execute(query, given)]


def dispatcher_queue(
    user, state=None, grid_id=None, category_id=None, urgency=None, overdue=False, after=None
):
    """Open cases in the user's places, soonest deadline first; keyset-paginated by (deadline, id)."""
    places = grant_places(user.grants_for(Role.DISPATCHER, Role.ADMIN))
    after_deadline, after_id = after or (None, None)
    given = {
        "state": state,
        "grid_id": grid_id,
        "category_id": category_id,
        "urgency": urgency,
        "now": utcnow() if overdue else None,
        "after_deadline": after_deadline,
        "after_id": after_id,
        **(places or {}),
    }
    given = {name: value for name, value in given.items() if value}
    shape = (places is None, tuple(places or ()), tuple(sorted(given)))
    return case_rows(queue_select(*shape), given)


# Where a grant's place shows in a queue row: a street through the case's community, and so on.
PLACE_COLUMNS = {
    "street_id": Community.street_id,
    "community_id": Grid.community_id,
    "grid_id": Report.grid_id,
}


def grant_places(grants):
    """{"street_id": [ids], ...} of the places these grants hold, or None for everywhere."""
    places = {}
    for g in grants:
        if g.everywhere:
            return None
        kind = next((k for k in PLACE_COLUMNS if getattr(g, k)), None)
        if kind:
            places.setdefault("in_" + kind, []).append(getattr(g, kind))
    return places


@cache
def queue_select(everywhere, place_kinds, names):
    """The queue's select for one shape of question (whose places, which filters), built once
    and asked again with new values: putting it together cost a third of running it."""
    # Joined on an expression (+ 0) that no index serves: the database cannot start from the
    # place's grids and read their every case, closed ones included, to sort them. It walks the
    # open cases in deadline order instead and stops at the page, however long the history.
    query = (
        select(*ROW_COLUMNS)
        .select_from(Report)
        .join(Grid, Grid.id == Report.grid_id + literal_column("0"))
        .join(Community, Community.id == Grid.community_id)
        .join(Category, Category.id == Report.category_id)
    )
    if not everywhere:
        held = [
            PLACE_COLUMNS[kind[len("in_") :]].in_(bindparam(kind, expanding=True))
            for kind in place_kinds
        ]
        query = query.where(or_(*held) if held else false())
    query = query.where(Report.state == bindparam("state") if "state" in names else open_case())
    for name in ("grid_id", "category_id", "urgency"):
        if name in names:
            query = query.where(getattr(Report, name) == bindparam(name))
    if "now" in names:
        query = query.where(Report.deadline_at < bindparam("now"))
    if "after_id" in names:
        after = tuple_(bindparam("after_deadline"), bindparam("after_id"))
        query = query.where(tuple_(Report.deadline_at, Report.id) > after)
    return query.order_by(Report.deadline_at, Report.id).limit(PAGE + 1)


TASKS_PAGE = 100


def my_tasks(user, after=None):
    """Cases sent to me or my department, and handled cases in my grids waiting for verification,
    soonest deadline first; keyset-paginated by (deadline, id), TASKS_PAGE + 1 rows to tell
    whether there is more."""
    departments = [g.department_id for g in user.grants_for(Role.HANDLER) if g.department_id]
    grids = [g.grid_id for g in user.grants_for(Role.GRID_WORKER) if g.grid_id]
    after_deadline, after_id = after or (None, None)
    given = {
        "me": user.id,
        "departments": departments,
        "after_deadline": after_deadline,
        "after_id": after_id,
    }
    given = {name: value for name, value in given.items() if value}
    given.update((f"grid_{n}", grid) for n, grid in enumerate(grids))
    return case_rows(tasks_select(bool(departments), len(grids), after is not None), given)


@cache
def tasks_select(departments, grids, after):
    """The task list's select for one shape (whether the person holds departments, how many
    grids, and which page), built once. One query per source, each read from its own index in
    deadline order and cut at the page, then merged: an OR of the three would read every row of
    all three to sort them."""
    me = bindparam("me")
    # One part per state: an index on (who, state, deadline) gives each part in deadline order,
    # where `state IN` three states would read all of a person's working cases to sort them.
    working = (ReportState.DISPATCHED, ReportState.SIGNED, ReportState.IN_PROGRESS)
    sources = [and_(Report.assignee_id == me, Report.state == state) for state in working]
    if departments:
        held = Report.department_id.in_(bindparam("departments", expanding=True))
        sources += [and_(held, Report.state == state) for state in working]
    # Handled cases to verify, one part per grid: `grid_id IN` several grids would have SQLite
    # walk every grid's handled cases in deadline order (ix_report_queue) to find a page of
    # this person's. Checked by another worker: a case one handled oneself is not one's to verify.
    someone_else = or_(Report.assignee_id.is_(None), Report.assignee_id != me)
    handled = Report.state == ReportState.HANDLED
    sources += [
        and_(Report.grid_id == bindparam(f"grid_{n}"), handled, someone_else) for n in range(grids)
    ]
    order = (Report.deadline_at, Report.id)
    parts = []
    for where in sources:
        part = select(*order).where(where)
        if after:
            part = part.where(
                tuple_(*order) > tuple_(bindparam("after_deadline"), bindparam("after_id"))
            )
        # Wrapped: SQLite allows no ORDER BY or LIMIT on a member of a UNION itself.
        parts.append(select(part.order_by(*order).limit(TASKS_PAGE + 1).subquery()))
    # The page is cut from the parts' keys, which their indexes hold, before any case's row is
    # read: joined first, every part's rows were read (up to 101 each), most to be dropped.
    merged = union(*parts).subquery()
    ids = (
        select(merged.c.id)
        .order_by(merged.c.deadline_at, merged.c.id)
        .limit(TASKS_PAGE + 1)
        .subquery()
    )
    return (
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

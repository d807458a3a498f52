"""Reading one case's facts from its row and its timeline, and keeping CaseFigure current.

Only cases that changed since their facts were read (or whose deadline has passed since) are
read again, in batches: the tick does this every minute, so a page only ever aggregates."""

import json
from datetime import timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import joinedload, selectinload

from blueprints.core.workflow import claim, due_after
from blueprints.figures.models import CaseFigure
from blueprints.figures.rollup import recompute, touched
from blueprints.places.models import Grid
from blueprints.reports.models import OPEN_STATES, Report, ReportState
from blueprints.util.times import local, utcnow
from extensions import db

BATCH = 500
RATED = ("satisfied", "basic", "unsatisfied")
NOT_COUNTED = (ReportState.WITHDRAWN, ReportState.MERGED)


def first(events, actions, after=None):
    for e in events:
        if e.action in actions and (after is None or e.id > after.id):
            return e
    return None


def last_before(events, actions, before):
    found = None
    for e in events:
        if before is not None and e.id >= before.id:
            break
        if e.action in actions:
            found = e
    return found


def seconds(start, end):
    if start is None or end is None:
        return None
    return max(0, int((end.at - start.at).total_seconds()))


def handle_deadline(report, signed, events, handled):
    """The handling deadline the case ran under: from the sign-for that started the clock, in
    the category's hours or working days (halved when urgent), plus the extensions approved."""
    category = report.category
    urgent = report.urgency == "urgent"
    if category.handle_workdays:
        days = max(1, category.handle_workdays // 2) if urgent else category.handle_workdays
        due = due_after(signed.at, workdays=days)
    else:
        hours = max(1, category.hours_handle // 2) if urgent else category.hours_handle
        due = due_after(signed.at, hours=hours)
    for e in events:
        between = e.id > signed.id and (handled is None or e.id < handled.id)
        if between and e.action == "approve_extension":
            due += timedelta(hours=int(json.loads(e.detail_params or "{}").get("h", 0)))
    return due


class Submitted:
    """The moment a case came in (its row's created_at), shaped like an event."""

    id = 0

    def __init__(self, at):
        self.at = at


def case_facts(report, now):
    """The CaseFigure of one report, its events loaded (rates.py says what each column means)."""
    events = report.events
    came = Submitted(report.created_at)
    counted = report.state not in NOT_COUNTED
    response = first(events, ("accept", "return"))
    handled = first(events, ("handle",))
    signed = last_before(events, ("sign",), handled)
    handed = last_before(events, ("dispatch", "transfer"), signed) if signed else None
    verified = first(events, ("verify",), after=handled) if handled else None
    due = handle_deadline(report, signed, events, handled) if signed else None
    rating = report.rating
    asked_again = any(e.action == "rate" and e.to_state == ReportState.REOPENED for e in events)
    rated = rating in RATED or asked_again
    is_open = report.state in OPEN_STATES
    day = local(report.created_at).date()
    accept_hours = report.category.hours_accept
    return CaseFigure(
        report_id=report.id,
        street_id=report.grid.community.street_id,
        community_id=report.grid.community_id,
        grid_id=report.grid_id,
        department_id=report.department_id,
        worker_id=report.assignee_id,
        category_id=report.category_id,
        sensitive=int(report.category.sensitive),
        state=report.state,
        submitted_at=report.created_at,
        day=day,
        week=day - timedelta(days=day.weekday()),
        month=day.replace(day=1),
        counted=int(counted),
        responded_on_time=int(
            counted
            and response is not None
            and response.at <= report.created_at + timedelta(hours=accept_hours)
        ),
        accepted=int(counted and any(e.action == "accept" for e in events)),
        handled=int(counted and handled is not None),
        handle_due=int(counted and (handled is not None or (due is not None and due < now))),
        handled_on_time=int(
            counted and handled is not None and due is not None and handled.at <= due
        ),
        overdue_open=int(is_open and report.deadline_at is not None and report.deadline_at < now),
        rated=int(rated),
        satisfied=int(rating in ("satisfied", "basic")),
        reopened=int(any(e.to_state == ReportState.REOPENED for e in events)),
        closed_unsatisfied=int(report.state == ReportState.CLOSED and rating == "unsatisfied"),
        closed_no_answer=int(report.state == ReportState.CLOSED and rating == "no_response"),
        accept_seconds=seconds(came, response),
        sign_seconds=seconds(handed, signed),
        handle_seconds=seconds(signed, handled),
        verify_seconds=seconds(handled, verified),
        due_at=report.deadline_at if is_open else None,
        handle_due_at=due if handled is None else None,
        computed_at=now,
    )


def stale_ids(now, after_id, limit):
    """Cases with no facts yet, changed since, or whose deadline has passed since, claimed."""
    query = (
        select(Report.id)
        .outerjoin(CaseFigure, CaseFigure.report_id == Report.id)
        .where(
            Report.id > after_id,
            or_(
                CaseFigure.report_id.is_(None),
                Report.updated_at > CaseFigure.computed_at,
                and_(CaseFigure.due_at < now, CaseFigure.overdue_open == 0),
                and_(CaseFigure.handle_due_at < now, CaseFigure.handle_due == 0),
            ),
        )
        .order_by(Report.id)
        .limit(limit)
    )
    return db.session.scalars(claim(query, Report)).all()


def refresh_facts(now=None, batch=BATCH):
    """Read again the facts of every case that needs it, and recompute the roll-ups of the days
    they counted in and count in now; returns how many. Safe to run twice: a second run finds
    nothing to do."""
    now = now or utcnow()
    done, after = 0, 0
    while ids := stale_ids(now, after, batch):
        reports = db.session.scalars(
            select(Report)
            .where(Report.id.in_(ids))
            .options(
                selectinload(Report.events),
                joinedload(Report.category),
                joinedload(Report.grid).joinedload(Grid.community),
            )
        ).unique()
        rows = [case_facts(r, now) for r in reports]
        days = touched(ids)
        db.session.execute(delete(CaseFigure).where(CaseFigure.report_id.in_(ids)))
        db.session.add_all(rows)
        db.session.flush()
        recompute(days | {(row.street_id, row.day) for row in rows})
        db.session.commit()
        done += len(rows)
        after = ids[-1]
    return done

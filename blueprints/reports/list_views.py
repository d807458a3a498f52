"""Lists: a resident's own reports, the command centre's queue, each person's tasks, the reveal log."""

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.access import SIGNED_IN, allow
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.places.services import grid_options
from blueprints.reports import claims, intake, lists
from blueprints.reports.blueprint import bp
from blueprints.reports.models import (
    STATES,
    URGENCIES,
    Report,
)
from blueprints.web import responses
from blueprints.web.htmx import render
from blueprints.web.inputs import parse_int
from blueprints.web.pages import Keyset
from extensions import limiter


@bp.route("/mine")
@allow(SIGNED_IN)
def mine():
    return render("reports/mine.html", reports=lists.my_reports(current_user))


@bp.route("/claim", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("30/hour", methods=["POST"])
def claim():
    """One report at a time, filed with this person's verified phone before they had an
    account: "this is mine" takes it into 我反映的问题, "not mine" offers the next one."""
    declined = session.get("claims_declined", [])
    if request.method == "POST":
        mine = request.form.get("answer") == "mine"
        try:
            report = claims.answer_claim(
                current_user, parse_int(request.form.get("report")), mine, declined
            )
        except Refused as e:
            flash(str(e), "error")
        else:
            if mine:
                flash(_("已放进“我反映的问题”：%(ref)s", ref=report.grouped_ref), "success")
            else:
                session["claims_declined"] = [*declined, report.id][-50:]
        return redirect(url_for("reports.claim"), 303)
    return render(
        "reports/claim.html",
        offered=claims.next_claim(current_user, declined),
        verified=current_user.phone_verified_at is not None,
    )


# ---- staff: the dispatcher's queue, my tasks, the reveal log ----------------------------


QUEUE_FILTERS = ("state", "grid", "category", "urgency", "overdue")


@bp.route("/queue")
@allow(Role.DISPATCHER, Role.ADMIN)
def queue():
    unchanged = responses.unchanged_since(*lists.lists_version())
    if unchanged:
        return unchanged
    args = request.args
    after = PAGES.read(args)
    filters = {
        "state": args.get("state") if args.get("state") in STATES else None,
        "grid_id": args.get("grid", type=int),
        "category_id": args.get("category", type=int),
        "urgency": args.get("urgency") if args.get("urgency") in URGENCIES else None,
        "overdue": args.get("overdue") == "1",
    }
    rows = lists.dispatcher_queue(current_user, after=after, **filters)
    more = len(rows) > lists.PAGE
    rows = rows[: lists.PAGE]
    kept = {name: args.get(name) for name in QUEUE_FILTERS}
    return render(
        "reports/queue.html",
        block="rows",
        rows=rows,
        links=PAGES.links("reports.queue", rows, has_next(rows, more), after, **kept),
        filters=filters,
        urgencies=URGENCIES,
        grids=grid_options(),
        categories=intake.category_options(),
    )


@bp.route("/tasks")
@allow(Role.GRID_WORKER, Role.HANDLER)
def tasks():
    unchanged = responses.unchanged_since(*lists.lists_version())
    if unchanged:
        return unchanged
    after = PAGES.read(request.args)
    rows = lists.my_tasks(current_user, after=after)
    more = len(rows) > lists.TASKS_PAGE
    rows = rows[: lists.TASKS_PAGE]
    links = PAGES.links("reports.tasks", rows, has_next(rows, more), after)
    return render("reports/tasks.html", rows=rows, groups=lists.grouped_tasks(rows), links=links)


# The queue's and the task list's pages: ?after=2026-12-01T08:00:00_42, the (deadline, id) of
# the page before's last case.
PAGES = Keyset(Report.deadline_at, Report.id)


def has_next(rows, more):
    """A next page can start only after a case with a deadline (open cases all have one)."""
    return more and rows[-1].deadline_at is not None


@bp.route("/reveals")
@allow(Role.ADMIN)
def reveals():
    return render("reports/reveals.html", rows=lists.phone_reveals())

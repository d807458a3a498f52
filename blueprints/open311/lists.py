"""The Open311 lists, in keyset pages: GET requests (newest first, by created_at then id) and GET
servicerequestupdates (oldest first, by time then id: the order of the ids as events are written,
and one an index on the time can give, where the ids alone would make a window of time a scan).

A page ends with an opaque cursor to the next one, which the route sends as an RFC 8288
`Link: <…?after=…>; rel="next"` header (the bodies stay the spec's bare array or element list).
The cursor is signed with SECRET_KEY, so a client cannot forge or garble one into another query:
it carries the filters the first page was asked with, the date window they came to (a window
that ends "now" would move between pages), and the key of the last row sent. Each page reads
the index in that order from the key on and stops after one row more than the page."""

from datetime import datetime

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select, tuple_
from sqlalchemy.orm import contains_eager, selectinload

from blueprints.open311.formats import stamp
from blueprints.open311.services import (
    MAX_RESULTS,
    ApiError,
    date_window,
    public_reports,
    status_of,
)
from blueprints.reports.models import (
    OPEN_STATES,
    Category,
    Report,
    ReportEvent,
    ReportState,
    resident_words,
)
from blueprints.web.inputs import parse_int
from extensions import db

# GeoReport v2 leaves the number of results to the implementer. 100 by default: a 12345
# platform polling every minute gets a minute's reports in one page many times over, and a
# page stays about 60 KB of JSON, seconds on a weak link. A client that wants fewer round trips
# asks for up to 1000 a page, the cap the list had before it was paged.
PAGE_SIZE = 100
MAX_PAGE_SIZE = MAX_RESULTS

REQUEST_FILTERS = ("start_date", "end_date", "status", "service_code")
UPDATE_FILTERS = ("start_date", "end_date")


def page_size(args):
    given = args.get("page_size")
    if given is None:
        return PAGE_SIZE
    size = parse_int(given)
    if size is None or not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(400, f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}")
    return size


def signer(kind):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"open311-{kind}-after")


def make_cursor(kind, filters, window, key):
    start, end = window
    return signer(kind).dumps({"f": filters, "w": [start.isoformat(), end.isoformat()], "k": key})


def continued(args, kind, names, read_key):
    """(filters, (start, end), key): the query a page belongs to, and the key of the last row
    the page before it sent (None on the first page), as read_key() reads it."""
    if not args.get("after"):
        filters = {name: args[name] for name in names if name in args}
        return filters, date_window(filters), None
    try:
        saved = signer(kind).loads(args["after"])
        filters = {name: saved["f"][name] for name in names if name in saved["f"]}
        window = tuple(datetime.fromisoformat(w) for w in saved["w"])
        key = read_key(saved["k"])
    except (BadData, KeyError, TypeError, ValueError):
        raise ApiError(400, "after is not a cursor this server gave") from None
    for name in names:
        if args.get(name) not in (None, filters.get(name)):
            raise ApiError(400, f"{name} differs from the query the after cursor continues")
    return filters, window, key


def find_requests(args):
    """(reports, cursor to the next page or None). Ids name their reports outright (the spec:
    they override the other arguments), all of them at once, up to MAX_RESULTS."""
    ids = [i.strip() for i in args.get("service_request_id", "").split(",") if i.strip()]
    size = page_size(args)
    filters, window, key = continued(args, "requests", REQUEST_FILTERS, time_and_id)
    # Grids, their places and departments are few: each is read once and then found in the
    # session; a report's photos are many, so they come in one statement for the page.
    query = (
        public_reports()
        .options(contains_eager(Report.category), selectinload(Report.photos))
        .where(*request_filters(filters))
    )
    if ids:
        query = query.where(Report.ref.in_(ids[:MAX_RESULTS]))
        return reports_of(query.limit(MAX_RESULTS)), None
    start, end = window
    # From the cursor's time down: the bound SQLite seeks with, and the row comparison that
    # PostgreSQL seeks with on (created_at, id).
    query = query.where(Report.created_at >= start, Report.created_at <= (key[0] if key else end))
    if key:
        query = query.where(tuple_(Report.created_at, Report.id) < tuple_(*key))
    rows = reports_of(query.limit(size + 1))
    return cut(rows, size, "requests", filters, window, lambda report: report.created_at)


def cut(rows, size, kind, filters, window, moment):
    """A page of `rows` (read one past the page), and the cursor to the next page, which
    starts after the last row's (moment, id); None when there is none."""
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = rows[-1]
    return rows, make_cursor(kind, filters, window, [moment(last).isoformat(), last.id])


def time_and_id(saved):
    """A row's key as a cursor holds it: [ISO time, id]."""
    moment, row_id = saved
    if not isinstance(row_id, int):
        raise TypeError(row_id)
    return datetime.fromisoformat(moment), row_id


def reports_of(query):
    return db.session.scalars(query.order_by(Report.created_at.desc(), Report.id.desc())).all()


def request_filters(filters):
    clauses = []
    if filters.get("service_code"):
        clauses.append(Category.code.in_(filters["service_code"].split(",")))
    status = filters.get("status")
    if status:
        wanted = set(status.split(","))
        if not wanted <= {"open", ReportState.CLOSED}:
            raise ApiError(400, "status must be open or closed")
        if wanted == {"open"}:
            clauses.append(Report.state.in_(OPEN_STATES))
        elif wanted == {ReportState.CLOSED}:
            clauses.append(Report.state.not_in(OPEN_STATES))
    return clauses


def find_updates(args):
    """(updates, cursor to the next page or None), oldest first."""
    size = page_size(args)
    filters, (start, end), key = continued(args, "updates", UPDATE_FILTERS, time_and_id)
    query = (
        select(ReportEvent)
        .join(Report)
        .join(Category)
        .options(contains_eager(ReportEvent.report))
        .where(
            Category.sensitive.is_(False),
            ReportEvent.public.is_(True),
            ReportEvent.at >= (key[0] if key else start),
            ReportEvent.at <= end,
        )
    )
    if key:
        query = query.where(tuple_(ReportEvent.at, ReportEvent.id) > tuple_(*key))
    order = (ReportEvent.at, ReportEvent.id)
    events = db.session.scalars(query.order_by(*order).limit(size + 1)).all()
    events, cursor = cut(events, size, "updates", filters, (start, end), lambda event: event.at)
    return [update_json(e) for e in events], cursor


def update_json(event):
    return {
        "update_id": str(event.id),
        "service_request_id": event.report.ref,
        "status": status_of(event.to_state or event.report.state),
        "updated_datetime": stamp(event.at),
        "description": resident_words(event.to_state, event.report) if event.to_state else "",
        "media_url": None,
    }

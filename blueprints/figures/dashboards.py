"""What a dashboard shows for one place: its figures and the street's for the period, the
trends by week and month, its breakdown, and (for streets and communities) organization
filings and volunteer hours. Every number is a sum over the daily roll-up (CaseFigureDay) or a
GROUP BY; nothing here reads a report row or a case's facts."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from blueprints.figures import rates
from blueprints.figures.models import CaseFigureDay as R
from blueprints.figures.scopes import kind_of, street_of
from blueprints.orgs.models import REVIEW_STATES, Filing, FilingEvent
from blueprints.places.models import Community, Department, Grid
from blueprints.reports.models import Category
from blueprints.util.times import LOCAL, local, utcnow
from blueprints.volunteers.models import HoursRecord
from extensions import db

WEEKS = 12
MONTHS = 12


def place_filter(place, model=R):
    """The condition for a place, on the roll-up (or on `model`, e.g. CaseFigure)."""
    return (getattr(model, f"{kind_of(place)}_id") == place.id,)


def today():
    return local(utcnow()).date()


def trend(place, step):
    """Rates per week (step "week") or month of the last 12, for the place and its street:
    [(first day, place Totals, street Totals)]."""
    end = today()
    if step == "week":
        first = end - timedelta(days=end.weekday()) - timedelta(weeks=WEEKS - 1)
        starts = [first + timedelta(weeks=i) for i in range(WEEKS)]
        column = R.week
    else:
        starts, month = [], end.replace(day=1)
        for _ in range(MONTHS):
            starts.insert(0, month)
            month = (month - timedelta(days=1)).replace(day=1)
        first = starts[0]
        column = R.month
    within = (R.day >= first, R.day <= end)
    street = street_of(place)
    mine = rates.by(column, *within, *place_filter(place))
    theirs = mine if place is street else rates.by(column, *within, R.street_id == street.id)
    empty = rates.Totals()
    return [(s, mine.get(s, empty), theirs.get(s, empty)) for s in starts]


def names(model, ids):
    if not ids:
        return {}
    rows = db.session.scalars(select(model).where(model.id.in_([i for i in ids if i]))).all()
    return {row.id: row for row in rows}


BREAKDOWNS = {
    "street": ("community", "grid", "department", "category"),
    "community": ("grid", "category"),
    "grid": ("category",),
    "department": ("category",),
}
MODELS = {"community": Community, "grid": Grid, "department": Department, "category": Category}


def breakdowns(place, period):
    """[(level, [(the group, Totals)])] of the place's cases split by each of its BREAKDOWNS
    levels, the worst on-time rate first."""
    levels = BREAKDOWNS[kind_of(place)]
    found = rates.by_each(levels, *period.where(), *place_filter(place))

    def worst_first(row):
        value = row[1].rate("on_time")
        return (value is None, value if value is not None else 0, -row[1]["overdue_open"])

    split = []
    for level in levels:
        groups = found[level]
        named = names(MODELS[level], list(groups))
        rows = [(named[key], figures) for key, figures in groups.items() if key in named]
        split.append((level, sorted(rows, key=worst_first)))
    return split


def filings(place, period):
    """Organization filings of a street or community: how many in each state, how many reviews
    are past their 7 working days, and the median days from sending to the street's decision
    for applications decided in the period."""
    if isinstance(place, Community):
        where = (Filing.community_id == place.id,)
    else:
        where = (
            Filing.community_id.in_(select(Community.id).where(Community.street_id == place.id)),
        )
    by_state = dict(
        db.session.execute(
            select(Filing.state, func.count()).where(*where).group_by(Filing.state)
        ).all()
    )
    overdue = db.session.scalar(
        select(func.count()).where(
            *where, Filing.state.in_(REVIEW_STATES), Filing.deadline_at < utcnow()
        )
    )
    start = local_start(period.start)
    end = local_start(period.end + timedelta(days=1))
    decided = dict(
        db.session.execute(
            select(FilingEvent.filing_id, func.max(FilingEvent.at))
            .join(Filing, Filing.id == FilingEvent.filing_id)
            .where(*where, FilingEvent.action.in_(("approve", "refuse")))
            .where(FilingEvent.at >= start, FilingEvent.at < end)
            .group_by(FilingEvent.filing_id)
        ).all()
    )
    sent = (
        dict(
            db.session.execute(
                select(FilingEvent.filing_id, func.max(FilingEvent.at))
                .where(
                    FilingEvent.filing_id.in_(list(decided)),
                    FilingEvent.action.in_(("submit", "resubmit")),
                )
                .group_by(FilingEvent.filing_id)
            ).all()
        )
        if decided
        else {}
    )
    days = sorted((decided[k] - sent[k]).total_seconds() / 86400 for k in decided if k in sent)
    return {
        "by_state": by_state,
        "overdue": overdue,
        "decided": len(days),
        "median_days": round(median(days), 1) if days else None,
    }


def median(values):
    n = len(values)
    return (values[(n - 1) // 2] + values[n // 2]) / 2


def local_start(day):
    """The UTC instant a Beijing day begins."""
    begins = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL)
    return begins.astimezone(UTC).replace(tzinfo=None)


def volunteer_hours(place):
    """Approved volunteer hours per community and month, the last 6 months:
    (months, [(community, {month: hours})])."""
    end = today()
    month, months = end.replace(day=1), []
    for _ in range(6):
        months.insert(0, month)
        month = (month - timedelta(days=1)).replace(day=1)
    communities = [place] if isinstance(place, Community) else list(place.communities)
    rows = db.session.execute(
        select(
            HoursRecord.community_id,
            HoursRecord.served_on,
            func.sum(func.coalesce(HoursRecord.approved_minutes, HoursRecord.minutes)),
        )
        .where(
            HoursRecord.state == "approved",
            HoursRecord.community_id.in_([c.id for c in communities]),
            HoursRecord.served_on >= months[0],
        )
        .group_by(HoursRecord.community_id, HoursRecord.served_on)
    ).all()
    per = defaultdict(lambda: defaultdict(int))
    for community_id, day, minutes in rows:
        per[community_id][day.replace(day=1)] += minutes or 0
    table = [(c, {m: round(per[c.id][m] / 60, 1) for m in months}) for c in communities]
    return months, table

"""The period a figures page asks for: ?month=2026-11, or ?start=…&end=… (Beijing days)."""

from datetime import date, timedelta

from blueprints.figures.rates import Period
from blueprints.timeutil import local, utcnow

LONGEST = timedelta(days=366)


def this_month():
    return Period.month_of(local(utcnow()).date())


def parse_month(text):
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return Period.month_of(date(year, month, 1))
    except ValueError:
        return None


def parse_period(args):
    """The period asked for, or this month when nothing (or nonsense) is asked."""
    if args.get("month"):
        return parse_month(args["month"]) or this_month()
    try:
        start = date.fromisoformat(args.get("start", ""))
        end = date.fromisoformat(args.get("end", ""))
    except ValueError:
        return this_month()
    if end < start or end - start > LONGEST:
        return this_month()
    return Period(start, end)


def recent_months(n=12):
    month, found = local(utcnow()).date().replace(day=1), []
    for _ in range(n):
        found.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return found


def last_month():
    """The last whole month: open data publishes months that are over."""
    return Period.month_of(local(utcnow()).date().replace(day=1) - timedelta(days=1))

"""The period a figures page asks for: ?month=2026-11, or ?start=…&end=… (Beijing days)."""

import re
from datetime import timedelta

from blueprints.figures.rates import Period
from blueprints.util.times import local, utcnow
from blueprints.web.inputs import parse_date

LONGEST = timedelta(days=366)


def this_month():
    return Period.month_of(local(utcnow()).date())


def parse_month(text):
    first = parse_date(f"{text}-01") if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text or "") else None
    return Period.month_of(first) if first else None


def parse_period(args):
    """The period asked for, or this month when nothing (or nonsense) is asked."""
    if args.get("month"):
        return parse_month(args["month"]) or this_month()
    start, end = parse_date(args.get("start")), parse_date(args.get("end"))
    if start is None or end is None or end < start or end - start > LONGEST:
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

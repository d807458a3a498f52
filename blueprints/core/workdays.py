"""Working days: the admins' calendar of days that break the Monday-to-Friday rule (a holiday on
a weekday, a working weekend: 调休), and deadlines counted in working days. The workflow core's
deadlines and the rooms' opening days read it; the calendar feature edits it."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.util.times import LOCAL, local
from extensions import db

END_OF_DAY = time(18, 0)


class CalendarDay(db.Model):
    """A day that breaks the Monday-to-Friday rule: a holiday on a weekday, or a working weekend."""

    day: Mapped[date] = mapped_column(primary_key=True)
    workday: Mapped[bool]
    note: Mapped[str] = mapped_column(String(40), default="")


def exceptions_between(first, last):
    rows = db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last)
    )
    return {row.day: row.workday for row in rows}


def is_workday(day, exceptions):
    return exceptions.get(day, day.weekday() < 5)


def add_workdays(start_utc, days):
    """The end (18:00 Beijing time) of the n-th working day after start, as naive UTC.

    Weekends are off and weekdays on, unless the calendar says otherwise (holidays, 调休)."""
    today = local(start_utc).date()
    exceptions = exceptions_between(today, today + timedelta(days=days * 3 + 30))
    day, counted = today, 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day, exceptions):
            counted += 1
    end = datetime.combine(day, END_OF_DAY, tzinfo=LOCAL)
    return end.astimezone(UTC).replace(tzinfo=None)

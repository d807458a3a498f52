from datetime import UTC, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.calendar.models import CalendarDay
from blueprints.errors import Refused
from blueprints.timeutil import LOCAL, local
from extensions import db

END_OF_DAY = time(18, 0)


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


def upcoming(today, limit=100):
    return db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= today).order_by(CalendarDay.day).limit(limit)
    ).all()


def set_day(day, workday, note):
    if workday == (day.weekday() < 5):
        raise Refused(_("这一天本来就是这样，不用设置。"))
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.workday, row.note = workday, note
    db.session.add(row)
    db.session.commit()


def clear_day(day):
    row = db.session.get(CalendarDay, day)
    if row:
        db.session.delete(row)
        db.session.commit()

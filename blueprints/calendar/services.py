"""The admins' edits to the working-day calendar (blueprints/core/workdays.py)."""

from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.core.errors import Refused
from blueprints.core.workdays import CalendarDay
from extensions import db


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

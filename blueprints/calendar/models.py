from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class CalendarDay(db.Model):
    """A day that breaks the Monday-to-Friday rule: a holiday on a weekday, or a working weekend."""

    day: Mapped[date] = mapped_column(primary_key=True)
    workday: Mapped[bool]
    note: Mapped[str] = mapped_column(String(40), default="")

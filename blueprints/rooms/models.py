"""Rooms (安家): a community's rooms with their opening hours, and the bookings of approved groups
(and of community workers, for resident-led activities) with their timeline.

Two bookings of one room never overlap while they hold their slot (requested or approved): the
database says so itself, with an exclusion constraint on PostgreSQL and a trigger on SQLite
(SQLite writes one transaction at a time, so the trigger's check cannot race). The services
check first, to answer with the room's free time instead; the database is what guarantees it."""

from datetime import datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.timeline import TimelineEntry
from blueprints.core.workflow import FlowColumns
from blueprints.places.models import Community
from blueprints.util.times import utcnow
from extensions import db

if TYPE_CHECKING:
    from blueprints.auth.models import User
    from blueprints.orgs.models import Org
    from blueprints.volunteers.models import Activity


class BookingState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    DONE = "done"


# The states in which a booking holds its slot: no other booking of the room may overlap it.
HOLDING = (BookingState.REQUESTED, BookingState.APPROVED)
STATES = {
    BookingState.REQUESTED: _l("等社区审批"),
    BookingState.APPROVED: _l("已批准"),
    BookingState.DECLINED: _l("未批准"),
    BookingState.CANCELLED: _l("已取消"),
    BookingState.DONE: _l("已用完"),
}
WEEKDAYS = (
    _l("星期一"),
    _l("星期二"),
    _l("星期三"),
    _l("星期四"),
    _l("星期五"),
    _l("星期六"),
    _l("星期日"),
)
FACILITIES = {
    "tables": _l("桌椅"),
    "projector": _l("投影仪"),
    "sound": _l("音响"),
    "piano": _l("钢琴"),
    "kitchen": _l("厨房"),
    "aircon": _l("空调"),
    "step_free": _l("无台阶，轮椅可进"),
}


class Room(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    capacity: Mapped[int]
    facilities: Mapped[str] = mapped_column(String(200), default="")
    needs_approval: Mapped[bool] = mapped_column(default=True)
    # Closed on the calendar's holidays (the days off that admins keep at /calendar/).
    closed_on_holidays: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Raised by every booking of the room before its overlap check: the row's lock puts
    # two bookings of one room one after the other (blueprints/rooms/bookings.py).
    lock: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community] = relationship()
    hours: Mapped[list["RoomHours"]] = relationship(
        back_populates="room", order_by="RoomHours.weekday", cascade="all, delete-orphan"
    )

    @property
    def facility_list(self):
        return [f for f in self.facilities.split(",") if f]

    def hours_on(self, weekday):
        return next((h for h in self.hours if h.weekday == weekday), None)


class RoomHours(db.Model):
    """The room's opening hours on one weekday (0 Monday … 6 Sunday), Beijing wall-clock time.
    A weekday without a row is a day the room is closed."""

    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_in_week"),
        CheckConstraint("closes > opens", name="closes_after_opening"),
    )

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), primary_key=True)
    weekday: Mapped[int] = mapped_column(primary_key=True)
    opens: Mapped[time]
    closes: Mapped[time]

    room: Mapped[Room] = relationship(back_populates="hours")


class Booking(FlowColumns, db.Model):
    initial_state = BookingState.REQUESTED
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("head_count >= 1", name="someone_comes"),
        Index("ix_booking_room_time", "room_id", "starts_at"),
        Index("ix_booking_state_deadline", "state", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    # For a group (its officer booked it), or for a resident-led activity (a community worker).
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(100))
    head_count: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")
    # The form's key and the week's number: a form sent twice books nothing twice.
    submission_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    room: Mapped[Room] = relationship()
    org: Mapped["Org | None"] = relationship()
    activity: Mapped["Activity | None"] = relationship()
    booked_by: Mapped["User"] = relationship()
    events: Mapped[list["BookingEvent"]] = relationship(
        back_populates="booking", order_by="BookingEvent.id", cascade="all, delete-orphan"
    )

    @property
    def state_label(self):
        return STATES[self.state]

    @property
    def holder(self):
        """Who the room is booked for, as the room's week shows it."""
        if self.org is not None:
            return self.org.name
        return self.activity.title if self.activity else self.booked_by.display_name


class BookingEvent(TimelineEntry, db.Model):
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)

    booking: Mapped[Booking] = relationship(back_populates="events")


class RoomWait(db.Model):
    """Someone who found a slot taken: told when a booking over it is cancelled or declined."""

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship()


# ---- no overlap, said by the database (the migration writes the same statements) ------------

HOLDING_SQL = "('requested', 'approved')"
PG_NO_OVERLAP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE booking ADD CONSTRAINT ex_booking_no_overlap EXCLUDE USING gist "
    "(room_id WITH =, tsrange(starts_at, ends_at) WITH &&) "
    f"WHERE (state IN {HOLDING_SQL})",
]
_OVERLAP = (
    "SELECT RAISE(ABORT, 'booking overlaps another booking of the room') WHERE EXISTS ("
    "SELECT 1 FROM booking b WHERE b.room_id = NEW.room_id AND b.id != NEW.id "
    f"AND b.state IN {HOLDING_SQL} "
    "AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at);"
)
SQLITE_NO_OVERLAP = [
    "CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking "
    f"WHEN NEW.state IN {HOLDING_SQL} BEGIN {_OVERLAP} END",
    "CREATE TRIGGER booking_no_overlap_update "
    "BEFORE UPDATE OF room_id, starts_at, ends_at, state ON booking "
    f"WHEN NEW.state IN {HOLDING_SQL} BEGIN {_OVERLAP} END",
]
for _statement in PG_NO_OVERLAP:
    event.listen(
        Booking.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
for _statement in SQLITE_NO_OVERLAP:
    event.listen(Booking.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))

"""The bookings' clock: reminders, overdue marks, requests nobody decided, bookings used."""

from sqlalchemy import select

from blueprints.core.workflow import each_claimed
from blueprints.rooms.models import Booking, BookingState
from blueprints.rooms.workflow import FLOW
from blueprints.util.times import utcnow


def tick(now=None):
    """Reminders and overdue marks (the core's tick), undecided requests whose time came
    declined, approved bookings that are over marked done."""
    now = now or utcnow()
    counts = FLOW.tick(now)
    counts["expired"] = counts["finished"] = 0
    # One at a time, each claimed first: a tick on another instance passes it by.
    for booking in each_claimed(
        select(Booking).where(Booking.state == BookingState.REQUESTED, Booking.starts_at <= now),
        Booking,
    ):
        FLOW.apply(booking, "expire", None, context={"system": True})
        counts["expired"] += 1
    for booking in each_claimed(
        select(Booking).where(Booking.state == BookingState.APPROVED, Booking.ends_at <= now),
        Booking,
    ):
        FLOW.apply(booking, "finish", None, context={"system": True})
        counts["finished"] += 1
    return counts

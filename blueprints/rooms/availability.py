"""A room's time: when it opens and why it is closed, what holds it, its free stretches, its
week as the public page shows it, and the days and weeks asked for in links."""

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.core.workdays import exceptions_between
from blueprints.rooms.models import HOLDING, Booking, BookingState
from blueprints.util.times import local, to_utc, utcnow
from extensions import db


def closed_reason(room, day, exceptions):
    """Why the room is closed on this day, or None when it opens."""
    if room.hours_on(day.weekday()) is None:
        return _("这天不开放")
    if room.closed_on_holidays and exceptions.get(day) is False:
        return _("节假日不开放")
    return None


def opening(room, day):
    hours = room.hours_on(day.weekday())
    return (
        to_utc(datetime.combine(day, hours.opens)),
        to_utc(datetime.combine(day, hours.closes)),
    )


def holding_between(room, start, end, exclude=()):
    query = select(Booking).where(
        Booking.room_id == room.id,
        Booking.state.in_(HOLDING),
        Booking.starts_at < end,
        Booking.ends_at > start,
    )
    if exclude:
        query = query.where(Booking.id.not_in(exclude))
    return db.session.scalars(query.order_by(Booking.starts_at)).all()


def free_gaps(room, day):
    """The free stretches of one day, within opening hours and from now on: (start, end) UTC."""
    if closed_reason(room, day, exceptions_between(day, day)):
        return []
    opens, closes = opening(room, day)
    cursor = max(opens, utcnow().replace(second=0, microsecond=0))
    gaps = []
    for booking in holding_between(room, opens, closes):
        if booking.starts_at > cursor:
            gaps.append((cursor, booking.starts_at))
        cursor = max(cursor, booking.ends_at)
    if cursor < closes:
        gaps.append((cursor, closes))
    return gaps


def taken_message(room, starts, ends):
    """ "Just taken", and when the room is free that day instead (a gap as long as the ask)."""
    day = local(starts).date()
    fitting = [g for g in free_gaps(room, day) if g[1] - g[0] >= ends - starts]
    later = [g for g in fitting if g[0] >= starts]
    gap = later[0] if later else (fitting[-1] if fitting else None)
    if gap is None:
        return _("这个时间已被预订。这间屋子当天没有这么长的空闲时间了，请换一天。")
    if gap[1] == opening(room, day)[1]:
        return _(
            "这个时间已被预订。这间屋子当天 %(start)s 以后空闲。", start=f"{local(gap[0]):%H:%M}"
        )
    return _(
        "这个时间已被预订。这间屋子当天 %(start)s 到 %(end)s 空闲。",
        start=f"{local(gap[0]):%H:%M}",
        end=f"{local(gap[1]):%H:%M}",
    )


def week_of(room, monday):
    """The room's week as the public page shows it: each day with its opening, why it is closed,
    its bookings (holding or done) and its free stretches."""
    sunday = monday + timedelta(days=6)
    exceptions = exceptions_between(monday, sunday)
    start, end = (
        to_utc(datetime.combine(monday, time())),
        to_utc(datetime.combine(sunday + timedelta(days=1), time())),
    )
    bookings = db.session.scalars(
        select(Booking)
        .where(
            Booking.room_id == room.id,
            Booking.state.in_((*HOLDING, BookingState.DONE)),
            Booking.starts_at < end,
            Booking.ends_at > start,
        )
        .order_by(Booking.starts_at)
    ).all()
    days = []
    for n in range(7):
        day = monday + timedelta(days=n)
        closed = closed_reason(room, day, exceptions)
        days.append(
            {
                "day": day,
                "hours": room.hours_on(day.weekday()),
                "closed": closed,
                "bookings": [b for b in bookings if local(b.starts_at).date() == day],
            }
        )
    return days


def monday_of(day):
    return day - timedelta(days=day.weekday())


def parse_day(text):
    """A YYYY-MM-DD from a link, or None (a forged or impossible one too)."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if date(2000, 1, 3) <= day <= date(2100, 1, 1) else None


def parse_week(text):
    """A ?week= value (any day of the week) as its Monday; this week otherwise."""
    return monday_of(parse_day(text) or local(utcnow()).date())

"""Booking one slot or a weekly repeat; each step on a booking after that is the flow's
(blueprints/rooms/workflow.py).

Never double-booked: a booking first raises its room's `lock` in one UPDATE, which waits for any
other booking of the same room still in its transaction (a row lock on PostgreSQL, SQLite's one
writer at a time), then looks for overlaps and writes. The database refuses an overlap itself as
well (models.py), so however the requests arrive, one wins and the rest hear "just taken"."""

import re
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from blueprints.core.errors import Conflict, Refused
from blueprints.core.workdays import exceptions_between
from blueprints.core.workflow import start_clock
from blueprints.orgs.models import Org
from blueprints.rooms import availability
from blueprints.rooms.messages import tell_deciders
from blueprints.rooms.models import Booking, BookingEvent, BookingState, Room, RoomWait
from blueprints.rooms.permissions import booking_choices
from blueprints.rooms.workflow import FLOW
from blueprints.util.times import to_utc, utcnow
from blueprints.util.words import N_
from blueprints.volunteers.models import Activity
from extensions import db

MAX_WEEKS = 12
KEY = re.compile(r"[0-9a-f]{32}")


class Taken(Conflict):
    """The slot was just taken; the person will be told if it frees up."""


class Clashes(Conflict):
    """Some weeks of a repeat cannot be booked: `weeks` lists (start, end, why) for each."""

    def __init__(self, message, weeks):
        super().__init__(message)
        self.weeks = weeks


def already_booked(key):
    if not key or not KEY.fullmatch(key):
        return []
    return db.session.scalars(
        select(Booking).where(Booking.submission_key.like(f"{key}.%")).order_by(Booking.starts_at)
    ).all()


def whom_for(user, room, choice):
    """The group or activity a booking is for, checked against what this person may book for."""
    allowed = dict(booking_choices(user, room))
    if choice not in allowed:
        raise Refused(_("您不能为这个组织或活动预订这间屋子。"), field="for_whom")
    kind, _sep, number = choice.partition(":")
    if kind == "org":
        return db.session.get(Org, int(number)), None
    return None, db.session.get(Activity, int(number))


def book(room, user, data):
    """Book one slot, or the same slot for `weeks` weeks. data: the form's values (day, start,
    end in Beijing time; for_whom, purpose, head_count, weeks, mode "all" or "free", key).

    Returns (bookings, skipped): the bookings made and the weeks left out, each (start, end,
    why). Raises Refused for a slot that cannot be asked for, Clashes when some weeks clash
    and the person wanted all or nothing, and Conflict when the one slot was just taken."""
    done = already_booked(data.get("key"))
    if done:
        return done, []
    if room is None or not room.active:
        raise Refused(_("这间屋子不能预订了。"))
    org, activity = whom_for(user, room, data.get("for_whom") or "")
    slots = asked_slots(room, data)
    first, last_of_first = slots[0][0], slots[0][1]
    # From here on, one booking of this room at a time (see the module's docstring).
    db.session.execute(
        update(Room)
        .where(Room.id == room.id)
        .values(lock=Room.lock + 1)
        .execution_options(synchronize_session=False)
    )
    free, skipped = [], []
    for starts, ends, why in slots:
        if why is None and availability.holding_between(room, starts, ends):
            why = _("已被预订")
        (skipped if why else free).append((starts, ends, why))
    if skipped and len(slots) == 1:
        return refuse_taken(room, user, first, last_of_first)
    if skipped and (data.get("mode") != "free" or not free):
        db.session.rollback()
        raise Clashes(
            _(
                "有 %(n)s 周不能预订（见下面的列表）。可以只订其余几周，或者换个时间。",
                n=len(skipped),
            ),
            skipped,
        )
    made = new_bookings(room, user, data, org, activity, free)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        done = already_booked(data.get("key"))
        if done:  # the same form, sent twice at once
            return done, []
        return refuse_taken(room, user, first, last_of_first)
    if made[0].state == BookingState.REQUESTED:
        tell_of_request(made)
    db.session.commit()
    return made, skipped


def asked_slots(room, data):
    """The slots asked for, week by week: (starts, ends, why it is closed or None), all in UTC.
    Refused for a request that cannot be made at all (too many people, in the past, outside
    the opening hours, a closed first day)."""
    if data["head_count"] > room.capacity:
        raise Refused(
            _("这间屋子最多坐 %(n)s 人，请换一间大些的屋子。", n=room.capacity), field="head_count"
        )
    weeks = data.get("weeks") or 1
    if not 1 <= weeks <= MAX_WEEKS:
        raise Refused(_("每周重复最多 %(n)s 周。", n=MAX_WEEKS), field="weeks")
    day, begin, finish = data["day"], data["starts"], data["ends"]
    if finish <= begin:
        raise Refused(_("结束时间要晚于开始时间。"), field="ends")
    if to_utc(datetime.combine(day, begin)) <= utcnow():
        raise Refused(_("这个时间已经过去了，请选以后的时间。"), field="day")
    exceptions = exceptions_between(day, day + timedelta(weeks=weeks))
    closed = availability.closed_reason(room, day, exceptions)
    if closed:
        raise Refused(
            _("%(day)s %(why)s，请换一天。", day=day.isoformat(), why=closed), field="day"
        )
    hours = room.hours_on(day.weekday())
    if begin < hours.opens or finish > hours.closes:
        raise Refused(
            _(
                "这间屋子这天 %(opens)s 到 %(closes)s 开放，请选开放时间以内的时间。",
                opens=f"{hours.opens:%H:%M}",
                closes=f"{hours.closes:%H:%M}",
            ),
            field="starts",
        )
    slots = []
    for n in range(weeks):
        on = day + timedelta(weeks=n)
        starts, ends = to_utc(datetime.combine(on, begin)), to_utc(datetime.combine(on, finish))
        slots.append((starts, ends, availability.closed_reason(room, on, exceptions)))
    return slots


def new_bookings(room, user, data, org, activity, free):
    """One booking per free slot: approved at once where the room needs no approval, else
    requested, to be decided within the deadline (and before it starts)."""
    now = utcnow()
    approved = not room.needs_approval
    purpose = (data.get("purpose") or "").strip()[:100]
    made = []
    for n, (starts, ends, _why) in enumerate(free):
        booking = Booking(
            room=room,
            org=org,
            activity=activity,
            booked_by=user,
            purpose=purpose,
            head_count=data["head_count"],
            starts_at=starts,
            ends_at=ends,
            state=BookingState.APPROVED if approved else BookingState.REQUESTED,
            submission_key=f"{data['key']}.{n}" if KEY.fullmatch(data.get("key") or "") else None,
        )
        start_clock(booking, FLOW.deadlines, now)
        booking.events.append(
            BookingEvent.step(
                "auto_approve" if approved else "request", user, "", booking.state, purpose
            )
        )
        db.session.add(booking)
        made.append(booking)
    return made


def tell_of_request(made):
    if len(made) == 1:
        tell_deciders(made[0], N_("有新的活动室预订申请：“%(room)s” %(when)s"))
    else:
        tell_deciders(
            made[0],
            N_("有新的活动室预订申请：“%(room)s” %(when)s 起每周一次，共 %(n)s 周"),
            n=len(made),
        )


def refuse_taken(room, user, starts, ends):
    """Nothing is stored but the person's wish to hear when the slot frees up."""
    db.session.rollback()
    text = availability.taken_message(room, starts, ends)
    db.session.add(RoomWait(room_id=room.id, user_id=user.id, starts_at=starts, ends_at=ends))
    db.session.commit()
    raise Taken(text)

"""Rooms and their bookings: who may list rooms, book and decide; a room's week and free time;
booking one slot or a weekly repeat; messages; the clock.

Never double-booked: a booking first raises its room's `lock` in one UPDATE, which waits for any
other booking of the same room still in its transaction (a row lock on PostgreSQL, SQLite's one
writer at a time), then looks for overlaps and writes. The database refuses an overlap itself as
well (models.py), so however the requests arrive, one wins and the rest hear "just taken"."""

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from blueprints.auth.people import staff_for
from blueprints.core.access import can
from blueprints.core.errors import Conflict, Refused
from blueprints.core.roles import Role
from blueprints.core.workdays import exceptions_between
from blueprints.core.workflow import each_claimed
from blueprints.notices.services import notify
from blueprints.notices.sms import message, send_sms
from blueprints.orgs.models import Org
from blueprints.places.models import Community
from blueprints.rooms.models import (
    FACILITIES,
    HOLDING,
    Booking,
    BookingEvent,
    BookingState,
    Room,
    RoomHours,
    RoomWait,
)
from blueprints.rooms.workflow import DECIDERS, booking_url, decide_by, flow, when_text
from blueprints.util.exports import ics_event
from blueprints.util.times import local, utcnow
from blueprints.util.words import N_
from blueprints.volunteers.activities import to_utc
from blueprints.volunteers.models import Activity
from blueprints.web.links import public_url
from blueprints.web.pages import Keyset
from extensions import db

MANAGERS = (Role.COMMUNITY_REVIEWER, Role.ADMIN)
MAX_WEEKS = 12
KEY = re.compile(r"[0-9a-f]{32}")


class Taken(Conflict):
    """The slot was just taken; the person will be told if it frees up."""


class Clashes(Conflict):
    """Some weeks of a repeat cannot be booked: `weeks` lists (start, end, why) for each."""

    def __init__(self, message, weeks):
        super().__init__(message)
        self.weeks = weeks


# ---- who may do what -----------------------------------------------------------------------


def may_manage(user, community):
    return community is not None and can(community, *MANAGERS, user=user)


def managed_communities(user):
    if not user.is_authenticated:
        return []
    rows = db.session.scalars(
        select(Community).where(Community.active).order_by(Community.code)
    ).all()
    return [c for c in rows if may_manage(user, c)]


def may_decide(user, booking):
    return can(booking.room.community, *DECIDERS, user=user)


def is_community_worker(user, community):
    """A grid worker of one of the community's grids (or of the whole community), or an admin."""
    if can(community, Role.GRID_WORKER, Role.ADMIN, user=user):
        return True
    return any(
        g.grid is not None and g.grid.community_id == community.id
        for g in user.grants_for(Role.GRID_WORKER)
    )


def booking_choices(user, room):
    """Whom this person may book the room for: ("org:<id>", name) for each active group of the
    room's community they are the officer of; ("activity:<id>", title) for each resident-led
    activity still to come in the community, when they are one of its workers."""
    if not user.is_authenticated:
        return []
    orgs = db.session.scalars(
        select(Org)
        .where(
            Org.officer_id == user.id,
            Org.state == "active",
            Org.valid_until > utcnow(),
            Org.community_id == room.community_id,
        )
        .order_by(Org.name)
    ).all()
    choices = [(f"org:{o.id}", o.name) for o in orgs]
    if is_community_worker(user, room.community):
        activities = db.session.scalars(
            select(Activity)
            .where(Activity.community_id == room.community_id, Activity.org_id.is_(None))
            .order_by(Activity.id.desc())
            .limit(30)
        ).all()
        now = utcnow()
        choices += [
            (f"activity:{a.id}", a.title)
            for a in activities
            if any(s.ends_at > now for s in a.shifts)
        ]
    return choices


def may_see(user, booking):
    return user.is_authenticated and (
        booking.booked_by_id == user.id
        or (booking.org is not None and booking.org.officer_id == user.id)
        or may_decide(user, booking)
    )


# ---- rooms -----------------------------------------------------------------------------------


def list_rooms(community_id=None):
    query = select(Room).where(Room.active).options(selectinload(Room.hours))
    if community_id:
        query = query.where(Room.community_id == community_id)
    return db.session.scalars(query.order_by(Room.community_id, Room.name)).all()


def get_room(room_id, active=True):
    room = db.session.get(Room, room_id)
    if room is None or (active and not room.active):
        return None
    return room


def save_room(user, room, data):
    """A new room (room None) or changes to one; data: the form's values, hours as
    {weekday: (opens, closes)} with the closed days left out."""
    community = db.session.get(Community, data["community_id"] or 0)
    if not may_manage(user, community) or (
        room is not None and not may_manage(user, room.community)
    ):
        raise Refused(_("您不能管理这个社区的活动室。"), field="community_id")
    if room is None:
        room = Room(community=community)
        db.session.add(room)
    room.community = community
    room.name = data["name"].strip()
    room.capacity = data["capacity"]
    room.facilities = ",".join(f for f in data.get("facilities") or [] if f in FACILITIES)
    room.needs_approval = bool(data.get("needs_approval"))
    room.closed_on_holidays = bool(data.get("closed_on_holidays"))
    if "active" in data:
        room.active = bool(data["active"])
    room.hours = [
        RoomHours(weekday=day, opens=opens, closes=closes)
        for day, (opens, closes) in sorted(data["hours"].items())
    ]
    db.session.commit()
    return room


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


# ---- booking ---------------------------------------------------------------------------------


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
        if why is None and holding_between(room, starts, ends):
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
    closed = closed_reason(room, day, exceptions)
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
        slots.append((starts, ends, closed_reason(room, on, exceptions)))
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
            deadline_at=None if approved else min(decide_by(now), starts),
        )
        booking.events.append(
            BookingEvent.step(
                "auto_approve" if approved else "request", user, "", booking.state, purpose
            )
        )
        db.session.add(booking)
        made.append(booking)
    if activity is not None and activity.room_id is None:
        activity.room = room
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
    text = taken_message(room, starts, ends)
    db.session.add(RoomWait(room_id=room.id, user_id=user.id, starts_at=starts, ends_at=ends))
    db.session.commit()
    raise Taken(text)


# ---- steps, messages, lists ------------------------------------------------------------------


def act(booking, action, user, version=None, **given):
    return flow.apply(booking, action, user, version, **given)


def tell_deciders(booking, msgid, admins=False, **extra):
    community = booking.room.community
    people = staff_for(Role.COMMUNITY_REVIEWER, community)
    if admins:
        people += staff_for(Role.ADMIN, community)
    notify(
        people,
        msgid,
        booking_url(booking),
        room=booking.room.name,
        when=when_text(booking),
        **extra,
    )


# What the booker is told of a decision they did not take: in the inbox with the room and the
# reason, by text in fixed words with a link.
BOOKER_NEWS = {
    "approve": (
        N_("您预订的“%(room)s”（%(when)s）已批准。"),
        N_("【邻里】您预订的活动室（%(when)s）已批准。详情：%(link)s"),
    ),
    "decline": (
        N_("您预订的“%(room)s”（%(when)s）未批准：%(reason)s"),
        N_("【邻里】您预订的活动室（%(when)s）未批准，原因请看：%(link)s"),
    ),
    "expire": (
        N_("您预订的“%(room)s”（%(when)s）开始前没有审批，已自动取消。"),
        N_("【邻里】您预订的活动室（%(when)s）开始前没有审批，已自动取消。详情：%(link)s"),
    ),
    "cancel": (
        N_("您预订的“%(room)s”（%(when)s）已被社区取消：%(reason)s"),
        N_("【邻里】您预订的活动室（%(when)s）已被社区取消，原因请看：%(link)s"),
    ),
}


def tell(booking, action, before, after):
    url, room, when = booking_url(booking), booking.room.name, when_text(booking)
    booker, actor = booking.booked_by, booking.events[-1].actor
    if action in ("approve", "decline", "expire") or (
        action == "cancel" and actor is not None and actor.id != booker.id
    ):
        inbox, text = BOOKER_NEWS[action]
        notify([booker], inbox, url, room=room, when=when, reason=booking.reason)
        send_sms(booker.phone, message(booker.locale, text, when=when, link=public_url(url)))
    if action == "cancel" and before == BookingState.REQUESTED:
        tell_deciders(booking, N_("“%(room)s”的预订申请已被申请人撤回：%(when)s"))
    if after in (BookingState.CANCELLED, BookingState.DECLINED):
        tell_waiting(booking)


def tell_waiting(booking):
    """Everyone who found this slot taken hears that it is free again (once: their wish goes)."""
    waits = db.session.scalars(
        select(RoomWait).where(
            RoomWait.room_id == booking.room_id,
            RoomWait.starts_at < booking.ends_at,
            RoomWait.ends_at > booking.starts_at,
        )
    ).all()
    # Whoever held the slot and let it go needs no news of it (their wish goes all the same).
    told = [w.user for w in waits if w.user_id != booking.booked_by_id]
    url = f"/rooms/{booking.room_id}?week={monday_of(local(booking.starts_at).date())}"
    notify(
        told,
        N_("“%(room)s”在 %(when)s 空出来了，现在可以预订"),
        url,
        room=booking.room.name,
        when=when_text(booking),
    )
    for wait in waits:
        db.session.delete(wait)


# Requests by the nearest deadline (every request has one), a person's bookings soonest first.
DECISIONS = Keyset(Booking.deadline_at, Booking.id)
BOOKINGS = Keyset(Booking.starts_at, Booking.id)


def queue_for(user, after=None):
    """A page of the requests waiting for this reviewer's decision, the nearest deadline
    first, and whether there are more. Asked of the communities they decide for, so that the
    page holds only theirs and goes on where it stopped."""
    places = db.session.scalars(select(Community)).all()
    mine = [c.id for c in places if can(c, *DECIDERS, user=user)]
    return DECISIONS.page(
        select(Booking)
        .join(Room)
        .where(Booking.state == BookingState.REQUESTED, Room.community_id.in_(mine)),
        after,
    )


def bookings_of(user, after=None):
    """A page of what this person booked, and what their groups booked, from a week ago on
    (soonest first), and whether there are more."""
    groups = select(Org.id).where(Org.officer_id == user.id)
    return BOOKINGS.page(
        select(Booking).where(
            (Booking.booked_by_id == user.id) | Booking.org_id.in_(groups),
            Booking.ends_at > utcnow() - timedelta(days=7),
        ),
        after,
    )


def upcoming_for_org(org):
    return db.session.scalars(
        select(Booking)
        .where(
            Booking.org_id == org.id,
            Booking.state.in_(HOLDING),
            Booking.ends_at > utcnow(),
        )
        .order_by(Booking.starts_at)
        .limit(20)
    ).all()


def tick(now=None):
    """Reminders and overdue marks (the core's tick), undecided requests whose time came
    declined, approved bookings that are over marked done."""
    now = now or utcnow()
    counts = flow.tick(now)
    counts["expired"] = counts["finished"] = 0
    # One at a time, each claimed first: a tick on another instance passes it by.
    for booking in each_claimed(
        select(Booking).where(Booking.state == BookingState.REQUESTED, Booking.starts_at <= now),
        Booking,
    ):
        flow.apply(booking, "expire", None, context={"system": True})
        counts["expired"] += 1
    for booking in each_claimed(
        select(Booking).where(Booking.state == BookingState.APPROVED, Booking.ends_at <= now),
        Booking,
    ):
        flow.apply(booking, "finish", None, context={"system": True})
        counts["finished"] += 1
    return counts


# ---- the calendar file -----------------------------------------------------------------------

ICS_STATUS = {
    BookingState.REQUESTED: "TENTATIVE",
    BookingState.APPROVED: "CONFIRMED",
    BookingState.DONE: "CONFIRMED",
}


def ics(booking):
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "linli"
    room = booking.room
    return ics_event(
        "Rooms",
        f"room-booking-{booking.id}@{host}",
        booking.starts_at,
        booking.ends_at,
        ("SEQUENCE", booking.version),
        ("SUMMARY", f"{room.name}：{booking.purpose or booking.holder}"),
        ("LOCATION", f"{room.community.name} {room.name}"),
        ("DESCRIPTION", f"{booking.holder}\n{booking.purpose}"),
        ("STATUS", ICS_STATUS.get(booking.state, "CANCELLED")),
    )


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

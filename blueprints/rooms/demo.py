"""Two rooms of 桃花社区 with bookings around this week in every state: the coming ones made
through the real service and flow, the past one written as it would have been left. Safe to run
again (the rooms are looked up by name)."""

import secrets
from datetime import datetime, time, timedelta

from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.core.errors import Refused
from blueprints.core.workdays import exceptions_between
from blueprints.orgs.models import Org
from blueprints.places.models import Community
from blueprints.rooms import availability, bookings
from blueprints.rooms.models import Booking, BookingEvent, Room, RoomHours
from blueprints.rooms.models import BookingState as S
from blueprints.rooms.workflow import FLOW
from blueprints.util.times import local, to_utc, utcnow
from extensions import db

REVIEWER = "13800000006"
ACTIVITY_ROOM = "党群服务中心活动室"
STUDIO = "书画室"
# name, capacity, facilities, needs approval, hours {weekday: (opens, closes)}
ROOMS = [
    (
        ACTIVITY_ROOM,
        40,
        "tables,sound,aircon,step_free",
        True,
        {day: (time(8, 30), time(21, 30)) for day in range(7)},
    ),
    (
        STUDIO,
        12,
        "tables,aircon",
        False,
        {**{day: (time(9), time(17)) for day in range(5)}, 5: (time(9), time(12))},
    ),
]
# room, group, (start, end), purpose, head count, where it ends up
COMING = [
    (ACTIVITY_ROOM, "桃花社区夕阳红合唱队", (time(9), time(11)), "合唱排练", 25, S.REQUESTED),
    (ACTIVITY_ROOM, "桃花社区夕阳红合唱队", (time(14), time(16)), "新歌教唱", 30, S.APPROVED),
    (ACTIVITY_ROOM, "桃花社区绿色环保志愿队", (time(9), time(11)), "垃圾分类讲座", 35, S.DECLINED),
    (ACTIVITY_ROOM, "桃花社区夕阳红合唱队", (time(15), time(17)), "加场排练", 20, S.CANCELLED),
    (STUDIO, "桃花社区夕阳红合唱队", (time(9, 30), time(11, 30)), "练习写春联", 10, S.APPROVED),
]


def person(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


def load_demo_rooms():
    community = db.session.scalar(select(Community).where(Community.code == "C01"))
    choir = db.session.scalar(select(Org).where(Org.name == COMING[0][1]))
    if community is None or choir is None or choir.officer is None:
        return
    if db.session.scalar(select(Room.id).where(Room.name == ACTIVITY_ROOM)):
        return
    rooms = {}
    for name, capacity, facilities, approval, hours in ROOMS:
        room = Room(
            community=community,
            name=name,
            capacity=capacity,
            facilities=facilities,
            needs_approval=approval,
            hours=[RoomHours(weekday=d, opens=o, closes=c) for d, (o, c) in hours.items()],
        )
        db.session.add(room)
        rooms[name] = room
    db.session.commit()
    reviewer = person(REVIEWER)
    done_yesterday(rooms[ACTIVITY_ROOM], choir)
    today = local(utcnow()).date()
    for n, (room_name, group, (begin, end), purpose, count, state) in enumerate(COMING):
        room = rooms[room_name]
        org = db.session.scalar(select(Org).where(Org.name == group))
        day = open_day(room, today + timedelta(days=1 + n % 3))
        try:
            made, _skipped = bookings.book(
                room,
                org.officer,
                {
                    "for_whom": f"org:{org.id}",
                    "day": day,
                    "starts": begin,
                    "ends": end,
                    "purpose": purpose,
                    "head_count": count,
                    "weeks": 1,
                    "key": secrets.token_hex(16),
                },
            )
        except Refused:  # a holiday moved two of them onto one slot: leave one out
            continue
        booking = made[0]
        if state == S.APPROVED and booking.state == S.REQUESTED:
            FLOW.apply(booking, "approve", reviewer)
        elif state == S.DECLINED:
            FLOW.apply(booking, "decline", reviewer, reason="这天上午社区要用来开居民议事会。")
        elif state == S.CANCELLED:
            FLOW.apply(booking, "approve", reviewer)
            FLOW.apply(booking, "cancel", org.officer)


def open_day(room, day):
    """This day, or the next one the room opens on."""
    while availability.closed_reason(room, day, exceptions_between(day, day)):
        day += timedelta(days=1)
    return day


def done_yesterday(room, org):
    """A rehearsal that took place yesterday evening: asked, approved and used."""
    day = local(utcnow()).date() - timedelta(days=1)
    starts = to_utc(datetime.combine(day, time(18)))
    booking = Booking(
        room=room,
        org=org,
        booked_by=org.officer,
        purpose="合唱排练",
        head_count=28,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        state=S.DONE,
        created_at=starts - timedelta(days=3),
    )
    steps = [
        ("request", org.officer, "", S.REQUESTED, starts - timedelta(days=3)),
        ("approve", person(REVIEWER), S.REQUESTED, S.APPROVED, None),
        ("finish", None, S.APPROVED, S.DONE, starts + timedelta(hours=2)),
    ]
    for action, actor, before, after, at in steps:
        event = BookingEvent.step(action, actor, before, after)
        event.at = at or starts - timedelta(days=2)
        booking.events.append(event)
    db.session.add(booking)
    db.session.commit()

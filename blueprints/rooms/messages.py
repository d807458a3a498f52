"""What people hear of bookings: the reviewers of a request, the booker of a decision they did
not take, and whoever found a slot taken when it frees up."""

from sqlalchemy import select

from blueprints.auth.people import staff_for
from blueprints.core.roles import Role
from blueprints.notices.services import notify
from blueprints.notices.sms import message, send_sms
from blueprints.rooms.availability import monday_of
from blueprints.rooms.models import BookingState, RoomWait
from blueprints.util.times import local
from blueprints.util.words import N_
from blueprints.web.links import public_url
from extensions import db


def booking_url(booking):
    """The booking's page, as stored in inbox messages (written outside requests too)."""
    return f"/rooms/bookings/{booking.id}"


def when_text(booking):
    start, end = local(booking.starts_at), local(booking.ends_at)
    return f"{start:%m-%d %H:%M}–{end:%H:%M}"


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


def remind(booking):
    tell_deciders(booking, N_("“%(room)s”的预订申请快到审批时限了：%(when)s，请尽快决定"))


def overdue(booking):
    tell_deciders(booking, N_("“%(room)s”的预订申请已超过审批时限：%(when)s"), admins=True)


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

"""A room booking's life, readable at a glance. Nothing else sets a booking's state: every step
goes through BookingFlow.apply (blueprints/core/workflow.py); making a booking writes it requested
(or approved at once, for a room that needs no approval) in blueprints/rooms/bookings.py.

    requested ──approve──▶ approved ──finish (the clock, at its end)──▶ done
        │  decline (reason) / expire (undecided at its start)   │
        ▼                                                        ▼ cancel
    declined                                                 cancelled

`who` names roles, checked against the room's community, and relations:
  "booker"  whoever booked it, or the group's officer now;
  "system"  the clock (`flask rooms tick`).
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from blueprints.core.roles import Role
from blueprints.core.workflow import Flow, due_after, step
from blueprints.rooms import messages
from blueprints.rooms.models import Booking, BookingEvent, BookingState
from blueprints.util.times import utcnow
from blueprints.util.words import N_

DECIDE_WORKDAYS = 2
DECIDERS = {Role.COMMUNITY_REVIEWER, Role.ADMIN}
S = BookingState

TRANSITIONS = {
    (S.REQUESTED, "approve"): step(S.APPROVED, DECIDERS, (), _l("批准")),
    (S.REQUESTED, "decline"): step(S.DECLINED, DECIDERS, {"reason"}, _l("不批准"), danger=True),
    (S.REQUESTED, "cancel"): step(S.CANCELLED, {"booker"}, (), _l("取消预订"), danger=True),
    (S.APPROVED, "cancel"): step(
        S.CANCELLED, {"booker", *DECIDERS}, (), _l("取消预订"), danger=True
    ),
    (S.REQUESTED, "expire"): step(S.DECLINED, {"system"}, (), _l("开始前没有审批，已自动取消")),
    (S.APPROVED, "finish"): step(S.DONE, {"system"}, (), _l("已用完")),
}
EVENT_LABELS = {
    "request": _l("申请预订"),
    "auto_approve": _l("预订成功（这间屋子不用审批）"),
    "remind": _l("临近审批时限提醒"),
    "overdue": _l("已超过审批时限"),
}
NEEDS = {"reason": _l("请写明不批准的原因，申请人会看到。")}


def is_booker(booking, user, _context):
    if not user.is_authenticated:
        return False
    if booking.booked_by_id == user.id:
        return True
    return booking.org is not None and booking.org.officer_id == user.id


class BookingFlow(Flow):
    transitions = TRANSITIONS
    event_labels = EVENT_LABELS
    needs = NEEDS
    relations = {
        "booker": is_booker,
        "system": lambda _booking, _user, context: context.get("system") is True,
    }
    open_states = (S.REQUESTED,)
    model = Booking

    def __init__(self):
        self.effects = {
            "decline": self.keep_reason,
            "cancel": self.keep_reason,
        }

    def place_of(self, booking):
        return booking.room.community

    def refusal(self, booking, action, _user):
        if action == "cancel" and booking.ends_at <= utcnow():
            return _l("这次预订的时间已经过了。")
        if action == "approve" and booking.starts_at <= utcnow():
            return _l("这个时间已经过了，不能再批准。")
        return None

    def keep_reason(self, booking, _actor, given):
        booking.reason = str(given.get("reason") or "").strip()[:200]

    def record(self, booking, action, actor, before, after, note="", public=True, detail=None):
        booking.events.append(BookingEvent.step(action, actor, before, after, note, public, detail))

    def entered(self, booking, _action, _before):
        booking.reminded_for = booking.overdue_for = ""
        booking.deadline_at = None

    def tell(self, booking, action, before, after, _public):
        messages.tell(booking, action, before, after)

    def remind(self, booking):
        self.record(booking, "remind", None, booking.state, booking.state, public=False)
        messages.tell_deciders(
            booking, N_("“%(room)s”的预订申请快到审批时限了：%(when)s，请尽快决定")
        )

    def overdue(self, booking):
        self.record(booking, "overdue", None, booking.state, booking.state, public=False)
        messages.tell_deciders(
            booking, N_("“%(room)s”的预订申请已超过审批时限：%(when)s"), admins=True
        )

    def tick(self, now=None, warn=timedelta(hours=4)):
        return super().tick(now, warn=warn)


def decide_by(now):
    """When the community must have decided a request: 2 working days (the admins' calendar)."""
    return due_after(now, workdays=DECIDE_WORKDAYS)


flow = BookingFlow()

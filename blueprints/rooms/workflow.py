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
from blueprints.rooms.models import Booking, BookingEvent
from blueprints.rooms.models import BookingState as S
from blueprints.util.times import utcnow

DECIDE_WORKDAYS = 2
DECIDERS = {Role.COMMUNITY_REVIEWER, Role.ADMIN}

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


def decide_by(booking, start):
    """When the community must have decided a request: within 2 working days (the admins'
    calendar), and before the booking starts."""
    return min(due_after(start, workdays=DECIDE_WORKDAYS), booking.starts_at)


def keep_reason(booking, _actor, given):
    """A decline's reason, or a community's for cancelling: the booker reads it."""
    booking.reason = str(given.get("reason") or "").strip()[:200]


def is_booker(booking, user, _context):
    if not user.is_authenticated:
        return False
    if booking.booked_by_id == user.id:
        return True
    return booking.org is not None and booking.org.officer_id == user.id


def is_system(_booking, _user, context):
    """The clock (`flask rooms tick`), never a person."""
    return context.get("system") is True


class BookingFlow(Flow):
    """Room bookings on the workflow core."""

    model = Booking
    transitions = TRANSITIONS
    event_labels = EVENT_LABELS
    needs = NEEDS
    effects = {"decline": keep_reason, "cancel": keep_reason}
    relations = {"booker": is_booker, "system": is_system}
    open_states = (S.REQUESTED,)
    deadlines = {S.REQUESTED: decide_by}

    def place_of(self, booking):
        return booking.room.community

    def refusal(self, booking, action, _user):
        if action == "cancel" and booking.ends_at <= utcnow():
            return _l("这次预订的时间已经过了。")
        if action == "approve" and booking.starts_at <= utcnow():
            return _l("这个时间已经过了，不能再批准。")
        return None

    def record(self, booking, action, actor, before, after, note="", public=True, detail=None):
        booking.events.append(BookingEvent.step(action, actor, before, after, note, public, detail))

    def tell(self, booking, action, before, after, _public):
        messages.tell(booking, action, before, after)

    def remind(self, booking):
        self.record(booking, "remind", None, booking.state, booking.state, public=False)
        messages.remind(booking)

    def overdue(self, booking):
        self.record(booking, "overdue", None, booking.state, booking.state, public=False)
        messages.overdue(booking)

    def tick(self, now=None, warn=timedelta(hours=4)):
        """The community is reminded four hours before its deadline."""
        return super().tick(now, warn=warn)


FLOW = BookingFlow()

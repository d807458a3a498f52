"""Lists of bookings: the reviewers' queue, a person's bookings, a group's bookings to come (a
section of the group's page) and the room an activity is held in (a section of its page)."""

from datetime import timedelta

from sqlalchemy import select

from blueprints.core.access import can
from blueprints.orgs.models import Org
from blueprints.places.models import Community
from blueprints.rooms.models import HOLDING, Booking, BookingState, Room
from blueprints.rooms.workflow import DECIDERS
from blueprints.util.times import utcnow
from blueprints.web.pages import Keyset
from extensions import db

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
    """The org page's section: an active group's bookings still to come."""
    if org.state != "active":
        return []
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


def room_of_activity(activity):
    """The activity page's section: the room its first booking still holding a slot (or used)
    is for, or None. The booking is the one record of a room held for an activity."""
    return db.session.scalar(
        select(Room)
        .join(Booking, Booking.room_id == Room.id)
        .where(
            Booking.activity_id == activity.id,
            Booking.state.in_((*HOLDING, BookingState.DONE)),
        )
        .order_by(Booking.starts_at, Booking.id)
        .limit(1)
    )

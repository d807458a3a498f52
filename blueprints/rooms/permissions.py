"""Who may do what with rooms: manage a community's rooms, decide on bookings, see one, and
book for which group or activity."""

from sqlalchemy import select

from blueprints.core.access import can
from blueprints.core.roles import Role
from blueprints.orgs.models import Org
from blueprints.places.models import Community
from blueprints.rooms.workflow import DECIDERS
from blueprints.util.times import utcnow
from blueprints.volunteers.models import Activity
from extensions import db

MANAGERS = (Role.COMMUNITY_REVIEWER, Role.ADMIN)


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

"""Who holds which role where: the one place a feature asks "who may act on this place?".

RoleGrant.covers() answers it for one grant in Python; grants_covering() is the same rule in
SQL, so staff_for() finds the people of a place in one query."""

from sqlalchemy import and_, or_, select

from blueprints.auth.models import Role, RoleGrant, User
from blueprints.places.models import Community, Department, Grid
from extensions import db


def new_grant(role, place=None):
    """A grant of `role` in `place` (a Street, Community, Grid or Department; None: everywhere)."""
    grant = RoleGrant(role=role)
    if place is not None:
        setattr(grant, f"{type(place).__name__.lower()}_id", place.id)
    return grant


def staff_for(role, place):
    """Active users holding `role` in a grant that covers `place` (as RoleGrant.covers says)."""
    return db.session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == role, User.active, grants_covering(place))
        .distinct()
        .order_by(User.id)
    ).all()


def grants_covering(place):
    """RoleGrant.covers() as SQL: a grant of the place, of a place above it, or of everywhere."""
    everywhere = and_(
        RoleGrant.street_id.is_(None),
        RoleGrant.community_id.is_(None),
        RoleGrant.grid_id.is_(None),
        RoleGrant.department_id.is_(None),
    )
    if isinstance(place, Grid):
        above = or_(
            RoleGrant.grid_id == place.id,
            RoleGrant.community_id == place.community_id,
            RoleGrant.street_id == place.community.street_id,
        )
    elif isinstance(place, Community):
        above = or_(RoleGrant.community_id == place.id, RoleGrant.street_id == place.street_id)
    elif isinstance(place, Department):
        above = or_(RoleGrant.department_id == place.id, RoleGrant.street_id == place.street_id)
    else:
        above = RoleGrant.street_id == place.id
    return or_(everywhere, above)


def grid_roster(grid):
    """The grid workers named for this grid itself (not those who cover it from above)."""
    return db.session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.GRID_WORKER, RoleGrant.grid_id == grid.id)
        .order_by(User.name)
    ).all()


def grid_residents(grid, limit=200):
    return db.session.scalars(
        select(User).where(User.grid_id == grid.id).order_by(User.name).limit(limit)
    ).all()

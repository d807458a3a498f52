"""Who holds which role where: the one place a feature asks "who may act on this place?".

RoleGrant.covers() answers it for one grant in Python; grants_covering() is the same rule in
SQL, so staff_for() finds the people of a place in one query."""

from functools import cache

from sqlalchemy import and_, bindparam, or_, select

from blueprints.auth.models import RoleGrant, User
from blueprints.core.roles import Role
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
    given = {"role": role, **place_ids(place)}
    return db.session.scalars(staff_select(type(place).__name__), given).all()


@cache
def staff_select(kind):
    """staff_for()'s select for one kind of place, built once and asked with the place's ids
    (workflow steps and case pages ask it all day)."""
    return (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == bindparam("role"), User.active, grants_covering(kind))
        .distinct()
        .order_by(User.id)
    )


# For each kind of place, the grant columns that reach it: its own, then the places above it.
REACHED_BY = {
    "Grid": ("grid_id", "community_id", "street_id"),
    "Community": ("community_id", "street_id"),
    "Department": ("department_id", "street_id"),
    "Street": ("street_id",),
}


def place_ids(place):
    """The ids grants_covering() compares for a place, named as in REACHED_BY."""
    if isinstance(place, Grid):
        ids = (place.id, place.community_id, place.community.street_id)
    elif isinstance(place, Community | Department):
        ids = (place.id, place.street_id)
    else:
        ids = (place.id,)
    return dict(zip(REACHED_BY[type(place).__name__], ids, strict=True))


def grants_covering(kind):
    """RoleGrant.covers() as SQL, for a kind of place whose ids (place_ids()) come as
    parameters: a grant of the place, of a place above it, or of everywhere."""
    everywhere = and_(
        RoleGrant.street_id.is_(None),
        RoleGrant.community_id.is_(None),
        RoleGrant.grid_id.is_(None),
        RoleGrant.department_id.is_(None),
    )
    above = or_(*(getattr(RoleGrant, name) == bindparam(name) for name in REACHED_BY[kind]))
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


def grid_people(grid):
    """The grid page's section of people (places.grid): its workers and its residents."""
    return {"workers": grid_roster(grid), "residents": grid_residents(grid)}

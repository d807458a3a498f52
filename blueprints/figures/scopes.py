"""Whose figures a person may see (the rule of docs/design.md §2, for figures):

- admins: every street;
- the street's command centre (dispatchers) and street reviewers: their street, and every
  community, grid and department in it;
- community reviewers: their community (its grids included); grid workers: the communities of
  their grids, so the grid worker sees the neighbours they work beside;
- department handlers: their department.

Everyone who sees a place also sees its street's totals beside it, for comparison (totals only:
no other community's or department's own row)."""

from flask import abort
from flask_login import current_user

from blueprints.core.roles import Role
from blueprints.places.models import Community, Department, Grid, Street
from extensions import db

KINDS = {"street": Street, "community": Community, "department": Department, "grid": Grid}
STAFF = (
    Role.ADMIN,
    Role.DISPATCHER,
    Role.STREET_REVIEWER,
    Role.COMMUNITY_REVIEWER,
    Role.GRID_WORKER,
    Role.HANDLER,
)


def street_of(place):
    if isinstance(place, Street):
        return place
    if isinstance(place, Grid):
        return place.community.street
    return place.street


def grant_sees(grant, place, street):
    if grant.role in (Role.DISPATCHER, Role.STREET_REVIEWER, Role.ADMIN):
        return grant.place is None or grant.street_id == street.id
    if grant.role in (Role.COMMUNITY_REVIEWER, Role.GRID_WORKER) and isinstance(
        place, (Community, Grid)
    ):
        community_id = place.id if isinstance(place, Community) else place.community_id
        own = grant.community_id or (grant.grid.community_id if grant.grid_id else None)
        return own == community_id
    if grant.role == Role.HANDLER and isinstance(place, Department):
        return grant.department_id == place.id
    return False


def may_see(place, user=None):
    user = user or current_user
    if not user.is_authenticated or place is None:
        return False
    street = street_of(place)
    return any(grant_sees(grant, place, street) for grant in user.grants)


def place_or_404(kind, ident):
    model = KINDS.get(kind)
    place = db.session.get(model, ident) if model else None
    if place is None:
        abort(404)
    if not may_see(place):
        abort(403)
    return place


def home_place(user=None):
    """The dashboard a person opens first: the widest place they may see."""
    user = user or current_user
    order = {Role.ADMIN: 0, Role.DISPATCHER: 1, Role.STREET_REVIEWER: 1}
    for grant in sorted(user.grants, key=lambda g: order.get(g.role, 2)):
        if grant.role not in STAFF:
            continue
        if grant.place is None:
            return db.session.scalar(db.select(Street).order_by(Street.id).limit(1))
        if grant.role in (Role.DISPATCHER, Role.STREET_REVIEWER, Role.ADMIN) and grant.street:
            return grant.street
        if grant.role in (Role.COMMUNITY_REVIEWER, Role.GRID_WORKER):
            if grant.community:
                return grant.community
            if grant.grid:
                return grant.grid.community
            if grant.street:
                return grant.street
        if grant.role == Role.HANDLER and grant.department:
            return grant.department
    return None


def kind_of(place):
    return next(k for k, m in KINDS.items() if isinstance(place, m))

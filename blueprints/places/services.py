import math
from typing import NamedTuple

from sqlalchemy import bindparam, select
from wtforms.fields.choices import SelectChoice

from blueprints.places.models import Community, Department, Grid, grid_label
from extensions import db


def grid_choices(none_label=None):
    """Active grids as select options grouped by community; optionally a "none" option first."""
    choices = [SelectChoice(0, none_label)] if none_label else []
    for community in active_communities():
        choices += [
            SelectChoice(g.id, str(g), optgroup=community.name) for g in community.grids if g.active
        ]
    return choices


def active_communities():
    return db.session.scalars(
        select(Community).where(Community.active).order_by(Community.code)
    ).all()


class GridOption(NamedTuple):
    id: int
    label: str


GRID_OPTIONS = (
    select(Grid.id, Grid.name, Community.name)
    .join(Community, Community.id == Grid.community_id)
    .where(Grid.active)
    .order_by(Grid.code)
)


def grid_options():
    """The active grids as a filter lists them, named as Grid.__str__ names them (read as
    columns, with a select built once: the queue asks on every visit)."""
    rows = db.session.execute(GRID_OPTIONS)
    return [GridOption(id, grid_label(community, name)) for id, name, community in rows]


def grid_by_code(code):
    return db.session.scalar(select(Grid).where(Grid.code == code))


STREET_DEPARTMENTS = select(Department).where(
    Department.street_id == bindparam("street_id"), Department.active
)


def street_departments(street_id):
    """The active departments a street's command centre dispatches to."""
    return db.session.scalars(STREET_DEPARTMENTS, {"street_id": street_id}).all()


def nearest_grid(lat, lng):
    """The active grid whose centre is nearest to a point (WGS-84 degrees), else None. The one
    rule for every way a place comes with coordinates: Open311 requests, a phone's location."""
    grids = db.session.scalars(
        select(Grid).join(Community).where(Grid.active, Community.active, Grid.lat.is_not(None))
    ).all()
    if not grids:
        return None
    return min(
        grids, key=lambda g: math.hypot(g.lat - lat, (g.lng - lng) * math.cos(math.radians(lat)))
    )

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from blueprints.places.models import Community
from extensions import db


def grid_choices(none_label=None):
    """Active grids as select options grouped by community; optionally a "none" option first."""
    choices = [SelectChoice(0, none_label)] if none_label else []
    communities = db.session.scalars(
        select(Community).where(Community.active).order_by(Community.code)
    )
    for community in communities:
        choices += [
            SelectChoice(g.id, str(g), optgroup=community.name) for g in community.grids if g.active
        ]
    return choices

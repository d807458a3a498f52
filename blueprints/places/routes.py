import io

import segno
from flask import Blueprint, abort, flash, redirect, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from blueprints.core import features
from blueprints.core.access import PUBLIC, allow, require
from blueprints.core.roles import Role
from blueprints.places import services
from blueprints.places.demo import load_demo_places
from blueprints.web.htmx import render
from blueprints.web.links import public_url

bp = Blueprint("places", __name__, url_prefix="/places")
bp.record_once(features.demo(load_demo_places, order=10, bulky=False))


def grid_by_code(code):
    grid = services.grid_by_code(code)
    if grid is None:
        abort(404)
    return grid


def qr_svg(url):
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=6, border=2, omitsize=True, title=url
    )
    return Markup(buffer.getvalue().decode())


@bp.route("/grids/<code>")
@allow(Role.ADMIN, Role.GRID_WORKER, Role.DISPATCHER)
def grid(code):
    grid = grid_by_code(code)
    require(grid, Role.ADMIN, Role.GRID_WORKER, Role.DISPATCHER)
    link = public_url(url_for("places.pick", code=grid.code))
    return render(
        "places/grid.html",
        grid=grid,
        link=link,
        qr=qr_svg(link),
        sections=features.sections("places.grid", grid),
    )


@bp.route("/g/<code>")
@allow(PUBLIC)
def pick(code):
    """The link in a grid's QR code: remembers the grid so forms can preselect it."""
    grid = grid_by_code(code)
    if not (grid.active and grid.community.active):
        abort(404)
    session["grid_id"] = grid.id
    flash(_("已为您选好网格：%(grid)s", grid=grid), "success")
    return redirect(url_for("main.index"), 303)

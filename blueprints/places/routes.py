import io

import segno
from flask import Blueprint, abort, flash, redirect, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from blueprints.auth.people import grid_residents, grid_roster
from blueprints.core.access import PUBLIC, allow, require
from blueprints.core.roles import Role
from blueprints.places import services
from blueprints.web.htmx import render
from blueprints.web.links import public_url

bp = Blueprint("places", __name__, url_prefix="/places")


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
        workers=grid_roster(grid),
        residents=grid_residents(grid),
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

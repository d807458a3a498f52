import secrets

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text

from blueprints.admin import services as admin_services
from blueprints.auth.services import set_locale
from blueprints.core import features
from blueprints.core.access import PUBLIC, allow, safe_next
from blueprints.core.roles import Role
from blueprints.main.cli import demo, load_demo_categories
from blueprints.notices.services import unread_count
from blueprints.places.models import Grid
from blueprints.web.htmx import page_response, render
from extensions import db

bp = Blueprint("main", __name__)
bp.record_once(features.command(demo))
bp.record_once(features.demo(load_demo_categories, order=20, bulky=False))

YEAR = 365 * 24 * 3600


@bp.route("/")
@allow(PUBLIC)
def index():
    if shared_home():
        return public_home()
    grid = db.session.get(Grid, session["grid_id"]) if session.get("grid_id") else None
    context = {"grid": grid}
    if current_user.is_authenticated:
        context["my_grids"] = [g.grid for g in current_user.grants_for(Role.GRID_WORKER) if g.grid]
        if Role.ADMIN in current_user.roles:
            context["counts"] = admin_services.site_counts()
        context["grants"] = [g for g in current_user.grants if g.role != Role.GRID_WORKER]
        context["unread"] = unread_count(current_user)
    return render("main/index.html", home_parts=features.home_parts(), **context)


# The home page as everyone who is not signed in sees it is kept by language and text size
# (app.extensions["linli_public_home"]); its CSRF token (of the language and text-size forms)
# is a placeholder there, swapped for the reader's own.
TOKEN_SLOT = secrets.token_hex(16)


def shared_home():
    """Does this visit see the same home page as every other visitor in its language and size?"""
    return not (
        current_user.is_authenticated
        or request.query_string
        or session.get("grid_id")
        or session.get("_flashes")
        or current_app.debug
    )


def public_home():
    kept = current_app.extensions.setdefault("linli_public_home", {})
    key = (str(get_locale()), request.cookies.get("size") == "large")
    page = kept.get(key)
    if page is None:
        page = kept[key] = render_template(
            "main/index.html",
            home_parts=features.home_parts(),
            grid=None,
            csrf_token=lambda: TOKEN_SLOT,
        )
    return page_response(page.replace(TOKEN_SLOT, generate_csrf()))


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/favicon.ico")
@allow(PUBLIC)
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/prefs/language", methods=["POST"])
@allow(PUBLIC)
def language():
    chosen = request.form.get("lang")
    if current_user.is_authenticated and chosen in ("zh_Hans", "en"):
        # Messages to this person (SMS, inbox) are written in the language they read.
        set_locale(current_user, chosen)
    return remember_choice("lang", ("zh_Hans", "en"))


@bp.route("/prefs/text-size", methods=["POST"])
@allow(PUBLIC)
def text_size():
    return remember_choice("size", ("large", "normal"))


def remember_choice(name, allowed):
    """Keep a display preference in a year-long cookie (works without JavaScript), then go back."""
    response = redirect(safe_next(url_for("main.index")), 303)
    value = request.form.get(name)
    if value in allowed:
        response.set_cookie(name, value, max_age=YEAR, httponly=True, samesite="Lax")
    return response

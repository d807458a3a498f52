from flask import Blueprint, redirect, url_for
from flask_login import current_user

from blueprints.access import allow
from blueprints.htmx import render
from blueprints.notices import services

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.route("/")
@allow("user")
def index():
    return render("notices/index.html", notices=services.inbox(current_user))


@bp.route("/read", methods=["POST"])
@allow("user")
def read():
    services.mark_all_read(current_user)
    return redirect(url_for("notices.index"), 303)

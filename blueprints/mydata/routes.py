"""My data: what Linli holds about the signed-in person, as a page and a JSON download, where
to correct it, and deleting the account. Only ever the signed-in person's own data."""

import json

from flask import Blueprint, Response, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from blueprints.auth.services import authenticate
from blueprints.core import features
from blueprints.core.access import SIGNED_IN, allow
from blueprints.mydata import holdings, removal
from blueprints.mydata.forms import DeleteForm
from blueprints.mydata.retention import anonymise, tick
from blueprints.util.times import local, utcnow
from blueprints.web.htmx import render
from extensions import limiter

bp = Blueprint("mydata", __name__, url_prefix="/mydata")
bp.cli.add_command(tick)
bp.record_once(features.home("mydata/_home.html", order=85))
bp.record_once(features.tick("mydata", anonymise, every=3600))


@bp.route("/")
@allow(SIGNED_IN)
def index():
    return render("mydata/index.html", data=holdings.gather(current_user))


@bp.route("/download.json")
@allow(SIGNED_IN)
def download():
    body = {"exported": local(utcnow()).isoformat(), **holdings.gather(current_user)}
    response = Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = "attachment; filename=linli-my-data.json"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("5/minute;20/hour", methods=["POST"])
def delete():
    form = DeleteForm()
    blocked = removal.blockers(current_user)
    if not blocked and form.validate_on_submit():
        if authenticate(current_user.phone, form.password.data) is None:
            form.password.errors.append(_("密码不对，请再试一次。"))
        else:
            user = current_user._get_current_object()
            removal.delete_account(user)
            session.clear()
            logout_user()
            flash(_("您的账号已经删除。谢谢您用过邻里。"), "success")
            return redirect(url_for("main.index"), 303)
    status = 422 if form.errors else 200
    if blocked and form.is_submitted():
        status = 409
    return render(
        "mydata/delete.html",
        status=status,
        form=form,
        blocked=blocked,
        stays=removal.WHAT_STAYS,
    )

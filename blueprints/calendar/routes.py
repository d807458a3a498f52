from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from blueprints.calendar import services
from blueprints.core import features
from blueprints.core.access import allow
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.util.times import local, utcnow
from blueprints.web.htmx import render
from blueprints.web.inputs import parse_date

bp = Blueprint("calendar", __name__, url_prefix="/calendar")
bp.record_once(features.home("calendar/_home.html", order=60))


@bp.route("/", methods=["GET", "POST"])
@allow(Role.ADMIN)
def index():
    error = None
    if request.method == "POST":
        day = parse_date(request.form.get("day"))
        if day is None:
            error = _("请按 2026-10-01 这样的格式填写日期。")
        else:
            workday = request.form.get("kind") == "workday"
            note = request.form.get("note", "").strip()[:40]
            try:
                services.set_day(day, workday, note)
            except Refused as e:
                error = str(e)
            else:
                flash(_("已保存。"), "success")
                return redirect(url_for("calendar.index"), 303)
    return render(
        "calendar/index.html",
        status=422 if error else 200,
        days=services.upcoming(local(utcnow()).date()),
        error=error,
        typed=request.form,
    )


@bp.route("/<day>/delete", methods=["POST"])
@allow(Role.ADMIN)
def delete(day):
    services.clear_day(parse_date(day) or abort(404))
    flash(_("已删除。"), "success")
    return redirect(url_for("calendar.index"), 303)

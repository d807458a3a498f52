"""Weak links and offline: the one-page report form (a whole report in one POST, with or without
JavaScript, and what the phone's offline queue sends), a fresh form token for that queue, the
offline page, and the service worker that keeps them on the phone."""

import hashlib
import json
import os

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from blueprints.access import PUBLIC, allow
from blueprints.errors import Refused
from blueprints.htmx import render
from blueprints.places.services import grid_choices
from blueprints.reports import intake, refs
from blueprints.reports.blueprint import bp
from blueprints.reports.forms import answers_of, questions_form
from blueprints.reports.intake_views import give_receipt, intake_people, reporter_locale
from blueprints.reports.quick import (
    KEY,
    QuickForm,
    QuickProxyForm,
    category_choices,
    submit_whole_report,
)
from blueprints.reports.viewers import remember_tracked
from extensions import limiter, login_manager

# The service worker asks for the pages it keeps with this header: they are rendered as for a
# stranger, so nobody's name or phone is kept on the phone (the task list aside, see sw.js).
SHELL_HEADER = "X-Linli-Shell"


def for_the_shell():
    """Render this request as nobody's page when the service worker is fetching its copy."""
    if request.headers.get(SHELL_HEADER) == "1":
        g._login_user = login_manager.anonymous_user()
        return True
    return False


@bp.route("/quick", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("10/minute;60/hour", methods=["POST"])
def quick():
    for_the_shell()
    posted = request.method == "POST"
    if posted:
        key = request.form.get("key", "")
        if not KEY.fullmatch(key):
            abort(400)
        done = intake.report_of_submission(key)
        if done:  # sent again (a flaky link, the phone's queue): the key proves it is theirs
            remember_tracked(done)
            session["receipt"] = [done.id, refs.tracking_code(key)]
            return answer(done)
    staff = current_user.is_authenticated and "grid_worker" in current_user.roles
    home = current_user.grid_id if current_user.is_authenticated else None
    form = (QuickProxyForm if staff else QuickForm)(
        data=None
        if posted
        else {"grid": session.get("grid_id") or home, "key": intake.new_draft_key()}
    )
    categories = intake.active_categories()
    form.category.choices = category_choices(categories, _("请选择"))
    form.grid.choices = grid_choices(_("请选择"))
    # Each category's extra questions, all on the page (no JavaScript picks them); only the
    # chosen category's are checked.
    asked = [
        (c, questions_form(c, formdata=request.form if posted else None))
        for c in categories
        if c.question_list
    ]
    chosen = next((q for c, q in asked if c.id == form.category.data), None)
    if posted:
        valid = form.validate_on_submit()
        if chosen is not None and not chosen.validate():
            valid = False
        if staff and form.mode.data == "resident" and not form.phone.data:
            form.phone.errors.append(_("替居民反映时，请填写居民的手机号，方便回访。"))
            valid = False
        if valid:
            report = file_report(form, chosen)
            if report:
                return answer(report)
    errors = form.errors or any(q.errors for _c, q in asked)
    return render(
        "reports/quick.html",
        status=422 if errors else 200,
        form=form,
        asked=asked,
        chosen=chosen,
        staff=staff,
    )


def file_report(form, chosen):
    """The report from a valid form, or None with the refusal added to the form."""
    key = form.key.data
    draft = {"phone": form.phone.data or "", "name": (form.name.data or "").strip()}
    if "mode" in form:
        draft["mode"] = form.mode.data
    reporter, proxy, source = intake_people(draft)
    answers = intake.ReportAnswers(
        category_id=form.category.data,
        grid_id=form.grid.data,
        description=form.description.data.strip(),
        address=form.address.data.strip(),
        lat=form.lat.data,
        lng=form.lng.data,
        phone=draft["phone"],
        name=draft["name"],
        answers=answers_of(chosen) if chosen is not None else {},
    )
    uploads = [f.stream for f in request.files.getlist("photos") if f and f.filename]
    try:
        report = submit_whole_report(
            key,
            answers,
            uploads,
            reporter=reporter,
            proxy=proxy,
            source=source,
            locale=reporter_locale(reporter, proxy),
        )
    except Refused as e:
        form[e.field if e.field in form else "category"].errors.append(str(e))
        return None
    remember_tracked(report)
    give_receipt(report, key)
    return report


def answer(report):
    """The case page with its receipt; the phone's queue asks for JSON and goes there itself."""
    url = url_for("reports.show", ref=report.ref, new=1)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ref=report.ref, url=url)
    return redirect(url, 303)


@bp.route("/quick/token")
@allow(PUBLIC)
def quick_token():
    """A form token for a report the phone kept while offline: the page it was typed on may be
    days old, and its session gone."""
    response = jsonify(token=generate_csrf())
    response.cache_control.no_store = True
    return response


@bp.route("/offline")
@allow(PUBLIC)
def offline():
    for_the_shell()
    return render("reports/offline.html")


SHELL_FILES = ("css/app.css", "vendor/htmx-4.0.1.min.js", "js/app.js", "js/offline.js")


@bp.route("/sw.js")
@allow(PUBLIC)
def service_worker():
    """The service worker, with the fingerprinted URLs it keeps: a new static file changes its
    bytes, so phones update it. Served from here with Service-Worker-Allowed so its scope is
    the whole site."""
    config = {
        "shell": [url_for("static", filename=f) for f in SHELL_FILES],
        "queue": url_for("static", filename="js/offline.js"),
        "pages": [url_for("reports.quick"), url_for("reports.offline")],
        "offline": url_for("reports.offline"),
        "forget": [url_for("auth.logout"), url_for("auth.login")],
        "prefs": [url_for("main.language"), url_for("main.text_size")],
        "header": SHELL_HEADER,
    }
    with open(os.path.join(current_app.static_folder, "js", "sw.js"), encoding="utf-8") as f:
        code = f.read()
    config["version"] = hashlib.sha256((json.dumps(config) + code).encode()).hexdigest()[:8]
    body = "var LINLI=" + json.dumps(config, separators=(",", ":")) + ";\n" + code
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.cache_control.no_cache = True
    return response

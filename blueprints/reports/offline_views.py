"""Weak links and offline: the one-page report form (a whole report in one POST, with or without
JavaScript, and what the phone's offline queue sends), a fresh form token for that queue, the
offline page, and the service worker that keeps them on the phone.

The browser side (static/js/app.js and sw.js; their bytes count in the 20 KB JS budget, so
their comments are few and this is where the why lives):

- The form is kept first, then sent. app.js stores each report (its fields, and its photos as
  the Blobs app.js shrank) in IndexedDB under its submission key, then tries to send it with
  XMLHttpRequest for the upload's progress. Sent: it goes to the case page. No connection, a busy
  or broken server: it stays, the page says "已保存，联网后自动发送", and it is sent by the service
  worker's Background Sync where there is one, else by the page on `online` or at the next visit.
  Every try first fetches a fresh token (quick_token): the page may be days old, its session gone.
  The key makes a retry, or the page's and the worker's tries at once, one report.
- A refusal no retry can mend (422: a field to fix) waits on the phone, marked, until its person
  opens the form: the server's page with its messages comes back, with the photos put back.
- The service worker keeps the shell (CSS, JS, this form, the offline page), fetched with
  SHELL_HEADER so they are rendered as for a stranger; pages are fetched from the network first
  and from what is kept only without one. The one personal thing it keeps is a grid worker's task
  list and the cases on it (tasks.html asks for it); that goes when it sees a sign-out or a
  sign-in, and app.js deletes it before signing out, after naming the reports still waiting
  ("还有 2 件没发出去": send now, or let them go). No Clear-Site-Data at sign-out: "storage" would
  drop reports still waiting without a word (the one signing out may have JavaScript off), and
  "cache" would throw away the year-cached static files, 20 KB again over 2G.
- Every htmx request: "working…" after 600 ms, its form's buttons off while it runs, a photo's
  progress ("还剩约 N 秒"), and a failure (no connection, a timeout, a 5xx that would replace
  the form) said in the page's language, the form kept as typed, with "再试一次".
"""

import hashlib
import json
import os

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from blueprints.core.access import PUBLIC, allow
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
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
from blueprints.util.times import utcnow
from blueprints.web.htmx import render
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
    staff = current_user.is_authenticated and Role.GRID_WORKER in current_user.roles
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


SHELL_FILES = ("css/app.css", "vendor/htmx-4.0.1.min.js", "js/app.js")


@bp.route("/sw.js")
@allow(PUBLIC)
def service_worker():
    """The service worker, with the fingerprinted URLs it keeps: a new static file changes its
    bytes, so phones update it. Served from here with Service-Worker-Allowed so its scope is
    the whole site."""
    config = {
        "shell": [url_for("static", filename=f) for f in SHELL_FILES],
        "queue": url_for("static", filename="js/app.js"),
        "pages": [url_for("reports.quick"), url_for("reports.offline")],
        "offline": url_for("reports.offline"),
        "forget": [url_for("auth.logout"), url_for("auth.login")],
        "prefs": [url_for("main.language"), url_for("main.text_size")],
        "header": SHELL_HEADER,
    }
    with open(os.path.join(current_app.static_folder, "js", "sw.js"), encoding="utf-8") as f:
        code = f.read()
    # The date in the version makes phones install it afresh each day, and so fetch the
    # shell's pages again (a new grid, a new category).
    stamp = json.dumps(config) + code + utcnow().date().isoformat()
    config["version"] = hashlib.sha256(stamp.encode()).hexdigest()[:8]
    body = "var LINLI=" + json.dumps(config, separators=(",", ":")) + ";\n" + code
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    # The page registers it with updateViaCache "all": a phone on 2G does not fetch it again
    # at every page, only once a day.
    response.cache_control.max_age = 24 * 3600
    return response

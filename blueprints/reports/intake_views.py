"""The report form: a few short steps, each a plain form; the draft lives on the server, so a
dropped connection loses nothing and any step can be reloaded."""

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.services import proven_holder
from blueprints.core.access import PUBLIC, allow, can
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.places.models import Grid
from blueprints.places.services import grid_choices, nearest_grid
from blueprints.reports import intake, refs
from blueprints.reports.blueprint import bp
from blueprints.reports.forms import (
    ContactForm,
    DetailsForm,
    PhotosForm,
    ProxyForm,
    answers_of,
    questions_form,
)
from blueprints.reports.models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    GROUPS,
    Category,
    answers_shown,
)
from blueprints.reports.viewers import remember_tracked
from blueprints.util.geo import parse_point
from blueprints.web.htmx import advance, render
from blueprints.web.inputs import parse_int
from blueprints.web.links import public_url
from extensions import db, limiter


def draft_key():
    if "draft" not in session:
        session["draft"] = intake.new_draft_key()
    return session["draft"]


def current_draft():
    return intake.load_draft(session.get("draft")) or {}


def require_answers(*names):
    """Send the resident back to the first step they have not answered yet."""
    draft = current_draft()
    for name, endpoint in (("category_id", "reports.new"), ("description", "reports.details")):
        if name in names and not draft.get(name):
            return draft, redirect(url_for(endpoint), 303)
    return draft, None


@bp.route("/new", methods=["GET", "POST"])
@allow(PUBLIC)
def new():
    categories = intake.active_categories()
    status = 200
    if request.method == "POST":
        chosen = db.session.get(Category, request.form.get("category", type=int) or 0)
        if chosen and chosen.active:
            intake.save_draft(draft_key(), category_id=chosen.id)
            return advance(url_for("reports.details"))
        flash(_("请选择一个问题分类。"), "error")
        status = 422
    grouped = {code: [c for c in categories if c.group == code] for code in GROUPS}
    return render(
        "reports/new.html",
        status=status,
        grouped={code: items for code, items in grouped.items() if items},
        chosen=current_draft().get("category_id"),
    )


def details_so_far(draft):
    """What the details step shows: what was typed before a tap on 大字 or English, else earlier
    answers, else the QR link's or the account's grid."""
    home = current_user.grid_id if current_user.is_authenticated else None
    typed = draft.get("typed", {}).get("details", {})
    return {
        "description": typed.get("description", draft.get("description", "")),
        "address": typed.get("address", draft.get("address", "")),
        "grid": typed.get("grid_id") or draft.get("grid_id") or session.get("grid_id") or home,
    }


def typed_except(draft, step):
    """The draft's kept typing, without the step just answered."""
    return {k: v for k, v in draft.get("typed", {}).items() if k != step}


# The steps whose typing a tap on 大字 or English keeps without JavaScript, and where they are.
KEPT_STEPS = {"details": "reports.details", "check": "reports.check"}


@bp.route("/new/<any(details, check):step>/keep", methods=["POST"])
@allow(PUBLIC)
def keep_typed(step):
    """The 大字 and English switches of a step's page submit the step's form here (JavaScript
    off: with it, the tab keeps the typing itself). What was typed is kept in the draft, aside
    from the checked answers, then the switch itself is made (307: the same POST)."""
    form = request.form
    if step == "details":
        typed = {
            "description": form.get("description", "")[:1000],
            "address": form.get("address", "")[:200],
            "grid_id": parse_int(form.get("grid", "")),
        }
    else:
        typed = {"phone": form.get("phone", "")[:20], "name": form.get("name", "")[:40]}
        if form.get("mode") in ("patrol", "resident"):
            typed["mode"] = form["mode"]
    chosen = chosen_category() if step == "details" else None
    if current_draft() or chosen:
        kept = current_draft().get("typed", {})
        chosen_id = {"category_id": chosen.id} if chosen else {}
        intake.save_draft(draft_key(), typed={**kept, step: typed}, **chosen_id)
    switch = "main.text_size" if "size" in form else "main.language"
    return redirect(url_for(switch, next=url_for(KEPT_STEPS[step])), 307)


def chosen_category():
    """The category tapped on the first step, which comes with the details step's request (a
    link-like GET form: choosing is not yet a change, so it costs no form post) and with its
    POST (a hidden field); a forged or retired one counts as none."""
    chosen = db.session.get(Category, parse_int(request.values.get("category", "")) or 0)
    return chosen if chosen and chosen.active else None


@bp.route("/new/details", methods=["GET", "POST"])
@allow(PUBLIC)
def details():
    chosen = chosen_category()
    draft = current_draft()
    if chosen is None:
        draft, back = require_answers("category_id")
        if back:
            return back
    category = chosen or db.session.get(Category, draft["category_id"])
    posted = request.method == "POST"
    form = DetailsForm(data=None if posted else details_so_far(draft))
    form.grid.choices = grid_choices(_("请选择"))
    saved = draft.get("answers", {})
    questions = questions_form(
        category,
        formdata=request.form if posted else None,
        data=None
        if posted
        else {f"q{i}": saved.get(q["code"]) for i, q in enumerate(category.question_list)},
    )
    if request.method == "POST" and request.form.get("change_category"):
        # Keep what was typed so far, then go back to the categories.
        intake.save_draft(
            draft_key(),
            category_id=category.id,
            description=(form.description.data or "").strip()[:DESCRIPTION_MAX],
            address=(form.address.data or "").strip()[:ADDRESS_MAX],
        )
        return redirect(url_for("reports.new"), 303)
    valid = form.validate_on_submit()
    if posted and questions.validate() and valid:
        intake.save_draft(
            draft_key(),
            typed=typed_except(draft, "details"),
            category_id=category.id,
            description=form.description.data.strip(),
            grid_id=form.grid.data,
            address=form.address.data.strip(),
            lat=form.lat.data,
            lng=form.lng.data,
            answers=answers_of(questions),
        )
        similar = intake.similar_reports(form.grid.data, category.id)
        return advance(url_for("reports.similar" if similar else "reports.add_photos"))
    return render(
        "reports/details.html",
        status=422 if form.errors or questions.errors else 200,
        form=form,
        questions=questions,
        category=category,
    )


@bp.route("/new/nearest")
@allow(PUBLIC)
@limiter.limit("30/minute")
def nearest():
    """The grid nearest a phone's location (the rule Open311 uses), for the details step to
    preselect; the resident can still choose another. JSON for app.js: {grid, text}."""
    point = parse_point(request.args.get("lat"), request.args.get("lng"))
    found = nearest_grid(*point) if point else None
    if found is None:
        return jsonify(grid=None, text=_("没能按位置找到网格，请在上面选一个。")), 422
    text = _("已按您的位置选了“%(grid)s”。不对的话，请在上面改选。", grid=str(found))
    return jsonify(grid=found.id, text=text)


@bp.route("/new/similar")
@allow(PUBLIC)
def similar():
    draft, back = require_answers("category_id", "description")
    if back:
        return back
    reports = intake.similar_reports(draft["grid_id"], draft["category_id"])
    if not reports:
        return redirect(url_for("reports.add_photos"), 303)
    return render("reports/similar.html", reports=reports)


@bp.route("/new/photos", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("30/hour", methods=["POST"])
def add_photos():
    draft, back = require_answers("category_id", "description")
    if back:
        return back
    key = draft_key()
    form = PhotosForm()
    if form.validate_on_submit():
        files = [f.stream for f in request.files.getlist("photos") if f and f.filename]
        try:
            intake.add_draft_photos(key, files)
        except Refused as e:
            form.photos.errors.append(str(e))
        else:
            return advance(url_for("reports.check"))
    return render(
        "reports/photos.html",
        status=422 if form.errors else 200,
        form=form,
        stored=intake.draft_photos(key),
    )


# Where a removed photo sends the person back to: the page they removed it from.
PHOTO_PAGES = {"check": "reports.check", "photos": "reports.add_photos"}


@bp.route("/new/photos/<int:photo_id>/remove", methods=["POST"])
@allow(PUBLIC)
@limiter.limit("30/hour")
def remove_photo(photo_id):
    try:
        intake.remove_draft_photo(session.get("draft"), photo_id)
    except Refused as e:
        flash(str(e), "error")
        return redirect(url_for("reports.add_photos"), 303)
    flash(_("已删掉这张照片。"), "success")
    return redirect(url_for(PHOTO_PAGES.get(request.form.get("back"), "reports.check")), 303)


@bp.route("/new/contact")
@allow(PUBLIC)
def contact():
    """The contact details were a step of their own; they are now asked on the last page."""
    return redirect(url_for("reports.check"), 303)


def contact_form(draft):
    """How to reach the reporter, asked on the last page beside what they are about to send: a
    grid worker also says whether they found it on patrol or file it for a resident."""
    staff = current_user.is_authenticated and Role.GRID_WORKER in current_user.roles
    form = ProxyForm() if staff else ContactForm()
    if request.method == "GET":
        typed = {**draft, **draft.get("typed", {}).get("check", {})}
        form.phone.data = typed.get("phone", "")
        form.name.data = typed.get("name", "")
        if staff:
            form.mode.data = typed.get("mode", "patrol")
    return form, staff


def contact_answers(form, staff):
    """The checked contact answers, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    answers = {"phone": form.phone.data or "", "name": (form.name.data or "").strip()}
    if staff:
        answers["mode"] = form.mode.data
        if form.mode.data == "resident" and not form.phone.data:
            form.phone.errors.append(_("替居民反映时，请填写居民的手机号，方便回访。"))
            return None
    return answers


@bp.route("/new/check", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("10/minute;60/hour", methods=["POST"])
def check():
    """The last page: everything typed, to check, with how to reach the reporter; sending it
    makes the report (one form post for both, one round trip fewer on 2G)."""
    key = request.form.get("key") if request.method == "POST" else session.get("draft")
    if request.method == "POST":
        done = intake.report_of_submission(key)
        if done:  # the same form sent twice by a flaky link: the key proves it is theirs
            remember_tracked(done)
            session["receipt"] = [done.id, refs.tracking_code(key)]
            return advance(url_for("reports.show", ref=done.ref, new=1))
    draft = intake.load_draft(key)
    if not draft or not draft.get("description"):
        return redirect(url_for("reports.new"), 303)
    form, staff = contact_form(draft)
    answers = contact_answers(form, staff) if request.method == "POST" else None
    if answers is not None:
        draft = intake.save_draft(key, typed=typed_except(draft, "check"), **answers)
        reporter, proxy, source = intake_people(draft)
        try:
            report = intake.submit_report(
                key,
                intake.ReportAnswers.from_draft(draft),
                reporter=reporter,
                proxy=proxy,
                source=source,
                locale=reporter_locale(reporter, proxy),
            )
        except Refused as e:
            flash(str(e), "error")
            return redirect(url_for("reports.new"), 303)
        session.pop("draft", None)
        remember_tracked(report)
        give_receipt(report, key)
        return advance(url_for("reports.show", ref=report.ref, new=1))
    category = db.session.get(Category, draft["category_id"])
    return render(
        "reports/check.html",
        status=422 if form.errors else 200,
        draft=draft,
        key=key,
        form=form,
        staff=staff,
        category=category,
        answers=answers_shown(category, draft.get("answers", {})),
        grid=db.session.get(Grid, draft["grid_id"]),
        stored=intake.draft_photos(key),
    )


def intake_people(draft):
    """Who reported: the signed-in resident, a resident a grid worker files for, or a patrol.

    A case filed for a resident joins their account only when they live in one of the worker's
    grids; otherwise it stays anonymous, with the phone as the contact."""
    if not current_user.is_authenticated:
        return None, None, "web"
    if Role.GRID_WORKER in current_user.roles and draft.get("mode"):
        if draft["mode"] == "resident":
            resident = proven_holder(draft.get("phone", ""))
            if resident and not (resident.grid and can(resident.grid, Role.GRID_WORKER)):
                resident = None
            return resident, current_user, "assisted"
        return None, current_user, "patrol"
    return current_user, None, "web"


def reporter_locale(reporter, proxy):
    """The language the reporter reads: their account's; for a worker filing for someone without
    an account, the default (not the worker's); else the language they are reporting in."""
    if reporter is not None:
        return reporter.locale
    if proxy is not None:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return str(get_locale())


def give_receipt(report, key):
    """The tracking code on the confirmation page (this device only) and by SMS to the phone
    given, in the reporter's language."""
    code = refs.tracking_code(key)
    session["receipt"] = [report.id, code]
    link = public_url(url_for("reports.follow", code=code))
    refs.send_receipt(report, code, link, report.reporter_locale)

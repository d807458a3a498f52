import ipaddress
import re
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.access import allow, can
from blueprints.auth.people import staff_for
from blueprints.auth.services import find_user
from blueprints.errors import Refused
from blueprints.htmx import is_htmx, render
from blueprints.inputs import strict_int
from blueprints.main import features
from blueprints.places.models import Department, Grid
from blueprints.places.services import grid_choices
from blueprints.reports import intake, lists, photos, refs, services
from blueprints.reports.cli import tick
from blueprints.reports.demo import load_demo_reports
from blueprints.reports.forms import (
    ContactForm,
    DetailsForm,
    PhotosForm,
    ProxyForm,
    TrackForm,
    answers_of,
    questions_form,
)
from blueprints.reports.models import (
    GROUPS,
    RATINGS,
    STATES,
    URGENCIES,
    Category,
    PhoneReveal,
    Report,
    ReportPhoto,
    resident_words,
)
from extensions import db, limiter

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.cli.add_command(tick)
bp.record_once(features.home("reports/_home.html", order=10))
bp.record_once(features.demo(load_demo_reports))


@bp.app_context_processor
def report_words():
    return {"resident_words": resident_words, "step_label": services.FLOW.label_of}


# ---- intake: a few short steps, each a plain form; the draft lives on the server -----------


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
@allow("public")
def new():
    categories = db.session.scalars(
        select(Category).where(Category.active).order_by(Category.group, Category.id)
    ).all()
    status = 200
    if request.method == "POST":
        chosen = db.session.get(Category, request.form.get("category", type=int) or 0)
        if chosen and chosen.active:
            intake.save_draft(draft_key(), category_id=chosen.id)
            return redirect(url_for("reports.details"), 303)
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
    """What the details step shows: earlier answers, else the QR link's or the account's grid."""
    home = current_user.grid_id if current_user.is_authenticated else None
    return {
        "description": draft.get("description", ""),
        "address": draft.get("address", ""),
        "grid": draft.get("grid_id") or session.get("grid_id") or home,
    }


@bp.route("/new/details", methods=["GET", "POST"])
@allow("public")
def details():
    draft, back = require_answers("category_id")
    if back:
        return back
    category = db.session.get(Category, draft["category_id"])
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
            description=(form.description.data or "").strip()[:1000],
            address=(form.address.data or "").strip()[:200],
        )
        return redirect(url_for("reports.new"), 303)
    valid = form.validate_on_submit()
    if posted and questions.validate() and valid:
        intake.save_draft(
            draft_key(),
            description=form.description.data.strip(),
            grid_id=form.grid.data,
            address=form.address.data.strip(),
            lat=form.lat.data,
            lng=form.lng.data,
            answers=answers_of(questions),
        )
        similar = intake.similar_reports(form.grid.data, draft["category_id"])
        return redirect(url_for("reports.similar" if similar else "reports.add_photos"), 303)
    return render(
        "reports/details.html",
        status=422 if form.errors or questions.errors else 200,
        form=form,
        questions=questions,
        category=category,
    )


@bp.route("/new/similar")
@allow("public")
def similar():
    draft, back = require_answers("category_id", "description")
    if back:
        return back
    reports = intake.similar_reports(draft["grid_id"], draft["category_id"])
    if not reports:
        return redirect(url_for("reports.add_photos"), 303)
    return render("reports/similar.html", reports=reports)


@bp.route("/new/photos", methods=["GET", "POST"])
@allow("public")
@limiter.limit("30/hour", methods=["POST"])
def add_photos():
    draft, back = require_answers("category_id", "description")
    if back:
        return back
    key = draft_key()
    form = PhotosForm()
    stored = intake.draft_photos(key)
    if form.validate_on_submit():
        files = [f for f in request.files.getlist("photos") if f and f.filename]
        if len(stored) + len(files) > photos.MAX_PHOTOS:
            form.photos.errors.append(_("最多只能上传3张照片。"))
        else:
            try:
                for upload in files:
                    name, size = photos.save_photo(upload.stream)
                    db.session.add(ReportPhoto(draft_key=key, filename=name, thumb_bytes=size))
                    db.session.commit()
            except Refused as e:
                form.photos.errors.append(str(e))
            else:
                return redirect(url_for("reports.contact"), 303)
        stored = intake.draft_photos(key)
    return render(
        "reports/photos.html", status=422 if form.errors else 200, form=form, stored=stored
    )


@bp.route("/new/contact", methods=["GET", "POST"])
@allow("public")
def contact():
    draft, back = require_answers("category_id", "description")
    if back:
        return back
    staff = current_user.is_authenticated and "grid_worker" in current_user.roles
    form = ProxyForm() if staff else ContactForm()
    if request.method == "GET":
        form.phone.data = draft.get("phone", "")
        form.name.data = draft.get("name", "")
        if staff:
            form.mode.data = draft.get("mode", "patrol")
    if form.validate_on_submit():
        answers = {"phone": form.phone.data or "", "name": (form.name.data or "").strip()}
        if staff:
            answers["mode"] = form.mode.data
            if form.mode.data == "resident" and not form.phone.data:
                form.phone.errors.append(_("替居民反映时，请填写居民的手机号，方便回访。"))
        if not form.errors:
            intake.save_draft(draft_key(), **answers)
            return redirect(url_for("reports.check"), 303)
    return render(
        "reports/contact.html", status=422 if form.errors else 200, form=form, staff=staff
    )


@bp.route("/new/check", methods=["GET", "POST"])
@allow("public")
@limiter.limit("10/minute;60/hour", methods=["POST"])
def check():
    key = request.form.get("key") if request.method == "POST" else session.get("draft")
    if request.method == "POST":
        done = db.session.scalar(select(Report).where(Report.submission_key == (key or "")))
        if done:  # the same form sent twice by a flaky link: the key proves it is theirs
            remember_tracked(done)
            session["receipt"] = [done.id, refs.tracking_code(key)]
            return redirect(url_for("reports.show", ref=done.ref, new=1), 303)
    draft = intake.load_draft(key)
    if not draft or not draft.get("description"):
        return redirect(url_for("reports.new"), 303)
    if request.method == "POST":
        reporter, proxy, source = intake_people(draft)
        try:
            report = intake.submit_report(
                key,
                draft,
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
        return redirect(url_for("reports.show", ref=report.ref, new=1), 303)
    return render(
        "reports/check.html",
        draft=draft,
        key=key,
        category=db.session.get(Category, draft["category_id"]),
        grid=db.session.get(Grid, draft["grid_id"]),
        stored=intake.draft_photos(key),
    )


def intake_people(draft):
    """Who reported: the signed-in resident, a resident a grid worker files for, or a patrol.

    A case filed for a resident joins their account only when they live in one of the worker's
    grids; otherwise it stays anonymous, with the phone as the contact."""
    if not current_user.is_authenticated:
        return None, None, "web"
    if "grid_worker" in current_user.roles and draft.get("mode"):
        if draft["mode"] == "resident":
            resident = find_user(draft.get("phone", ""))
            if resident and not (resident.grid and can(resident.grid, "grid_worker")):
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
    link = current_app.config["PUBLIC_BASE_URL"] + url_for("reports.follow", code=code)
    refs.send_receipt(report, code, link, report.reporter_locale)


# ---- one report: tracking, timeline, actions ----------------------------------------------


def remember_tracked(report):
    tracked = set(session.get("tracked", []))
    tracked.add(report.id)
    session["tracked"] = sorted(tracked)[-20:]


def is_tracker(report):
    return report.id in session.get("tracked", [])


def is_staff_for(report):
    if not current_user.is_authenticated:
        return False
    return (
        can(report.grid, "dispatcher", "grid_worker", "admin")
        or report.assignee_id == current_user.id
        or any(can(d, "handler") for d in [report.department, *report.helper_departments] if d)
    )


def viewer(report):
    """'staff', 'owner' or 'public'; a 404 when this person may not see the report at all."""
    if is_staff_for(report):
        return "staff"
    owner = current_user.is_authenticated and report.reporter_id == current_user.id
    if owner or is_tracker(report):
        return "owner"
    if report.is_public:
        return "public"
    abort(404)


def report_or_404(ref):
    report = refs.find_report(ref)
    if report is None:
        abort(404)
    return report


def receipt_code(report):
    receipt = session.get("receipt")
    if receipt and receipt[0] == report.id:
        return refs.grouped_code(receipt[1])
    return None


def show_page(report, status=200, error=None, typed=None, phone=None):
    role = viewer(report)
    tracker = is_tracker(report)
    return render(
        "reports/show.html",
        status=status,
        report=report,
        role=role,
        actions=services.actions_for(report, current_user, tracker) if role != "public" else {},
        events=[e for e in report.events if e.public or role == "staff"],
        error=error,
        typed=typed or {},
        phone=phone,
        can_reveal=role == "staff" and services.may_reveal_phone(report, current_user),
        can_publish=role == "staff" and report.is_public and can(report.grid, "dispatcher"),
        assignees=assignee_choices(report) if role == "staff" else None,
        urgencies=URGENCIES,
        ratings={k: v for k, v in RATINGS.items() if k != "no_response"},
        states=STATES,
        receipt=receipt_code(report) if role == "owner" else None,
    )


def assignee_choices(report):
    if not can(report.grid, "dispatcher"):
        return None
    workers = staff_for("grid_worker", report.grid)
    departments = db.session.scalars(
        select(Department).where(
            Department.street_id == report.grid.community.street_id, Department.active
        )
    ).all()
    return {"workers": workers, "departments": departments}


@bp.route("/<ref>")
@allow("public")
def show(ref):
    return show_page(report_or_404(ref))


# Form fields that are not the step's answers (and would clash with apply()'s own arguments).
NOT_GIVEN = {"csrf_token", "version", "tracker", "report", "action", "actor"}


@bp.route("/<ref>/act/<action>", methods=["POST"])
@allow("public")
@limiter.limit("60/minute")
def act(ref, action):
    report = report_or_404(ref)
    viewer(report)
    before = report.state
    given = {k: v for k, v in request.form.items() if k not in NOT_GIVEN}
    given["helpers"] = request.form.getlist("helpers")
    given["internal"] = request.form.get("internal") == "1"
    asked = {"version": request.form.get("version"), "tracker": is_tracker(report)}
    upload = request.files.get("photo")
    try:
        # Whether this person may take this step is asked before any work is done for it.
        services.allowed_step(report, action, current_user, **asked)
        if action == "handle" and upload and upload.filename:
            given["photo"] = photos.save_photo(upload.stream)
        services.apply(report, action, current_user, **asked, **given)
    except services.Conflict as e:
        db.session.rollback()
        drop_photo(given)
        return lost_race(ref, str(e))
    except Refused as e:
        db.session.rollback()
        drop_photo(given)
        return show_page(refs.find_report(ref), status=422, error=(action, str(e)), typed=given)
    flash(_("已完成：%(step)s", step=services.FLOW.transitions[(before, action)].label), "success")
    return redirect(url_for("reports.show", ref=ref), 303)


def drop_photo(given):
    """A photo stored for a step that was then not taken is not kept."""
    if given.get("photo"):
        photos.remove_photo(given["photo"][0])


def lost_race(ref, message):
    """Someone else moved the case first: the case as it is now, and why the step was not taken.
    htmx gets 409 and the page to swap in; a plain form is sent to the case page (303)."""
    flash(message, "error")
    if is_htmx():
        return show_page(refs.find_report(ref), status=409)
    return redirect(url_for("reports.show", ref=ref), 303)


@bp.route("/<ref>/phone", methods=["POST"])
@allow("dispatcher", "handler", "grid_worker")
def phone(ref):
    report = report_or_404(ref)
    try:
        number = services.reveal_phone(report, current_user)
    except Refused:
        abort(403)
    response = show_page(report, phone=number)
    response.headers["Cache-Control"] = "no-store"
    return response


DEVICE_COOKIE = "device"
DEVICE_TOKEN = re.compile(r"[\w-]{16,40}")
DEVICE_DAYS = 730


def network_of(address):
    """The /24 (IPv4) or /48 (IPv6) a client's address belongs to."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


@bp.route("/<ref>/metoo", methods=["POST"])
@allow("public")
@limiter.limit("20/hour")
def metoo(ref):
    report = report_or_404(ref)
    if viewer(report) == "staff":
        abort(403)
    # A browser keeps its device token for two years, through new sessions and sign-outs.
    device = request.cookies.get(DEVICE_COOKIE, "")
    if not DEVICE_TOKEN.fullmatch(device):
        device = intake.new_draft_key()
    if current_user.is_authenticated:
        who, network = f"user:{current_user.id}", ""
    else:
        who, network = f"device:{device}", network_of(request.remote_addr)
    try:
        added = intake.add_metoo(report, who, network)
    except Refused as e:
        flash(str(e), "error")
    else:
        flash(
            _("谢谢，已记下您也遇到了这个问题。") if added else _("您已经说过“我也遇到”了。"),
            "success",
        )
    if session.get("draft") and request.form.get("from") == "intake":
        session.pop("draft", None)
    response = redirect(url_for("reports.show", ref=ref), 303)
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.route("/photo/<int:photo_id>")
@allow("public")
def photo(photo_id):
    item = db.session.get(ReportPhoto, photo_id) or abort(404)
    if item.report is None:
        if item.draft_key != session.get("draft"):
            abort(404)
    else:
        role = viewer(item.report)
        if role == "public" and not item.fit_for_public:
            abort(404)
    response = send_file(
        photos.path_of(item.filename, thumb=request.args.get("size") == "thumb"),
        mimetype="image/jpeg",
    )
    # Photos of people's doorsteps: never kept by a shared phone's browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/photo/<int:photo_id>/public", methods=["POST"])
@allow("dispatcher")
def photo_public(photo_id):
    item = db.session.get(ReportPhoto, photo_id)
    if item is None or item.report is None:
        abort(404)
    if request.form.get("checked") != "yes":
        flash(_("请先看清照片，勾选“照片里没有人脸、车牌、门牌号”再公开。"), "error")
        return redirect(url_for("reports.show", ref=item.report.ref), 303)
    try:
        services.mark_photo_public(item, current_user)
    except Refused:
        abort(403)
    return redirect(url_for("reports.show", ref=item.report.ref), 303)


@bp.route("/track", methods=["GET", "POST"])
@allow("public")
@limiter.limit("10/minute;50/hour", methods=["POST"])
def track():
    form = TrackForm()
    if form.validate_on_submit():
        try:
            report = refs.check_tracking(form.ref.data, form.code.data)
        except Refused as e:
            form.code.errors.append(str(e))
        else:
            remember_tracked(report)
            return redirect(url_for("reports.show", ref=report.ref), 303)
    return render(
        "reports/track.html",
        status=422 if form.errors else 200,
        form=form,
        remembered=bool(session.get("tracked") or session.get("draft")),
    )


@bp.route("/t/<code>")
@allow("public")
@limiter.limit("20/minute;100/hour")
def follow(code):
    """The link in the receipt SMS: the tracking code alone opens the case on this phone."""
    report = refs.find_by_tracking_code(code)
    if report is None:
        abort(404)
    remember_tracked(report)
    return redirect(url_for("reports.show", ref=report.ref), 303)


@bp.route("/track/forget", methods=["POST"])
@allow("public")
def forget():
    """A shared phone forgets the cases it followed and the report it was writing."""
    for name in ("tracked", "receipt", "draft", "grid_id", "visitor"):
        session.pop(name, None)
    flash(_("这台手机已经不再记得您查过的反映。"), "success")
    return redirect(url_for("reports.track"), 303)


@bp.route("/mine")
@allow("user")
def mine():
    return render("reports/mine.html", reports=lists.my_reports(current_user))


# ---- staff: the dispatcher's queue, my tasks, the reveal log ----------------------------


QUEUE_FILTERS = ("state", "grid", "category", "urgency", "overdue")


@bp.route("/queue")
@allow("dispatcher", "admin")
def queue():
    args = request.args
    after = None
    if args.get("after"):
        stamp, _sep, last = args["after"].partition("_")
        try:
            after = (datetime.fromisoformat(stamp), strict_int(last))
        except ValueError:
            abort(400)
    filters = {
        "state": args.get("state") if args.get("state") in STATES else None,
        "grid_id": args.get("grid", type=int),
        "category_id": args.get("category", type=int),
        "urgency": args.get("urgency") if args.get("urgency") in URGENCIES else None,
        "overdue": args.get("overdue") == "1",
    }
    rows = lists.dispatcher_queue(current_user, after=after, **filters)
    more = len(rows) > lists.PAGE
    rows = rows[: lists.PAGE]
    next_url = None
    if more and rows[-1].deadline_at:
        after_key = f"{rows[-1].deadline_at.isoformat()}_{rows[-1].id}"
        # Only the filters travel on: any other key (_external, _scheme) would steer url_for.
        kept = {k: args[k] for k in QUEUE_FILTERS if args.get(k)}
        next_url = url_for("reports.queue", **kept, after=after_key)
    return render(
        "reports/queue.html",
        block="rows",
        rows=rows,
        next_url=next_url,
        filters=filters,
        states=STATES,
        urgencies=URGENCIES,
        grids=db.session.scalars(select(Grid).where(Grid.active).order_by(Grid.code)).all(),
        categories=db.session.scalars(
            select(Category).where(Category.active).order_by(Category.id)
        ).all(),
    )


@bp.route("/tasks")
@allow("grid_worker", "handler")
def tasks():
    return render("reports/tasks.html", rows=lists.my_tasks(current_user))


@bp.route("/reveals")
@allow("admin")
def reveals():
    rows = db.session.scalars(select(PhoneReveal).order_by(PhoneReveal.id.desc()).limit(200)).all()
    return render("reports/reveals.html", rows=rows)

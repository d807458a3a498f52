"""One case: its page (timeline and the buttons of the workflow table), its steps, the phone
reveal, photos, "me too", and tracking by reference and code."""

import ipaddress
import re

from flask import abort, current_app, flash, redirect, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.people import staff_for
from blueprints.core.access import PUBLIC, SIGNED_IN, allow, can
from blueprints.core.acts import ActView
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.places.services import street_departments
from blueprints.reports import follows, intake, photos, privacy, refs, workflow
from blueprints.reports.blueprint import bp
from blueprints.reports.forms import TrackForm
from blueprints.reports.models import (
    RATINGS,
    STATES,
    URGENCIES,
    ReportPhoto,
    grouped_code,
)
from blueprints.reports.steps import Assignee
from blueprints.reports.viewers import (
    case_version,
    held_grants,
    is_tracker,
    remember_tracked,
    report_or_404,
    viewer,
)
from blueprints.util import geo
from blueprints.web import responses
from blueprints.web.htmx import render
from blueprints.web.inputs import parse_int
from extensions import db, limiter


def receipt_code(report):
    receipt = session.get("receipt")
    if receipt and receipt[0] == report.id:
        return grouped_code(receipt[1])
    return None


def onlooker(report):
    """Who is looking (a 404 for someone who may not), and what of theirs the page shows."""
    role = viewer(report)
    return {
        "role": role,
        "tracker": is_tracker(report),
        "metoo_done": role == "public" and intake.has_metoo(report, metoo_who()),
        "following": role == "public" and follows.is_following(report, current_user),
    }


def show_page(report, status=200, error=None, typed=None, phone=None, looking=None):
    looking = looking or onlooker(report)
    role, tracker = looking["role"], looking["tracker"]
    actions = workflow.actions_for(report, current_user, tracker) if role != "public" else {}
    primary, others = workflow.primary_first(report, actions)
    return render(
        "reports/show.html",
        status=status,
        report=report,
        role=role,
        actions=actions,
        primary=primary,
        others=others,
        events=[e for e in report.events if e.public or role == "staff"],
        error=error,
        typed=typed or {},
        phone=phone,
        can_reveal=role == "staff" and privacy.may_reveal_phone(report, current_user),
        can_publish=role == "staff" and report.is_public and can(report.grid, Role.DISPATCHER),
        place=place_links(report) if role == "staff" else None,
        assignees=assignee_choices(report) if asks_assignee(actions) else None,
        urgencies=URGENCIES,
        ratings={k: v for k, v in RATINGS.items() if k != "no_response"},
        states=STATES,
        receipt=receipt_code(report) if role == "owner" else None,
        metoo_done=looking["metoo_done"],
        following=looking["following"],
    )


def place_links(report):
    """Where the case is, for staff: the plain coordinates and links that open the phone's own
    map apps (never map tiles). None when no location came with the report."""
    if report.lat is None or report.lng is None:
        return None
    label = report.address or report.category.name
    return {
        "coords": f"{report.lat:.6f}, {report.lng:.6f}",
        "geo": geo.geo_uri(report.lat, report.lng, label),
        "amap": geo.amap_marker(report.lat, report.lng, label),
    }


def asks_assignee(actions):
    """Does one of the page's steps ask whom to send the case to (dispatch, transfer)?"""
    return any("assignee" in step.needs for step in actions.values())


def assignee_choices(report):
    if not can(report.grid, Role.DISPATCHER):
        return None
    workers = staff_for(Role.GRID_WORKER, report.grid)
    departments = street_departments(report.grid.community.street_id)
    return {"workers": workers, "departments": departments}


@bp.route("/<ref>")
@allow(PUBLIC)
def show(ref):
    report = report_or_404(ref)
    looking = onlooker(report)
    # The viewer's grants and role go into the tag as well as the account: a page is never
    # another person's, nor one drawn for powers its reader no longer has.
    version = (*case_version(report), *looking.values(), held_grants())
    unchanged = responses.unchanged_since(*version)
    if unchanged:
        return unchanged
    return show_page(report, looking=looking)


class CaseSteps(ActView):
    """The steps of a case, taken from its page: the one action URL of the workflow core."""

    flow = workflow.FLOW
    # Steps that may bring a photo: the handler's "after", the reporter's update.
    photo_steps = ("handle", "add_update")

    def load(self, ref):
        report = report_or_404(ref)
        viewer(report)
        return report

    def url(self, report):
        return url_for("reports.show", ref=report.ref)

    def page(self, report, status, error=None, typed=None):
        return show_page(report, status=status, error=error, typed=typed)

    def context(self, report):
        return {"tracker": is_tracker(report)}

    def inputs(self, report, action):
        """A step's answers as the effects take them: text as typed, whom to hand it to as an
        Assignee, helper departments as ids, hours as a number (0 when it is not one), and a
        photo stored (only now that the person may take the step)."""
        given = super().inputs(report, action)
        form = request.form
        given["assignee"] = parse_assignee(form.get("assignee"))
        given["helpers"] = [n for n in map(parse_int, form.getlist("helpers")) if n]
        given["internal"] = form.get("internal") == "1"
        given["public_note"] = form.get("public_note") == "1"
        if form.get("hours", "").strip():
            given["hours"] = parse_int(form["hours"], default=0)
        else:
            given.pop("hours", None)
        upload = request.files.get("photo")
        if action in self.photo_steps and upload and upload.filename:
            given["photo"] = photos.save_photo(upload.stream)
        return given

    def dropped(self, given):
        """A photo stored for a step that was then not taken is not kept."""
        if given.get("photo"):
            photos.remove_photo(given["photo"][0])


CaseSteps().route(bp, "/<ref>/act/<action>", PUBLIC)


def parse_assignee(raw):
    """The assignee select's value ("user:12", "dept:3") as an Assignee, else None."""
    kind, _sep, ident = (raw or "").partition(":")
    number = parse_int(ident)
    if kind not in (Assignee.WORKER, Assignee.DEPARTMENT) or not number:
        return None
    return Assignee(kind, number)


@bp.route("/<ref>/phone", methods=["POST"])
@allow(Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER)
def phone(ref):
    report = report_or_404(ref)
    try:
        number = privacy.reveal_phone(report, current_user)
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


def metoo_who(device=None):
    """Who a "me too" is counted for: the account, else this browser's device token (or None)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    device = device or request.cookies.get(DEVICE_COOKIE, "")
    return f"device:{device}" if DEVICE_TOKEN.fullmatch(device) else None


@bp.route("/<ref>/follow", methods=["POST"])
@allow(SIGNED_IN)
@limiter.limit("30/hour")
def follow_case(ref):
    """关注: a resident is told of a neighbour's public case as its reporter is."""
    report = report_or_404(ref)
    if viewer(report) != "public":
        abort(403)
    try:
        follows.follow_report(report, current_user)
    except Refused as e:
        flash(str(e), "error")
    else:
        flash(_("已关注。这件事有进展时，会在“消息”里告诉您。"), "success")
    return redirect(url_for("reports.show", ref=ref), 303)


@bp.route("/<ref>/unfollow", methods=["POST"])
@allow(SIGNED_IN)
def unfollow_case(ref):
    report = report_or_404(ref)
    viewer(report)
    follows.unfollow_report(report, current_user)
    flash(_("已取消关注。"), "success")
    return redirect(url_for("reports.show", ref=ref), 303)


@bp.route("/<ref>/metoo", methods=["POST"])
@allow(PUBLIC)
@limiter.limit("20/hour")
def metoo(ref):
    report = report_or_404(ref)
    if viewer(report) == "staff":
        abort(403)
    # A browser keeps its device token for two years, through new sessions and sign-outs.
    device = request.cookies.get(DEVICE_COOKIE, "")
    if not DEVICE_TOKEN.fullmatch(device):
        device = intake.new_draft_key()
    who = metoo_who(device)
    network = "" if current_user.is_authenticated else network_of(request.remote_addr)
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
@allow(PUBLIC)
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
@allow(Role.DISPATCHER)
def photo_public(photo_id):
    item = db.session.get(ReportPhoto, photo_id)
    if item is None or item.report is None:
        abort(404)
    if request.form.get("checked") != "yes":
        flash(_("请先看清照片，勾选“照片里没有人脸、车牌、门牌号”再公开。"), "error")
        return redirect(url_for("reports.show", ref=item.report.ref), 303)
    try:
        privacy.mark_photo_public(item, current_user)
    except Refused:
        abort(403)
    return redirect(url_for("reports.show", ref=item.report.ref), 303)


@bp.route("/track", methods=["GET", "POST"])
@allow(PUBLIC)
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
@allow(PUBLIC)
@limiter.limit("20/minute;100/hour")
def follow(code):
    """The link in the receipt SMS: the tracking code alone opens the case on this phone."""
    report = refs.find_by_tracking_code(code)
    if report is None:
        abort(404)
    remember_tracked(report)
    return redirect(url_for("reports.show", ref=report.ref), 303)


@bp.route("/track/forget", methods=["POST"])
@allow(PUBLIC)
def forget():
    """A shared phone forgets the cases it followed and the report it was writing."""
    for name in ("tracked", "receipt", "draft", "grid_id", "visitor"):
        session.pop(name, None)
    flash(_("这台手机已经不再记得您查过的反映。"), "success")
    return redirect(url_for("reports.track"), 303)

from datetime import timedelta
from functools import partial

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core import features
from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.errors import or_404
from blueprints.core.roles import Role
from blueprints.core.workflow import Conflict, Refused
from blueprints.places.routes import qr_svg
from blueprints.places.services import active_communities
from blueprints.util.exports import ics_event
from blueprints.util.times import utcnow
from blueprints.volunteers import activities, hours, profiles, signups
from blueprints.volunteers.cli import tick
from blueprints.volunteers.demo import load_demo_volunteers
from blueprints.volunteers.forms import (
    ActivityForm,
    CodeForm,
    FilterForm,
    ProfileForm,
    ShiftForm,
    VerifyForm,
    WalkInForm,
)
from blueprints.volunteers.models import SKILLS, Activity, HoursRecord, Signup
from blueprints.web import pages
from blueprints.web.htmx import advance, render
from blueprints.web.links import public_url
from extensions import db, limiter

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")
bp.cli.add_command(tick)
bp.record_once(features.home("volunteers/_home.html", order=25))
bp.record_once(features.demo(load_demo_volunteers))
bp.record_once(
    features.section(
        "orgs.org", "volunteers/_org_activities.html", activities.of_active_org, order=10
    )
)


@bp.app_context_processor
def volunteer_words():
    return {
        "skills_text": lambda codes: "、".join(str(SKILLS[c]) for c in codes if c in SKILLS),
        "signup_flow": signups.FLOW,
        "hours_flow": hours.FLOW,
    }


def field_error(form, e):
    """A service's refusal shown on its field, or at the top of the form."""
    target = getattr(form, e.field, None) if e.field else None
    (target.errors if target is not None else form.form_errors).append(str(e))


# ---- activities -------------------------------------------------------------------------


@bp.route("/")
@allow(PUBLIC)
def index():
    form = FilterForm(request.args)
    form.community.choices = [(0, _("全部社区"))] + [(c.id, c.name) for c in active_communities()]
    form.skill.choices = [("", _("全部技能"))] + [(k, v) for k, v in SKILLS.items()]
    form.validate()
    past = request.args.get("past") == "1"
    query, keyset = activities.activity_list(
        community_id=form.community.data or None,
        day=form.day.data if not form.day.errors else None,
        skill=form.skill.data or None,
        past=past,
    )
    after = keyset.read(request.args)
    rows, more = keyset.page(query, after)
    kept = {name: request.args.get(name) for name in ("community", "day", "skill", "past")}
    links = keyset.links("volunteers.index", rows, more, after, **kept)
    return render(
        "volunteers/index.html", block="rows", form=form, rows=rows, links=links, past=past
    )


@bp.route("/activities/<int:activity_id>")
@allow(PUBLIC)
def show(activity_id):
    activity = or_404(db.session.get(Activity, activity_id))
    profile = profiles.profile_of(current_user)
    mine = signups.signups_for(profile, activity) if profile else {}
    return render(
        "volunteers/show.html",
        activity=activity,
        profile=profile,
        mine=mine,
        position=signups.waitlist_position,
        organizer=activities.may_run(current_user, activity),
        helped=proxy_residents(),
        now=utcnow(),
        cutoff=signups.cancel_cutoff,
        sections=features.sections("volunteers.show", activity),
    )


def proxy_residents():
    """Residents of this grid worker's grids who let a grid worker sign up for them."""
    if not current_user.is_authenticated or Role.GRID_WORKER not in current_user.roles:
        return []
    return profiles.proxy_profiles(activities.grid_workers_community(current_user))


def organizer_form(form):
    form.community_id.choices = [
        (c.id, c.name) for c in activities.organized_communities(current_user)
    ]
    form.org_id.choices = [(0, _("社区发布"))] + [
        (org.id, org.name) for org in activities.officer_orgs(current_user)
    ]


@bp.route("/activities/new", methods=["GET", "POST"])
@allow(SIGNED_IN)  # staff of a community, or the officer of an approved group: checked inside
def new():
    form = ActivityForm()
    organizer_form(form)
    if not form.community_id.choices:
        abort(403)
    if form.validate_on_submit():
        try:
            activity = activities.post_activity(current_user, form.data)
        except Refused as e:
            field_error(form, e)
        else:
            flash(_("活动已发布。"), "success")
            return redirect(url_for("volunteers.show", activity_id=activity.id), 303)
    return render("volunteers/new.html", status=422 if form.errors else 200, form=form)


@bp.route("/activities/<int:activity_id>/shifts/new", methods=["GET", "POST"])
@allow(SIGNED_IN)  # staff of a community, or the officer of an approved group: checked inside
def add_shift(activity_id):
    activity = or_404(db.session.get(Activity, activity_id))
    if not activities.may_run(current_user, activity):
        abort(403)
    form = ShiftForm()
    if form.validate_on_submit():
        try:
            activities.add_shift(current_user, activity, form.data)
        except Refused as e:
            field_error(form, e)
        else:
            flash(_("班次已添加。"), "success")
            return redirect(url_for("volunteers.show", activity_id=activity.id), 303)
    return render(
        "volunteers/shift_new.html",
        status=422 if form.errors else 200,
        form=form,
        activity=activity,
    )


@bp.route("/organize")
@allow(SIGNED_IN)  # staff of a community, or the officer of an approved group: checked inside
def organize():
    places = activities.organized_communities(current_user)
    if not places:
        abort(403)
    rows = [
        a
        for c in places
        for a, _starts in activities.list_activities(community_id=c.id)
        if activities.may_run(current_user, a)
    ]
    return render(
        "volunteers/organize.html",
        rows=rows,
        pending=hours.pending_for(current_user),
        places=places,
    )


# ---- the volunteer's profile ----------------------------------------------------------------


@bp.route("/profile", methods=["GET", "POST"])
@allow(SIGNED_IN)
def profile():
    existing = profiles.profile_of(current_user)
    form = ProfileForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET" and existing:
        form.skills.data = existing.skill_list
        form.rules.data = True
        form.guardian_phone.data = existing.guardian_phone
    if request.method == "GET" and not existing and current_user.grid:
        form.community_id.data = current_user.grid.community_id
    form.community_id.choices = [(0, _("请选择"))] + [(c.id, c.name) for c in active_communities()]
    if form.validate_on_submit():
        try:
            saved = profiles.save_profile(current_user, form.data)
        except Refused as e:
            field_error(form, e)
        else:
            flash(_("志愿者资料已保存，编号 %(n)s。", n=saved.number), "success")
            return redirect(url_for("volunteers.mine"), 303)
    return render(
        "volunteers/profile.html",
        status=422 if form.errors else 200,
        form=form,
        profile=existing,
    )


@bp.route("/pass", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("20/hour", methods=["POST"])
def show_pass():
    """The code (and QR) a volunteer shows an organizer to be added to a shift on the spot."""
    volunteer = profiles.profile_of(current_user)
    if volunteer is None:
        flash(_("请先填写志愿者资料。"), "error")
        return redirect(url_for("volunteers.profile"), 303)
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            profiles.revoke_pass(volunteer)
        else:
            profiles.show_pass(volunteer)
        return redirect(url_for("volunteers.show_pass"), 303)
    live = volunteer.pass_code and volunteer.pass_code_until > utcnow()
    return render(
        "volunteers/pass.html",
        profile=volunteer,
        live=live,
        qr=qr_svg(volunteer.pass_code) if live else None,
    )


@bp.route("/guardian/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("20/hour", methods=["POST"])
def guardian(token):
    try:
        child = profiles.guardian_profile(token)
    except Refused as e:
        return render("volunteers/link_problem.html", status=404, problem=str(e))
    if request.method == "POST" and request.form.get("agree") == "yes":
        profiles.record_guardian_consent(child)
        flash(_("谢谢，已记下您的同意。"), "success")
        return redirect(url_for("volunteers.guardian", token=token), 303)
    return render("volunteers/guardian.html", child=child, token=token)


# ---- signing up ---------------------------------------------------------------------------------


@bp.route("/shifts/<int:shift_id>/join", methods=["POST"])
@allow(SIGNED_IN)
@limiter.limit("30/minute")
def join(shift_id):
    shift = activities.get_shift(shift_id)
    if request.form.get("for"):
        volunteer = profiles.helped_profile(request.form.get("for", type=int), current_user)
        if volunteer is None:
            abort(403)
    else:
        volunteer = profiles.profile_of(current_user)
        if volunteer is None:
            flash(_("报名前请先填写志愿者资料。"), "error")
            return redirect(url_for("volunteers.profile"), 303)
    try:
        signup = signups.join_shift(shift, volunteer, current_user)
    except Refused as e:
        flash(str(e), "error")
        if shift is None:
            return redirect(url_for("volunteers.index"), 303)
        return redirect(url_for("volunteers.show", activity_id=shift.activity_id), 303)
    if signup.state == "confirmed":
        flash(_("报名成功，您已报上。"), "success")
    else:
        flash(
            _("这个班次满了，已为您候补，排第 %(n)s 位。", n=signups.waitlist_position(signup)),
            "success",
        )
    return advance(url_for("volunteers.signup", signup_id=signup.id))


def signup_or_404(signup_id):
    signup = or_404(db.session.get(Signup, signup_id))
    if not any(
        test(signup, current_user, {})
        for test in (signups.is_volunteer, signups.is_proxy, signups.is_organizer)
    ):
        abort(404)
    return signup


@bp.route("/signups/<int:signup_id>")
@allow(SIGNED_IN)
def signup(signup_id):
    item = signup_or_404(signup_id)
    return signup_page(item)


def signup_page(item, status=200):
    return render(
        "volunteers/signup.html",
        status=status,
        signup=item,
        position=signups.waitlist_position(item),
        actions=signups.FLOW.actions_for(item, current_user),
        cutoff=signups.cancel_cutoff(item.shift),
        now=utcnow(),
    )


@bp.route("/signups/<int:signup_id>/act/<action>", methods=["POST"])
@allow(SIGNED_IN)
@limiter.limit("60/minute")
def act(signup_id, action):
    item = signup_or_404(signup_id)
    label = signups.FLOW.label_of(action)
    try:
        signups.act(item, action, current_user, request.form.get("version"))
    except Conflict as e:
        flash(str(e), "error")
    except Refused as e:
        db.session.rollback()
        flash(str(e), "error")
        return signup_page(db.session.get(Signup, signup_id), status=422)
    else:
        flash(_("已完成：%(step)s", step=label), "success")
    back = request.form.get("back")
    if back == "roster":
        return redirect(url_for("volunteers.roster", shift_id=item.shift_id), 303)
    return redirect(url_for("volunteers.signup", signup_id=signup_id), 303)


@bp.route("/c/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("30/hour", methods=["POST"])
def confirm(token):
    """The link sent the day before (and with an offer): works without signing in."""
    try:
        item = signups.confirm_page_signup(token)
    except Refused as e:
        return render("volunteers/link_problem.html", status=404, problem=str(e))
    error = None
    if request.method == "POST":
        action = request.form.get("action", "")
        if action not in ("confirm_coming", "cancel", "accept", "decline"):
            abort(400)
        try:
            signups.act(item, action, current_user, request.form.get("version"), token_for=item.id)
        except Refused as e:
            db.session.rollback()
            error = str(e)
            item = db.session.get(Signup, item.id)
        else:
            flash(_("已完成：%(step)s", step=signups.FLOW.label_of(action)), "success")
            # A step that changed the state retired this link: the page goes on with a new one.
            return redirect(url_for("volunteers.confirm", token=signups.confirm_token(item)), 303)
    return render(
        "volunteers/confirm.html",
        status=422 if error else 200,
        signup=item,
        error=error,
        actions=signups.FLOW.actions_for(item, current_user, token_for=item.id),
        cutoff=signups.cancel_cutoff(item.shift),
        now=utcnow(),
        token=token,
    )


# ---- check-in -------------------------------------------------------------------------------


@bp.route("/shifts/<int:shift_id>/check-in", methods=["GET", "POST"])
@allow(SIGNED_IN)
# Wrong codes are counted per shift and person, in the database (signups.check_code): a count per
# shift or per address would let one person's guesses lock out everyone on site.
def check_in(shift_id):
    shift = or_404(activities.get_shift(shift_id))
    volunteer = profiles.profile_of(current_user)
    item = signups.signup_of(shift, volunteer) if volunteer else None
    form = CodeForm(code=request.args.get("code", "")) if request.method == "GET" else CodeForm()
    if item is None or item.state not in ("confirmed", "checked_in"):
        return render(
            "volunteers/check_in.html",
            status=403 if request.method == "POST" else 200,
            shift=shift,
            signup=item,
            form=None,
        )
    too_many = False
    if form.validate_on_submit():
        action = "check_in" if item.state == "confirmed" else "check_out"
        try:
            signups.check_code(item, form.code.data, action)
        except Refused as e:
            db.session.rollback()
            too_many = isinstance(e, signups.TooManyTries)
            field_error(form, e)
            if not e.field:
                form.code.errors.append(form.form_errors.pop())
        else:
            flash(_("签到成功。") if action == "check_in" else _("签退成功，谢谢您。"), "success")
            return redirect(url_for("volunteers.signup", signup_id=item.id), 303)
    return render(
        "volunteers/check_in.html",
        status=429 if too_many else 422 if form.errors else 200,
        shift=shift,
        signup=item,
        form=form,
    )


def shift_for_organizer(shift_id):
    shift = or_404(activities.get_shift(shift_id))
    if not activities.may_run(current_user, shift.activity):
        abort(403)
    return shift


@bp.route("/shifts/<int:shift_id>")
@allow(SIGNED_IN)  # staff of a community, or the officer of an approved group: checked inside
def roster(shift_id, walk_form=None, status=200):
    shift = shift_for_organizer(shift_id)
    now = utcnow()
    link = signups.code_url(shift)
    return render(
        "volunteers/roster.html",
        status=status,
        shift=shift,
        rows=signups.roster(shift),
        actions=lambda s: signups.FLOW.actions_for(s, current_user),
        position=signups.waitlist_position,
        records=hours.shift_records(shift),
        code_open=shift.starts_at - signups.CHECK_IN_OPENS
        <= now
        < shift.ends_at + signups.CODE_LASTS,
        qr=qr_svg(f"{link}?code={shift.code}"),
        walk_form=walk_form or WalkInForm(),
        now=now,
    )


def organizer_key():
    return f"walk-in:{current_user.get_id()}"


def wrong_code(response):
    return response.status_code == 422


@bp.route("/shifts/<int:shift_id>/walk-in", methods=["POST"])
@allow(SIGNED_IN)  # staff of a community, or the officer of an approved group: checked inside
# Refusals only (a wrong code among them): 20 an hour per organizer, wherever they type from.
@limiter.limit("20/hour", key_func=organizer_key, deduct_when=wrong_code)
def walk_in(shift_id):
    shift = shift_for_organizer(shift_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            signups.walk_in(shift, form.code.data, current_user)
        except Refused as e:
            db.session.rollback()
            field_error(form, e)
            if not e.field:
                form.code.errors.append(form.form_errors.pop())
        else:
            flash(_("已记为到场。"), "success")
            return redirect(url_for("volunteers.roster", shift_id=shift_id), 303)
    return roster(shift_id, walk_form=form, status=422)


@bp.route("/shifts/<int:shift_id>/hours.csv")
@allow(SIGNED_IN)  # staff of a community, or the officer of an approved group: checked inside
def export(shift_id):
    shift = shift_for_organizer(shift_id)
    response = make_response(hours.export_csv(shift, current_user))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename=shift-{shift.id}-hours.csv"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/shifts/<int:shift_id>/calendar.ics")
@allow(PUBLIC)
def ics(shift_id):
    shift = or_404(activities.get_shift(shift_id))
    title = shift.activity.title
    response = make_response(
        ics_event(
            "Volunteers",
            f"shift-{shift.id}@linli",
            shift.starts_at,
            shift.ends_at,
            ("SUMMARY", title),
            ("LOCATION", shift.activity.place),
            ("BEGIN", "VALARM"),
            ("TRIGGER", "-PT12H"),
            ("ACTION", "DISPLAY"),
            ("DESCRIPTION", title),
            ("END", "VALARM"),
        )
    )
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename=shift-{shift.id}.ics"
    return response


# ---- my shifts and hours ------------------------------------------------------------------------


@bp.route("/mine")
@allow(SIGNED_IN)
def mine():
    volunteer = profiles.profile_of(current_user)
    if volunteer is None:  # not a volunteer yet: the page says how to become one
        return render("volunteers/mine.html", profile=None)
    total = hours.approved_minutes(volunteer) / 60
    # Three lists, each in pages of its own.
    (rows, links), (records, record_links), (certificates, certificate_links) = pages.side_by_side(
        "volunteers.mine",
        request.args,
        (signups.MY_SIGNUPS, partial(signups.my_signups, volunteer)),
        (hours.RECORDS, partial(hours.records_of, volunteer)),
        (hours.CERTIFICATES, partial(hours.certificates_of, volunteer)),
    )
    return render(
        "volunteers/mine.html",
        profile=volunteer,
        rows=rows,
        links=links,
        position=signups.waitlist_position,
        records=records,
        record_links=record_links,
        total=round(total, 1),
        stars=hours.stars(total),
        certificates=certificates,
        certificate_links=certificate_links,
        now=utcnow(),
        soon=utcnow() + timedelta(days=1),
    )


def record_or_404(record_id):
    record = or_404(db.session.get(HoursRecord, record_id))
    if not (
        record.profile.user_id == current_user.id or hours.may_run_record(current_user, record)
    ):
        abort(404)
    return record


@bp.route("/hours/<int:record_id>")
@allow(SIGNED_IN)
def record(record_id, status=200, error=None):
    item = record_or_404(record_id)
    return render(
        "volunteers/hours.html",
        status=status,
        record=item,
        actions=hours.FLOW.actions_for(item, current_user),
        error=error,
    )


@bp.route("/hours/<int:record_id>/act/<action>", methods=["POST"])
@allow(SIGNED_IN)
def hours_act(record_id, action):
    item = record_or_404(record_id)
    given = {k: request.form.get(k, "") for k in ("note", "reason", "hours")}
    try:
        hours.apply(item, action, current_user, request.form.get("version"), **given)
    except Conflict as e:
        flash(str(e), "error")
    except Refused as e:
        db.session.rollback()
        return record(record_id, status=422, error=(action, str(e)))
    else:
        if action == "approve" and item.state == "awaiting_second":
            flash(
                _("超过签到签退时间的时长，要第二位组织者同意才计入。已请其他组织者确认。"), "error"
            )
        else:
            flash(_("已完成：%(step)s", step=hours.FLOW.label_of(action)), "success")
    return redirect(url_for("volunteers.record", record_id=record_id), 303)


# ---- certificates ---------------------------------------------------------------------------


@bp.route("/certificates", methods=["POST"])
@allow(SIGNED_IN)
@limiter.limit("10/hour")
def issue():
    volunteer = profiles.profile_of(current_user)
    if volunteer is None:
        abort(403)
    try:
        certificate = hours.issue_certificate(volunteer)
    except Refused as e:
        flash(str(e), "error")
        return redirect(url_for("volunteers.mine"), 303)
    return redirect(url_for("volunteers.certificate", number=certificate.number), 303)


@bp.route("/certificates/<number>")
@allow(SIGNED_IN)
def certificate(number):
    item = hours.find_certificate(number)
    if item is None or item.profile.user_id != current_user.id:
        abort(404)
    link = public_url(url_for("volunteers.verify_one", number=item.number))
    return render("volunteers/certificate.html", certificate=item, qr=qr_svg(link), link=link)


@bp.route("/verify")
@allow(PUBLIC)
@limiter.limit("30/minute;300/hour")
def verify():
    form = VerifyForm(request.args)
    found = asked = None
    if request.args.get("number") is not None and form.validate():
        asked = hours.normalize_number(form.number.data)
        found = hours.find_certificate(asked)
    return render(
        "volunteers/verify.html",
        status=200,
        form=form,
        found=found,
        asked=asked,
    )


@bp.route("/v/<number>")
@allow(PUBLIC)
@limiter.limit("30/minute;300/hour")
def verify_one(number):
    """The link in a certificate's QR code."""
    return redirect(url_for("volunteers.verify", number=hours.normalize_number(number)), 303)


@bp.route("/certificates/<number>/revoke", methods=["POST"])
@allow(Role.ADMIN)
def revoke(number):
    item = or_404(hours.find_certificate(number))
    hours.revoke_certificate(item)
    flash(_("证明已作废。"), "success")
    return redirect(url_for("volunteers.verify", number=item.number), 303)

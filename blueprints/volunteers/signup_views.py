"""Signing up for a shift, one sign-up's page and steps, and the link that acts without signing in."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.errors import or_404
from blueprints.core.workflow import Conflict, Refused
from blueprints.util.times import utcnow
from blueprints.volunteers import activities, profiles, rules, seats, signups
from blueprints.volunteers.blueprint import bp
from blueprints.volunteers.models import Signup
from blueprints.web.htmx import advance, render
from extensions import db, limiter


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
            _("这个班次满了，已为您候补，排第 %(n)s 位。", n=seats.waitlist_position(signup)),
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
        position=seats.waitlist_position(item),
        actions=signups.FLOW.actions_for(item, current_user),
        cutoff=rules.cancel_cutoff(item.shift),
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
        cutoff=rules.cancel_cutoff(item.shift),
        now=utcnow(),
        token=token,
    )

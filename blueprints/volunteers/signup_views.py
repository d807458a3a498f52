"""Signing up for a shift, one sign-up's page and steps, and the link that acts without signing in."""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.acts import ActView
from blueprints.core.errors import Refused, or_404
from blueprints.util.times import utcnow
from blueprints.volunteers import activities, messages, profiles, rules, seats, signups
from blueprints.volunteers.blueprint import bp
from blueprints.volunteers.models import Signup
from blueprints.volunteers.models import SignupState as S
from blueprints.volunteers.workflow import LINK_ACTIONS, opened
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
    if signup.state == S.CONFIRMED:
        flash(_("报名成功，您已报上。"), "success")
    else:
        flash(
            _("这个班次满了，已为您候补，排第 %(n)s 位。", n=seats.waitlist_position(signup)),
            "success",
        )
    return advance(url_for("volunteers.signup", signup_id=signup.id))


@bp.route("/signups/<int:signup_id>")
@allow(SIGNED_IN)
def signup(signup_id):
    return signup_page(or_404(opened(signups.FLOW, signup_id, current_user)))


def signup_page(item, status=200, error=None):
    return render(
        "volunteers/signup.html",
        status=status,
        signup=item,
        position=seats.waitlist_position(item),
        actions=signups.FLOW.actions_for(item, current_user),
        error=error,
        label_of=signups.FLOW.label_of,
        cutoff=rules.cancel_cutoff(item.shift),
        now=utcnow(),
    )


class SignupSteps(ActView):
    """The steps of a sign-up, from its page or from the shift's roster (`?back=roster`, where
    the organizer goes back to once the step is taken)."""

    flow = signups.FLOW

    def load(self, signup_id):
        return or_404(opened(self.flow, signup_id, current_user))

    def url(self, item):
        if request.args.get("back") == "roster":
            return url_for("volunteers.roster", shift_id=item.shift_id)
        return url_for("volunteers.signup", signup_id=item.id)

    def page(self, item, status, error=None, **_typed):  # its steps have no fields to keep
        return signup_page(item, status, error)


SignupSteps().route(bp, "/signups/<int:signup_id>/act/<action>", SIGNED_IN)


@bp.route("/c/<token>")
@allow(PUBLIC)
def confirm(token):
    """The link sent the day before (and with an offer): works without signing in."""
    return confirm_page(LINK_STEPS.load(token), token)


def confirm_page(item, token, status=200, error=None):
    return render(
        "volunteers/confirm.html",
        status=status,
        signup=item,
        error=error,
        actions={
            action: found
            for action, found in signups.FLOW.actions_for(
                item, current_user, token_for=item.id
            ).items()
            if action in LINK_ACTIONS
        },
        cutoff=rules.cancel_cutoff(item.shift),
        now=utcnow(),
        token=token,
    )


class LinkSteps(ActView):
    """The steps a signed link takes without signing in, while the sign-up is at the stage the
    link was sent for. A step that changes the state retires the link: the page goes on with a
    new one."""

    flow = signups.FLOW

    def load(self, token):
        # The page drawn after a refusal is the sign-up this request's link opened, even when
        # the refusal itself moved it on (an offer accepted too late is given up at once).
        ident = g.get("link_signup")
        if ident is not None:
            return db.session.get(Signup, ident)
        try:
            item = signups.confirm_page_signup(token)
        except Refused as e:
            abort(render("volunteers/link_problem.html", status=404, problem=str(e)))
        g.link_signup = item.id
        return item

    def url(self, item):
        return url_for("volunteers.confirm", token=messages.confirm_token(item))

    def page(self, item, status, error=None, **_typed):
        return confirm_page(item, request.view_args["token"], status, error)

    def context(self, item):
        return {"token_for": item.id}


LINK_STEPS = LinkSteps()


@bp.route("/c/<token>/act/<action>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("30/hour", methods=["POST"])
def confirm_act(token, action):
    if action not in LINK_ACTIONS:
        abort(404)
    return LINK_STEPS.answer(action, token=token)

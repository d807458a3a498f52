"""The volunteer's profile, the pass they show to be added on the spot, a guardian's consent."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.workflow import Refused
from blueprints.places.routes import qr_svg
from blueprints.places.services import active_communities
from blueprints.util.times import utcnow
from blueprints.volunteers import profiles
from blueprints.volunteers.blueprint import bp
from blueprints.volunteers.forms import ProfileForm, field_error
from blueprints.web.htmx import render
from extensions import limiter


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

"""A shift on the day: checking in with the code, the organizer's roster and walk-ins, the
shift's hours export and its calendar file."""

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.errors import or_404
from blueprints.core.workflow import Refused
from blueprints.places.routes import qr_svg
from blueprints.util.exports import ics_event
from blueprints.util.times import utcnow
from blueprints.volunteers import activities, codes, hours, lists, profiles, seats, signups
from blueprints.volunteers.blueprint import bp
from blueprints.volunteers.forms import CodeForm, WalkInForm, field_error
from blueprints.web.htmx import render
from extensions import db, limiter


@bp.route("/shifts/<int:shift_id>/check-in", methods=["GET", "POST"])
@allow(SIGNED_IN)
# Wrong codes are counted per shift and person, in the database (codes.check_code): a count per
# shift or per address would let one person's guesses lock out everyone on site.
def check_in(shift_id):
    shift = or_404(activities.get_shift(shift_id))
    volunteer = profiles.profile_of(current_user)
    item = seats.signup_of(shift, volunteer) if volunteer else None
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
            codes.check_code(item, form.code.data, action)
        except Refused as e:
            db.session.rollback()
            too_many = isinstance(e, codes.TooManyTries)
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
    link = codes.code_url(shift)
    return render(
        "volunteers/roster.html",
        status=status,
        shift=shift,
        rows=lists.roster(shift),
        actions=lambda s: signups.FLOW.actions_for(s, current_user),
        position=seats.waitlist_position,
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
            codes.walk_in(shift, form.code.data, current_user)
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

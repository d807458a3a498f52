"""My shifts and hours, one hours record and its steps, certificates and their verification."""

from datetime import timedelta
from functools import partial

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.acts import ActView
from blueprints.core.errors import or_404
from blueprints.core.roles import Role
from blueprints.core.workflow import Refused
from blueprints.places.routes import qr_svg
from blueprints.util.times import utcnow
from blueprints.volunteers import hours, lists, profiles, seats
from blueprints.volunteers.blueprint import bp
from blueprints.volunteers.forms import VerifyForm
from blueprints.volunteers.workflow import opened
from blueprints.web import pages
from blueprints.web.htmx import render
from blueprints.web.links import public_url
from extensions import limiter


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
        (lists.MY_SIGNUPS, partial(lists.my_signups, volunteer)),
        (hours.RECORDS, partial(hours.records_of, volunteer)),
        (hours.CERTIFICATES, partial(hours.certificates_of, volunteer)),
    )
    return render(
        "volunteers/mine.html",
        profile=volunteer,
        rows=rows,
        links=links,
        position=seats.waitlist_position,
        records=records,
        record_links=record_links,
        total=round(total, 1),
        stars=hours.stars(total),
        certificates=certificates,
        certificate_links=certificate_links,
        now=utcnow(),
        soon=utcnow() + timedelta(days=1),
    )


@bp.route("/hours/<int:record_id>")
@allow(SIGNED_IN)
def record(record_id):
    return record_page(or_404(opened(hours.FLOW, record_id, current_user)))


def record_page(item, status=200, error=None, typed=None):
    return render(
        "volunteers/hours.html",
        status=status,
        record=item,
        actions=hours.FLOW.actions_for(item, current_user),
        error=error,
        typed=typed or {},
        label_of=hours.FLOW.label_of,
    )


# The review of an hours record, and the volunteer's requests for a correction.
ActView(
    hours.FLOW,
    load=lambda record_id: or_404(opened(hours.FLOW, record_id, current_user)),
    page=record_page,
    url=lambda item: url_for("volunteers.record", record_id=item.id),
).route(bp, "/hours/<int:record_id>/act/<action>", SIGNED_IN, endpoint="hours_act")


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

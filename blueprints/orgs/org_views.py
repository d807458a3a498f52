"""Approved organizations: the directory, an organization's page (with the sections other
features add to it), its certificate and verification, the officer's tools, joining."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core import features
from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.errors import Refused
from blueprints.orgs import lifecycle, services
from blueprints.orgs.blueprint import bp
from blueprints.orgs.models import KINDS, Org
from blueprints.places.routes import qr_svg
from blueprints.web import pages
from blueprints.web.htmx import render
from blueprints.web.inputs import parse_id
from blueprints.web.links import public_url
from extensions import db, limiter


@bp.route("/")
@allow(PUBLIC)
def index():
    args = request.args
    kind = args.get("kind") if args.get("kind") in KINDS else ""
    community = args.get("community", type=int)
    text = args.get("q", "")[:40]
    # Keyset pages: ?after= the last organization on the page before, the filters kept.
    after = None
    if args.get("after"):
        after = db.session.get(Org, parse_id(args["after"]) or 0) or abort(400)
    orgs, more = services.directory(text, kind, community, after=after)
    key = orgs[-1].id if more else None
    links = pages.links("orgs.index", after, key, q=text, kind=kind, community=community)
    return render(
        "orgs/index.html",
        block="results",
        orgs=orgs,
        links=links,
        q=text,
        kind=kind,
        community=community,
        communities=services.communities(),
    )


def org_or_404(org_id):
    org = services.find_org(org_id)
    if org is None:
        abort(404)
    return org


def org_page(org, status=200, error=None, phone=None):
    officer = lifecycle.is_officer(org, current_user)
    staff = officer or lifecycle.is_reviewer(org, current_user)
    if org.state == "deregistered" and not staff:
        abort(404)
    return render(
        "orgs/org.html",
        status=status,
        org=org,
        officer=officer,
        staff=staff,
        pending=lifecycle.open_application(org) if staff else None,
        member=lifecycle.membership(org, current_user),
        events=lifecycle.org_events(org) if staff else [],
        sections=features.sections("orgs.org", org),
        error=error,
        phone=phone,
    )


@bp.route("/<int:org_id>")
@allow(PUBLIC)
def org(org_id):
    return org_page(org_or_404(org_id))


@bp.route("/<int:org_id>/certificate")
@allow(SIGNED_IN)
def certificate(org_id):
    org = org_or_404(org_id)
    if not (lifecycle.is_officer(org, current_user) or lifecycle.is_reviewer(org, current_user)):
        abort(403)
    link = public_url(url_for("orgs.verify", number=org.number))
    return render("orgs/certificate.html", org=org, qr=qr_svg(link), link=link)


@bp.route("/verify/<number>")
@allow(PUBLIC)
def verify(number):
    org = services.find_by_number(number)
    if org is None:
        abort(404)
    return render("orgs/verify.html", org=org)


# ---- the officer's tools; a resident's request to join --------------------------------------------


def org_action(org_id, do, done):
    org = org_or_404(org_id)
    try:
        result = do(org)
    except LookupError:
        abort(404)
    except lifecycle.NotAllowed:
        db.session.rollback()
        abort(403)
    except Refused as e:
        db.session.rollback()
        return org_page(org, status=422, error=str(e))
    if done:
        flash(done, "success")
    return result or redirect(url_for("orgs.org", org_id=org.id), 303)


@bp.route("/<int:org_id>/change", methods=["POST"])
@allow(SIGNED_IN)
def change(org_id):
    def do(org):
        filing = lifecycle.start_change(org, current_user)
        return redirect(url_for("orgs.step", filing_id=filing.id, part="name"), 303)

    return org_action(org_id, do, None)


@bp.route("/<int:org_id>/renew", methods=["POST"])
@allow(SIGNED_IN)
def renew(org_id):
    def do(org):
        lifecycle.ask_renewal(org, current_user)

    return org_action(org_id, do, _("已提交延续备案申请，等街道审核。"))


@bp.route("/<int:org_id>/deregister", methods=["POST"])
@allow(SIGNED_IN)
def deregister(org_id):
    reason = request.form.get("reason", "").strip()[:500]
    return org_action(
        org_id, lambda org: lifecycle.deregister(org, current_user, reason), _("已注销。")
    )


@bp.route("/<int:org_id>/profile", methods=["POST"])
@allow(SIGNED_IN)
def profile(org_id):
    scope = request.form.get("scope", "").strip()[:1000]
    if not scope:
        return org_page(org_or_404(org_id), status=422, error=_("请写一写宗旨和活动范围。"))
    return org_action(
        org_id, lambda org: lifecycle.save_profile(org, current_user, scope), _("已保存。")
    )


@bp.route("/<int:org_id>/join", methods=["POST"])
@allow(SIGNED_IN)
@limiter.limit("20/hour")
def join(org_id):
    return org_action(
        org_id,
        lambda org: lifecycle.ask_to_join(org, current_user),
        _("已申请加入，等负责人同意。"),
    )


@bp.route("/<int:org_id>/leave", methods=["POST"])
@allow(SIGNED_IN)
def leave(org_id):
    return org_action(
        org_id, lambda org: lifecycle.leave(org, current_user), _("您已退出这个组织。")
    )


@bp.route("/<int:org_id>/members/<int:member_id>/accept", methods=["POST"])
@allow(SIGNED_IN)
def accept(org_id, member_id):
    return org_action(
        org_id,
        lambda org: lifecycle.accept_member(org, current_user, member_id),
        _("已同意加入。"),
    )


@bp.route("/<int:org_id>/members/<int:member_id>/remove", methods=["POST"])
@allow(SIGNED_IN)
def remove_member(org_id, member_id):
    return org_action(
        org_id,
        lambda org: lifecycle.remove_member(org, current_user, member_id),
        _("已移出名单。"),
    )


@bp.route("/<int:org_id>/members/<int:member_id>/phone", methods=["POST"])
@allow(SIGNED_IN)
def member_phone(org_id, member_id):
    org = org_or_404(org_id)
    try:
        number = lifecycle.reveal_member_phone(org, current_user, member_id)
    except LookupError:
        abort(404)
    except Refused:
        abort(403)
    return org_page(org, phone=(member_id, number))

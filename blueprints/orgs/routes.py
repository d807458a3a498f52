from functools import partial

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core import features
from blueprints.core.access import PUBLIC, SIGNED_IN, allow, can
from blueprints.core.errors import Conflict, Refused
from blueprints.core.roles import Role
from blueprints.core.workflow import STALE
from blueprints.orgs import documents, lifecycle, rules, services
from blueprints.orgs.cli import tick
from blueprints.orgs.demo import load_demo_orgs
from blueprints.orgs.forms import STEP_FORMS, STEPS, CharterForm, NameForm, PersonForm
from blueprints.orgs.models import (
    KINDS,
    PARTS,
    PERSON_ROLES,
    PERSON_STATUS,
    PURPOSES,
    FilingPerson,
    Org,
)
from blueprints.orgs.workflow import flow
from blueprints.places.models import Community
from blueprints.places.routes import qr_svg
from blueprints.rooms.services import upcoming_for_org
from blueprints.util.times import local
from blueprints.volunteers.activities import list_activities
from blueprints.web import pages
from blueprints.web.htmx import advance, render, wants_fragment
from blueprints.web.inputs import parse_id
from blueprints.web.links import public_url
from extensions import db, limiter

bp = Blueprint("orgs", __name__, url_prefix="/orgs")
bp.cli.add_command(tick)
bp.record_once(features.home("orgs/_home.html", order=20))
bp.record_once(features.demo(load_demo_orgs, order=50))
bp.record_once(features.tick("orgs", lifecycle.tick, every=60))


@bp.app_context_processor
def org_words():
    return {
        "org_parts": PARTS,
        "org_kinds": KINDS,
        "person_roles": PERSON_ROLES,
        "org_step_label": flow.label_of,
    }


@bp.app_template_filter("org_purpose")
def org_purpose(purpose):
    return PURPOSES.get(purpose, "")


@bp.app_template_filter("day")
def day(moment):
    """A stored UTC time as its date in Beijing."""
    return local(moment).strftime("%Y-%m-%d") if moment else ""


def community_choices():
    choices = [(c.id, f"{c.street.name} · {c.name}") for c in services.communities()]
    return [(0, _("请选择"))] + choices


def filing_or_404(filing_id):
    """The application, for its applicant and its reviewers. A reviewer of another place is
    told it is not theirs (403); to anyone else it does not exist (404)."""
    filing = services.find_filing(filing_id)
    if filing is None:
        abort(404)
    if not services.may_see(filing, current_user):
        abort(403 if current_user.roles & set(services.REVIEWER_ROLES) else 404)
    return filing


def mine_to_edit(filing_id):
    filing = filing_or_404(filing_id)
    if filing.applicant_id != current_user.id:
        abort(403)
    if not filing.editable:
        flash(_("这份申请现在不能修改。"), "error")
        return filing, redirect(url_for("orgs.show", filing_id=filing.id), 303)
    return filing, None


def next_step(filing, part):
    steps = STEPS[filing.purpose]
    if filing.state == "returned" or part not in steps or part == steps[-1]:
        return url_for("orgs.show", filing_id=filing.id)
    return step_url(filing, steps[steps.index(part) + 1])


def step_url(filing, part):
    if part == "people":
        return url_for("orgs.people", filing_id=filing.id)
    if part == "charter":
        return url_for("orgs.charter", filing_id=filing.id)
    return url_for("orgs.step", filing_id=filing.id, part=part)


@bp.app_template_global()
def org_step_url(filing, part):
    return step_url(filing, part)


def warn_similar(similar):
    if similar:
        flash(
            _(
                "提醒：街道里已有名称相近的组织（%(names)s）。如果不是同一个组织，可以继续。",
                names="、".join(similar),
            ),
            "warning",
        )


# ---- an application in short steps -------------------------------------------------------------


@bp.route("/apply", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("20/hour", methods=["POST"])
def apply():
    form = NameForm()
    form.community.choices = community_choices()
    if form.validate_on_submit():
        community = db.session.get(Community, form.community.data)
        if community is None:
            abort(404)
        try:
            similar = services.name_warnings(form.name.data, community)
        except Refused as e:
            form.name.errors.append(str(e))
        else:
            filing = services.start_filing(current_user, community, form.name.data)
            warn_similar(similar)
            return advance(next_step(filing, "name"))
    return render(
        "orgs/step.html",
        status=422 if form.errors else 200,
        form=form,
        part="name",
        filing=None,
        action=url_for("orgs.apply"),
        number=1,
        total=len(STEPS["new"]),
    )


def show_refusal(form, refusal, default):
    """Show a refusal next to its field (else next to `default`); the status to answer with: 409
    when someone saved the same application first, 422 otherwise."""
    form[refusal.field if refusal.field in form else default].errors.append(str(refusal))
    return 409 if isinstance(refusal, Conflict) else 422


def step_form(filing, part):
    """The step's form, filled from the filing on a GET; the name step asks for the community
    of a new filing only (a change or renewal keeps its community)."""
    form = STEP_FORMS[part](obj=None if request.method == "POST" else filing)
    if part == "name":
        form.community.choices = community_choices()
        if request.method == "GET":
            form.community.data = filing.community_id
        if filing.purpose != "new":
            del form.community
    return form


def check_name(filing, answers):
    """The community chosen (a 404 for a forged one), and a warning for a name like another's;
    Refused for a name already taken."""
    community = filing.community
    if "community" in answers:
        community = db.session.get(Community, answers["community"]) or abort(404)
        answers["community"] = community
    warn_similar(services.name_warnings(answers["name"], community, filing))


@bp.route("/f/<int:filing_id>/step/<part>", methods=["GET", "POST"])
@allow(SIGNED_IN)
def step(filing_id, part):
    filing, back = mine_to_edit(filing_id)
    if back:
        return back
    if part not in STEP_FORMS or part not in STEPS[filing.purpose]:
        abort(404)
    form = step_form(filing, part)
    status = 200
    if form.validate_on_submit():
        answers = {f.name: f.data for f in form if f.name != "csrf_token"}
        try:
            if part == "name":
                check_name(filing, answers)
            services.save_answers(filing, current_user, **answers)
        except Refused as e:
            status = show_refusal(form, e, next(f.name for f in form if f.name != "csrf_token"))
        else:
            return advance(next_step(filing, part))
    steps = STEPS[filing.purpose]
    return render(
        "orgs/step.html",
        status=422 if form.errors and status == 200 else status,
        form=form,
        part=part,
        filing=filing,
        action=url_for("orgs.step", filing_id=filing.id, part=part),
        number=steps.index(part) + 1,
        total=len(steps),
    )


@bp.route("/f/<int:filing_id>/people", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("120/hour", methods=["POST"])
def people(filing_id):
    """Founders and members, added one row at a time; with htmx the list is swapped in place."""
    filing, back = mine_to_edit(filing_id)
    if back:
        return back
    form = PersonForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_person(
                filing,
                current_user,
                form.role.data,
                form.name.data,
                form.phone.data,
                form.staff.data,
            )
        except Refused as e:
            form[e.field or "name"].errors.append(str(e))
        else:
            if not wants_fragment():
                flash(_("已加入名单：%(name)s", name=form.name.data), "success")
                return redirect(url_for("orgs.people", filing_id=filing.id), 303)
            form = PersonForm(formdata=None)
    if form.errors:
        status = 422
    return render(
        "orgs/people.html",
        block="people",
        status=status,
        form=form,
        filing=filing,
        problem=rules.people_problem(filing),
        next_url=next_step(filing, "people"),
    )


@bp.route("/f/<int:filing_id>/people/<int:person_id>/remove", methods=["POST"])
@allow(SIGNED_IN)
def remove_person(filing_id, person_id):
    filing, back = mine_to_edit(filing_id)
    if back:
        return back
    try:
        services.remove_person(filing, current_user, person_id)
    except LookupError:
        abort(404)
    if wants_fragment():
        return render(
            "orgs/people.html",
            block="people",
            form=PersonForm(formdata=None),
            filing=filing,
            problem=rules.people_problem(filing),
            next_url=next_step(filing, "people"),
        )
    return redirect(url_for("orgs.people", filing_id=filing.id), 303)


@bp.route("/f/<int:filing_id>/charter", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("30/hour", methods=["POST"])
def charter(filing_id):
    filing, back = mine_to_edit(filing_id)
    if back:
        return back
    form = CharterForm(data=None if request.method == "POST" else filing.model_charter)
    if request.method == "GET" and filing.charter_file:
        form.mode.data = "upload"
    status = 200
    if form.validate_on_submit():
        try:
            if form.mode.data == "upload":
                upload = request.files.get("file")
                if upload and upload.filename:
                    services.save_charter(filing, current_user, upload.stream)
                elif not filing.charter_file:
                    form.file.errors.append(_("请选择章程文件。"))
            else:
                blanks = {
                    "aim": form.aim.data,
                    "duties": form.duties.data,
                    "rules": form.rules.data,
                }
                if not all(blanks.values()):
                    form.aim.errors.append(_("用章程范本时，三项都要填写。"))
                else:
                    services.save_model_charter(filing, current_user, **blanks)
        except Refused as e:
            status = show_refusal(form, e, "file")
        if not form.errors:
            return advance(next_step(filing, "charter"))
    status = 422 if form.errors and status == 200 else status
    return render("orgs/charter.html", status=status, form=form, filing=filing)


@bp.route("/f/<int:filing_id>/charter/file")
@allow(SIGNED_IN)
def charter_file(filing_id):
    """Only ever a download, never shown inline, never cached: it holds names and signatures.
    Opened anyway (a browser's PDF viewer, a saved link), it runs sandboxed: no script of its own
    on this site's origin."""
    filing = filing_or_404(filing_id)
    if not services.may_download_charter(filing, current_user):
        abort(404)
    extension = filing.charter_file.rsplit(".", 1)[-1]
    response = send_file(
        documents.path_of(filing.charter_file),
        mimetype=filing.charter_type,
        as_attachment=True,
        download_name=f"charter-{filing.id}.{extension}",
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


# ---- one application: answers, reasons, actions, timeline ---------------------------------------


def show_page(filing, status=200, error=None, typed=None, phone=None):
    reviewer = services.is_reviewer(filing, current_user)
    return render(
        "orgs/show.html",
        status=status,
        filing=filing,
        reviewer=reviewer,
        actions=flow.actions_for(filing, current_user),
        problems=rules.problems(filing) if filing.editable else [],
        changes=rules.changes_since_return(filing) if reviewer else {},
        paper=rules.unconfirmed_on_paper(filing) if reviewer else None,
        can_confirm=filing.state == "community_review"
        and can(filing.community, Role.COMMUNITY_REVIEWER),
        events=services.public_events(filing, current_user),
        steps=STEPS[filing.purpose],
        error=error,
        typed=typed or {},
        phone=phone,
        statuses=PERSON_STATUS,
    )


@bp.route("/f/<int:filing_id>")
@allow(SIGNED_IN)
def show(filing_id):
    return show_page(filing_or_404(filing_id))


@bp.route("/f/<int:filing_id>/act/<action>", methods=["POST"])
@allow(SIGNED_IN)
@limiter.limit("60/minute")
def act(filing_id, action):
    filing = filing_or_404(filing_id)
    before = filing.state
    if request.form.get("version", str(filing.version)) != str(filing.version):
        flash(str(STALE), "error")  # someone else moved it on since this page was drawn
        return redirect(url_for("orgs.show", filing_id=filing_id), 303)
    found = flow.transitions.get((before, action))
    if found is not None and not flow.may(found, filing, current_user):
        abort(403)
    reasons = None
    if action == "return":
        reasons = {part: request.form.get(f"reason_{part}", "") for part in PARTS}
    given = {
        "reason": request.form.get("reason", "").strip(),
        "confirm": request.form.get("confirm", ""),
    }
    try:
        services.act(
            filing, action, current_user, request.form.get("version"), reasons=reasons, **given
        )
    except Conflict as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for("orgs.show", filing_id=filing_id), 303)
    except Refused as e:
        db.session.rollback()
        typed = {**given, **(reasons or {})}
        return show_page(
            services.find_filing(filing_id), status=422, error=(action, str(e)), typed=typed
        )
    flash(_("已完成：%(step)s", step=flow.transitions[(before, action)].label), "success")
    return redirect(url_for("orgs.show", filing_id=filing_id), 303)


@bp.route("/f/<int:filing_id>/people/<int:person_id>/paper", methods=["POST"])
@allow(Role.COMMUNITY_REVIEWER)
def paper(filing_id, person_id):
    filing = filing_or_404(filing_id)
    person = db.session.get(FilingPerson, person_id)
    if person is None or person.filing_id != filing.id:
        abort(404)
    try:
        services.confirm_on_paper(person, current_user)
    except Refused as e:
        flash(str(e), "error")
    return redirect(url_for("orgs.show", filing_id=filing.id), 303)


@bp.route("/f/<int:filing_id>/people/<int:person_id>/phone", methods=["POST"])
@allow(SIGNED_IN)
def person_phone(filing_id, person_id):
    filing = filing_or_404(filing_id)
    person = db.session.get(FilingPerson, person_id)
    if person is None or person.filing_id != filing.id:
        abort(404)
    try:
        number = services.reveal_person_phone(person, current_user)
    except Refused:
        abort(403)
    return show_page(filing, phone=(person.id, number))


@bp.route("/mine")
@allow(SIGNED_IN)
def mine():
    # Two lists, each in pages of its own: one's links keep the other's place.
    (filings, filing_links), (listed, listed_links) = pages.side_by_side(
        "orgs.mine",
        request.args,
        (services.MY_FILINGS, partial(services.my_filings, current_user)),
        (services.LISTED_ON, partial(services.listed_on, current_user)),
    )
    return render(
        "orgs/mine.html",
        filings=filings,
        filing_links=filing_links,
        listed=listed,
        listed_links=listed_links,
        orgs=lifecycle.officer_of(current_user),
    )


@bp.route("/listed/<int:person_id>", methods=["GET", "POST"])
@allow(SIGNED_IN)
def listed(person_id):
    """Someone listed on an application says they do not agree to be listed."""
    person = db.session.get(FilingPerson, person_id)
    if person is None or person.user_id != current_user.id:
        abort(404)
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()[:500]
        try:
            services.decline_listing(person, current_user, reason)
        except Refused as e:
            flash(str(e), "error")
        else:
            flash(_("已告诉申请人：您不同意被列入名单。"), "success")
        return redirect(url_for("orgs.listed", person_id=person.id), 303)
    return render("orgs/listed.html", person=person, open=services.still_open(person.filing))


@bp.route("/queue")
@allow(Role.COMMUNITY_REVIEWER, Role.STREET_REVIEWER)
def queue():
    after = services.REVIEWS.read(request.args)
    rows, more = services.review_queue(current_user, after)
    links = services.REVIEWS.links("orgs.queue", rows, more, after)
    return render("orgs/queue.html", rows=rows, links=links)


# ---- approved organizations: directory, page, certificate, verification --------------------------


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
        activities=list_activities(org_id=org.id) if org.state == "active" else [],
        bookings=upcoming_for_org(org) if org.state == "active" else [],
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

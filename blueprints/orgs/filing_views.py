"""An application for an organization, in short steps: the name, the people, the charter."""

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.access import SIGNED_IN, allow
from blueprints.core.errors import Conflict, Refused
from blueprints.orgs import documents, rules, services
from blueprints.orgs.blueprint import bp
from blueprints.orgs.forms import STEP_FORMS, STEPS, CharterForm, NameForm, PersonForm
from blueprints.orgs.models import FilingState
from blueprints.places.models import Community
from blueprints.web.htmx import advance, render, wants_fragment
from extensions import db, limiter


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
    if filing.state == FilingState.RETURNED or part not in steps or part == steps[-1]:
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

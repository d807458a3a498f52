"""One application as its applicant and reviewers see it (answers, reasons, steps, timeline),
my applications, a listed person's answer, and the reviewers' queue."""

from functools import partial

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.access import SIGNED_IN, allow, can
from blueprints.core.acts import ActView
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.orgs import lifecycle, rules, services
from blueprints.orgs.blueprint import bp
from blueprints.orgs.filing_views import filing_or_404
from blueprints.orgs.forms import STEPS
from blueprints.orgs.models import PARTS, PERSON_STATUS, FilingPerson, FilingState
from blueprints.orgs.workflow import FLOW
from blueprints.web import pages
from blueprints.web.htmx import render
from extensions import db


def show_page(filing, status=200, error=None, typed=None, phone=None):
    reviewer = services.is_reviewer(filing, current_user)
    return render(
        "orgs/show.html",
        status=status,
        filing=filing,
        reviewer=reviewer,
        actions=FLOW.actions_for(filing, current_user),
        problems=rules.problems(filing) if filing.editable else [],
        changes=rules.changes_since_return(filing) if reviewer else {},
        paper=rules.unconfirmed_on_paper(filing) if reviewer else None,
        can_confirm=filing.state == FilingState.COMMUNITY_REVIEW
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


# A return's reasons, one field a part of the application.
REASON_FIELDS = {f"reason_{part}" for part in PARTS}


class FilingSteps(ActView):
    """The steps of an application, taken from its page: the one action URL of the core."""

    flow = FLOW

    def load(self, filing_id):
        return filing_or_404(filing_id)

    def url(self, filing):
        return url_for("orgs.show", filing_id=filing.id)

    def page(self, filing, status, error=None, typed=None):
        return show_page(filing, status=status, error=error, typed=typed)

    def inputs(self, filing, action):
        """The form's fields, with a return's reasons gathered as part -> reason (the parts
        left empty out)."""
        given = {k: v for k, v in super().inputs(filing, action).items() if k not in REASON_FIELDS}
        reasons = {part: request.form.get(f"reason_{part}", "") for part in PARTS}
        given["reasons"] = {part: text for part, text in reasons.items() if text.strip()} or None
        return given


FilingSteps().route(bp, "/f/<int:filing_id>/act/<action>", SIGNED_IN)


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

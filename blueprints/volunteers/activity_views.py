"""Activities and their shifts: the public list, an activity's page, posting, the organizer's list."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core import features
from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.errors import or_404
from blueprints.core.roles import Role
from blueprints.core.workflow import Refused
from blueprints.places.services import active_communities
from blueprints.util.times import utcnow
from blueprints.volunteers import activities, hours, lists, profiles, rules, seats
from blueprints.volunteers.blueprint import bp
from blueprints.volunteers.forms import ActivityForm, FilterForm, ShiftForm, field_error
from blueprints.volunteers.models import SKILLS, Activity
from blueprints.web.htmx import render
from extensions import db


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
    mine = lists.signups_for(profile, activity) if profile else {}
    return render(
        "volunteers/show.html",
        activity=activity,
        profile=profile,
        mine=mine,
        position=seats.waitlist_position,
        organizer=activities.may_run(current_user, activity),
        helped=proxy_residents(),
        now=utcnow(),
        cutoff=rules.cancel_cutoff,
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

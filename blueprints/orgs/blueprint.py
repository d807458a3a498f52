"""The organizations blueprint itself: its views are in filing_views (an application's steps),
review_views (one application, the lists, the queue) and org_views (approved organizations)."""

from flask import Blueprint

from blueprints.core import features
from blueprints.orgs import lifecycle
from blueprints.orgs.cli import tick
from blueprints.orgs.demo import load_demo_orgs
from blueprints.orgs.models import KINDS, PARTS, PERSON_ROLES, PURPOSES
from blueprints.orgs.workflow import FLOW
from blueprints.util.times import local

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
        "org_step_label": FLOW.label_of,
    }


@bp.app_template_filter("org_purpose")
def org_purpose(purpose):
    return PURPOSES.get(purpose, "")


@bp.app_template_filter("day")
def day(moment):
    """A stored UTC time as its date in Beijing."""
    return local(moment).strftime("%Y-%m-%d") if moment else ""

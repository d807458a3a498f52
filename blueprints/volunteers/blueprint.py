"""The volunteers blueprint itself: its views are in activity_views, profile_views,
signup_views, shift_views and hours_views."""

from flask import Blueprint

from blueprints.core import features
from blueprints.volunteers import activities
from blueprints.volunteers.cli import tick, tick_volunteers
from blueprints.volunteers.demo import load_demo_volunteers
from blueprints.volunteers.models import SKILLS

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")
bp.cli.add_command(tick)
bp.record_once(features.home("volunteers/_home.html", order=25))
bp.record_once(features.demo(load_demo_volunteers, order=60))
bp.record_once(features.tick("volunteers", tick_volunteers, every=60))
bp.record_once(
    features.section(
        "orgs.org", "volunteers/_org_activities.html", activities.of_active_org, order=10
    )
)


@bp.app_context_processor
def volunteer_words():
    return {
        "skills_text": lambda codes: "、".join(str(SKILLS[c]) for c in codes if c in SKILLS),
    }

"""The reports blueprint itself: its views are in intake_views, case_views and list_views."""

from flask import Blueprint

from blueprints.core import features
from blueprints.reports.cli import tick, tick_reports
from blueprints.reports.deadlines import expected_done, time_left
from blueprints.reports.demo import load_demo_reports
from blueprints.reports.models import resident_step_words, resident_words
from blueprints.reports.rows import row_words
from blueprints.reports.workflow import FLOW

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.cli.add_command(tick)
bp.record_once(features.home("reports/_home.html", order=10))
bp.record_once(features.demo(load_demo_reports, order=40))
bp.record_once(features.tick("reports", tick_reports, every=60))
# Globals, not context: the list row macros are imported without context.
bp.add_app_template_global(time_left)
bp.add_app_template_global(expected_done)
bp.add_app_template_global(row_words)


@bp.app_context_processor
def report_words():
    return {
        "resident_words": resident_words,
        "resident_step_words": resident_step_words,
        "step_label": FLOW.label_of,
    }

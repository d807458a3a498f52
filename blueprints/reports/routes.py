"""Grid reporting's pages, by use case: intake_views (the report form's steps), case_views (one
case: its page, its steps, photos, tracking), list_views (my reports, the queue, tasks) and
offline_views (the one-page form, and what the phone keeps for a weak link)."""

from blueprints.reports import (  # noqa: F401  (they add the views)
    case_views,
    intake_views,
    list_views,
    offline_views,
)
from blueprints.reports.blueprint import bp

__all__ = ["bp"]

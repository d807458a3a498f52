"""Grid reporting's pages, by use case: intake_views (the report form's steps), case_views (one
case: its page, its steps, photos, tracking) and list_views (my reports, the queue, tasks)."""

from blueprints.reports import case_views, intake_views, list_views  # noqa: F401  (they add the views)
from blueprints.reports.blueprint import bp

__all__ = ["bp"]

"""Organizations' pages, by use case: filing_views (an application in short steps),
review_views (one application, my applications, the reviewers' queue) and org_views (the
directory, an organization's page, the officer's tools)."""

from blueprints.orgs import (  # noqa: F401  (they add the views)
    filing_views,
    org_views,
    review_views,
)
from blueprints.orgs.blueprint import bp

__all__ = ["bp"]

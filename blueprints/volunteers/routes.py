"""Volunteering's pages, by use case: activity_views (activities and shifts), profile_views
(the volunteer's profile and pass), signup_views (signing up and its steps), shift_views (a shift
on the day: check-in, roster, walk-ins) and hours_views (hours records and certificates)."""

from blueprints.volunteers import (  # noqa: F401  (they add the views)
    activity_views,
    hours_views,
    profile_views,
    shift_views,
    signup_views,
)
from blueprints.volunteers.blueprint import bp

__all__ = ["bp"]

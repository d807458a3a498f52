"""Who may open which view, in which place. Every view says so with @allow(...).

    @allow(PUBLIC)                        anyone, signed in or not
    @allow(SIGNED_IN)                     any signed-in account (every account is a resident)
    @allow(Role.ADMIN, Role.GRID_WORKER)  a signed-in account holding one of these roles somewhere

A view that acts on one place then calls require(place, *roles): a 403 unless one of the user's
grants of those roles covers the place. A test walks the URL map and fails on any view without @allow.
"""

import re
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user

from blueprints.core.roles import Role
from blueprints.web import htmx
from extensions import login_manager

PUBLIC = "public"
SIGNED_IN = "user"


def allow(*roles):
    # A misspelt role would lock everyone out of the view (or, worse, not): fail at import.
    unknown = [r for r in roles if r not in (PUBLIC, SIGNED_IN) and r not in set(Role)]
    if unknown or not roles:
        raise ValueError(f"@allow: unknown audience {unknown or roles!r}")

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if PUBLIC not in roles:
                if not current_user.is_authenticated:
                    if htmx.is_htmx():
                        return htmx.redirect_to_login()
                    return login_manager.unauthorized()
                if SIGNED_IN not in roles and not (current_user.roles & set(roles)):
                    abort(403)
            return view(*args, **kwargs)

        wrapped.allowed = roles
        return wrapped

    return decorate


def can(place, *roles, user=None):
    user = user or current_user
    if not user.is_authenticated:
        return False
    return any(g.covers(place) for g in user.grants_for(*roles))


def require(place, *roles):
    if not can(place, *roles):
        abort(403)


def safe_next(default):
    """A same-site path from ?next= or the form, never an open redirect."""
    return same_site_path(request.values.get("next", "")) or default


def same_site_path(target):
    r"""The target as a browser will read it, if that is a path on this site; else None.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so "/\t/evil"
    and "/\evil" both mean "//evil", another host. The check runs on that reading, and the
    reading is what is returned: a Location never carries a raw newline."""
    seen = re.sub(r"[\t\r\n]", "", target).replace("\\", "/")
    try:
        parts = urlsplit(seen)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not seen.startswith("/") or seen.startswith("//"):
        return None
    return seen

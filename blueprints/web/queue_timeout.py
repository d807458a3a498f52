"""A request that waited too long for a worker is answered at once: 503, Retry-After, no work.

Behind nginx, each request carries the moment nginx took it (`X-Request-Start: t=<seconds since
the epoch>`, nginx's $msec; deploy/nginx.conf). When the workers fall behind, requests queue in
front of them. One that waited more than QUEUE_TIMEOUT_SECONDS has most likely been given up on
by its browser or its person already; rendering it anyway only makes every request behind it
wait longer. A cheap answer and a retry a few seconds later let the queue drain instead.

The stamp is read only behind a proxy (PROXY_COUNT, as ProxyFix trusts X-Forwarded-*): nginx
sets the header itself, replacing any a client sent. Without the stamp, or with one that is not
a time, the request is served as usual; so are the health checks, whose slowness is what a
monitor wants to see."""

import math
import time

from flask import current_app, request
from flask_babel import gettext as _

RETRY_AFTER_SECONDS = 5
NEVER_REFUSED = {"main.healthz", "status.readyz"}


def init_app(app):
    """Registered before the other hooks (CSRF, rate limits, sessions' users): a refused request
    costs no database work and counts against no one's limit."""
    app.before_request(refuse_stale)


def refuse_stale():
    config = current_app.config
    limit = config["QUEUE_TIMEOUT_SECONDS"]
    if not config["PROXY_COUNT"] or limit <= 0 or request.endpoint in NEVER_REFUSED:
        return None
    waited = seconds_waited(request.headers.get("X-Request-Start", ""), time.time())
    if waited is None or waited <= limit:
        return None
    response = current_app.response_class(
        _("现在来办事的人太多，请等几秒钟再试一次。"), status=503, mimetype="text/plain"
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def seconds_waited(stamp, now):
    """Seconds since the proxy took the request, from "t=1700000000.123"; None when the stamp is
    missing, not a number, or in the future (the proxy's clock ahead of this one)."""
    try:
        started = float(stamp.strip().removeprefix("t="))
    except ValueError:
        return None
    if not math.isfinite(started) or started > now:
        return None
    return now - started

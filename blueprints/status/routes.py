"""`GET /readyz`: which parts of the site answered, in JSON, for the proxy's health check and for
admins. `/healthz` stays the plain "the database answers" check.

Everyone gets each part's word ("ok", "down", or "off" for a part not configured); admins also get
the numbers: jobs waiting on the queue, texts not yet delivered, failed ones, and the age of the
oldest undelivered one. The answer is 503 only when the database is down: without Redis an
instance still serves (rate limits count in memory, jobs wait), and a proxy that took every
instance out because their one Redis went away would take the whole site down with it."""

from flask import Blueprint, current_app
from flask_login import current_user
from sqlalchemy import func, select, text

from blueprints.core import jobs
from blueprints.core.access import PUBLIC, allow
from blueprints.core.roles import Role
from blueprints.notices.models import Outbox
from blueprints.util.times import utcnow
from extensions import db

bp = Blueprint("status", __name__)
UNDELIVERED = ("pending", "sending")


def database_part():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure of the database is "down", never a 500
        db.session.rollback()
        return "down", {}
    backlog, oldest = db.session.execute(
        select(func.count(Outbox.id), func.min(Outbox.created_at)).where(
            Outbox.state.in_(UNDELIVERED)
        )
    ).one()
    failed = db.session.scalar(select(func.count(Outbox.id)).where(Outbox.state == "failed"))
    age = round((utcnow() - oldest).total_seconds()) if oldest else 0
    return "ok", {"outbox_backlog": backlog, "outbox_failed": failed, "oldest_undelivered_s": age}


def redis_part():
    if not current_app.config["REDIS_URL"]:
        return "off", {}
    try:
        connection = jobs.redis_connection()
        connection.ping()
        return "ok", {"queue_depth": jobs.queue(connection).count}
    except Exception:  # Redis unreachable, or answering wrongly: "down"
        return "down", {}


@bp.route("/readyz")
@allow(PUBLIC)
def readyz():
    database, numbers = database_part()
    redis, queue = redis_part()
    body = {"database": database, "redis": redis, "queue": redis}
    ready = database == "ok"
    body["status"] = "ok" if ready else "down"
    if current_user.is_authenticated and Role.ADMIN in current_user.roles:
        body["details"] = {**numbers, **queue}
    return body, 200 if ready else 503, {"Cache-Control": "no-store"}

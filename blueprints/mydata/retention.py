"""How long the personal data of a finished case is kept, and the tick that anonymises what is
past it: the reporter's phone, the name they gave, and the case's photos. The case itself (the
problem, place, timeline) stays, for the figures and the record.

Settings (environment or app config), in days after the case's last step:
    RETAIN_PHONES_DAYS  (default 180)   RETAIN_NAMES_DAYS  (default 180)
    RETAIN_PHOTOS_DAYS  (default 365)
A case is finished when it is closed, returned, withdrawn or merged. The job runner runs the tick
hourly (routes.py registers it); `flask mydata tick` is safe to run every minute: what it has emptied it
does not find again."""

import os
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, func, select, update

from blueprints.core import jobs
from blueprints.reports import photos
from blueprints.reports.models import Report, ReportEvent, ReportPhoto, ReportState
from blueprints.util.times import utcnow
from extensions import db

FINISHED = (ReportState.CLOSED, ReportState.RETURNED, ReportState.WITHDRAWN, ReportState.MERGED)
DEFAULTS = {"RETAIN_PHONES_DAYS": 180, "RETAIN_NAMES_DAYS": 180, "RETAIN_PHOTOS_DAYS": 365}


def days(key):
    if key in current_app.config:
        return int(current_app.config[key])
    return int(os.environ.get(key) or DEFAULTS[key])


def finished_before(cutoff):
    """Ids of finished cases whose last step was before `cutoff` (one SQL subquery)."""
    last_step = (
        select(func.max(ReportEvent.at))
        .where(ReportEvent.report_id == Report.id)
        .correlate(Report)
        .scalar_subquery()
    )
    return select(Report.id).where(Report.state.in_(FINISHED), last_step < cutoff)


def anonymise(now=None):
    """Empty what is past its time; returns how many of each were emptied."""
    now = now or utcnow()
    counts = {}
    for key, column in (("phones", Report.reporter_phone), ("names", Report.reporter_name)):
        cutoff = now - timedelta(days=days(f"RETAIN_{key.upper()}_DAYS"))
        result = db.session.execute(
            update(Report)
            .where(Report.id.in_(finished_before(cutoff)), column != "")
            .values({column.key: ""})
            .execution_options(synchronize_session=False)
        )
        counts[key] = result.rowcount
    cutoff = now - timedelta(days=days("RETAIN_PHOTOS_DAYS"))
    gone = db.session.scalars(
        delete(ReportPhoto)
        .where(ReportPhoto.report_id.in_(finished_before(cutoff)))
        .returning(ReportPhoto.filename)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    for filename in gone:
        photos.remove_photo(filename)
    counts["photos"] = len(gone)
    return counts


@click.command("tick")
@with_appcontext
def tick():
    """Anonymise finished cases' phones, names and photos past their retention time."""
    click.echo(
        "emptied phones {phones}, names {names}, photos {photos}".format(**jobs.run("mydata"))
    )

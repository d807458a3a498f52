"""`flask reports tick`: the reporting loop's clock (registered on the blueprint's CLI group)."""

import click
from flask.cli import with_appcontext

from blueprints.core import jobs
from blueprints.reports.intake import remove_abandoned_photos
from blueprints.reports.workflow import sla_tick


def tick_reports(now=None):
    return {**sla_tick(now), "photos": remove_abandoned_photos(now)}


@click.command("tick")
@with_appcontext
def tick():
    """Send reminders, flag overdue cases, close silent follow-ups, remove abandoned draft photos.
    Safe to run every minute, and on several instances at once."""
    counts = jobs.run("reports")
    click.echo(
        "reminded {reminded}, overdue {overdue}, closed {closed}, photos removed {photos}".format(
            **counts
        )
    )

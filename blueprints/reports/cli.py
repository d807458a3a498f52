"""`flask reports tick`: the reporting loop's clock (registered on the blueprint's CLI group)."""

import click
from flask.cli import with_appcontext

from blueprints.reports.intake import remove_abandoned_photos
from blueprints.reports.services import sla_tick


@click.command("tick")
@with_appcontext
def tick():
    """Send reminders, flag overdue cases, close silent follow-ups, remove abandoned draft photos.
    Safe to run every minute."""
    counts = sla_tick()
    counts["photos"] = remove_abandoned_photos()
    click.echo(
        "reminded {reminded}, overdue {overdue}, closed {closed}, photos removed {photos}".format(
            **counts
        )
    )

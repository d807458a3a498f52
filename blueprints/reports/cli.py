"""`flask reports tick`: the reporting loop's clock (registered on the blueprint's CLI group)."""

import click
from flask.cli import with_appcontext

from blueprints.core import jobs


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

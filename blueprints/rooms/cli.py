"""`flask rooms tick`: the bookings' clock (registered on the blueprint's CLI group)."""

import click
from flask.cli import with_appcontext

from blueprints.core import jobs


@click.command("tick")
@with_appcontext
def tick():
    """Remind reviewers, flag requests past their 2 working days, decline requests nobody
    decided before their start, mark used bookings done. Safe to run every minute, and on several
    instances at once."""
    counts = jobs.run("rooms")
    click.echo(
        "reminded {reminded}, overdue {overdue}, expired {expired}, done {finished}".format(
            **counts
        )
    )

"""`flask volunteers tick`: the volunteer flows' clock (registered on the blueprint's CLI group)."""

import click
from flask.cli import with_appcontext

from blueprints.core import jobs
from blueprints.volunteers import clock, hours


def tick_volunteers(now=None):
    counts = clock.tick(now)
    counts["hours_overdue"] = hours.FLOW.tick(now)["overdue"]
    return counts


@click.command("tick")
@with_appcontext
def tick():
    """Offers that ran out move on, day-before reminders, check-outs nobody made closed,
    hours approvals overdue flagged. Safe to run every minute, and on several instances at once."""
    counts = jobs.run("volunteers")
    click.echo(
        "offers reminded {reminded}, offers expired {closed}, seats refilled {refilled}, "
        "day-before {day_before}, check-outs closed {closed_checkouts}, "
        "hours overdue {hours_overdue}".format(**counts)
    )

"""`flask orgs tick`: the filings' clock (registered on the blueprint's CLI group)."""

import click
from flask.cli import with_appcontext

from blueprints.orgs.lifecycle import tick as orgs_tick


@click.command("tick")
@with_appcontext
def tick():
    """Remind reviewers, flag overdue reviews, remind and expire filings. Safe to run every minute."""
    counts = orgs_tick()
    click.echo(
        "reminded {reminded}, overdue {overdue}, renewal reminders {renewal_reminded}, "
        "expired {expired}".format(**counts)
    )

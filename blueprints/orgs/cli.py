"""`flask orgs tick`: the filings' clock (registered on the blueprint's CLI group)."""

import click
from flask.cli import with_appcontext

from blueprints.core import jobs


@click.command("tick")
@with_appcontext
def tick():
    """Remind reviewers, flag overdue reviews, remind and expire filings. Safe to run every minute,
    and on several instances at once."""
    counts = jobs.run("orgs")
    click.echo(
        "reminded {reminded}, overdue {overdue}, renewal reminders {renewal_reminded}, "
        "expired {expired}".format(**counts)
    )

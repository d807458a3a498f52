"""`flask figures tick`: keep the figures' facts current (and, from blueprints/mydata, apply the
retention rules). Safe to run every minute."""

import click
from flask.cli import with_appcontext

from blueprints.figures.facts import refresh_facts


@click.command("tick")
@with_appcontext
def tick():
    """Read again the facts of cases that changed; a second run finds nothing to do."""
    click.echo(f"figures refreshed {refresh_facts()}")

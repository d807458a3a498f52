"""`flask figures tick`: keep the figures' facts and their daily roll-ups current. Safe to run
every minute, and from two places at once: on a SQLite file the runs take turns (jobs.run); on
PostgreSQL each claims its cases (facts.py)."""

import click
from flask.cli import with_appcontext

from blueprints.core import jobs
from blueprints.figures.facts import refresh_facts


def tick_figures(now=None):
    return {"refreshed": refresh_facts(now)}


@click.command("tick")
@with_appcontext
def tick():
    """Read again the facts of cases that changed; a second run finds nothing to do."""
    click.echo("figures refreshed {refreshed}".format(**jobs.run("figures")))

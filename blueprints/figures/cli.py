"""`flask figures tick`: keep the figures' facts and their daily roll-ups current (and, from
blueprints/mydata, apply the retention rules). Safe to run every minute, and from two places at
once: on a SQLite file the runs take turns; on PostgreSQL each claims its cases (facts.py)."""

import click
from flask.cli import with_appcontext

from blueprints.core.jobs import one_at_a_time
from blueprints.figures.facts import refresh_facts


def refresh(now=None):
    """What the tick does: refresh_facts, one run at a time on a SQLite file."""
    with one_at_a_time("figures"):
        return refresh_facts(now)


@click.command("tick")
@with_appcontext
def tick():
    """Read again the facts of cases that changed; a second run finds nothing to do."""
    click.echo(f"figures refreshed {refresh()}")

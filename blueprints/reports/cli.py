import click
from flask.cli import with_appcontext

from blueprints.reports.services import sla_tick


@click.group(help="Deadlines of grid reports.")
def sla():
    pass


@sla.command("tick")
@with_appcontext
def tick():
    """Send reminders, flag overdue cases, close silent follow-ups. Safe to run every minute."""
    counts = sla_tick()
    click.echo("reminded {reminded}, overdue {overdue}, closed {closed}".format(**counts))

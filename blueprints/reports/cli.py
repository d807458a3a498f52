import click
from flask.cli import with_appcontext

from blueprints.reports.services import remove_abandoned_photos, sla_tick


@click.group(help="Deadlines of grid reports.")
def sla():
    pass


@sla.command("tick")
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

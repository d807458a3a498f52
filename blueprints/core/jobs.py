"""Background work: the outbox's delivery and the flows' ticks, as plain functions that run the
same way from the CLI (cron, `make run`'s loop) and as jobs on Redis (RQ) when REDIS_URL is set.

    flask jobs worker      runs the jobs (one or more per deployment, on any instance)
    flask jobs schedule    enqueues each job every so often (one per instance is fine)

Several schedulers enqueue each job once a period: each period of each job is a Redis key that
only the first scheduler sets (SET NX), and a job already waiting is not queued again. Several
workers, or a worker and a cron job, never do one piece of work twice: delivery claims each
message, and the ticks claim their rows (blueprints/core/workflow.py, `claim`). On SQLite (one machine)
the ticks of one name take turns instead (`one_at_a_time`)."""

import fcntl
import logging
import time
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup

from extensions import db

log = logging.getLogger("linli.jobs")
cli = AppGroup("jobs", help="Background work on Redis (RQ): the worker and the scheduler.")


def tick_reports(now=None):
    from blueprints.reports.intake import remove_abandoned_photos
    from blueprints.reports.workflow import sla_tick

    return {**sla_tick(now), "photos": remove_abandoned_photos(now)}


def tick_orgs(now=None):
    from blueprints.orgs.lifecycle import tick

    return tick(now)


def tick_volunteers(now=None):
    from blueprints.volunteers import hours, signups

    counts = signups.tick(now)
    counts["hours_overdue"] = hours.FLOW.tick(now)["overdue"]
    return counts


def tick_rooms(now=None):
    from blueprints.rooms.services import tick

    return tick(now)


def deliver(now=None):
    from blueprints.notices.sms import deliver_outbox

    return deliver_outbox(now)


# name -> (work, seconds between two runs when scheduled)
WORK = {
    "deliver": (deliver, 5),
    "reports": (tick_reports, 60),
    "orgs": (tick_orgs, 60),
    "volunteers": (tick_volunteers, 60),
    "rooms": (tick_rooms, 60),
}


@contextmanager
def one_at_a_time(name):
    """On a SQLite file, runs of one piece of work take turns: an exclusive lock (flock) on a file
    beside the database, which every process on the machine sees. PostgreSQL needs none: there
    the work claims its rows FOR UPDATE SKIP LOCKED."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield
        return
    with open(f"{url.database}.{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run(name, now=None):
    """Do one piece of work now (or as at `now`), in this app; returns its counts."""
    work, _every = WORK[name]
    with one_at_a_time(name):
        return work(now)


# ---- on Redis -------------------------------------------------------------------------------


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2)


def queue(connection=None):
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=connection or redis_connection())


def key(kind, name):
    """A scheduler's key in Redis, in the queue's own namespace."""
    return f"{current_app.config['RQ_QUEUE']}:{kind}:{name}"


_worker_app = None


def job(name):
    """What the worker runs: `run(name)` in the app the worker made (`flask jobs worker`), or in
    one made here for a worker started some other way (`rq worker`)."""
    global _worker_app
    from flask import has_app_context

    if has_app_context():
        return _run_job(name)
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return _run_job(name)


def _run_job(name):
    redis_connection().delete(key("waiting", name))
    counts = run(name)
    if any(counts.values()):
        log.info("job %s: %s", name, counts)
    return counts


def enqueue_due(connection, now=None):
    """Put each piece of work whose period has begun on the queue, once per period across every
    scheduler, and not while one is still waiting. Returns the names enqueued."""
    now = time.time() if now is None else now
    enqueued = []
    for name, (_work, every) in WORK.items():
        period = int(now // every)
        if not connection.set(key("period", f"{name}:{period}"), 1, nx=True, ex=every * 4):
            continue  # another scheduler has it
        if not connection.set(key("waiting", name), 1, nx=True, ex=max(every * 10, 600)):
            continue  # the last one has not run yet
        queue(connection).enqueue(
            job, name, job_timeout=max(every * 10, 300), result_ttl=600, failure_ttl=86400
        )
        enqueued.append(name)
    return enqueued


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst):
    """Run queued jobs (outbox delivery, ticks). Needs REDIS_URL."""
    from rq import SimpleWorker

    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("Set REDIS_URL: without Redis, run the ticks from cron.")
    connection = redis_connection()
    # SimpleWorker runs each job in this process, inside this app: no fork per job, and the
    # database pool is the worker's own.
    SimpleWorker([queue(connection)], connection=connection).work(burst=burst)


@cli.command("schedule")
@click.option("--once", is_flag=True, help="Enqueue what is due once, then stop.")
def schedule(once):
    """Enqueue the delivery and the ticks every so often (WORK). Needs REDIS_URL."""
    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("Set REDIS_URL: without Redis, run the ticks from cron.")
    connection = redis_connection()
    while True:
        names = enqueue_due(connection)
        if names or once:
            click.echo("enqueued " + (", ".join(names) or "nothing"))
        if once:
            return
        time.sleep(1)


@cli.command("run")
@click.argument("name", type=click.Choice(sorted(WORK)))
def run_now(name):
    """Do one piece of work now, without Redis (what cron runs)."""
    click.echo(f"{name}: {run(name)}")


def init_app(app):
    app.cli.add_command(cli)

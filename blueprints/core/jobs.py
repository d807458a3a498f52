"""Background work: every tick the features register (core/features.py: the outbox's delivery,
the flows' clocks, the figures, retention) and the rate counters' expiry, as plain functions
that run the same way from the CLI (cron, `make run`'s loop) and as jobs on Redis (RQ) when
REDIS_URL is set.

    flask jobs worker      runs the jobs (one or more per deployment, on any instance)
    flask jobs schedule    enqueues each tick every so often (one per instance is fine)
    flask jobs run NAME    runs one tick now, without Redis (what cron runs)

A queued job names its function by a dotted path (worker.py, beside app.py), which nothing
imports: the worker makes the app from there when it was started without one.

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

from blueprints.core import features
from blueprints.web import ratelimit
from extensions import db

log = logging.getLogger("linli.jobs")
cli = AppGroup("jobs", help="Background work on Redis (RQ): the worker and the scheduler.")


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
    work, _every = features.ticks()[name]
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


# What a queued job runs: a dotted path, so this module never imports the app.
JOB = "worker.job"


def run_queued(name):
    """A queued job's work, in the worker's app: the next period may queue it again."""
    redis_connection().delete(key("waiting", name))
    counts = run(name)
    if any(counts.values()):
        log.info("job %s: %s", name, counts)
    return counts


def enqueue_due(connection, now=None):
    """Put each registered tick whose period has begun on the queue, once per period across
    every scheduler, and not while one is still waiting. Returns the names enqueued."""
    now = time.time() if now is None else now
    enqueued = []
    for name, (_work, every) in features.ticks().items():
        period = int(now // every)
        if not connection.set(key("period", f"{name}:{period}"), 1, nx=True, ex=every * 4):
            continue  # another scheduler has it
        if not connection.set(key("waiting", name), 1, nx=True, ex=max(every * 10, 600)):
            continue  # the last one has not run yet
        queue(connection).enqueue(
            JOB, name, job_timeout=max(every * 10, 300), result_ttl=600, failure_ttl=86400
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
    """Enqueue every registered tick every so often. Needs REDIS_URL."""
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
@click.argument("name")
def run_now(name):
    """Do one tick now, without Redis (what cron runs)."""
    if name not in features.ticks():
        names = ", ".join(sorted(features.ticks()))
        raise click.BadParameter(f"{name!r} is none of {names}.", param_hint="NAME")
    click.echo(f"{name}: {run(name)}")


def init_app(app):
    app.cli.add_command(cli)
    features.add_tick(app, "rate-counters", ratelimit.remove_expired, every=3600)

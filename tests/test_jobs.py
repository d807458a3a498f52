"""Background work on Redis (RQ): the scheduler enqueues every tick the features register once a
period however many instances run one, the worker runs them in the app, and /readyz tells the
proxy and the admins which parts answered. Without Redis the same work runs from the CLI."""

import os
import uuid
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from blueprints.core import features, jobs
from blueprints.notices import sms as outbox
from blueprints.notices.models import Outbox
from blueprints.util.times import utcnow
from extensions import db
from tests.conftest import login
from tests.people import ADMIN, RESIDENT

redis = pytest.importorskip("redis")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def on_redis(app):
    """REDIS_URL set, on a queue (and key namespace) of this test's own."""
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis server")
    saved = dict(app.config)
    name = f"linli-test-{uuid.uuid4().hex[:10]}"
    app.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=name, SMS_DELIVERY="loop")
    yield server
    app.config.clear()
    app.config.update(saved)
    keys = server.keys(f"*{name}*")
    if keys:
        server.delete(*keys)


def test_two_schedulers_enqueue_each_job_once_a_period(app, ctx, on_redis):
    now = 1_000_000_020.0  # just past the start of a minute and of a 5-second period
    first = jobs.enqueue_due(on_redis, now)
    second = jobs.enqueue_due(on_redis, now + 0.5)  # the other instance's scheduler
    assert sorted(first) == sorted(features.ticks())
    assert second == []
    assert jobs.queue(on_redis).count == len(features.ticks())
    # The next delivery period: the last delivery job still waits, so none is added.
    assert jobs.enqueue_due(on_redis, now + 5) == []
    assert jobs.queue(on_redis).count == len(features.ticks())


def test_the_worker_delivers_the_outbox_and_runs_the_ticks(app, ctx, on_redis, sms):
    from rq import SimpleWorker

    outbox.send_sms("13900000001", "hello from the queue")
    db.session.commit()
    assert sorted(jobs.enqueue_due(on_redis, 1_000_000_020.0)) == sorted(features.ticks())
    SimpleWorker([jobs.queue(on_redis)], connection=on_redis).work(burst=True)
    assert sms == [("13900000001", "hello from the queue")]
    assert db.session.scalar(select(Outbox.state)) == "sent"
    assert jobs.queue(on_redis).count == 0
    finished = jobs.queue(on_redis).finished_job_registry.get_job_ids()
    assert len(finished) == len(features.ticks()), "every job ran without failing"
    # Each job has run, so the next period of each (an hour on, for the hourly ones) enqueues
    # them again.
    assert sorted(jobs.enqueue_due(on_redis, 1_000_003_620.0)) == sorted(features.ticks())


def test_without_redis_the_same_work_runs_from_the_cli(app, runner, ctx, sms, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_DELIVERY", "loop")
    outbox.send_sms("13900000002", "hello from cron")
    db.session.commit()
    out = runner.invoke(args=["jobs", "run", "deliver"])
    assert out.exit_code == 0
    assert "'sent': 1" in out.output
    assert sms == [("13900000002", "hello from cron")]
    assert "Set REDIS_URL" in runner.invoke(args=["jobs", "worker"]).output


# Every tick the features and the app register: each is scheduled (the Redis tests above) and
# runs once here. A feature that adds a tick adds its name here.
TICKS = ["deliver", "figures", "mydata", "orgs", "rate-counters", "reports", "rooms", "volunteers"]


def test_every_feature_registers_its_ticks(app):
    assert sorted(features.ticks(app)) == TICKS
    assert all(every > 0 for _work, every in features.ticks(app).values())


@pytest.mark.parametrize("name", TICKS)
def test_each_tick_runs_once_from_the_cli(app, runner, demo, name):
    out = runner.invoke(args=["jobs", "run", name])
    assert out.exit_code == 0, out.output
    assert out.output.startswith(f"{name}: {{")


def test_the_cli_refuses_a_tick_nobody_registered(runner):
    out = runner.invoke(args=["jobs", "run", "nightly"])
    assert out.exit_code == 2
    assert "'nightly' is none of deliver, figures" in out.output


class Keys:
    """Redis's SET NX, for the scheduler without a Redis server."""

    def __init__(self):
        self.held = set()

    def set(self, key, _value, nx, ex):
        assert nx
        assert ex > 0
        if key in self.held:
            return False
        self.held.add(key)
        return True


class Queue:
    def __init__(self):
        self.jobs = []

    def enqueue(self, func, name, **_options):
        self.jobs.append((func, name))


def test_the_scheduler_enqueues_every_registered_tick(app, ctx, monkeypatch):
    """Without a Redis server: every tick registered on the app, one added here too, is on the
    queue after one pass, by the worker's dotted path."""
    queued = Queue()
    monkeypatch.setattr(jobs, "queue", lambda _connection: queued)
    monkeypatch.setitem(app.extensions["linli_ticks"], "hourly", (lambda _now=None: {}, 3600))
    assert sorted(jobs.enqueue_due(Keys(), 1_000_000_020.0)) == [*TICKS[:2], "hourly", *TICKS[2:]]
    assert sorted(queued.jobs) == sorted(("worker.job", name) for name in [*TICKS, "hourly"])


def test_rate_counters_past_their_window_expire(app, ctx):
    from blueprints.web.ratelimit import RateCounter

    now = utcnow()
    stamp = now.replace(tzinfo=UTC).timestamp()
    db.session.add_all(
        [
            RateCounter(key="old", count=3, expires_at=stamp - 1),
            RateCounter(key="live", count=1, expires_at=stamp + 60),
        ]
    )
    db.session.commit()
    assert jobs.run("rate-counters", now) == {"expired": 1}
    assert db.session.scalars(select(RateCounter.key)).all() == ["live"]


def old_message(minutes, state="pending"):
    row = outbox.send_sms("13900000003", "waiting")
    row.state, row.created_at = state, utcnow() - timedelta(minutes=minutes)
    return row


def test_readyz_says_which_parts_answered_and_the_numbers_only_to_admins(
    app, client, demo, ctx, on_redis
):
    app.config["SMS_DELIVERY"] = "loop"
    old_message(10)
    old_message(1)
    old_message(30, state="failed")
    db.session.commit()
    jobs.queue(on_redis).enqueue(jobs.JOB, "orgs")
    public = client.get("/readyz")
    assert public.status_code == 200
    assert public.headers["Cache-Control"] == "no-store"
    assert public.json == {"database": "ok", "redis": "ok", "queue": "ok", "status": "ok"}
    login(client, ADMIN)
    details = client.get("/readyz").json["details"]
    assert details["queue_depth"] == 1
    assert details["outbox_backlog"] == 2
    assert details["outbox_failed"] == 1
    assert 595 <= details["oldest_undelivered_s"] <= 660
    login(client, RESIDENT)
    assert "details" not in client.get("/readyz").json


def test_readyz_reports_redis_down_and_off_without_failing_the_instance(
    app, client, ctx, monkeypatch
):
    assert client.get("/readyz").json["redis"] == "off"
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json["redis"] == "down"
    assert answer.json["database"] == "ok"


def test_readyz_is_503_when_the_database_is_down(app, client, monkeypatch):
    from blueprints.status import routes as status

    def broken():
        raise status.db.exc.OperationalError("SELECT 1", {}, Exception("gone"))

    monkeypatch.setattr(status.db.session, "execute", lambda *_a, **_k: broken())
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["database"] == "down"

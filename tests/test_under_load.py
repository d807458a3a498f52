"""Bursts and sustained load against a real gunicorn: one worker with its threads, as a small
`make run` would serve them. Every answer is a page or a polite refusal within seconds, and what
was stored is what the answers said."""

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from blueprints.auth.demo import DEMO_PASSWORD
from tests.live import TOKEN, at_once, browser, live_gunicorn, post
from tests.people import DISPATCHER, HANDLER


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("load")


@pytest.fixture(scope="module")
def server(folder):
    with live_gunicorn(folder, workers=1, env={"PROXY_COUNT": "1"}) as running:
        yield running


def stored(server, query, **params):
    engine = create_engine(server.database)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query), params).all()
    finally:
        engine.dispose()


def signed_in(server, phone, address):
    session = browser(server, address)
    answer = post(session, server, "/auth/login", phone=phone, password=DEMO_PASSWORD)
    assert answer.status_code == 303, answer.text[:300]
    return session


@pytest.mark.slow
def test_sixty_sign_ups_at_once_on_one_worker_all_answered_within_seconds(server):
    # Ten addresses, six presses each: the sign-up form lets five an address through a minute.
    phones = [f"1390000{i:04d}" for i in range(60)]
    clients = [browser(server, f"10.9.{i % 10}.1") for i in range(60)]
    started = time.monotonic()
    answers = at_once(
        60,
        lambda i: post(
            clients[i], server, "/auth/signup", phone=phones[i], password="burst-password"
        ),
    )
    took = time.monotonic() - started
    statuses = [getattr(a, "status_code", a) for a in answers]
    assert all(isinstance(s, int) and s < 500 for s in statuses), [s for s in statuses if s != 303]
    assert statuses.count(303) == 50, statuses
    assert statuses.count(429) == 10, statuses
    assert took < 15, took
    kept = {row.phone for row in stored(server, 'SELECT phone FROM "user"')}
    for phone, status in zip(phones, statuses, strict=True):
        assert (phone in kept) == (status == 303), (phone, status)


@pytest.mark.slow
def test_two_leave_presses_at_once_give_one_leave_and_one_polite_answer(server):
    (org_id,) = stored(server, "SELECT id FROM org WHERE state = 'active' ORDER BY id")[0]
    member = signed_in(server, HANDLER, "10.8.0.1")
    member.token = TOKEN.search(member.get(f"{server.url}/orgs/{org_id}", timeout=10).text)[1]
    for _round in range(3):
        assert post(member, server, f"/orgs/{org_id}/join").status_code == 303
        answers = at_once(2, lambda _i: post(member, server, f"/orgs/{org_id}/leave"))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [303, 422], statuses
        refused = next(a for a in answers if a.status_code == 422)
        assert "您已经不在这个组织的名单上了" in refused.text
    left = stored(
        server,
        'SELECT count(*) FROM org_member m JOIN "user" u ON u.id = m.user_id'
        " WHERE m.org_id = :org AND u.phone = :phone",
        org=org_id,
        phone=HANDLER,
    )
    assert left[0][0] == 0


def keep_reading(session, url, reads, done):
    while not done.is_set():
        reads.append(session.get(url, timeout=30).status_code)


def read_slowly(server, done):
    """A reader that takes its time (a long export, say): a list of the cases, half read."""
    engine = create_engine(server.database)
    try:
        with engine.connect() as conn:
            cases = conn.execute(text("SELECT id FROM report ORDER BY id"))
            cases.fetchone()
            done.wait(8)
            cases.close()
    finally:
        engine.dispose()


def queue_texts_and_tick(app, phones, errors, done):
    from blueprints.core import jobs
    from blueprints.notices.sms import send_sms
    from extensions import db

    try:
        with app.app_context():
            for start in range(0, len(phones), 20):
                for phone in phones[start : start + 20]:
                    send_sms(phone, f"load {phone}")
                db.session.commit()
                for name in ("reports", "volunteers", "rooms", "orgs"):
                    jobs.run(name)
                time.sleep(0.5)
            db.engine.dispose()
    except Exception as e:  # any failure is the test's finding
        errors.append(e)
    finally:
        done.set()


@pytest.mark.slow
def test_the_queue_reads_while_texts_go_out_and_the_ticks_run(server, folder):
    """Ten readers of the dispatcher's queue, and one slow reader, while texts keep arriving in
    the outbox, the delivery loop sends them and the ticks run: every read is a page, every tick
    finishes, and the loop sends every text."""
    dispatcher = signed_in(server, DISPATCHER, "10.7.0.1")
    phones = [f"1370000{i:04d}" for i in range(100)]
    errors, reads = [], []
    done = threading.Event()
    threads = [
        *(
            threading.Thread(
                target=keep_reading, args=(dispatcher, server.url + "/reports/queue", reads, done)
            )
            for _ in range(10)
        ),
        threading.Thread(target=read_slowly, args=(server, done)),
        threading.Thread(target=queue_texts_and_tick, args=(server.app(), phones, errors, done)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert reads
    assert set(reads) == {200}, sorted(set(reads))
    sent = {phone for phone, _text in server.sms(settle=20)}
    assert set(phones) <= sent
    assert "Traceback" not in (folder / "deliver.log").read_text()


class Stop(Exception):
    """Ends the delivery loop in a test."""


def test_the_delivery_loop_goes_on_after_a_database_error(runner, monkeypatch, caplog):
    from blueprints.notices import sms

    locked = OperationalError("UPDATE outbox", {}, sqlite3.OperationalError("database is locked"))
    rounds = iter([locked, {"sent": 1, "retry": 0, "failed": 0, "held": 0}, Stop()])

    def deliver_outbox():
        outcome = next(rounds)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(sms, "deliver_outbox", deliver_outbox)
    result = runner.invoke(args=["notices", "deliver", "--loop", "--every", "0"])
    assert isinstance(result.exception, Stop), result.exception
    assert "sent 1, retry 0" in result.output
    assert "database is locked" in caplog.text


def count_of(key):
    from extensions import db

    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT count FROM rate_counter WHERE key = :key"), {"key": key}
        ).scalar()


def test_a_rate_count_takes_no_second_connection_and_outlives_a_failed_request(app):
    from blueprints.web.ratelimit import WITH_THE_WORK, DatabaseStorage, counted
    from extensions import db

    storage = DatabaseStorage("linlidb://")
    in_use = []

    def checked_out(*_args):
        in_use.append(db.engine.pool.checkedout())

    with app.test_request_context("/auth/login", method="POST"):
        db.session.execute(text("SELECT 1"))  # the request holds its connection
        event.listen(db.engine, "checkout", checked_out)
        try:
            assert storage.incr("login", 60) == 1
            assert storage.get("login") == 1
            where = counted.set(WITH_THE_WORK)
            try:
                assert storage.incr("guardian-ask", 60) == 1
            finally:
                counted.reset(where)
        finally:
            event.remove(db.engine, "checkout", checked_out)
        db.session.rollback()  # the request fails
    assert max(in_use, default=1) == 1, in_use
    with app.app_context():
        assert count_of("login") == 1  # committed at once
        assert count_of("guardian-ask") is None  # undone with the work it belonged to


def test_a_sqlite_file_lets_readers_and_a_writer_through_together(app, tmp_path):
    """blueprints/core/sqlite.py, on a SQLite file of its own (whatever database the suite runs on)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    try:
        with engine.begin() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
            conn.exec_driver_sql("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
            conn.exec_driver_sql("INSERT INTO note (body) VALUES ('a'), ('b'), ('c')")
        with engine.connect() as reader, engine.connect() as writer, engine.connect() as late:
            # A reader halfway through a list does not hold a writer up.
            notes = reader.execute(text("SELECT body FROM note ORDER BY id"))
            assert notes.fetchone() == ("a",)
            started = time.monotonic()
            writer.execute(text("INSERT INTO note (body) VALUES ('d')"))
            writer.commit()
            # Held up, the writer would wait out the busy timeout (15 s) for this reader, then
            # fail: a loaded machine's slower commit is no hold-up.
            assert time.monotonic() - started < 15
            notes.close()
            # A connection that read before that commit still writes: its transaction begins
            # at its first write (pysqlite's way, kept), so it is not a stale reader's.
            assert late.execute(text("SELECT count(*) FROM note")).scalar() == 4
            writer.execute(text("INSERT INTO note (body) VALUES ('e')"))
            writer.commit()
            late.execute(text("INSERT INTO note (body) VALUES ('f')"))
            late.commit()
            assert late.execute(text("SELECT count(*) FROM note")).scalar() == 6
    finally:
        engine.dispose()

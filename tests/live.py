"""A real gunicorn with several workers, for the tests that only a live server can show: races,
counters shared across processes, slow clients.

    with live_gunicorn(tmp_path, workers=4) as server:
        requests to server.url ...; server.sms() lists what was sent

The database is a SQLite file in tmp_path, or, when DATABASE_URL is set (CI's PostgreSQL run), a
fresh PostgreSQL database of its own beside the unit tests' one, dropped afterwards. It is
migrated and loaded with the demo, as `make run` does."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests

from app import create_app, database_url
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


class FileSender:
    """The SMS sender of a live server: one JSON line per message, in LINLI_SMS_FILE."""

    def send(self, sms):
        with open(os.environ["LINLI_SMS_FILE"], "a", encoding="utf-8") as f:
            f.write(json.dumps([sms.phone, sms.text], ensure_ascii=False) + "\n")


def make_app():
    """What gunicorn serves: the real app, with a quick password hash and a recording sender."""
    return create_app(
        {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SMS_SENDER": "tests.live:FileSender"}
    )


class Server:
    def __init__(self, url, sms_file, log_file, database):
        self.url = url
        self.sms_file = sms_file
        self.log_file = log_file
        self.database = database  # a SQLAlchemy URL, for tests that look at what was stored

    def sms(self, settle=60):
        """The texts sent so far, once the delivery loop has emptied the outbox (it takes a
        fraction of a second; `settle` only bounds a loaded machine's wait)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database)
        deadline = time.monotonic() + settle
        try:
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    waiting = conn.execute(
                        text("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')")
                    ).scalar_one()
                if not waiting:
                    break
                time.sleep(0.1)
        finally:
            engine.dispose()
        if not self.sms_file.exists():
            return []
        return [json.loads(line) for line in self.sms_file.read_text().splitlines()]

    def log(self):
        return self.log_file.read_text(errors="replace")

    def app(self):
        """An app on the live server's database, for a test to write what it needs or read
        what was stored (dispose its engine before the server's workers race on it)."""
        return create_app(
            {
                "SQLALCHEMY_DATABASE_URI": self.database,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def own_database(tmp_path):
    base = os.environ.get("DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path / "live.db")
        return
    import psycopg

    name = f"linli_live_{uuid.uuid4().hex[:10]}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def live_gunicorn(tmp_path, workers=4, env=None, args=()):
    """Serve the app with gunicorn as `make run` does; yields a Server."""
    with own_database(tmp_path) as url:
        environment = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "live-test-" + uuid.uuid4().hex,
            "LINLI_SMS_FILE": str(tmp_path / "sms.jsonl"),
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "FLASK_APP": "tests.live:make_app",
            **(env or {}),
        }
        flask = [str(VENV_BIN / "flask")]
        for command in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run(
                flask + command, cwd=ROOT, env=environment, check=True, capture_output=True
            )
        port = free_port()
        # The server's public address is where the tests reach it: links in texts open there.
        environment.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
        log_file = tmp_path / "gunicorn.log"
        with open(log_file, "wb") as log:
            process = subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "--workers",
                    str(workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--no-control-socket",  # several servers may run at once
                    *args,
                    "tests.live:make_app()",
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        # The outbox's delivery loop, as `make run` starts it beside gunicorn.
        with open(tmp_path / "deliver.log", "wb") as log:
            loop = subprocess.Popen(
                flask + ["notices", "deliver", "--loop", "--every", "0.2"],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, process, log_file)
            yield Server(base, tmp_path / "sms.jsonl", log_file, database_url(url))
        finally:
            for running in (process, loop):
                running.terminate()
                try:
                    running.wait(15)
                except subprocess.TimeoutExpired:
                    running.kill()
                    running.wait()


def wait_until_up(base, process, log_file, seconds=120):
    """Until gunicorn answers /healthz: a few seconds, longer on a loaded machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + log_file.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz:\n" + log_file.read_text(errors="replace"))


def browser(server, address=None):
    """A requests session with a form token, as a fresh phone would start; `address` poses as
    the client's address (the live server trusts one proxy hop when PROXY_COUNT=1)."""
    session = requests.Session()
    if address:
        session.headers["X-Forwarded-For"] = address
    page = session.get(server.url + "/auth/login", timeout=10).text
    session.token = TOKEN.search(page)[1]
    return session


def post(session, server, path, **data):
    return session.post(
        server.url + path,
        data={"csrf_token": session.token, **data},
        allow_redirects=False,
        timeout=30,
    )


def at_once(count, send):
    """Runs send(i) in count threads released together; returns the answers in order."""
    barrier = threading.Barrier(count)
    answers = [None] * count

    def run(i):
        barrier.wait()
        try:
            answers[i] = send(i)
        except requests.RequestException as e:
            answers[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers

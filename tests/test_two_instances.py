"""Two instances behind nginx, as README "Deploying on several instances" says: two gunicorns on
two ports, each with its own instance/ folder, one PostgreSQL, one Redis, one shared upload folder,
and nginx configured from deploy/nginx.conf. Shown: rate limits are shared; a report filed through
one is in the other's queue; a photo uploaded through one is served by the other; and with one
instance killed mid-load, every submission answered with a 303 is stored exactly once.

Needs nginx (the Makefile's `nginx` step installs it), PostgreSQL and Redis: skipped with a
reason when one is missing, failed instead under CI."""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from app import create_app, database_url
from tests.conftest import TOKEN
from tests.live import free_port, wait_until_up
from tests.people import DISPATCHER, RESIDENT
from tests.test_slow_upload import phone_photo

pytestmark = pytest.mark.slow  # see pyproject.toml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
RESIDENTS = 30


def make_app():
    """What each instance serves: the real app, a quick password hash, its own Redis namespace."""
    namespace = os.environ["LINLI_TEST_NAMESPACE"]
    return create_app(
        {
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SMS_SENDER": "tests.live:FileSender",
            "RATELIMIT_KEY_PREFIX": namespace,
            "RQ_QUEUE": namespace,
        }
    )


def need(what, ok):
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"two-instance test: {what} is missing")
        pytest.skip(f"two-instance test: {what} is missing")


def postgres_answers():
    try:
        import psycopg

        psycopg.connect(POSTGRES, connect_timeout=3).close()
        return True
    except Exception:
        return False


def redis_answers():
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        return False


@contextmanager
def postgres_database():
    import psycopg

    base = os.environ.get("DATABASE_URL", "")
    server = base.rsplit("/", 1)[0] if base.startswith("postgres") else POSTGRES.rsplit("/", 1)[0]
    name = f"linli_two_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(server + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def nginx_config(folder, port, upstreams):
    """deploy/nginx.conf, pointed at this test's instances and port, in a main config of its own."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("/srv/linli/", f"{ROOT}/")
    site = site.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}")
    site = site.replace("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")
    assert all(f"127.0.0.1:{p}" in site for p in upstreams)
    path = folder / "nginx.conf"
    path.write_text(
        f"""
daemon off;
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    {site}
}}
"""
    )
    return path


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def started(command, env, log, cwd=ROOT):
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        stop(process)


def resident(base, address):
    """A phone's session (posing as `address` behind an outer proxy) with a report filled in up
    to its last step; returns the session and the description it will send."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = address
    page = session.get(base + "/reports/new", timeout=10).text
    category = re.search(r'name="category" value="(\d+)"', page)[1]
    token = TOKEN.search(page)[1]
    session.post(base + "/reports/new", data={"category": category, "csrf_token": token})
    page = session.get(base + "/reports/new/details", timeout=10).text
    grid = re.search(r'<option value="([1-9]\d*)"', page)[1]
    description = f"两台实例测试 {uuid.uuid4().hex[:12]}"
    answer = session.post(
        base + "/reports/new/details",
        data={"description": description, "grid": grid, "address": "3栋", "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]
    session.token = token
    return session, description


def to_check(session, base):
    """From the photo step on to the last one (no photo, no phone)."""
    session.post(base + "/reports/new/photos", data={"csrf_token": session.token}, timeout=10)
    page = session.get(base + "/reports/new/check", timeout=10).text
    session.key = re.search(r'name="key" value="([^"]+)"', page)[1]


def send(session, base):
    return session.post(
        base + "/reports/new/check",
        data={"csrf_token": session.token, "key": session.key},
        timeout=30,
        allow_redirects=False,
    )


def test_two_instances_behind_nginx(tmp_path):  # noqa: C901  (one deployment, checked in order)
    need("nginx", os.path.exists(NGINX))
    need("PostgreSQL at 127.0.0.1:5432", postgres_answers())
    need("Redis at 127.0.0.1:6379", redis_answers())
    import redis

    checked = []
    namespace = f"linli-two-{uuid.uuid4().hex[:10]}"
    uploads = tmp_path / "uploads"
    with ExitStack() as stack:
        url = stack.enter_context(postgres_database())
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "two-instances-" + uuid.uuid4().hex,
            "UPLOAD_FOLDER": str(uploads),
            "LINLI_SMS_FILE": str(tmp_path / "sms.jsonl"),
            "LINLI_TEST_NAMESPACE": namespace,
            "PROXY_COUNT": "2",  # nginx, and the outer proxy the clients pose behind
            "FLASK_APP": "tests.test_two_instances:make_app",
            "WEB_CONCURRENCY": "2",
        }
        for command in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run(
                [str(VENV_BIN / "flask"), *command],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        ports = [free_port(), free_port()]
        servers = []
        for n, port in enumerate(ports):
            folder = tmp_path / f"instance{n}"
            folder.mkdir()
            servers.append(
                stack.enter_context(
                    started(
                        [
                            str(VENV_BIN / "gunicorn"),
                            "-c",
                            str(ROOT / "gunicorn.conf.py"),
                            "--no-control-socket",
                            "tests.test_two_instances:make_app()",
                        ],
                        {**env, "INSTANCE_PATH": str(folder), "PORT": str(port)},
                        tmp_path / f"gunicorn{n}.log",
                    )
                )
            )
        direct = [f"http://127.0.0.1:{port}" for port in ports]
        for base, server, n in zip(direct, servers, range(2), strict=True):
            wait_until_up(base, server, tmp_path / f"gunicorn{n}.log")
        proxy_port = free_port()
        config = nginx_config(tmp_path, proxy_port, ports)
        nginx = stack.enter_context(
            started([NGINX, "-c", str(config), "-p", str(tmp_path)], env, tmp_path / "nginx.log")
        )
        proxy = f"http://127.0.0.1:{proxy_port}"
        wait_until_up(proxy, nginx, tmp_path / "nginx-error.log")
        stack.callback(lambda: _clean_redis(redis.Redis.from_url(REDIS_URL), namespace))

        # Each instance made its own instance/ folder (its key file is not used: SECRET_KEY).
        assert all((tmp_path / f"instance{n}").is_dir() for n in range(2))
        assert requests.get(proxy + "/readyz", timeout=5).json()["redis"] == "ok"

        # 1. Rate limits are shared: wrong passwords, alternately on each instance.
        statuses = []
        for n in range(7):
            page = requests.get(direct[n % 2] + "/auth/login", timeout=10)
            statuses.append(
                requests.post(
                    direct[n % 2] + "/auth/login",
                    data={
                        "phone": RESIDENT,
                        "password": "wrong-one",
                        "csrf_token": TOKEN.search(page.text)[1],
                    },
                    cookies=page.cookies,
                    headers={"X-Forwarded-For": "198.51.100.7"},
                    timeout=10,
                ).status_code
            )
        assert statuses == [422] * 5 + [429] * 2, statuses
        checked.append(f"rate limit shared: 7 wrong logins alternating A/B -> {statuses}")

        # 2. and 3. A report begun on one, its photo sent through the other, filed through the
        # first; the photo is served by each, and the report is in the other's queue.
        session, description = resident(direct[0], "198.51.100.8")
        photo = phone_photo()
        answer = session.post(
            direct[1] + "/reports/new/photos",
            data={"csrf_token": session.token},
            files={"photos": ("IMG.jpg", photo, "image/jpeg")},
            timeout=30,
            allow_redirects=False,
        )
        assert answer.status_code == 303, answer.text[:300]
        page = session.get(direct[0] + "/reports/new/photos", timeout=10).text
        photo_url = re.search(r'src="(/reports/photo/\d+)\?size=thumb"', page)[1]
        for base in direct:
            served = session.get(base + photo_url, timeout=10)
            assert served.status_code == 200
            assert served.headers["Content-Type"] == "image/jpeg"
            assert served.content[:2] == b"\xff\xd8"
        checked.append(f"photo uploaded through B ({len(photo)} bytes), served by A and B")
        page = session.get(direct[0] + "/reports/new/check", timeout=10).text
        session.key = re.search(r'name="key" value="([^"]+)"', page)[1]
        filed = send(session, direct[0])
        assert filed.status_code == 303
        ref = re.search(r"/reports/([^/?]+)\?new=1", filed.headers["Location"])[1]
        dispatcher = requests.Session()
        page = dispatcher.get(direct[1] + "/auth/login", timeout=10).text
        login = dispatcher.post(
            direct[1] + "/auth/login",
            data={
                "phone": DISPATCHER,
                "password": "linli-demo",
                "csrf_token": TOKEN.search(page)[1],
            },
            allow_redirects=False,
            timeout=10,
        )
        assert login.status_code == 303
        queue = dispatcher.get(direct[1] + "/reports/queue", timeout=10).text
        assert ref in queue
        checked.append(f"report {ref} filed through A is in the dispatcher's queue on B")

        # 4. nginx stamps when it took each request, over any stamp a client sends.
        stale = {"X-Request-Start": f"t={time.time() - 60:.3f}"}
        assert requests.get(direct[1] + "/auth/login", headers=stale, timeout=10).status_code == 503
        assert requests.get(proxy + "/auth/login", headers=stale, timeout=10).status_code == 200
        checked.append("a minute-old X-Request-Start: 503 straight to B, 200 through nginx")

        # 5. Load through nginx; one instance killed part way. A POST in flight on the dead
        # instance gets a 502 and is sent again, as a phone would.
        residents = []
        for n in range(RESIDENTS):
            session, description = resident(proxy, f"198.51.100.{20 + n}")
            to_check(session, proxy)
            residents.append((session, description))
        answers = [None] * RESIDENTS
        tries = [0] * RESIDENTS
        go = threading.Barrier(RESIDENTS + 1)

        def submit(i):
            session, _description = residents[i]
            go.wait(10)
            time.sleep(i * 0.03)
            for _ in range(4):
                tries[i] += 1
                try:
                    answers[i] = send(session, proxy).status_code
                except requests.RequestException as e:
                    answers[i] = type(e).__name__
                if answers[i] == 303:
                    return
                time.sleep(0.3)

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(RESIDENTS)]
        for t in threads:
            t.start()
        go.wait(10)
        time.sleep(0.3)
        os.killpg(servers[0].pid, signal.SIGKILL)
        servers[0].wait(10)
        for t in threads:
            t.join(60)
        assert answers.count(303) == RESIDENTS, answers
        engine = create_engine(database_url(url))
        try:
            with engine.connect() as conn:
                stored = dict(
                    conn.execute(
                        text(
                            "SELECT description, count(*) FROM report"
                            " WHERE description LIKE '两台实例测试 %' GROUP BY description"
                        )
                    ).all()
                )
        finally:
            engine.dispose()
        for i, (_session, description) in enumerate(residents):
            assert stored.get(description) == 1, (i, answers[i], tries[i], stored.get(description))
        checked.append(
            f"A killed during {RESIDENTS} submissions through nginx: {answers.count(303)} answered 303,"
            f" {sum(tries) - RESIDENTS} sent again after an error, each stored exactly once"
        )
        assert requests.get(proxy + "/readyz", timeout=5).status_code == 200
        checked.append("after the kill, /readyz through nginx: 200 (B answers)")
    print("\n".join(["two instances behind nginx:", *checked]))


def _clean_redis(server, namespace):
    keys = server.keys(f"*{namespace}*")
    if keys:
        server.delete(*keys)

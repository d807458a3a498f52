"""Fixtures: one app per session on SQLite (or DATABASE_URL), emptied after every test.

Under pytest-xdist each worker process has its own session, so its own SQLite file (in its own
temporary folder) or its own PostgreSQL database beside DATABASE_URL's (`<name>_gw0`, ...): one
worker emptying its tables after a test never touches another's.

The test client sends a real CSRF token with every POST, as a browser would; pass
csrf=False to post without one."""

import os
import re
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from app import create_app, database_url
from blueprints.auth.demo import DEMO_PASSWORD
from blueprints.auth.models import User
from blueprints.auth.people import new_grant
from blueprints.main.cli import load_demo
from extensions import db, limiter

SENT = []
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class RecordingSender:
    """The SMS sender for tests: keeps what would have been sent."""

    def send(self, sms):
        SENT.append((sms.phone, sms.text))


class FormClient(FlaskClient):
    def open(self, *args, **kwargs):
        # Each request gets its own app context (so its own `g` and db session), even when the
        # test holds one open through the ctx fixture.
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def post(self, *args, csrf=True, **kwargs):
        data = kwargs.get("data")
        if csrf and isinstance(data, dict) and "csrf_token" not in data:
            page = self.get("/auth/login")
            data["csrf_token"] = TOKEN.search(page.get_data(as_text=True)).group(1)
        return super().post(*args, **kwargs)


@contextmanager
def worker_database():
    """DATABASE_URL's database; under xdist, a fresh one of this worker's own, dropped after."""
    url = make_url(database_url())
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or url.get_backend_name() != "postgresql":
        yield url.render_as_string(hide_password=False)
        return
    import psycopg

    name = f"{url.database}_{worker}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_collection_modifyitems(items):
    """Every browser test is a slow one: `make test-fast` leaves them out with the rest."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    if not os.environ.get("DATABASE_URL"):
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        return
    with worker_database() as uri:
        yield uri


@pytest.fixture(scope="session")
def app(database_uri, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SMS_SENDER": "tests.conftest:RecordingSender",
            "SMS_DELIVERY": "inline",
            "RATELIMIT_STORAGE_URI": "memory://",
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        }
    )
    app.test_client_class = FormClient
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(app):
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        limiter.reset()
    SENT.clear()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def demo(app):
    """The demo street, grids, categories and accounts (password linli-demo); no reports."""
    with app.app_context():
        load_demo(with_reports=False)


@pytest.fixture
def sms():
    return SENT


@pytest.fixture
def create_user(app):
    def make(phone, password=DEMO_PASSWORD, name="", grid=None, roles=()):
        """roles: (role, place) pairs; place None means everywhere."""
        with app.app_context():
            user = User(phone=phone, name=name, grid=db.session.merge(grid) if grid else None)
            user.set_password(password)
            for role, place in roles:
                user.grants.append(new_grant(role, place))
            db.session.add(user)
            db.session.commit()
            return user.id

    return make


def login(client, phone, password=DEMO_PASSWORD):
    response = client.post("/auth/login", data={"phone": phone, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client):
    def do(phone, password=DEMO_PASSWORD):
        return login(client, phone, password)

    return do

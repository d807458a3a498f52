"""Browser fixtures: the app served on a free port from its own SQLite file, driven by Debian's
Chromium through Playwright at a 360×740 phone viewport, with JavaScript on and off.

Without /usr/bin/chromium the browser tests are skipped, unless LINLI_REQUIRE_BROWSER=1 (CI),
where a missing browser is a failure rather than a silent pass."""

import logging
import os
import re
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from blueprints.main.cli import load_demo
from extensions import db, limiter
from tests.browser.helpers import check_page

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 360, "height": 740}
SENT = []


class RecordingSender:
    """The live server's SMS sender: keeps each message so a test can read the code."""

    def send(self, sms):
        SENT.append((sms.phone, sms.text))


def live_app(db_path):
    """The app on its own SQLite file, so the unit tests' table-emptying never touches it.

    The rate limiter stays on: it is one object shared by every app in the process, so switching
    it off here would switch it off for the unit tests too. tests/conftest.py resets it after
    every test, which keeps a suite's worth of logins under the limits."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(db_path),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SMS_SENDER": "tests.browser.conftest:RecordingSender",
            "SMS_DELIVERY": "inline",
            "RATELIMIT_STORAGE_URI": "memory://",
            "UPLOAD_FOLDER": str(db_path.parent / "uploads"),
        }
    )
    with app.app_context():
        db.create_all()
        load_demo()
    return app


BODY = "tests.response_body"


class ClosingHandler(WSGIRequestHandler):
    """Closes the response when the browser drops the connection before it was all sent.

    Werkzeug's own clean-up then stops at the first read of the reset connection, before it
    closes the response, and a static file's open handle is left to the garbage collector,
    whose ResourceWarning (an error under filterwarnings=error) lands in whatever test runs."""

    def connection_dropped(self, _error, environ=None):
        body = (environ or {}).get(BODY)
        if hasattr(body, "close"):
            body.close()


def keeping_body(app):
    """The app, noting in the environ the response it returns, for ClosingHandler."""

    def wsgi(environ, start_response):
        environ[BODY] = app(environ, start_response)
        return environ[BODY]

    return wsgi


@contextmanager
def serve(app):
    """Serves the app on a free local port in a daemon thread; yields the base URL, which is
    also the app's public address (links in certificates, QR codes and texts name it)."""
    server = make_server(
        "127.0.0.1", 0, keeping_body(app), threaded=True, request_handler=ClosingHandler
    )
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_application(tmp_path_factory):
    """The app the live server serves, for tests that read its demo data."""
    return live_app(tmp_path_factory.mktemp("live") / "live.db")


@pytest.fixture(scope="session")
def live_server(live_application):
    with serve(live_application) as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_limits_and_sms():
    limiter.reset()
    SENT.clear()


class Served(logging.Handler):
    """The paths the live server answers (from its one-line request log), in order."""

    def __init__(self):
        super().__init__()
        self.paths = []

    def emit(self, record):
        self.paths.append(record.args[1])


@pytest.fixture
def served():
    """The paths the live server answers while the test runs (a module may define its own)."""
    handler = Served()
    logger = logging.getLogger("linli.request")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.paths
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def sms():
    """The text messages the live server has sent during this test: (phone, text) pairs."""
    return SENT


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: install Debian's chromium package"
        if os.environ.get("LINLI_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (LINLI_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(message)
    return {"executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(live_server):
    return {"viewport": VIEWPORT, "locale": "zh-CN", "base_url": live_server}


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request):
    """Every page is checked with JavaScript on and off; parametrize js=[True] to pick one."""
    return request.param


@pytest.fixture
def context(new_context, js):
    return new_context(java_script_enabled=js)


SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)


@pytest.fixture(scope="session")
def static_twin(browser, browser_context_args):
    """A page that shows another page's HTML without its scripts, for axe to run in.

    axe waits on timers, and a context with JavaScript off fires none, so axe cannot run in a
    JS-off page. The twin has JavaScript on for axe alone: it is given the JS-off page's HTML
    with the script tags taken out, at the same URL, so it renders what a browser without
    JavaScript renders."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def check(js, static_twin):
    """check(page, large=False): every page rule of docs/design.md §6, JS on or off."""

    def run(page, large=False):
        axe_page = None
        if not js:
            html, url = SCRIPT.sub("", page.content()), page.url
            static_twin.route(
                lambda u: u == url,
                lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
                times=1,
            )
            static_twin.goto(url)
            axe_page = static_twin
        check_page(page, large=large, axe_page=axe_page)

    return run

"""Linli: grid reporting, social-organization filing and volunteer sign-up for Chinese communities."""

import importlib
import importlib.util
import logging
import os
import pkgutil
import secrets
from datetime import timedelta

from flask import Flask, current_app, has_request_context, request
from sqlalchemy.engine import make_url

from extensions import babel, csrf, db, limiter, login_manager, migrate


def database_url(url=None):
    url = url or os.environ.get("DATABASE_URL", "sqlite:///linli.db")
    # psycopg 3 is the driver we pin; SQLAlchemy's bare "postgresql://" means psycopg2.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def pool_for_threads(url):
    """A connection for each of a worker's threads (gunicorn.conf.py passes their number on): a
    thread holds one at a time (rate counts use the request's own), so none waits for the pool;
    the few extra are for texts delivered right after a commit (SMS_DELIVERY=inline). A SQLite
    database in memory is one connection that every thread shares."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return {}
    return {"pool_size": int(os.environ.get("GUNICORN_THREADS", "16")), "max_overflow": 4}


DEV_BASE_URL = "http://127.0.0.1:5000"


class Config:
    ENV_NAME = os.environ.get("LINLI_ENV", "development")
    # Without SECRET_KEY a random key is made once and kept in instance/ (see secret_key()).
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # Counters every worker shares: Redis when there is one, else the app's own database
    # (blueprints/web/ratelimit.py). A Redis that goes away falls back to memory, never to a 500.
    RATELIMIT_STORAGE_URI = REDIS_URL or "linlidb://"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = bool(REDIS_URL)
    RATELIMIT_STORAGE_OPTIONS = (
        {"socket_connect_timeout": 1, "socket_timeout": 1} if REDIS_URL else {}
    )
    RATELIMIT_HEADERS_ENABLED = True
    # With REDIS_URL, background work runs as jobs on this RQ queue (blueprints/core/jobs.py).
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "linli")
    SMS_SENDER = os.environ.get("SMS_SENDER", "blueprints.notices.sms:ConsoleSender")
    # The HTTP sender (blueprints/notices/gateway.py): where it posts, its key, the gateway's
    # template ids (JSON: msgid -> id), the template that carries a plain text, and the
    # seconds a try waits for an answer.
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_KEY = os.environ.get("SMS_GATEWAY_KEY", "")
    SMS_GATEWAY_TEMPLATES = os.environ.get("SMS_GATEWAY_TEMPLATES", "{}")
    SMS_GATEWAY_TEXT_TEMPLATE = os.environ.get("SMS_GATEWAY_TEXT_TEMPLATE", "text")
    SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
    # "loop": texts leave through `flask notices deliver --loop` (make run starts it);
    # "inline": right after each commit (tests and `make dev`).
    SMS_DELIVERY = os.environ.get("SMS_DELIVERY", "loop")
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # The proxies' own addresses (or networks), as gunicorn sees them: only a request from one
    # of them is believed for its X-Forwarded-* headers (blueprints/web/proxies.py).
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1")
    # Behind the proxy: a request that waited longer than this for a worker gets a 503 at once
    # (blueprints/web/queue_timeout.py); 0 serves every request however late.
    QUEUE_TIMEOUT_SECONDS = float(os.environ.get("QUEUE_TIMEOUT_SECONDS", "10"))
    PASSWORD_HASH_METHOD = "scrypt"
    OPEN311_JURISDICTION = os.environ.get("OPEN311_JURISDICTION", "linli")
    HOTLINE = os.environ.get("HOTLINE", "12345")
    OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", HOTLINE)
    # Every public Open311 read, per client address. A 12345 platform that polls each minute
    # asks for the new requests and updates, two to five calls: at most 300 an hour. A scraper
    # walking request ids or pulling the lists in a loop passes one a second within the minute.
    OPEN311_READ_LIMIT = os.environ.get("OPEN311_READ_LIMIT", "60/minute;1000/hour")
    # Where residents and clients reach this site: links in text messages, Open311 discovery
    # and photo links are built on it, never on the Host header of a request.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", DEV_BASE_URL).rstrip("/")
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    MAX_PHOTO_BYTES = 10 * 1024 * 1024
    MAX_CHARTER_BYTES = 5 * 1024 * 1024
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", "")
    # Phones stay signed in: a permanent session and a remember-me cookie, both for 30 days.
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    # The cookie is sent again only when the session changes, not on every answer: the device
    # session it names ends 30 days after sign-in whatever happens (auth.services.REMEMBERED),
    # so re-sending it would move nothing but 280 bytes down a 2G link with each page.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # A CSRF token lives as long as the session: an elderly user may take an hour over a form.
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans", "en")


def check_texts_config(config):
    """What texts carry from the settings is checked once, at start, rather than by every text
    (blueprints/notices/sms.py refuses a value of the wrong kind): a hotline in words, or a production
    server whose links would point at 127.0.0.1."""
    from blueprints.notices.sms import KINDS

    if not KINDS["hotline"].fullmatch(config["HOTLINE"]):
        raise RuntimeError("HOTLINE is a phone number: digits, spaces, + and - only.")
    if config["ENV_NAME"] == "production" and config["PUBLIC_BASE_URL"] == DEV_BASE_URL:
        raise RuntimeError("Set PUBLIC_BASE_URL (https://...) before running in production.")


def create_app(test_config=None):
    # INSTANCE_PATH: this instance's own folder (its secret_key, its SQLite file), when several
    # instances run from one copy of the code.
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    app.config.from_object(Config)
    app.jinja_env.add_extension("jinja2.ext.do")
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **pool_for_threads(app.config["SQLALCHEMY_DATABASE_URI"]),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("Set SECRET_KEY before running with LINLI_ENV=production.")
        app.config["SECRET_KEY"] = secret_key(app.instance_path)
    check_texts_config(app.config)
    app.config["UPLOAD_FOLDER"] = app.config["UPLOAD_FOLDER"] or os.path.join(
        app.instance_path, "uploads"
    )
    if app.config["PROXY_COUNT"]:
        from blueprints.web.proxies import TrustedProxyFix

        app.wsgi_app = TrustedProxyFix(
            app.wsgi_app, app.config["PROXY_COUNT"], app.config["TRUSTED_PROXIES"]
        )

    # Imported for what they register: the linlidb:// storage; the set-up of SQLite connections.
    import blueprints.core.sqlite
    import blueprints.web.ratelimit  # noqa: F401
    from blueprints.web import queue_timeout

    queue_timeout.init_app(app)  # first of the request hooks

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=pick_locale)
    login_manager.init_app(app)

    from blueprints.core import errors, roles
    from blueprints.web import inputs, responses

    inputs.init_app(app)
    for bp in feature_blueprints():
        app.register_blueprint(bp)
    responses.init_app(app)
    errors.init_app(app)
    roles.init_app(app)

    from blueprints.core import jobs

    jobs.init_app(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    return app


# blueprints/ holds the features, and these three layers beneath them.
INFRASTRUCTURE = ("core", "web", "util")


def feature_blueprints():
    """Each feature's blueprint, found rather than listed: every package under blueprints/ but
    the infrastructure whose routes.py defines `bp`. A feature plugs in the rest itself (its
    tiles, demo data, ticks, sections: blueprints/core/features.py)."""
    import blueprints

    for found in sorted(pkgutil.iter_modules(blueprints.__path__), key=lambda m: m.name):
        name = f"blueprints.{found.name}.routes"
        if found.ispkg and found.name not in INFRASTRUCTURE and importlib.util.find_spec(name):
            yield importlib.import_module(name).bp


def secret_key(folder):
    """A random key made on first start and kept (readable by this user only) in instance/, so
    no two installations share one and a restart keeps everyone signed in. Written aside and
    linked into place, so workers starting together all read the same whole key."""
    path = os.path.join(folder, "secret_key")
    if not os.path.exists(path):
        aside = f"{path}.{os.getpid()}"
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(aside)
    with open(path) as f:
        return f.read().strip()


def pick_locale():
    """The language cookie, else the browser's preference, else Chinese (also for CLI jobs)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
    return "en" if best == "en" else "zh_Hans"

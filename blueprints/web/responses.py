"""What every response carries on the wire: security headers, ETags, gzip, year-long static caching
and one log line. Budgets in docs/design.md §6 count gzipped bytes, so compression lives here, once."""

import gzip
import hashlib
import ipaddress
import logging
import os
import time
from urllib.parse import quote

from flask import abort, current_app, g, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from markupsafe import Markup

from blueprints.util.times import local, utcnow

log = logging.getLogger("linli.request")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
COMPRESSIBLE = {
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/xml",
    "text/xml",
    "text/plain",
    "image/svg+xml",
    "image/x-icon",
}
YEAR = 365 * 24 * 3600


def init_app(app):
    fingerprint_static(app)
    page_globals(app)
    headers_and_log(app)


def fingerprint_static(app):
    """Static URLs carry a hash of the file (?v=), so they may be cached for a year."""
    fingerprints = {}

    def fingerprint(filename):
        """A short hash of the file: computed once, and again after an edit when debugging."""
        known = fingerprints.get(filename)
        if known and not app.debug:
            return known[1]
        path = os.path.join(app.static_folder, filename)
        stamp = os.stat(path).st_mtime_ns
        if not known or known[0] != stamp:
            with open(path, "rb") as f:
                known = (stamp, hashlib.sha256(f.read()).hexdigest()[:12])
            fingerprints[filename] = known
        return known[1]

    @app.url_defaults
    def add_fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            values["v"] = fingerprint(values["filename"])


def page_globals(app):
    """What every template may use: the favicon inline, the page language, the text size, and
    the one way a time is written."""
    # The icon travels inside each page: browsers ask for a linked favicon on every visit.
    with open(os.path.join(app.static_folder, "favicon.svg")) as f:
        app.jinja_env.globals["favicon"] = "data:image/svg+xml," + quote(
            f.read().strip(), safe=" =/:\"'"
        )

    # Flask-Babel's own template gettext finds the translations afresh for every string (context,
    # domain, locale and its identifier: about 14 µs), and a page has 30 to 70 strings.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
    )

    @app.template_global()
    def language_part(name):
        """A template that shows nothing but fixed words and addresses, drawn once per language
        and kept (app.extensions["linli_language_parts"]); drawn afresh each time when debugging."""
        kept = app.extensions.setdefault("linli_language_parts", {})
        key = (name, str(get_locale()))
        if key not in kept or app.debug:
            kept[key] = Markup(app.jinja_env.get_template(name).render())
        return kept[key]

    @app.context_processor
    def page_context():
        locale = str(get_locale())
        return {
            "lang_attr": "en" if locale == "en" else "zh-Hans",
            "locale": locale,
            "large_text": request.cookies.get("size") == "large",
        }

    @app.template_filter("when")
    def when(moment):
        """A stored UTC time as Beijing time, written the same unambiguous way in every language."""
        if not moment:
            return ""
        # Digits only, the same in every language: strftime, not Babel's locale-aware
        # format_datetime, which costs a pattern parse for each time on a page.
        # Non-breaking hyphens and space: a date never splits across two lines on a phone.
        return local(moment).strftime("%Y\u2011%m\u2011%d\u00a0%H:%M")


def translations():
    """This request's translations, looked up once per language: force_locale (a message in
    its reader's language) sets another locale object, which looks them up again."""
    babel = g.get("_flask_babel")
    locale = getattr(babel, "babel_locale", None)
    known = g.get("translations")
    if known is None or locale is None or known[0] is not locale:
        found = get_translations()
        known = g.translations = (g._flask_babel.babel_locale, found)
    return known[1]


def headers_and_log(app):
    """Every answer: security headers, caching (static files for a year, pages revalidated),
    gzip, and one line in the request log."""
    gzipped_static = {}

    @app.before_request
    def start_clock():
        g.started = time.perf_counter()
        # A NUL byte is never real input, and PostgreSQL refuses to store or compare it.
        values = (request.path, *request.args.values(), *request.form.values())
        if any("\x00" in value for value in values):
            abort(400)

    @app.after_request
    def finish(response):
        secure_headers(app, response)
        if request.endpoint == "static":
            if request.args.get("v"):
                # Fingerprinted: never revalidated, so repeat pages cost only their HTML.
                response.cache_control.no_cache = None
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
            response = compress(response, gzipped_static)
        else:
            response = revalidate(response)
            response = compress(response, None)
        ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        # Path only: query strings can carry phone numbers or codes. Who and from which network,
        # enough to follow an abuse, never a person's own address.
        log.info(
            "%s %s %s %.0fms user=%s from=%s",
            request.method,
            printable(request.path),
            response.status_code,
            ms,
            who(),
            network(request.remote_addr),
        )
        return response


def printable(text):
    """Control and separator characters (and the backslash) escaped: a path cannot start a line."""
    return "".join(
        ch if ch.isprintable() and ch != "\\" else ch.encode("unicode_escape").decode()
        for ch in text
    )


def who():
    # The account number, never get_id(): that is the device session's secret token.
    return str(current_user.id) if current_user.is_authenticated else "-"


def network(address):
    """The /24 of an IPv4 address, the /48 of an IPv6 one."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "-"
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


def secure_headers(app, response):
    """The policies a document lives under. An answer to htmx is no document: its HTML is swapped
    into a page that already has them (a browser applies them to what it navigates to or frames,
    not to what a script fetches), so it carries only nosniff, and 2G is spared 500 bytes of
    headers per tap. Reloading or opening the address is a navigation again, with them all."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.headers.get("HX-Request") == "true":
        return
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")


def stamp_clock():
    """The clock of unchanged_since(): its own name, so that a test can move it on."""
    return utcnow()


def unchanged_since(*version):
    """Before rendering a page polled often (the queue, the task list): its ETag from a cheap
    version stamp of what it shows, and a 304 when the browser already holds that version.

    The tag covers the stamp and the URL (the filters, the page), whether htmx asked for the
    fragment, the language, the text size, the whole session (its CSRF secret, the device
    session and the account) and the current minute: "time left" moves each minute, and so
    whatever the stamp leaves out (a renamed category or grid) is at most a minute late.
    None: render the page, which then carries this same tag (revalidate())."""
    if request.method not in ("GET", "HEAD") or session.get("_flashes"):
        return None
    digest = hashlib.sha256()
    minute = stamp_clock().replace(second=0, microsecond=0).isoformat()
    parts = (
        *version,
        request.full_path,
        request.headers.get("HX-Request-Type", ""),
        get_locale(),
        request.cookies.get("size", ""),
        minute,
        who(),
        sorted((k, repr(v)) for k, v in session.items()),
    )
    for part in parts:
        digest.update(b"\0" + str(part).encode())
    g.early_etag = tag = "s" + digest.hexdigest()[:20]
    if not request.if_none_match.contains_weak(tag):
        return None
    response = current_app.response_class(status=304)
    response.set_etag(tag, weak=True)
    response.cache_control.no_cache = True
    response.cache_control.private = True
    response.vary.update(("HX-Request", "HX-Request-Type"))
    return response


def revalidate(response):
    """Pages are revalidated on every visit and cost a 304 when unchanged.

    The CSRF token is signed afresh on each render, so the rendered token is left out of the
    hash; the session's own CSRF secret and the signed-in account go in instead. A browser whose
    session was lost (a restart, a new SECRET_KEY, a sign-out) then gets the page again with a
    token that works, never a 304 for a form it can no longer submit."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.mimetype != "text/html" or response.direct_passthrough:
        return response
    if g.get("early_etag"):
        response.set_etag(g.early_etag, weak=True)
        response.cache_control.no_cache = True
        response.cache_control.private = True
        return response.make_conditional(request)
    body = response.get_data()
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), b"")
    digest = hashlib.sha256(body)
    for part in (session.get("csrf_token", ""), who(), session.get("_id", "")):
        digest.update(b"\0" + str(part).encode())
    response.set_etag(digest.hexdigest()[:20], weak=True)
    response.cache_control.no_cache = True
    response.cache_control.private = True
    return response.make_conditional(request)


def compress(response, cache):
    if (
        "gzip" not in request.headers.get("Accept-Encoding", "")
        or response.status_code not in (200, 400, 403, 404, 410, 413, 422, 429, 500)
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
    ):
        return response
    response.vary.add("Accept-Encoding")
    key = (request.path, request.args.get("v"))
    if cache is not None and key in cache:
        data = cache[key]
        response.close()  # the file send_file opened is not read: release it
    else:
        response.direct_passthrough = False
        raw = response.get_data()
        if len(raw) < 200:
            return response
        data = gzip.compress(raw, 6)
        if cache is not None and request.args.get("v"):
            cache[key] = data
    response.direct_passthrough = False
    response.set_data(data)
    response.headers["Content-Encoding"] = "gzip"
    return response

"""Headers, compression, caching, error pages, health and logs: what every response must do."""

import gzip
import logging
import re

import pytest

from app import create_app
from blueprints.core.access import allow
from extensions import db
from tests.people import ADMIN, RESIDENT

GZ = {"Accept-Encoding": "gzip"}


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "style-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_an_answer_to_htmx_carries_no_document_policies(client):
    """It is swapped into a page that has them; opening the same address is a navigation, and
    gets them all."""
    fetched = client.get("/", headers={"HX-Request": "true", "HX-Request-Type": "full"})
    assert fetched.status_code == 200
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"
    for name in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy"):
        assert name not in fetched.headers
        assert name in client.get("/").headers


def test_no_inline_scripts_or_styles(client):
    html = client.get("/auth/signup").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html
    assert "<style" not in html


def test_session_cookie_flags(client):
    cookie = client.get("/auth/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_html_is_gzipped(client):
    response = client.get("/auth/signup", headers=GZ)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "注册账号" in gzip.decompress(response.data).decode()


def test_pages_answer_304_when_unchanged(client):
    first = client.get("/auth/login")
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = client.get("/auth/login", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_etag_changes_with_the_page(client):
    zh = client.get("/").headers["ETag"]
    en = client.get("/", headers={"Accept-Language": "en"}).headers["ETag"]
    assert zh != en


def test_static_files_are_fingerprinted_and_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    js = re.search(r'src="(/static/vendor/htmx-4\.0\.1\.min\.js\?v=[0-9a-f]{12})"', html).group(1)
    for url in (css, js):
        response = client.get(url, headers=GZ)
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache
        assert "immutable" in cache
        assert "public" in cache
        assert "no-cache" not in cache
        assert response.headers["Content-Encoding"] == "gzip"
        response.close()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()


def test_one_log_line_per_request_without_personal_data(client, demo, caplog):
    with caplog.at_level(logging.INFO, logger="linli.request"):
        client.post(
            "/auth/login?phone=13800000001",
            data={"phone": RESIDENT, "password": "linli-demo"},
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "linli.request"]
    assert re.fullmatch(r"POST /auth/login 303 \d+ms user=\d+ from=127\.0\.0\.0/24", lines[-1])
    assert not any(RESIDENT in line or "linli-demo" in line for line in lines)


def test_missing_csrf_token_gets_a_friendly_400(client):
    response = client.post("/auth/login", data={"phone": RESIDENT}, csrf=False)
    assert response.status_code == 400
    assert "页面放置太久" in response.get_data(as_text=True)


def test_csrf_header_from_htmx_is_accepted(client, demo):
    html = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    response = client.post(
        "/auth/login",
        data={"phone": RESIDENT, "password": "linli-demo"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
        csrf=False,
    )
    assert response.status_code == 303


@pytest.mark.parametrize(("lang", "text"), [("zh-CN", "找不到这个页面"), ("en", "Page not found")])
def test_404_is_localized(client, lang, text):
    response = client.get("/no/such/page", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_403_page(client, demo, login_as):
    login_as(RESIDENT)
    response = client.get("/places/grids/G01")
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


def test_413_page(client):
    response = client.post("/auth/login", data={"phone": "1" * (33 * 1024 * 1024)}, csrf=False)
    assert response.status_code == 413
    assert "文件太大" in response.get_data(as_text=True)


def test_500_page_is_friendly(app):
    broken = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @broken.route("/boom")
    @allow("public")
    def boom():
        raise RuntimeError("boom")

    response = broken.test_client().get("/boom")
    with broken.app_context():
        db.engine.dispose()
    assert response.status_code == 500
    assert "系统出了点问题" in response.get_data(as_text=True)


def test_anonymous_htmx_request_gets_401_with_redirect(client):
    response = client.get("/auth/account", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login?next=")


def test_every_view_declares_who_may_open_it(app):
    unguarded = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "allowed")
    ]
    assert unguarded == []


def test_htmx_partial_gets_only_the_named_block(app):
    from blueprints.web.htmx import render

    headers = {"HX-Request": "true", "HX-Request-Type": "partial"}
    context = {"code": 404, "title": "T", "text": "fragment text"}
    with app.test_request_context("/", headers=headers):
        fragment = render("errors/error.html", block="content", **context).get_data(as_text=True)
    with app.test_request_context("/", headers={"HX-Request": "true"}):
        boosted = render("errors/error.html", block="content", **context)
    assert "fragment text" in fragment
    assert "<html" not in fragment
    assert "<html" in boosted.get_data(as_text=True), "boosted navigation gets the full page"
    assert {"HX-Request", "HX-Request-Type"} <= set(boosted.vary)


@pytest.mark.parametrize("where", ["query", "form"])
def test_a_nul_byte_is_a_polite_400_not_a_crash(client, where):
    if where == "query":
        response = client.get("/reports/track?ref=%00")
    else:
        response = client.post("/auth/login", data={"phone": "138\x00", "password": "x"})
    assert response.status_code == 400
    assert "请求有误" in response.get_data(as_text=True)


def test_repeat_static_fetches_release_their_files(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    first = client.get(css, headers=GZ)
    again = client.get(css, headers=GZ)  # served from the gzip cache; would warn if leaked
    assert again.data == first.data
    assert again.headers["Content-Encoding"] == "gzip"
    first.close()
    again.close()


def test_the_icon_travels_inside_the_page(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="data:image/svg+xml,' in html


def request_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "linli.request"]


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/x%0A2026-01-01 linli.request GET /admin/ 200", "/x\\n2026-01-01"),
        ("/x%0D%0Aforged", "/x\\r\\nforged"),
        ("/x%1B[31mred", "/x\\x1b[31mred"),
        ("/x%E2%80%A8y", "/x\\u2028y"),
        ("/x%5Cn", "/x\\\\n"),
    ],
)
def test_a_logged_path_cannot_forge_a_line(client, caplog, path, shown):
    with caplog.at_level(logging.INFO, logger="linli.request"):
        client.get(path)
    (line,) = request_lines(caplog)
    assert line.isprintable(), line
    assert shown in line, line


def test_the_request_line_names_the_user_and_a_truncated_address(client, demo, caplog):
    with caplog.at_level(logging.INFO, logger="linli.request"):
        client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.77"})
        client.get("/", environ_base={"REMOTE_ADDR": "2001:db8:1234:5678:9abc::1"})
        client.post("/auth/login", data={"phone": ADMIN, "password": "linli-demo"})
        client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.77"})
    with client.application.app_context():
        from sqlalchemy import select

        from blueprints.auth.models import User

        admin = db.session.scalar(select(User).where(User.phone == ADMIN)).id
    lines = request_lines(caplog)
    assert re.fullmatch(r"GET / 200 \d+ms user=- from=203\.0\.113\.0/24", lines[0])
    assert re.fullmatch(r"GET / 200 \d+ms user=- from=2001:db8:1234::/48", lines[1])
    assert re.fullmatch(rf"GET / 200 \d+ms user={admin} from=203\.0\.113\.0/24", lines[-1])
    assert not any("203.0.113.77" in line or "5678" in line for line in lines)


# ---- a 304 never serves a form whose token is no longer valid ------------------------------


def test_a_new_session_never_gets_304_for_another_sessions_page(app, client, demo):
    first = client.get("/auth/login")
    etag = first.headers["ETag"]
    assert client.get("/auth/login", headers={"If-None-Match": etag}).status_code == 304
    stranger = app.test_client()  # no session: a restart, a new SECRET_KEY, a cleared cookie
    fresh = stranger.get("/auth/login", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != etag
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', fresh.text)
    login = stranger.post(
        "/auth/login",
        data={"phone": RESIDENT, "password": "linli-demo", "csrf_token": token.group(1)},
        csrf=False,
    )
    assert login.status_code == 303


def test_signing_in_or_out_changes_the_validator(client, demo, login_as):
    anonymous = client.get("/reports/track").headers["ETag"]
    login_as(RESIDENT)
    signed_in = client.get("/reports/track", headers={"If-None-Match": anonymous})
    assert signed_in.status_code == 200
    client.post("/auth/logout", data={})
    again = client.get("/reports/track", headers={"If-None-Match": signed_in.headers["ETag"]})
    assert again.status_code == 200

"""Byte budgets of DESIGN.md §4, gzipped as on the wire: HTML ≤14 KB, CSS ≤10 KB, all JS ≤20 KB."""

import gzip
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KB = 1024

# (who is signed in, page). Every GET page of the app must be listed: see the last test.
PAGES = [
    (None, "/"),
    (None, "/auth/login"),
    (None, "/auth/signup"),
    (None, "/auth/reset"),
    (None, "/no-such-page"),
    ("13800000001", "/"),
    ("13800000001", "/auth/account"),
    ("13800000001", "/auth/password"),
    ("13800000002", "/"),
    ("13800000002", "/auth/assist-reset"),
    ("13800000002", "/places/grids/G01"),
    ("13800000003", "/"),
    ("13800000009", "/"),
]
NOT_PAGES = {"static", "main.healthz", "main.favicon", "places.pick", "auth.reset_confirm"}


def gzipped_size(data):
    return len(gzip.compress(data, 6))


@pytest.mark.parametrize("phone,url", PAGES)
def test_html_fits_one_round_trip(client, demo, login_as, phone, url):
    if phone:
        login_as(phone)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code in (200, 404)
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) <= 14 * KB, f"{url}: {len(response.data)} bytes gzipped"


def test_reset_code_page_fits(client, demo):
    client.post("/auth/reset", data={"phone": "13800000001"})
    response = client.get("/auth/reset/code", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and len(response.data) <= 14 * KB


def test_css_budget():
    css = list((ROOT / "static").rglob("*.css"))
    assert css == [ROOT / "static/css/app.css"], "one CSS file"
    assert gzipped_size(css[0].read_bytes()) <= 10 * KB


def test_js_budget_includes_htmx(client):
    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="(/static/[^"?]+)', html)
    assert "/static/vendor/htmx-4.0.1.min.js" in scripts
    total = sum(gzipped_size((ROOT / s.lstrip("/")).read_bytes()) for s in scripts)
    every_js = sum(gzipped_size(p.read_bytes()) for p in (ROOT / "static").rglob("*.js"))
    assert total == every_js, "every JS file is on the page budget"
    assert total <= 20 * KB, f"{total} bytes of JS gzipped"


def test_every_page_is_on_the_budget_list(app):
    listed = {url for _, url in PAGES}
    missing = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        pattern = re.sub(r"<[^>]+>", "[^/]+", rule.rule)
        if not any(re.fullmatch(pattern, url) for url in listed):
            missing.append(rule.rule)
    assert missing == []

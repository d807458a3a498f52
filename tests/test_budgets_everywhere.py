"""The byte budgets of DESIGN.md §4 on every GET page, as every demo role opens it: the pages are
found from the URL map with the demo data (tests/pages.py), not from a list kept by hand.

HTML ≤14 KB gzipped (one round trip), the stylesheets a page links ≤10 KB, all the scripts it
loads ≤20 KB, each image it shows (thumbnails) ≤20 KB. A first visit in total and the repeat
visit are measured in a real browser (tests/browser/test_elderly_modes.py). The old hand-kept
list (test_budgets.py) stays beside this one."""

import gzip
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape

import pytest

from extensions import limiter
from tests.conftest import login
from tests.pages import REDIRECTS, ROLES, find_pages, phone_of, prepare_demo

KB = 1024
GZ = {"Accept-Encoding": "gzip"}
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src|img [^>]*?src)="([^"]+)"', re.I)


@dataclass
class Answer:
    role: str
    endpoint: str
    url: str
    status: int
    html: bool
    wire: int  # body bytes as sent (gzipped when the server gzips)
    assets: dict = field(default_factory=dict)  # url → (kind, gzipped bytes)


def gzipped(response):
    """Bytes on the wire: the body as sent when gzipped, else what gzip would make of it (a
    thumbnail is JPEG already; gzip gains it nothing, so its size is its length)."""
    if response.headers.get("Content-Encoding") == "gzip":
        return len(response.data)
    if response.mimetype.startswith("image/"):
        return len(response.data)
    return len(gzip.compress(response.data, 6))


def kind_of(tag_url, html):
    if re.search(rf'<link rel="stylesheet" href="{re.escape(tag_url)}"', html):
        return "css"
    if re.search(rf'<script src="{re.escape(tag_url)}"', html):
        return "js"
    return "img"


def body_text(response):
    data = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return data.decode("utf-8", "replace")


def visit_as(app, role, pages):
    client = app.test_client()
    limiter.reset()
    if phone := phone_of(role):
        login(client, phone)
    answers, sizes = [], {}
    for page in pages:
        if page.prepare:
            page.prepare(client)
        response = client.get(page.url, headers=GZ)
        html = response.mimetype == "text/html"
        answer = Answer(
            role, page.endpoint, page.url, response.status_code, html, gzipped(response)
        )
        if html:
            text = body_text(response)
            for src in dict.fromkeys(unescape(u) for u in ASSET.findall(text)):
                if src.startswith("data:"):
                    continue
                if src not in sizes:
                    asset = client.get(src, headers=GZ)
                    sizes[src] = gzipped(asset)
                    asset.close()
                answer.assets[src] = (kind_of(src.replace("&", "&amp;"), text), sizes[src])
        response.close()
        answers.append(answer)
    return answers


@pytest.fixture(scope="module")
def sweep(app):
    """Every page as every role, once for the module: {role: [Answer]}, and the unfilled rules."""
    with app.app_context():
        prepare_demo()
        pages, unfilled = find_pages(app)
        by_role = {role: visit_as(app, role, pages) for role in ROLES}
    return by_role, unfilled, pages


def test_every_url_argument_is_filled_from_the_demo(sweep):
    _by_role, unfilled, pages = sweep
    assert unfilled == [], (
        "add a filler in tests/pages.py FILLERS for each of these (a real value from the demo "
        f"data), so the new page is measured: {unfilled}"
    )
    assert len(pages) >= 80, f"only {len(pages)} pages found: is the URL map read?"


def test_every_page_opens_for_some_demo_role(sweep):
    by_role, _unfilled, _pages = sweep
    opened = defaultdict(set)
    for answers in by_role.values():
        for a in answers:
            opened[a.endpoint].add(a.status)
    never = {e: sorted(s) for e, s in opened.items() if 200 not in s and e not in REDIRECTS}
    assert never == {}, (
        "no demo role gets these pages (status codes seen): give the demo data what they show, "
        f"or a step in tests/pages.py PREPARE: {never}"
    )
    redirects = {e: sorted(opened[e]) for e in REDIRECTS if not opened[e] & {301, 302, 303}}
    assert redirects == {}, f"these should send the browser on: {redirects}"


@pytest.mark.parametrize("role", ROLES)
def test_html_fits_one_round_trip(sweep, role):
    answers = [a for a in sweep[0][role] if a.html]
    assert any(a.status == 200 for a in answers)
    over = [(a.url, a.status, a.wire) for a in answers if a.wire > 14 * KB]
    assert over == [], f"HTML over 14 KB gzipped as {role}: {over}"


@pytest.mark.parametrize("role", ROLES)
def test_css_js_and_images_fit(sweep, role):
    pages = [a for a in sweep[0][role] if a.html and a.status == 200]
    over = []
    for a in pages:
        total = defaultdict(int)
        for src, (kind, size) in a.assets.items():
            total[kind] += size
            if kind == "img" and size > 20 * KB:
                over.append((a.url, src, size))
        if total["css"] > 10 * KB or total["js"] > 20 * KB:
            over.append((a.url, dict(total)))
        if not total["css"] or not total["js"]:
            over.append((a.url, "links no stylesheet or no script", dict(total)))
    assert over == [], f"over the CSS 10 KB / JS 20 KB / image 20 KB budgets as {role}: {over}"


def test_the_thumbnail_of_a_camera_photo_is_measured(sweep):
    """The case with the demo's camera photo shows its thumbnail, and the sweep weighed it."""
    images = [
        (src, size)
        for a in sweep[0]["anonymous"]
        for src, (kind, size) in a.assets.items()
        if kind == "img" and "size=thumb" in src
    ]
    assert images, "no page showed a thumbnail: the camera photo is not on a public case"
    assert all(0 < size <= 20 * KB for _src, size in images), images

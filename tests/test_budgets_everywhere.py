"""The byte budgets of docs/design.md §6 on every GET page, as every demo role opens it: the pages are
found from the URL map with the demo data (tests/pages.py), not from a list kept by hand.

HTML ≤14 KB gzipped (one round trip), the stylesheets a page links ≤10 KB, all the scripts it
loads ≤20 KB, each image it shows (thumbnails) ≤20 KB. A first visit in total and the repeat
visit are measured in a real browser (tests/browser/test_elderly_modes.py). The old hand-kept
list (test_budgets.py) stays beside this one."""

from collections import defaultdict

import pytest

from tests.pages import REDIRECTS, ROLES, find_pages, prepare_demo, visit_as

pytestmark = pytest.mark.slow  # see pyproject.toml

KB = 1024


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

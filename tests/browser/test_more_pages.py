"""The rest of the pages people open, each as the account that uses it: the same rules as
test_pages.py, with JavaScript on and off, and in large text (JavaScript on: the text size is
plain CSS, so the JS-off run would repeat it)."""

import pytest

from blueprints.reports.refs import luhn_digit
from blueprints.util.times import utcnow
from tests.browser.helpers import log_in


def demo_ref(number):
    """The reference of the live server's n-th demo report (see blueprints/reports/demo.py)."""
    body = utcnow().strftime("%y%m") + f"{number:07d}"
    return body + luhn_digit(body)


pytestmark = pytest.mark.browser

PAGES = [
    (None, "/reports/new"),
    (None, "/reports/track"),
    ("13800000001", "/reports/mine"),
    ("13800000001", "/notices/"),
    ("13800000001", "/auth/account"),
    ("13800000001", "/auth/password"),
    ("13800000002", "/reports/tasks"),
    ("13800000002", "/auth/assist-reset"),
    ("13800000003", "/reports/queue"),
    ("13800000009", "/admin/"),
    ("13800000009", "/admin/users"),
    ("13800000009", "/admin/grids"),
    ("13800000009", "/admin/categories"),
    ("13800000009", "/reports/reveals"),
    ("13800000009", "/calendar/"),
    ("13800000009", "/open311/keys"),
    ("13800000009", "/admin/categories/1/edit"),
    ("13800000003", f"/reports/{demo_ref(2)}"),  # accepted: dispatch, merge, supervise forms
    ("13800000002", f"/reports/{demo_ref(7)}"),  # in progress: note, handle, extension forms
    (None, f"/reports/{demo_ref(11)}"),  # a closed public case, as anyone sees it
]


@pytest.mark.parametrize(
    ("js", "large"),
    [(True, False), (False, False), (True, True)],
    ids=["js", "nojs", "js-large"],
)
@pytest.mark.parametrize(("phone", "path"), PAGES, ids=[p for _, p in PAGES])
def test_page(page, check, live_server, phone, path, large):
    if large:
        page.context.add_cookies([{"name": "size", "value": "large", "url": live_server}])
    if phone:
        log_in(page, phone)
    response = page.goto(path)
    assert response.status == 200
    check(page, large=large)

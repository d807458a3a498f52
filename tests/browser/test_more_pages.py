"""The rest of the pages people open, each as the account that uses it: the same rules as
test_pages.py, with JavaScript on and off, and in large text (JavaScript on: the text size is
plain CSS, so the JS-off run would repeat it)."""

import pytest

from blueprints.reports.refs import luhn_digit
from blueprints.util.times import utcnow
from tests.browser.helpers import log_in
from tests.people import ADMIN, DISPATCHER, GRID_WORKER, RESIDENT


def demo_ref(number):
    """The reference of the live server's n-th demo report (see blueprints/reports/demo.py)."""
    body = utcnow().strftime("%y%m") + f"{number:07d}"
    return body + luhn_digit(body)


pytestmark = pytest.mark.browser

PAGES = [
    (None, "/reports/new"),
    (None, "/reports/track"),
    (RESIDENT, "/reports/mine"),
    (RESIDENT, "/notices/"),
    (RESIDENT, "/auth/account"),
    (RESIDENT, "/auth/password"),
    (GRID_WORKER, "/reports/tasks"),
    (GRID_WORKER, "/auth/assist-reset"),
    (DISPATCHER, "/reports/queue"),
    (ADMIN, "/admin/"),
    (ADMIN, "/admin/users"),
    (ADMIN, "/admin/grids"),
    (ADMIN, "/admin/categories"),
    (ADMIN, "/reports/reveals"),
    (ADMIN, "/calendar/"),
    (ADMIN, "/open311/keys"),
    (ADMIN, "/admin/categories/1/edit"),
    (DISPATCHER, f"/reports/{demo_ref(2)}"),  # accepted: dispatch, merge, supervise forms
    (GRID_WORKER, f"/reports/{demo_ref(7)}"),  # in progress: note, handle, extension forms
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

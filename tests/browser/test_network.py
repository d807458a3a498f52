"""A weak link: 250 kbit/s down and 300 ms of latency, as on a crowded 3G cell.

No stopwatch here (times belong in bench/): what is checked is what crosses the link. Pages load
and the login works on the slow link, and a repeat page fetches its HTML alone, because static
files are fingerprinted and cached for a year without revalidation."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.people import RESIDENT

pytestmark = pytest.mark.browser

SLOW_3G = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 250 * 1000 / 8,
    "uploadThroughput": 250 * 1000 / 8,
}


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_pages_load_and_login_works_on_a_slow_link(page, context, served):
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)

    page.goto("/")
    expect(page.locator("h1")).to_have_text("邻里，办好身边事")
    # The first visit also installs the service worker, which keeps the shell for offline use.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    first = list(served)
    assert "/static/css/app.css" in first
    assert "/static/vendor/htmx-4.0.1.min.js" in first
    assert "/reports/sw.js" in first
    assert "/reports/quick" in first

    served.clear()
    page.get_by_role("link", name="登录", exact=True).click()
    expect(page.locator("h1")).to_have_text("登录")
    assert served == ["/auth/login"], "a repeat page costs only its HTML"

    log_in(page, RESIDENT)
    expect(page.locator("h1")).to_have_text("您好，张阿姨")
    assert not [p for p in served if p.startswith("/static/")]

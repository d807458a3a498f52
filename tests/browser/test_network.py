"""A weak link: 250 kbit/s down and 300 ms of latency, as on a crowded 3G cell."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

SLOW_3G = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 250 * 1000 / 8,
    "uploadThroughput": 250 * 1000 / 8,
}


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_pages_load_and_login_works_on_a_slow_link(page, context):
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)

    started = time.monotonic()
    page.goto("/")
    first_visit = time.monotonic() - started
    expect(page.locator("h1")).to_have_text("邻里，办好身边事")

    page.get_by_role("link", name="登录", exact=True).click()
    expect(page.locator("h1")).to_have_text("登录")

    started = time.monotonic()
    log_in(page, "13800000001")
    expect(page.locator("h1")).to_have_text("您好，张阿姨")
    # A first visit fetches the HTML, CSS and JS (budget ≈ 50 KB gzipped): well under 10 s here.
    assert first_visit < 10, f"first visit took {first_visit:.1f}s on the slow link"
    assert time.monotonic() - started < 10

"""Every piece of text an elderly reader must read is at least 18px, and at least 22px in large
text mode: measured on every visible text node and form control of the pages people open
(the pages of test_pages.py and test_more_pages.py, and each step of reporting a problem).
Hierarchy comes from weight and colour, never from shrinking the text."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import AFTER_DETAILS, log_in
from tests.browser.test_more_pages import PAGES
from tests.people import ADMIN, GRID_WORKER, RESIDENT

pytestmark = pytest.mark.browser

# Visible text nodes and form controls whose computed font size is under `least` px.
SMALL_TEXT_JS = """
(least) => {
  const small = [];
  const seen = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: true});
  const note = (el, text) => {
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < least - 0.01) {
      small.push({size, text: text.slice(0, 30), tag: el.tagName.toLowerCase(), cls: el.className});
    }
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest("script, style, noscript, .visually-hidden") || !seen(el)) continue;
    note(el, text);
  }
  for (const el of document.querySelectorAll("input, select, textarea, button")) {
    if (/^(hidden|checkbox|radio)$/.test(el.type) || !seen(el)) continue;  // no text of their own
    note(el, el.value || el.name || el.type);
  }
  return small;
}
"""

# Pages each account opens, beyond test_more_pages.PAGES; each with the status it answers.
MORE = [
    (None, "/", 200),
    (None, "/auth/login", 200),
    (None, "/auth/signup", 200),
    (None, "/auth/reset", 200),
    (None, "/no-such-page", 404),
    (RESIDENT, "/", 200),
    (RESIDENT, "/places/grids/G01", 403),
    (GRID_WORKER, "/", 200),
    (GRID_WORKER, "/places/grids/G01", 200),
    (ADMIN, "/", 200),
]
SWEEP = [(phone, path, 200) for phone, path in PAGES] + MORE
ACCOUNTS = sorted({phone or "" for phone, _, _ in SWEEP})


def least(large):
    return 22 if large else 18


def small_text(page, large):
    return page.evaluate(SMALL_TEXT_JS, least(large))


@pytest.fixture(params=[False, True], ids=["normal", "large"])
def large(request, page, live_server):
    if request.param:
        page.context.add_cookies([{"name": "size", "value": "large", "url": live_server}])
    return request.param


@pytest.mark.parametrize("js", [True], ids=["js"])
@pytest.mark.parametrize("account", ACCOUNTS, ids=[a or "anonymous" for a in ACCOUNTS])
def test_no_text_under_the_least_size(page, large, account):
    if account:
        log_in(page, account)
    found = {}
    for phone, path, status in SWEEP:
        if (phone or "") != account:
            continue
        response = page.goto(path)
        assert response.status == status, path
        if small := small_text(page, large):
            found[path] = small
    assert not found, f"text under {least(large)}px: {found}"


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_no_small_text_on_any_step_of_reporting(page, large):
    pages = {}
    page.goto("/reports/new")
    pages["category"] = small_text(page, large)
    page.get_by_role("button", name=re.compile("井盖缺失")).click()
    page.get_by_role("button", name="下一步").click()  # the errors too
    expect(page.locator(".error-summary")).to_be_visible()
    pages["details errors"] = small_text(page, large)
    page.get_by_label("遇到了什么问题").fill("井盖不见了，晚上很危险")
    page.get_by_label("在哪个网格").select_option(label="桃花社区 · 第三网格")
    page.get_by_label("具体位置").fill("东门")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url(AFTER_DETAILS)
    if "/similar" in page.url:
        pages["similar"] = small_text(page, large)
        page.get_by_role("link", name="不是同一件事，继续反映").click()
    expect(page.locator("h1")).to_have_text("拍张照片（可以不拍）")
    pages["photos"] = small_text(page, large)
    page.get_by_role("link", name="不拍照，下一步").click()
    expect(page.locator("h1")).to_have_text("请核对后提交")
    pages["check"] = small_text(page, large)
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator(".notice-success")).to_contain_text("已收到您的反映")
    pages["submitted"] = small_text(page, large)
    found = {step: small for step, small in pages.items() if small}
    assert not found, f"text under {least(large)}px: {found}"

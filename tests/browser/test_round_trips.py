"""With JavaScript, a step's POST answers with the next step itself: the wizard takes fewer
exchanges than without, and both reach the same stored report."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.reports.models import Report
from extensions import db
from tests.browser.conftest import VIEWPORT, live_app, serve
from tests.browser.helpers import AFTER_DETAILS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    app = live_app(tmp_path_factory.mktemp("round-trips") / "live.db")
    with serve(app) as url:
        yield app, url


def file_text_only(browser, url, js, text):
    """A text-only report through the wizard; returns the pages' requests to the server."""
    context = browser.new_context(
        viewport=VIEWPORT,
        locale="zh-CN",
        base_url=url,
        java_script_enabled=js,
        service_workers="block",
    )
    page = context.new_page()
    page.goto("/reports/new")
    asked = []
    page.on(
        "request",
        lambda r: asked.append((r.method, r.url)) if "/static/" not in r.url else None,
    )
    page.get_by_role("button", name=re.compile("垃圾堆放")).click()
    expect(page.locator("h1")).to_have_text("问题和地点")
    page.get_by_label("遇到了什么问题").fill(text)
    page.get_by_label("在哪个网格").select_option(label="桃花社区 · 第一网格")
    page.get_by_label("具体位置").fill("5栋楼下")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url(AFTER_DETAILS)
    if "/similar" in page.url:
        page.get_by_role("link", name="不是同一件事，继续反映").click()
    expect(page.locator("h1")).to_have_text("拍张照片（可以不拍）")
    assert page.url.endswith("/reports/new/photos")  # the address bar follows the steps
    page.get_by_role("button", name=re.compile("继续")).first.click()
    expect(page.locator("h1")).to_have_text("请核对后提交")
    page.get_by_label(re.compile("联系电话")).fill("13900005555")
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator(".notice-success")).to_contain_text("已收到您的反映")
    ref = page.locator("#receipt-ref").inner_text().replace(" ", "")
    assert re.search(rf"/reports/{ref}\?new=1$", page.url)
    page.reload()  # the pushed address is a real page
    expect(page.locator("main")).to_contain_text(text)
    context.close()
    return asked[:-1], ref  # the reload is not part of the filing


def stored(app, ref):
    with app.app_context():
        r = db.session.scalar(select(Report).where(Report.ref == ref))
        return (r.category.code, r.grid.code, r.description, r.address, r.reporter_phone)


def test_javascript_saves_round_trips_and_files_the_same_report(browser, served):
    app, url = served
    with_js, ref_js = file_text_only(browser, url, True, "垃圾桶满了没人收，有JS")
    without, ref_plain = file_text_only(browser, url, False, "垃圾桶满了没人收，无JS")
    posts = [u for m, u in with_js if m == "POST"]
    assert len(posts) == len([u for m, u in without if m == "POST"])
    # Without JavaScript each step is POST, 303 and GET; with it, the POST brings the next page.
    assert len(with_js) < len(without), (with_js, without)
    assert len([m for m, _u in with_js if m == "GET"]) < len([m for m, _u in without if m == "GET"])
    js_report, plain_report = stored(app, ref_js), stored(app, ref_plain)
    assert js_report[:2] == plain_report[:2] == ("garbage", "G01")
    assert js_report[3:] == plain_report[3:] == ("5栋楼下", "13900005555")

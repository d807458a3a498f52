"""Weak links and offline, in the browser: a report made with the network cut is kept on the
phone and arrives exactly once when the connection returns, also when it drops again mid-upload;
a request that fails says so and keeps the form; an upload shows its progress; the task list is
kept for reading offline and cleared at sign-out, after the waiting reports are named.

What these tests cannot cover: Playwright's offline mode does not reach the service worker's own
fetches, so the queue is driven here by the page (the `online` event, the next visit) with the
service worker blocked, and the failures come from page.route; Background Sync's `sync` event,
which Chromium fires on its own schedule, is not triggered. The service worker's offline answers
are checked by asking its caches what they hold, not by a real loss of signal."""

import io
import os
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.reports.models import Report
from extensions import db
from tests.browser.conftest import VIEWPORT, live_app, serve
from tests.browser.helpers import AFTER_DETAILS, check_page, log_in
from tests.people import DISPATCHER, GRID_WORKER, RESIDENT

pytestmark = pytest.mark.browser

SAVED = "已保存，联网后自动发送"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server of its own, so the test can count the reports it holds."""
    app = live_app(tmp_path_factory.mktemp("offline") / "live.db")
    with serve(app) as url:
        yield app, url


def reports_about(app, text):
    with app.app_context():
        db.session.expire_all()
        return [
            (r.ref, len(r.photos))
            for r in db.session.scalars(select(Report).where(Report.description == text))
        ]


def photo():
    buffer = io.BytesIO()
    Image.frombytes("RGB", (200, 150), os.urandom(200 * 150 * 3)).save(buffer, "JPEG")
    return {"name": "p.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def phone(browser, url, workers="block", **more):
    """A phone's browser. With workers="block" the page's own requests meet page.route and the
    offline switch (a service worker's would not)."""
    return browser.new_context(
        viewport=VIEWPORT, locale="zh-CN", base_url=url, service_workers=workers, **more
    )


def fill_quick_form(page, text):
    page.goto("/reports/quick")
    page.get_by_label("问题分类").select_option(label="垃圾堆放")
    page.get_by_label("遇到了什么问题").fill(text)
    page.get_by_label("在哪个网格").select_option(label="桃花社区 · 第一网格")
    page.get_by_label("具体位置").fill("菜场东门")
    page.get_by_label("照片").set_input_files([photo()])


def test_a_report_made_offline_arrives_once_when_the_network_returns(browser, served):
    app, url = served
    context = phone(browser, url)
    page = context.new_page()
    text = "断网时反映：菜场门口垃圾没人收"
    fill_quick_form(page, text)
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / "quick-form.png"), full_page=True)

    context.set_offline(True)
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#saved")).to_contain_text(SAVED)
    expect(page.get_by_label("遇到了什么问题")).to_have_value("")  # ready for the next one
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / "quick-saved-offline.png"))
    assert reports_about(app, text) == []

    context.set_offline(False)  # Chromium fires `online`: the page sends what it kept
    expect(page.locator("#net")).to_contain_text("保存的反映已经发出去了")
    [(ref, photos)] = reports_about(app, text)
    assert photos == 1
    page.reload()  # the next visit finds nothing left to send
    expect(page.locator("#net")).to_be_hidden()
    assert len(reports_about(app, text)) == 1

    # The dispatcher finds it in the queue, once.
    staff = phone(browser, url)
    desk = staff.new_page()
    log_in(desk, DISPATCHER)
    desk.goto("/reports/queue?state=submitted")
    assert desk.content().count(f'href="/reports/{ref}"') == 1
    staff.close()
    context.close()


def test_without_javascript_the_form_is_a_plain_post(browser, served):
    app, url = served
    context = phone(browser, url, workers="allow", java_script_enabled=False)
    page = context.new_page()
    text = "不开脚本也能一页提交：水管漏水"
    fill_quick_form(page, text)
    page.get_by_label("遇到了什么问题").fill("漏水")  # too short: the page says so, keeps the rest
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator(".error-summary")).to_contain_text("请多写几个字，至少5个字")
    expect(page.get_by_label("具体位置")).to_have_value("菜场东门")
    page.get_by_label("遇到了什么问题").fill(text)
    page.get_by_label("照片").set_input_files([photo()])
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator(".notice-success")).to_contain_text("已收到您的反映")
    expect(page.locator("#receipt-code")).to_be_visible()
    assert [photos for _ref, photos in reports_about(app, text)] == [1]
    context.close()


def test_a_drop_mid_upload_files_it_once(browser, served):
    """The first try never reaches the server; the second reaches it, but its answer is lost
    (the upload went, the link fell before the reply); the third is answered."""
    app, url = served
    context = phone(browser, url)
    page = context.new_page()
    text = "上传到一半断了：路灯不亮"
    fill_quick_form(page, text)
    tries = []

    def flaky(route):
        tries.append(route.request.method)
        if len(tries) == 1:
            route.abort("internetdisconnected")
        elif len(tries) == 2:
            route.fetch()  # the server files it...
            route.abort("connectionreset")  # ...and the phone never hears
        else:
            route.continue_()

    page.route("**/reports/quick", flaky)
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator("#saved")).to_contain_text(SAVED)
    assert reports_about(app, text) == []

    page.evaluate("dispatchEvent(new Event('online'))")
    expect(page.locator("#net")).to_contain_text("还有 1 件没发出去")
    assert len(reports_about(app, text)) == 1  # filed, though the phone does not know it yet

    page.evaluate("dispatchEvent(new Event('online'))")
    expect(page.locator("#net")).to_contain_text("保存的反映已经发出去了")
    assert tries == ["POST", "POST", "POST"]
    assert [photos for _ref, photos in reports_about(app, text)] == [1]
    context.close()


def test_a_kept_report_the_server_refuses_comes_back_to_be_fixed(browser, served):
    app, url = served
    context = phone(browser, url)
    page = context.new_page()
    fill_quick_form(page, "太短")  # offline, nobody checks it yet
    context.set_offline(True)
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator("#saved")).to_be_visible()
    context.set_offline(False)
    expect(page.locator("#net")).to_contain_text("还有 1 件没发出去")
    page.reload()  # the form again: the kept report, with the server's message and its photo
    expect(page.locator(".error-summary")).to_contain_text("请多写几个字，至少5个字")
    expect(page.get_by_label("具体位置")).to_have_value("菜场东门")
    assert page.get_by_label("照片").evaluate("input => input.files.length") == 1
    page.get_by_label("遇到了什么问题").fill("太短了的描述补上了")
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator(".notice-success")).to_contain_text("已收到您的反映")
    assert [photos for _ref, photos in reports_about(app, "太短了的描述补上了")] == [1]
    context.close()


def test_online_the_report_goes_at_once_with_its_progress(browser, served):
    app, url = served
    context = phone(browser, url)
    page = context.new_page()
    text = "在线直接提交：楼道堆满杂物"
    fill_quick_form(page, text)
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator(".notice-success")).to_contain_text("已收到您的反映")
    assert re.search(r"/reports/\d{12}\?new=1$", page.url)
    assert [photos for _ref, photos in reports_about(app, text)] == [1]
    context.close()


def test_a_photo_upload_shows_its_progress_on_a_slow_link(browser, served):
    _app, url = served
    context = phone(browser, url)
    page = context.new_page()
    page.goto("/reports/new")
    page.get_by_role("button", name=re.compile("垃圾堆放")).click()
    page.get_by_label("遇到了什么问题").fill("慢网上传照片试一试")
    page.get_by_label("在哪个网格").select_option(label="桃花社区 · 第二网格")
    page.get_by_label("具体位置").fill("二号楼")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url(AFTER_DETAILS)
    if "/similar" in page.url:
        page.get_by_role("link", name="不是同一件事，继续反映").click()
    expect(page.locator("h1")).to_have_text("拍张照片（可以不拍）")
    big = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=95)  # ~120 KB of noise: under the shrinking threshold
    page.get_by_label("照片").set_input_files(
        [{"name": "n.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}]
    )
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    slow = {
        "offline": False,
        "latency": 100,
        "downloadThroughput": 50_000,
        "uploadThroughput": 20_000,
    }
    cdp.send("Network.emulateNetworkConditions", slow)
    page.get_by_role("button", name="上传并继续").click()
    expect(page.locator("#net progress")).to_be_visible()
    expect(page.locator("#net")).to_contain_text(re.compile(r"正在上传 \d+%，还剩约 \d+ 秒"))
    expect(page.get_by_role("button", name="上传并继续")).to_be_disabled()
    page.screenshot(path=str(SCREENSHOTS / "upload-progress.png"))
    expect(page.locator("h1")).to_have_text("请核对后提交", timeout=30_000)
    assert page.url.endswith("/reports/new/check")  # htmx pushed where the upload led
    context.close()


@pytest.mark.parametrize("failure", ["network", "server"])
def test_a_request_that_fails_says_so_and_keeps_the_form(browser, served, failure):
    _app, url = served
    context = phone(browser, url)
    page = context.new_page()
    page.goto("/reports/new")
    page.get_by_role("button", name=re.compile("垃圾堆放")).click()
    page.get_by_label("遇到了什么问题").fill("请求失败时填的字还在")
    page.get_by_label("在哪个网格").select_option(label="桃花社区 · 第一网格")
    page.get_by_label("具体位置").fill("三号楼")

    def fail(route):
        if failure == "network":
            route.abort("timedout")
        else:
            route.fulfill(status=502, body="<h1>Bad gateway</h1>", content_type="text/html")

    page.route("**/reports/new/details", fail, times=1)
    page.get_by_role("button", name="下一步").click()
    said = "网络不好，没有连上" if failure == "network" else "系统出了点问题，没有办成"
    expect(page.locator("#net")).to_contain_text(said)
    expect(page.locator("#net")).to_contain_text("您填的内容都还在")
    expect(page.locator("h1")).to_have_text("问题和地点")
    expect(page.get_by_label("遇到了什么问题")).to_have_value("请求失败时填的字还在")
    expect(page.get_by_label("具体位置")).to_have_value("三号楼")
    expect(page.get_by_role("button", name="下一步")).to_be_enabled()
    check_page(page)
    page.locator("#net").get_by_role("button", name="再试一次").click()
    expect(page.locator("h1")).not_to_have_text("问题和地点")
    context.close()


def test_the_task_list_is_kept_offline_and_cleared_at_sign_out(browser, served):
    """The service worker runs here: its caches are asked what they hold."""
    _app, url = served
    context = phone(browser, url, workers="allow")
    page = context.new_page()
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    shell = page.evaluate(
        """async () => {
          const hit = await caches.match(document.getElementById("net").dataset.quick, {ignoreVary: true});
          return hit ? await hit.text() : "";
        }"""
    )
    assert "反映问题" in shell
    assert "已登录" not in shell

    log_in(page, GRID_WORKER)
    page.goto("/reports/tasks")
    cases = page.locator("main .list a").evaluate_all("links => links.map(a => a.pathname)")
    assert cases, "the demo grid worker has tasks"
    kept_js = """async () => {
      const c = await caches.open("linli-tasks");
      return (await c.keys()).map(r => new URL(r.url).pathname).sort();
    }"""
    expected = sorted(["/reports/tasks", *cases])
    for _ in range(150):  # the service worker fetches them in the background
        if page.evaluate(kept_js) == expected:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(kept_js) == expected
    kept = page.evaluate(
        """async () => (await (await caches.match("/reports/tasks", {ignoreVary: true})).text())"""
    )
    assert "我的任务" in kept

    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("#alerts")).to_contain_text("您已退出登录")
    assert page.evaluate(kept_js) == []
    context.close()


def test_sign_out_names_the_reports_still_waiting(browser, served):
    app, url = served
    context = phone(browser, url)
    page = context.new_page()
    log_in(page, RESIDENT)
    text = "退出前还没发出去的：楼下路灯坏了"
    fill_quick_form(page, text)
    page.route("**/reports/quick/token", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator("#saved")).to_contain_text(SAVED)

    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("#net")).to_contain_text("还有 1 件没发出去")
    expect(page.locator("footer")).to_contain_text("已登录")  # not signed out yet
    check_page(page)
    page.screenshot(path=str(SCREENSHOTS / "logout-waiting.png"))
    page.unroute("**/reports/quick/token")
    page.locator("#net").get_by_role("button", name="现在发送").click()
    expect(page.locator("#alerts")).to_contain_text("您已退出登录")
    with app.app_context():
        [report] = db.session.scalars(select(Report).where(Report.description == text)).all()
        assert report.reporter.phone == RESIDENT  # sent before the session went
    context.close()


def test_a_waiting_report_may_be_let_go_at_sign_out(browser, served):
    app, url = served
    context = phone(browser, url)
    page = context.new_page()
    log_in(page, RESIDENT)
    text = "不想发了的反映：这件算了"
    fill_quick_form(page, text)
    page.route("**/reports/quick/token", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator("#saved")).to_be_visible()
    page.get_by_role("button", name="退出登录").click()
    page.locator("#net").get_by_role("button", name="不要了").click()
    expect(page.locator("#alerts")).to_contain_text("您已退出登录")
    page.unroute("**/reports/quick/token")
    page.evaluate("dispatchEvent(new Event('online'))")
    page.reload()
    expect(page.locator("#net")).to_be_hidden()
    assert reports_about(app, text) == []
    context.close()


SCREENSHOTS = __import__("pathlib").Path(os.environ.get("LINLI_SCREENSHOTS", "/tmp/linli-shots"))
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

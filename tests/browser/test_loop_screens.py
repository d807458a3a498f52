"""The reporting loop's screens on a phone: a resident's answers checked before sending (photos
removable), the phone's location choosing the grid, and a grid worker signing, starting and
handling a case from its one primary button. JavaScript on and off, 360×740, axe clean."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import AFTER_DETAILS, log_in
from tests.browser.test_intake import photo_bytes
from tests.people import ADMIN, DISPATCHER, GRID_WORKER

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("LINLI_SHOTS")  # a folder: the test also saves its screenshots there


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def fill_report(page, photos=2, contact=True):
    page.goto("/reports/new")
    page.get_by_role("button", name=re.compile("路灯不亮")).click()
    page.get_by_label("遇到了什么问题").fill("3栋门口的路灯一直不亮，晚上看不见台阶")
    page.get_by_label("有几盏灯不亮").fill("2")
    page.get_by_label("在哪个网格").select_option(label="桃花社区 · 第一网格")
    page.get_by_label("具体位置").fill("3栋门口")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url(AFTER_DETAILS)
    if "/similar" in page.url:
        page.get_by_role("link", name="不是同一件事，继续反映").click()
    expect(page.locator("h1")).to_have_text("拍张照片（可以不拍）")
    if photos:
        page.get_by_label("照片").set_input_files(
            [
                {"name": f"light{n}.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}
                for n in range(photos)
            ]
        )
        page.get_by_role("button", name="上传并继续").click()
    else:
        page.get_by_role("link", name="不拍照，下一步").click()
    expect(page.locator("h1")).to_have_text("请核对后提交")
    if contact:
        page.get_by_label(re.compile("联系电话")).fill("139 0000 5678")
        page.get_by_label(re.compile("称呼")).fill("陈奶奶")


def test_check_your_answers_shows_everything_and_photos_come_off(page, check, js):
    fill_report(page, contact=False)
    main = page.locator("main")
    expect(main.locator("dl.summary")).to_contain_text("有几盏灯不亮")
    expect(main).to_contain_text("2 张")
    expect(main.locator(".thumbs img")).to_have_count(2)
    check(page)
    shot(page, f"check-{'js' if js else 'nojs'}")
    page.get_by_role("button", name="删掉第 1 张").click()
    expect(page.locator("h1")).to_have_text("请核对后提交")
    expect(main).to_contain_text("已删掉这张照片")
    expect(main).to_contain_text("1 张")
    expect(main.locator(".thumbs img")).to_have_count(1)
    page.get_by_label(re.compile("联系电话")).fill("139 0000 5678")
    page.get_by_label(re.compile("称呼")).fill("陈奶奶")
    check(page)
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator(".notice-success")).to_contain_text("已收到您的反映")
    expect(page.locator("main")).to_contain_text("接下来会怎样")
    expect(page.locator("main")).to_contain_text(re.compile(r"预计 .+ 前处理好"))
    check(page)


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_the_phones_location_chooses_the_grid_and_says_so(new_context, check, js):
    context = new_context(
        geolocation={"latitude": 28.1933, "longitude": 112.9770}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto("/reports/new")
    page.get_by_role("button", name=re.compile("路灯不亮")).click()
    page.get_by_role("button", name="用手机定位（可不用）").click()
    expect(page.locator("#located")).to_contain_text("已按您的位置选了“桃花社区 · 第三网格”")
    expect(page.get_by_label("在哪个网格")).to_have_value(re.compile(r"\d+"))
    chosen = page.get_by_label("在哪个网格").evaluate("s => s.selectedOptions[0].text")
    assert chosen == "桃花社区 · 第三网格"
    check(page)


def test_a_grid_worker_signs_starts_and_handles_from_the_primary_button(page, check, js):
    fill_report(page, photos=0)
    page.get_by_role("button", name="提交反映").click()
    ref = page.locator("#receipt-ref").inner_text().replace(" ", "")

    log_in(page, DISPATCHER)  # the command centre accepts and sends it to the grid worker
    page.goto(f"/reports/{ref}")
    page.get_by_role("button", name="受理", exact=True).click()
    page.get_by_label("交给谁处理").first.select_option(label="李网格")
    page.get_by_role("button", name="派遣", exact=True).click()
    expect(page.locator("main")).to_contain_text("已完成：派遣")
    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("footer").get_by_role("link", name="登录")).to_be_visible()

    log_in(page, GRID_WORKER)
    page.goto("/reports/tasks")
    expect(page.locator("#tasks-sign")).to_contain_text("待签收")
    expect(page.locator("main")).to_contain_text("3栋门口的路灯一直不亮")
    expect(page.locator("main")).to_contain_text(re.compile(r"剩余 \d+ (小时|分钟)"))
    check(page)
    page.goto(f"/reports/{ref}")
    primary = page.locator("form.act").first
    expect(primary.get_by_role("button")).to_have_text("签收并开始处置")
    expect(page.locator("details.more-actions summary")).to_contain_text("其他操作")
    check(page)
    shot(page, f"case-worker-{'js' if js else 'nojs'}")
    primary.get_by_role("button").click()
    expect(page.locator("main")).to_contain_text("已完成：签收并开始处置")
    expect(page.locator("form.act").first.locator("button")).to_have_text("办结")
    page.locator("form.act").first.get_by_label("说明").fill("换了灯泡，已经亮了")
    page.locator("form.act").first.get_by_role("button", name="办结").click()
    expect(page.locator("main")).to_contain_text("已完成：办结")
    check(page)


@pytest.mark.parametrize("js", [False], ids=["nojs"])
def test_without_js_large_text_and_english_keep_the_typing(page, check):
    page.goto("/reports/new")
    page.get_by_role("button", name=re.compile("路灯不亮")).click()
    page.get_by_label("遇到了什么问题").fill("楼下的路灯坏了一个星期")
    page.get_by_label("具体位置").fill("3栋北边")
    page.get_by_role("button", name="大字").click()
    expect(page.locator("html")).to_have_class("large")
    expect(page.get_by_label("遇到了什么问题")).to_have_value("楼下的路灯坏了一个星期")
    expect(page.get_by_label("具体位置")).to_have_value("3栋北边")
    check(page, large=True)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#description")).to_have_value("楼下的路灯坏了一个星期")
    check(page, large=True)


NARROW = {"width": 320, "height": 640}
INSIDE_JS = """
(selector) => {
  const el = document.querySelector(selector);
  const box = el.getBoundingClientRect(), main = document.querySelector("main").getBoundingClientRect();
  return {right: box.right, mainRight: main.right, scroll: el.scrollWidth, client: el.clientWidth,
          page: document.documentElement.scrollWidth, inner: window.innerWidth};
}
"""


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_at_320px_in_large_text_the_reference_stays_in_its_box(new_context, live_server, js):
    context = new_context()
    context.add_cookies([{"name": "size", "value": "large", "url": live_server}])
    page = context.new_page()
    page.set_viewport_size(NARROW)
    fill_report(page, photos=0)
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator(".notice-success")).to_contain_text("已收到您的反映")
    for selector in ("#receipt-ref", "#receipt-code"):
        box = page.evaluate(INSIDE_JS, selector)
        assert box["scroll"] <= box["client"], box
        assert box["right"] <= box["mainRight"] + 0.5, box
    assert box["page"] <= box["inner"], box


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_at_320px_the_admin_home_does_not_scroll_sideways_in_english_large_text(
    new_context, live_server, js
):
    context = new_context()
    context.add_cookies(
        [
            {"name": "size", "value": "large", "url": live_server},
            {"name": "lang", "value": "en", "url": live_server},
        ]
    )
    page = context.new_page()
    page.set_viewport_size(NARROW)
    page.goto("/auth/login")
    page.get_by_label("Mobile number").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill("linli-demo")
    page.locator("main").get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("footer")).to_contain_text("Signed in")
    for path in ("/", "/admin/"):
        page.goto(path)
        wide = page.evaluate(
            """() => [...document.querySelectorAll("main *")]
                 .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
                 .map(el => el.tagName + "." + el.className + ": " + el.textContent.slice(0, 30))"""
        )
        size = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert size[0] <= size[1], (path, size, wide[:5])
        assert not wide, (path, size, wide[:5])

"""A resident reports a problem on a phone, step by step, then tracks it: JavaScript on and off."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import AFTER_DETAILS

pytestmark = pytest.mark.browser


def photo_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_report_a_problem_and_track_it(page, check, browser, browser_context_args, js):
    page.goto("/")
    page.get_by_role("link", name=re.compile("反映问题")).click()
    expect(page.locator("h1")).to_have_text("您要反映什么问题？")
    check(page)

    page.get_by_role("button", name=re.compile("井盖缺失")).click()
    expect(page.locator("h1")).to_have_text("问题和地点")
    page.get_by_role("button", name="下一步").click()  # nothing filled in: errors, nothing lost
    expect(page.locator(".error-summary")).to_contain_text("请说说遇到了什么问题")
    check(page)
    page.get_by_label("遇到了什么问题").fill("小区东门的井盖不见了，晚上很危险")
    page.get_by_label("在哪个网格").select_option(label="桃花社区 · 第三网格")
    page.get_by_label("具体位置").fill("东门保安亭旁边")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url(AFTER_DETAILS)
    if "/similar" in page.url:
        check(page)
        page.get_by_role("link", name="不是同一件事，继续反映").click()

    expect(page.locator("h1")).to_have_text("拍张照片（可以不拍）")
    check(page)
    page.get_by_label("照片").set_input_files(
        [{"name": "manhole.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    page.get_by_role("button", name="上传并继续").click()

    expect(page.locator("h1")).to_have_text("请核对后提交")
    expect(page.locator("main")).to_contain_text("小区东门的井盖不见了")
    expect(page.locator("main")).to_contain_text("1 张")
    expect(page.get_by_role("heading", name="怎么联系您")).to_be_visible()
    check(page)
    page.get_by_label(re.compile("联系电话")).fill("139 0000 4321")
    page.get_by_role("button", name="提交反映").click()

    expect(page.locator(".notice-success")).to_contain_text("已收到您的反映")
    ref = page.locator("#receipt-ref").inner_text()
    code = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"\d{4} \d{4} \d{4}", ref)
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)
    check(page)

    other = browser.new_context(**browser_context_args, java_script_enabled=js)
    tracker = other.new_page()
    tracker.goto("/reports/track")
    tracker.get_by_label("反映编号").fill(ref)
    tracker.get_by_label("查询码").fill(code)
    tracker.get_by_role("button", name="查询").click()
    expect(tracker.locator("main")).to_contain_text("已收到您的反映")
    expect(tracker.locator("main")).to_contain_text("小区东门的井盖不见了")
    expect(tracker.get_by_role("button", name="撤回反映")).to_be_visible()
    check(tracker)
    other.close()


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_typed_words_survive_a_tap_on_large_text(page, check):
    page.goto("/reports/new")
    page.get_by_role("button", name=re.compile("路灯不亮")).click()
    page.get_by_label("遇到了什么问题").fill("楼下的路灯坏了一个星期")
    page.get_by_label("具体位置").fill("3栋北边")
    page.get_by_role("button", name="大字").click()
    expect(page.locator("html")).to_have_class("large")
    expect(page.get_by_label("遇到了什么问题")).to_have_value("楼下的路灯坏了一个星期")
    expect(page.get_by_label("具体位置")).to_have_value("3栋北边")
    check(page, large=True)


@pytest.mark.parametrize("js", [False], ids=["nojs"])
def test_changing_the_category_keeps_the_description(page):
    page.goto("/reports/new")
    page.get_by_role("button", name=re.compile("路灯不亮")).click()
    page.get_by_label("遇到了什么问题").fill("其实是井盖的问题，很危险")
    page.get_by_role("button", name="改分类").click()
    page.get_by_role("button", name=re.compile("井盖缺失")).click()
    expect(page.get_by_label("遇到了什么问题")).to_have_value("其实是井盖的问题，很危险")


def test_a_category_question_with_choices(page, check):
    page.goto("/reports/new")
    page.get_by_role("button", name=re.compile("消防通道堵塞")).click()
    expect(page.get_by_role("group", name=re.compile("被什么堵住了"))).to_be_visible()
    check(page)
    page.get_by_label("遇到了什么问题").fill("消防通道又被堵了")
    page.get_by_label("具体位置").fill("2栋后门")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator(".error-summary")).to_contain_text("请回答这个问题")
    check(page)
    page.get_by_label("电动车").check()
    page.get_by_label("在哪个网格").select_option(label="桃花社区 · 第二网格")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("h1")).not_to_have_text("问题和地点")

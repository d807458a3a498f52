"""The dispatcher's dashboard on a phone, down to a grid's overdue cases; a resident's data page,
its download, and deleting an account: at 360×740, with axe, JavaScript on and off."""

import json
import os

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.people import DISPATCHER

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("LINLI_SCREENSHOTS", "")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_dispatcher_reaches_the_worst_grids_overdue_cases(page, check, js):
    log_in(page, DISPATCHER)
    page.goto("/figures/")
    expect(page.locator("h1")).to_contain_text("数据看板：桃花街道")
    for rate in ("响应率", "解决率", "满意率", "按期办结率"):
        expect(page.locator("main table").first).to_contain_text(rate)
    assert page.locator("svg[role=img] title").count() == 4
    check(page)
    shot(page, f"figures-street-{'js' if js else 'nojs'}")
    grids = page.locator("h2", has_text="各网格").locator("xpath=following-sibling::div[1]")
    grids.locator("tbody tr").first.locator("th a").click()
    expect(page.locator("h1")).to_contain_text("数据看板：")
    check(page)
    shot(page, "figures-grid")
    page.locator("main a", has_text="超时未办").first.click()
    expect(page.locator("h1")).to_contain_text("案件明细")
    check(page)


@pytest.mark.parametrize("js", [True], ids=["js"])
def test_a_resident_downloads_their_data_and_deletes_the_account(page, check, js):
    page.goto("/auth/signup")
    page.get_by_label("手机号").fill("13700000077")
    page.get_by_label("怎么称呼您").fill("钱奶奶")
    page.get_by_label("密码", exact=True).fill("a-long-password")
    page.locator("main form button").click()
    expect(page.locator("#alerts")).to_contain_text("注册成功")
    page.goto("/mydata/")
    expect(page.locator("main")).to_contain_text("13700000077")
    check(page)
    shot(page, "mydata")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载我的数据（JSON文件）").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["account"] == {**data["account"], "phone": "13700000077", "name": "钱奶奶"}
    page.get_by_role("link", name="删除我的账号").click()
    check(page)
    page.get_by_label("再输入一次您的密码").fill("a-long-password")
    page.get_by_label("我明白").check()
    page.get_by_role("button", name="永久删除我的账号").click()
    expect(page.locator("#alerts")).to_contain_text("账号已经删除")
    page.goto("/auth/login")
    page.get_by_label("手机号").fill("13700000077")
    page.get_by_label("密码", exact=True).fill("a-long-password")
    page.locator("main").get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("main")).to_contain_text("手机号或密码不对")

"""Each page at 360×740 with JavaScript on and off: axe, touch targets, text size, no sideways
scroll, and the flows an elderly resident walks through (sign up, log in, reset, preferences)."""

import re

import pytest
from playwright.sync_api import expect

from blueprints.auth.demo import DEMO_PASSWORD
from tests.browser.helpers import log_in
from tests.people import ADMIN, GRID_WORKER, RESIDENT

pytestmark = pytest.mark.browser

WRONG_LOGIN = "手机号或密码不对，请再试一次。"


def test_home_anonymous(page, check):
    response = page.goto("/")
    assert response.status == 200
    expect(page.locator("h1")).to_have_text("邻里，办好身边事")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    check(page)


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        (RESIDENT, "我的账号"),
        (GRID_WORKER, "我负责的网格"),
        (ADMIN, "系统管理"),
    ],
    ids=["resident", "grid_worker", "admin"],
)
def test_home_signed_in(page, phone, expected, check):
    log_in(page, phone)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("main")).to_contain_text(expected)
    check(page)


def test_signup(page, js, check):
    page.goto("/auth/signup")
    expect(page.locator("h1")).to_have_text("注册账号")
    check(page)
    phone = "13900000001" if js else "13900000002"
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("怎么称呼您").fill("钱大爷")
    page.get_by_label("密码").fill("a-long-password")
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.locator(".notice-success")).to_have_text("注册成功，欢迎使用邻里。")
    expect(page.locator("h1")).to_have_text("您好，钱大爷")
    check(page)


def test_signup_errors(page, check):
    page.goto("/auth/signup")
    page.get_by_label("手机号").fill("12345")
    page.get_by_label("密码").fill("abcde")
    page.get_by_role("button", name="注册", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("h2")).to_have_text("请检查以下内容")
    expect(summary.locator("li")).to_have_text(
        ["请输入11位手机号码，例如 13812345678", "密码至少要8位"]
    )
    expect(page.locator("#phone-error")).to_contain_text("请输入11位手机号码")
    expect(page.locator("#password-error")).to_contain_text("密码至少要8位")
    expect(page.get_by_label("手机号")).to_have_value("12345")
    expect(page.get_by_label("手机号")).to_have_attribute("aria-invalid", "true")
    check(page)


def test_login_wrong_password_reads_like_unknown_phone(page, check):
    messages = []
    for phone, password in ((RESIDENT, "not-the-password"), ("13911112222", DEMO_PASSWORD)):
        page.goto("/auth/login")
        page.get_by_label("手机号").fill(phone)
        page.get_by_label("密码", exact=True).fill(password)
        page.locator("main").get_by_role("button", name="登录", exact=True).click()
        expect(page.locator(".error-summary li")).to_have_text(WRONG_LOGIN)
        expect(page.get_by_label("手机号")).to_have_value(phone)
        messages.append(page.locator("#password-error").text_content())
        check(page)
    assert messages[0] == messages[1]
    assert WRONG_LOGIN in messages[0]


def test_password_reset(page, check, sms):
    page.goto("/auth/login")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page.locator("h1")).to_have_text("找回密码")
    check(page)
    page.get_by_label("手机号").fill(RESIDENT)
    page.get_by_role("button", name="发送验证码").click()
    expect(page.locator("h1")).to_have_text("设置新密码")
    check(page)
    [(phone, text)] = sms
    assert phone == RESIDENT
    code = re.search(r"\d{6}", text).group()
    page.get_by_label("短信验证码").fill(code)
    # The same password again, so the other tests can still sign in as the resident.
    page.get_by_label("新密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator(".notice-success")).to_have_text("新密码已设好，您已登录。")
    expect(page.locator("h1")).to_have_text("您好，张阿姨")
    check(page)


def test_language_switch(page, check):
    page.goto("/auth/login")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header .tool").first).to_have_text("中文")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    check(page)
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("button", name="English")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/auth/login"], ids=["home", "login"])
def test_large_text(page, path, check):
    page.goto(path)
    page.get_by_role("button", name="大字").click()
    expect(page.locator("html")).to_have_class("large")
    expect(page.get_by_role("button", name="标准字")).to_be_visible()
    check(page, large=True)
    page.get_by_role("button", name="标准字").click()
    expect(page.locator("html")).not_to_have_class("large")


def test_not_found(page, check):
    response = page.goto("/no-such-page")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("找不到这个页面")
    check(page)


def test_forbidden(page, check):
    log_in(page, RESIDENT)
    response = page.goto("/places/grids/G01")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("没有权限")
    check(page)


def test_grid_page(page, check):
    log_in(page, GRID_WORKER)
    page.get_by_role("link", name=re.compile("第一网格")).click()
    expect(page.locator("h1")).to_have_text("第一网格")
    expect(page.locator(".qr svg")).to_be_visible()
    check(page)

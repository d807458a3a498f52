"""Screenshots for the README, at a 360×740 phone viewport, from the demo data.

    .venv/bin/python -m tests.browser.make_screenshots

Writes docs/screenshots/*.png. Needs Debian's Chromium and fonts-noto-cjk (else Chinese shows as
boxes)."""

import re
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, VIEWPORT, live_app, serve
from tests.browser.helpers import log_in
from tests.people import ADMIN, DISPATCHER, GRID_WORKER

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shoot(page, name):
    page.evaluate("document.fonts.ready")
    # A focus ring on the error summary or a button is right for users, noise in a picture.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=OUT / f"{name}.png", full_page=False, animations="disabled")
    print(f"{name}.png  {(OUT / f'{name}.png').stat().st_size // 1024} KB")


def fresh_page(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=base_url)
    return context.new_page()


def take_all(browser, base_url):
    page = fresh_page(browser, base_url)
    page.goto("/")
    shoot(page, "home")

    page.goto("/auth/login")
    page.get_by_label("手机号").fill("1380000")
    page.locator("main").get_by_role("button", name="登录", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    shoot(page, "login-errors")

    page.goto("/auth/signup")
    page.get_by_label("手机号").fill("13812345678")
    page.get_by_label("怎么称呼您").fill("钱大爷")
    shoot(page, "signup")

    page.goto("/")
    page.get_by_role("button", name="大字").click()
    expect(page.locator("html")).to_have_class("large")
    shoot(page, "home-large")
    page.context.close()

    page = fresh_page(browser, base_url)
    page.goto("/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shoot(page, "home-en")
    page.context.close()

    page = fresh_page(browser, base_url)
    log_in(page, ADMIN)
    shoot(page, "home-admin")
    page.context.close()

    page = fresh_page(browser, base_url)
    log_in(page, GRID_WORKER)
    page.goto("/places/grids/G01")
    shoot(page, "grid-qr")
    page.context.close()

    page = fresh_page(browser, base_url)
    page.goto("/reports/new")
    shoot(page, "report-category")
    page.get_by_role("button", name=re.compile("路灯不亮")).click()
    page.get_by_label("遇到了什么问题").fill("5栋门口的路灯三天没亮了，晚上老人出门看不见")
    shoot(page, "report-details")
    page.context.close()

    page = fresh_page(browser, base_url)
    log_in(page, DISPATCHER)
    page.goto("/reports/queue")
    shoot(page, "queue")
    page.locator("#rows a.link").first.click()
    expect(page.locator("h2").first).to_have_text("问题")
    shoot(page, "case-dispatcher")
    page.context.close()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = live_app(Path(tmp) / "screenshots.db")
        with serve(app) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            try:
                take_all(browser, base_url)
            finally:
                browser.close()


if __name__ == "__main__":
    main()

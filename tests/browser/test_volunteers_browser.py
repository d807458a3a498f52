"""The demo resident's whole volunteer journey at 360×740, JavaScript on and off, axe clean:
signs up for a full shift and is waitlisted, is offered the seat when the volunteer holding it
cancels, accepts it, checks in and out with the organizer's code, and after the organizer
approves the hours sees them on a certificate whose number verifies on the public page."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from blueprints.util.times import local, utcnow
from tests.browser.helpers import log_in
from tests.people import GRID_WORKER, RESIDENT, VOLUNTEER

pytestmark = pytest.mark.browser


def post_shift(page, title, minutes):
    """The grid worker posts a one-seat, 20-minute shift starting soon (check-in is open). The
    two runs (JavaScript on, off) share one server: their shifts must not overlap."""
    start = local(utcnow() + timedelta(minutes=minutes))
    stamp = "%Y-%m-%dT%H:%M"
    page.goto("/volunteers/activities/new")
    page.get_by_label("活动名称").fill(title)
    page.get_by_label("活动地点").fill("桃花社区活动中心")
    page.get_by_label("报名截止").fill(start.strftime(stamp))
    page.get_by_label("开始前几小时内不能取消").fill("0")
    page.get_by_label("开始时间").fill(start.strftime(stamp))
    page.get_by_label("结束时间").fill((start + timedelta(minutes=20)).strftime(stamp))
    page.get_by_label("需要几人").fill("1")
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.locator(".notice-success")).to_have_text("活动已发布。")
    return page.url


def test_waitlist_offer_check_in_hours_and_certificate(page, new_context, js, check):
    title = f"浏览器测试活动{'甲' if js else '乙'}"
    organizer = new_context(java_script_enabled=js).new_page()
    log_in(organizer, GRID_WORKER)
    activity_url = post_shift(organizer, title, 25 if js else 50)

    holder = new_context(java_script_enabled=js).new_page()
    log_in(holder, VOLUNTEER)
    holder.goto(activity_url)
    holder.get_by_role("button", name="报名这个班次").click()
    expect(holder.locator(".notice-success")).to_contain_text("报名成功")

    log_in(page, RESIDENT)
    page.goto(activity_url)
    check(page)
    page.get_by_role("button", name="已满，报名候补").click()
    expect(page.locator(".notice-success")).to_contain_text("排第 1 位")
    check(page)

    holder.get_by_role("button", name="取消报名").click()
    expect(holder.locator(".notice-success")).to_contain_text("取消报名")

    page.goto("/volunteers/mine")
    check(page)
    page.get_by_role("link", name=title).click()
    expect(page.locator(".lead")).to_contain_text("有空位，等您确认")
    page.get_by_role("button", name="接受名额").click()
    expect(page.locator(".lead")).to_contain_text("已报上")

    organizer.goto(activity_url)
    organizer.get_by_role("link", name="名单、签到码和时长").click()
    code = organizer.locator("#shift-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)

    page.get_by_role("link", name="到了现场：输入签到码").click()
    check(page)
    page.get_by_label("签到码").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="签到").click()
    expect(page.locator(".error-summary")).to_contain_text("签到码不对")
    check(page)
    page.get_by_label("签到码").fill(code)
    page.get_by_role("button", name="签到").click()
    expect(page.locator(".lead")).to_contain_text("已签到")
    page.get_by_role("link", name="离开时：输入签到码签退").click()
    page.get_by_label("签到码").fill(code)
    page.get_by_role("button", name="签退").click()
    expect(page.locator(".lead")).to_contain_text("已完成")

    organizer.reload()
    organizer.locator("a", has_text="张桂兰").click()
    # Blank: the time from check-in to check-out, which one organizer may approve alone.
    organizer.get_by_role("button", name="认定时长").click()
    expect(organizer.locator(".lead")).to_contain_text("已认定")

    page.goto("/volunteers/mine")
    page.get_by_role("button", name="开一张服务证明").click()
    expect(page.locator("h1")).to_have_text("志愿服务证明")
    expect(page.locator(".certificate")).to_contain_text("张桂兰")
    check(page)
    number = re.search(r"证明编号：(\w{10})", page.locator(".certificate").inner_text())[1]

    public = new_context(java_script_enabled=js).new_page()
    public.goto("/volunteers/verify")
    public.get_by_label("证明编号").fill(number)
    public.get_by_role("button", name="查验").click()
    expect(public.locator("#verified")).to_contain_text("这张证明是真的")
    expect(public.locator("#verified")).to_contain_text("张*兰")
    expect(public.locator("#verified")).not_to_contain_text("张桂兰")
    check(public)

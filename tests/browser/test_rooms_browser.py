"""Rooms at 360×740, JavaScript on and off, axe clean, no text under 18px: the officer of the
demo's approved choir books the activity room for a Tuesday evening, the community reviewer
approves it, and another group trying the same slot is told when the room is free instead."""

import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from blueprints.util.times import local, utcnow
from tests.browser.helpers import log_in
from tests.browser.test_text_size import SMALL_TEXT_JS
from tests.people import COMMUNITY_REVIEWER, ORG_OFFICER, RESIDENT

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("LINLI_SHOTS")  # a folder: screenshots of the week and the form


def tuesday(weeks_ahead):
    today = local(utcnow()).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 7 * weeks_ahead)


def no_small_text(page):
    assert page.evaluate(SMALL_TEXT_JS, 18) == [], page.url


def fill_booking(page, group, day, purpose):
    page.get_by_label("为谁预订").select_option(label=group)
    page.get_by_label("哪一天").fill(day.isoformat())
    page.get_by_label("从几点").fill("19:00")
    page.get_by_label("到几点").fill("21:00")
    page.get_by_label("做什么用").fill(purpose)
    page.get_by_label("大约来几人").fill("25")
    page.locator("main").get_by_role("button", name="预订", exact=True).click()


def test_book_approve_and_the_slot_is_taken(page, new_context, js, check):
    day = tuesday(3 if js else 4)  # the two runs share one server: their slots differ
    log_in(page, ORG_OFFICER)
    page.goto("/rooms/")
    check(page)
    page.get_by_role("link", name="桃花社区 · 党群服务中心活动室").click()
    expect(page.locator("h1")).to_have_text("党群服务中心活动室")
    expect(page.locator("table caption")).to_contain_text("这一周")
    check(page)
    no_small_text(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/room-week-{'js' if js else 'nojs'}.png", full_page=True)

    page.get_by_role("link", name="预订这间屋子").click()
    check(page)
    no_small_text(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/room-book-{'js' if js else 'nojs'}.png", full_page=True)
    fill_booking(page, "桃花社区夕阳红合唱队", day, "合唱排练")
    expect(page.locator(".notice-success")).to_contain_text("已提交预订申请")
    expect(page.locator(".lead")).to_contain_text("等社区审批")
    check(page)
    no_small_text(page)
    booking_url = page.url

    reviewer = new_context(java_script_enabled=js).new_page()
    log_in(reviewer, COMMUNITY_REVIEWER)
    reviewer.goto("/rooms/queue")
    check(reviewer)
    reviewer.goto(booking_url)
    reviewer.get_by_role("button", name="批准", exact=True).click()
    expect(reviewer.locator(".notice-success")).to_contain_text("批准")
    expect(reviewer.locator(".lead")).to_contain_text("已批准")

    page.goto(booking_url)
    expect(page.locator(".lead")).to_contain_text("已批准")
    other = new_context(java_script_enabled=js).new_page()
    log_in(other, RESIDENT)
    other.goto("/rooms/")
    other.get_by_role("link", name="桃花社区 · 党群服务中心活动室").click()
    other.get_by_role("link", name="预订这间屋子").click()
    fill_booking(other, "桃花社区绿色环保志愿队", day, "环保讲座")
    summary = other.locator(".error-summary")
    expect(summary).to_contain_text("这个时间已被预订。")
    expect(summary).to_contain_text("空闲")
    expect(other.get_by_label("做什么用")).to_have_value("环保讲座")
    check(other)
    no_small_text(other)
    if SHOTS:
        other.screenshot(path=f"{SHOTS}/room-taken-{'js' if js else 'nojs'}.png", full_page=True)

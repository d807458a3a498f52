"""A community group files from a phone (360×740, JavaScript on and off): the community returns
it with a reason next to the members, the applicant fixes it, the street approves it, and anyone
finds it in the directory and verifies its certificate by the QR code's link."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.people import COMMUNITY_REVIEWER, ORG_OFFICER, STREET_REVIEWER

pytestmark = pytest.mark.browser


# The smallest font size of any visible text in the page's main part.
SMALLEST_TEXT_JS = """
() => {
  let least = 1000;
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el.checkVisibility()) continue;
    if (el.closest(".visually-hidden")) continue;
    least = Math.min(least, parseFloat(getComputedStyle(el).fontSize));
  }
  return least;
}
"""


def look(page, check):
    check(page)
    assert page.evaluate(SMALLEST_TEXT_JS) >= 18, f"text under 18px on {page.url}"


def log_out(page):
    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("h1")).to_have_text("邻里，办好身边事")


def next_step(page):
    page.get_by_role("button", name="保存，下一步").click()


def add_person(page, role, name, phone):
    count = page.locator("#people li form").count()
    page.get_by_label(role, exact=True).check()
    page.get_by_label("姓名", exact=True).fill(name)
    page.get_by_label(re.compile("^手机号")).fill(phone)
    page.get_by_role("button", name="加入名单").click()
    expect(page.locator("#people li form")).to_have_count(count + 1)


def test_file_return_fix_approve_find_and_verify(page, check, js):
    name = "桃花社区晨光太极队" if js else "桃花社区银铃腰鼓队"
    digit = "1" if js else "2"
    log_in(page, ORG_OFFICER)
    page.get_by_role("link", name=re.compile("登记社会组织")).click()
    expect(page.locator("h1")).to_have_text("我的备案申请")
    page.get_by_role("link", name="登记一个新的社会组织").click()
    expect(page.locator("h1")).to_have_text("名称")
    look(page, check)
    next_step(page)  # nothing filled in: the errors, in plain words
    expect(page.locator(".error-summary")).to_contain_text("请填写组织名称")
    page.get_by_label("在哪个社区活动").select_option(label="桃花街道 · 桃花社区")
    page.get_by_label("组织名称").fill(name)
    next_step(page)

    expect(page.locator("h1")).to_have_text("类型")
    page.get_by_label("文体娱乐").check()
    next_step(page)
    page.get_by_label("宗旨和活动范围").fill("组织社区居民每天早上在广场锻炼，参加社区文体活动。")
    next_step(page)
    page.get_by_label("负责人姓名").fill("陈会长")
    page.get_by_label("负责人手机号").fill("138 0000 0005")
    next_step(page)

    expect(page.locator("h1")).to_have_text("发起人和成员")
    for i in range(10):
        add_person(page, "发起人" if i < 2 else "成员", f"队员{i}", f"1370{digit}00{i:04d}")
    expect(page.locator("#people")).to_contain_text("人数够了。")
    look(page, check)
    page.get_by_role("link", name="名单填好了，下一步").click()

    page.get_by_label("活动场所").fill("桃花社区文化广场")
    page.get_by_label("和别的组织共用这个场所").check()
    next_step(page)
    expect(page.locator("h1")).to_have_text("章程")
    page.get_by_label("填写章程范本").check()
    page.get_by_label("宗旨（为谁、做什么）").fill("强身健体，邻里互助")
    page.get_by_label("成员的权利和义务").fill("按时参加活动")
    page.get_by_label("怎么商量事情、怎么管钱").fill("大家商量，专人记账")
    next_step(page)
    expect(page.locator("h1")).to_have_text("经费")
    next_step(page)

    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("main")).to_contain_text("还没有提交，可以接着填")
    look(page, check)
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("main")).to_contain_text("社区正在看您的申请")
    expect(page.locator("main")).to_contain_text("审核时限")
    application = page.url
    log_out(page)

    log_in(page, COMMUNITY_REVIEWER)
    page.get_by_role("link", name=re.compile("备案审核")).click()
    expect(page.locator("main")).to_contain_text("请在")
    look(page, check)
    page.get_by_role("link", name=name).click()
    page.locator("summary", has_text="退回修改").click()
    page.get_by_label("发起人和成员的问题").fill("队员9不是本社区居民，请换一位本社区的成员。")
    page.get_by_role("button", name="退回修改").click()
    expect(page.locator(".notice-success")).to_contain_text("已完成：退回修改")
    log_out(page)

    log_in(page, ORG_OFFICER)
    page.goto("/orgs/mine")
    page.get_by_role("link", name=name).click()
    expect(page.locator("main")).to_contain_text("需要您补充或修改")
    expect(page.locator("#part-people + dd")).to_contain_text("审核意见：队员9不是本社区居民")
    look(page, check)
    page.get_by_role("link", name="修改发起人和成员").click()
    expect(page.locator("#reason-people")).to_contain_text("队员9不是本社区居民")
    page.get_by_role("button", name="移出：队员9").click()
    expect(page.locator("#people li form")).to_have_count(9)
    add_person(page, "成员", "新队员", f"1370{digit}009999")
    page.get_by_role("link", name="返回申请").click()
    page.get_by_role("button", name="重新提交").click()
    expect(page.locator("main")).to_contain_text("社区正在看您的申请")
    log_out(page)

    log_in(page, COMMUNITY_REVIEWER)
    page.goto(application)
    expect(page.locator("main")).to_contain_text("退回后改了什么")
    expect(page.locator("table")).to_contain_text("新队员")
    look(page, check)
    page.get_by_role("button", name="初审通过").click()
    expect(page.locator(".notice-success")).to_contain_text("已完成：初审通过")
    log_out(page)

    log_in(page, STREET_REVIEWER)
    page.get_by_role("link", name=re.compile("备案审核")).click()
    page.get_by_role("link", name=name).click()
    page.get_by_role("button", name="准予备案").click()
    expect(page.locator(".notice-success")).to_contain_text("已完成：准予备案")
    log_out(page)

    page.get_by_role("link", name=re.compile("社区社会组织")).click()
    expect(page.locator("h1")).to_have_text("社区社会组织名录")
    page.get_by_label("名称里有").fill(name[4:8])
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#results")).to_contain_text(name)
    look(page, check)
    page.locator("#results").get_by_role("link", name=name).click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("main")).not_to_contain_text("陈会长")
    number = page.locator("main dl a").inner_text()
    assert re.fullmatch(r"S01-\d{4}-\d{4}", number)
    look(page, check)

    log_in(page, ORG_OFFICER)
    page.goto("/orgs/mine")
    page.get_by_role("link", name=name).first.click()
    page.get_by_role("link", name=re.compile("看组织页面")).click()
    page.get_by_role("link", name="备案证明（可打印）").click()
    expect(page.locator(".certificate")).to_contain_text(number)
    expect(page.locator(".certificate svg")).to_be_visible()
    look(page, check)
    link = re.search(r"https?://\S+", page.locator(".certificate .meta").inner_text()).group(0)
    log_out(page)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("备案查验")
    expect(page.locator(".notice-success")).to_have_text("这是有效的备案。")
    expect(page.locator("main")).to_contain_text(name)
    look(page, check)

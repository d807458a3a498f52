"""A resident on a phone: the case is handled, but rating waits for the grid worker's on-site
check; once checked, the resident rates it. JavaScript on and off, axe clean, 360×740."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.auth.people import staff_for
from blueprints.places.models import Grid
from blueprints.reports import intake, workflow
from blueprints.reports.models import Category, Report
from blueprints.reports.steps import Assignee
from extensions import db
from tests.browser.conftest import VIEWPORT, live_app, serve
from tests.browser.helpers import log_in
from tests.people import DISPATCHER, RESIDENT, person

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """A server of its own, and a way to move its cases on as staff would."""
    app = live_app(tmp_path_factory.mktemp("rating") / "live.db")
    with serve(app) as url:
        yield app, url


def handled_case(app, key):
    """A streetlight report of the demo resident (the category needs an on-site check), handled
    by the grid worker; returns its ref."""
    with app.app_context():
        grid = db.session.scalar(select(Grid).where(Grid.code == "G01"))
        category = db.session.scalar(select(Category).where(Category.code == "streetlight"))
        data = intake.ReportAnswers(
            category_id=category.id, grid_id=grid.id, description="路灯一直不亮"
        )
        report = intake.submit_report(key, data, reporter=person(RESIDENT))
        worker = staff_for("grid_worker", grid)[0]
        dispatcher = person(DISPATCHER)
        workflow.apply(report, "accept", dispatcher, urgency="normal")
        assignee = Assignee(Assignee.WORKER, worker.id)
        workflow.apply(report, "dispatch", dispatcher, assignee=assignee)
        workflow.apply(report, "sign", worker)
        workflow.apply(report, "handle", worker, note="换了灯泡")
        return report.ref


def verify(app, ref):
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.ref == ref))
        workflow.apply(report, "verify", person(DISPATCHER))


def test_the_resident_rates_only_after_the_on_site_check(browser, loop, check, js):
    app, url = loop
    ref = handled_case(app, f"browser-rating-{js}")
    context = browser.new_context(
        viewport=VIEWPORT, locale="zh-CN", base_url=url, java_script_enabled=js
    )
    page = context.new_page()
    log_in(page, RESIDENT)
    page.goto(f"/reports/{ref}")
    main = page.locator("main")
    expect(main.locator(".lead")).to_have_text("处理人说已处理好，网格员会来现场核查")
    expect(page.get_by_role("radio", name="满意", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="评价")).to_have_count(0)
    check(page)

    verify(app, ref)
    page.reload()
    expect(main.locator(".lead")).to_have_text("已处理好，请您评价")
    expect(main.locator(".timeline")).to_contain_text("网格员已到现场核查，确认已处理好")
    check(page)
    page.get_by_role("radio", name="满意", exact=True).check()
    page.get_by_role("button", name="评价").click()
    expect(main.locator(".lead")).to_have_text("已办结，谢谢您")
    expect(page.locator("body")).to_contain_text(re.compile("已完成"))
    check(page)
    context.close()

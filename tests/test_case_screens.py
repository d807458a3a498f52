"""The screens of the reporting loop as staff and residents use them: one obvious next step on the
case page, tasks grouped by what to do next, time left, what happens next, the check page, and
location links."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from blueprints.reports.models import ReportEvent, ReportState
from blueprints.timeutil import utcnow
from extensions import db
from tests.test_reports import (
    DISPATCHER,
    RESIDENT,
    WORKER,
    act,
    as_user,
    dispatch_to_worker,
    file_report,
    grid,
    report,
)

OTHER_WORKER = "13800000013"  # the grid worker of G04


@pytest.fixture
def filed(client, demo, ctx):
    return file_report(client)[0]


def actions_area(page):
    """The staff actions area: the primary form before the fold, and the folded ones."""
    area = page.split("<h2>现在可以做</h2>", 1)[1].split("<h2>办理经过</h2>", 1)[0]
    before, _sep, folded = area.partition('<details class="more-actions"')
    return before, folded


def buttons(html):
    return re.findall(r'<button class="btn[^"]*">([^<]+)</button>', html)


# ---- one obvious next step ------------------------------------------------------------


def test_the_case_page_leads_with_the_one_primary_action(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    lead, folded = actions_area(client.get(f"/reports/{filed}").get_data(as_text=True))
    assert buttons(lead) == ["受理"]
    assert "btn-primary" in lead
    assert "退回" in buttons(folded) and "并案" in buttons(folded)
    act(client, filed, "accept", urgency="normal")
    lead, folded = actions_area(client.get(f"/reports/{filed}").get_data(as_text=True))
    assert buttons(lead) == ["派遣"]
    assert "并案" in buttons(folded)


def test_urge_is_offered_only_when_someone_is_assigned(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    act(client, filed, "accept", urgency="normal")
    page = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert "催办</button>" not in page
    dispatch_to_worker(client, login_as, filed)
    page = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert "催办</button>" in page


def test_a_grid_worker_signs_and_starts_in_one_action(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed)
    as_user(client, login_as, WORKER)
    lead, folded = actions_area(client.get(f"/reports/{filed}").get_data(as_text=True))
    assert buttons(lead) == ["签收并开始处置"]
    assert "签收" in buttons(folded) and "退单" in buttons(folded)
    done = act(client, filed, "sign_start")
    assert done.status_code == 303
    case = report(filed)
    assert case.state == ReportState.IN_PROGRESS
    # The handling clock runs, and one clear event says what happened.
    assert case.deadline_at > utcnow() + timedelta(hours=60)
    last = db.session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == case.id).order_by(ReportEvent.id.desc())
    ).first()
    assert (last.action, last.from_state, last.to_state) == (
        "sign_start",
        ReportState.DISPATCHED,
        ReportState.IN_PROGRESS,
    )
    page = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert "已完成：签收并开始处置" in page
    lead, _folded = actions_area(page)
    assert buttons(lead) == ["办结"]


def test_a_grid_worker_handles_straight_from_signed(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed, upto="sign")
    lead, folded = actions_area(client.get(f"/reports/{filed}").get_data(as_text=True))
    assert buttons(lead) == ["办结"] and "开始处置" in buttons(folded)
    assert act(client, filed, "handle", note="灯已修好").status_code == 303
    assert report(filed).state == ReportState.HANDLED


def test_nobody_else_may_sign_and_start(client, demo, login_as, ctx):
    ref, _key = file_report(client, phone="13800000001")
    dispatch_to_worker(client, login_as, ref)
    for who in (OTHER_WORKER, RESIDENT, DISPATCHER):
        as_user(client, login_as, who)
        refused = act(client, ref, "sign_start")
        assert refused.status_code in (403, 422), who
        assert "签收并开始处置</button>" not in client.get(f"/reports/{ref}").get_data(as_text=True)
    client.post("/auth/logout", data={})
    assert act(client, ref, "sign_start").status_code in (403, 422)
    assert report(ref).state == ReportState.DISPATCHED


def test_an_error_on_a_folded_step_opens_the_fold(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    page = act(client, filed, "return", reason="").get_data(as_text=True)
    assert '<details class="more-actions" open>' in page
    assert "请写明原因" in page


# ---- tasks grouped by what to do next ---------------------------------------------------


def test_tasks_are_grouped_with_first_line_address_and_time_left(
    client, demo, login_as, ctx, create_user
):
    refs = [file_report(client)[0] for _ in range(3)]
    for ref in refs:
        dispatch_to_worker(client, login_as, ref)
    as_user(client, login_as, WORKER)
    act(client, refs[1], "sign_start")
    act(client, refs[2], "sign_start")
    act(client, refs[2], "handle", note="好了")
    case = report(refs[0])
    case.description = "路灯不亮已经三天了\n第二行不在列表里"
    case.deadline_at = utcnow() + timedelta(hours=4, minutes=30)
    db.session.commit()
    page = client.get("/reports/tasks").get_data(as_text=True)
    sign, work = page.split('id="tasks-sign"')[1], page.split('id="tasks-work"')[1]
    assert "待签收（1）" in page and "处置中（1）" in page
    assert report(refs[0]).grouped_ref in sign.split('id="tasks-work"')[0]
    assert report(refs[1]).grouped_ref in work
    assert "路灯不亮已经三天了" in sign and "第二行不在列表里" not in page
    assert "5栋门口" in sign
    assert "剩余 5 小时" in sign
    # The handled one waits for another grid worker's check, not this one's.
    assert "待核查" not in page and report(refs[2]).grouped_ref not in page
    create_user("13700009999", roles=[("grid_worker", grid("G01"))])
    as_user(client, login_as, "13700009999")
    other = client.get("/reports/tasks").get_data(as_text=True)
    assert "待核查（1）" in other and report(refs[2]).grouped_ref in other


def test_overdue_rows_say_so_in_red(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed)
    case = report(filed)
    case.deadline_at = utcnow() - timedelta(hours=3, minutes=10)
    db.session.commit()
    page = client.get("/reports/queue").get_data(as_text=True)
    assert '<strong class="left late">已超时 4 小时</strong>' in page
    assert "时限 " not in page


# ---- what happens next, and when ------------------------------------------------------


def shown_time(app, moment):
    with app.test_request_context():
        return app.jinja_env.filters["when"](moment)


def test_the_confirmation_says_what_happens_next_and_when(client, demo, ctx, app):
    ref, _key = file_report(client)
    page = client.get(f"/reports/{ref}?new=1").get_data(as_text=True)
    assert "接下来会怎样" in page
    assert "指挥中心会在 4 小时内看您的反映" in page
    case = report(ref)
    # Accept within 4 hours, sign within 4 more, handle within 72: the streetlight's limits.
    expected = case.deadline_at + timedelta(hours=76)
    assert f"预计 {shown_time(app, expected)} 前处理好" in page
    assert "网格员会到现场核查" in page
    # The case page without the receipt keeps the expected date, not the panel.
    again = client.get(f"/reports/{ref}").get_data(as_text=True)
    assert "接下来会怎样" not in again
    assert f"预计 {shown_time(app, expected)} 前处理好" in again


def test_the_expected_date_follows_the_case(client, filed, login_as, app):
    dispatch_to_worker(client, login_as, filed)
    as_user(client, login_as, WORKER)
    act(client, filed, "sign_start")
    case = report(filed)
    client.post("/auth/logout", data={})
    # In progress: the handling deadline is the expected date the resident reads.
    public = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert f"预计 {shown_time(app, case.deadline_at)} 前处理好" in public
    as_user(client, login_as, DISPATCHER)
    staff = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert '<strong class="left">剩余 3 天</strong>' in staff  # 72 hours: counted in days
    assert shown_time(app, case.deadline_at) in staff
    act(client, filed, "urge")
    as_user(client, login_as, WORKER)
    act(client, filed, "handle", note="修好了")
    client.post("/auth/logout", data={})
    assert "预计" not in client.get(f"/reports/{filed}").get_data(as_text=True)


def test_time_left_reads_in_minutes_hours_and_days(app):
    from blueprints.reports.deadlines import time_left

    now = utcnow()
    with app.test_request_context():
        assert time_left(now + timedelta(minutes=20), now) == ("剩余 20 分钟", False)
        assert time_left(now + timedelta(hours=4, minutes=1), now) == ("剩余 5 小时", False)
        assert time_left(now + timedelta(hours=47), now) == ("剩余 47 小时", False)
        assert time_left(now + timedelta(hours=73), now) == ("剩余 4 天", False)
        assert time_left(now - timedelta(minutes=5), now) == ("已超时 5 分钟", True)
        assert time_left(now - timedelta(hours=30), now) == ("已超时 30 小时", True)
        assert time_left(None, now) == ("", False)

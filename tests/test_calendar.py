"""Working days: weekends off, holidays off, 调休 weekends on; deadlines counted in working days."""

from datetime import date, datetime

from sqlalchemy import select

from blueprints.core.workdays import CalendarDay, add_workdays
from extensions import db
from tests.people import ADMIN, DISPATCHER
from tests.test_reports import category, dispatch_to_worker, file_report, report

# Thursday 2026-10-01 09:00 Beijing time is 01:00 UTC. National Day week: 10-01..10-07 off,
# Saturday 10-10 a make-up working day.
THURSDAY_MORNING = datetime(2026, 10, 1, 1, 0)


def holiday_week():
    for n in range(1, 8):
        db.session.add(CalendarDay(day=date(2026, 10, n), workday=False, note="国庆"))
    db.session.add(CalendarDay(day=date(2026, 10, 10), workday=True, note="调休"))
    db.session.commit()


def test_weekends_are_skipped(ctx):
    # Monday 2026-11-23 10:00 Beijing + 5 working days = Monday 11-30, 18:00 Beijing (10:00 UTC).
    assert add_workdays(datetime(2026, 11, 23, 2, 0), 5) == datetime(2026, 11, 30, 10, 0)


def test_holidays_are_skipped_and_make_up_days_count(ctx):
    holiday_week()
    # 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, 调休): the third working day is Saturday.
    assert add_workdays(THURSDAY_MORNING, 3) == datetime(2026, 10, 10, 10, 0)
    assert add_workdays(THURSDAY_MORNING, 4) == datetime(2026, 10, 12, 10, 0)


def test_a_category_due_in_working_days(client, demo, login_as, ctx):
    road = category("road")
    assert road.handle_workdays == 5
    ref, _ = file_report(client, code="road")
    dispatch_to_worker(client, login_as, ref, upto="sign")
    deadline = report(ref).deadline_at
    assert (deadline.hour, deadline.minute) == (10, 0), "18:00 Beijing time"
    assert deadline.weekday() < 5, "on a working day"


def test_admins_edit_the_calendar(client, demo, login_as, ctx):
    login_as(ADMIN)
    page = client.post("/calendar/", data={"day": "2026-10-01", "kind": "holiday", "note": "国庆"})
    assert page.status_code == 303
    assert (
        client.post("/calendar/", data={"day": "2026-10-10", "kind": "workday"}).status_code == 303
    )
    rows = {r.day: r.workday for r in db.session.scalars(select(CalendarDay))}
    assert rows == {date(2026, 10, 1): False, date(2026, 10, 10): True}
    same = client.post("/calendar/", data={"day": "2026-10-11", "kind": "holiday"})
    assert same.status_code == 422
    assert "本来就是这样" in same.get_data(as_text=True)
    bad = client.post("/calendar/", data={"day": "十月一日", "kind": "holiday"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "2026-10-01 这样的格式" in html
    assert 'value="十月一日"' in html
    assert client.post("/calendar/2026-10-01/delete", data={}).status_code == 303
    assert client.post("/calendar/not-a-day/delete", data={}).status_code == 404
    db.session.expire_all()
    assert [r.day for r in db.session.scalars(select(CalendarDay))] == [date(2026, 10, 10)]


def test_only_admins_edit_the_calendar(client, demo, login_as):
    login_as(DISPATCHER)
    assert client.get("/calendar/").status_code == 403
    assert (
        client.post("/calendar/", data={"day": "2026-10-01", "kind": "holiday"}).status_code == 403
    )

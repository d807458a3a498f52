"""Server speed (issue 15): the staff lists read their indexes in order on both databases, and a
page's SQL does not grow with its rows."""

import contextlib
from datetime import UTC, datetime, timedelta

import flask_babel
import pytest
from flask import template_rendered
from sqlalchemy import event

from blueprints.auth.models import RoleGrant
from blueprints.reports import follows, intake, refs, workflow
from blueprints.reports.models import ReportState
from blueprints.web import responses
from extensions import db
from tests.conftest import TOKEN, login
from tests.factories import create_report
from tests.people import ADMIN, DISPATCHER, GRID_WORKER, HANDLER, RESIDENT, person


@contextlib.contextmanager
def statements(app):
    """Every SQL statement run inside the block, with its parameters."""
    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plan(statement, parameters):
    """The database's plan for a statement, as one lowercase string. PostgreSQL plans a tiny
    table as a sequential scan and a sort whatever its indexes; told to avoid both (as it would
    on a big table), it shows which index fits and whether that index gives the order."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return " | ".join(row[-1] for row in rows).lower()
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    conn.exec_driver_sql("SET LOCAL enable_sort = off")
    rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
    return "\n".join(row[0] for row in rows).lower()


def make_reports(app, n, **given):
    with app.app_context():
        for i in range(n):
            state = (ReportState.SUBMITTED, ReportState.ACCEPTED, ReportState.DISPATCHED)[i % 3]
            create_report(state=state, **given)
            if i % 7 == 0:
                create_report(state=ReportState.CLOSED, **given)


def page_sql(app, client, url):
    with statements(app) as seen:
        response = client.get(url)
    assert response.status_code == 200
    return seen


def report_sql(seen):
    return [(s, p) for s, p in seen if "FROM report" in s]


def test_the_queue_reads_open_cases_from_the_partial_index(app, client, demo, login_as):
    make_reports(app, 6)
    login_as(DISPATCHER)
    seen = report_sql(page_sql(app, client, "/reports/queue"))
    (statement, parameters), *_ = [sp for sp in seen if "NOT IN" in sp[0]]
    with app.app_context():
        shown = plan(statement, parameters)
    assert "ix_report_open" in shown, shown
    # Read in deadline order: no sort of every open case to find the first page.
    assert "temp b-tree" not in shown
    assert " sort " not in f" {shown} ".replace("sort key", ""), shown


def test_overdue_and_later_pages_use_the_partial_index_too(app, client, demo, login_as):
    make_reports(app, 3)
    login_as(DISPATCHER)
    url = "/reports/queue?overdue=1&after=2026-01-01T00:00:00_1"
    seen = report_sql(page_sql(app, client, url))
    (statement, parameters), *_ = [sp for sp in seen if "NOT IN" in sp[0]]
    with app.app_context():
        assert "ix_report_open" in plan(statement, parameters)


def test_the_task_list_is_one_union_of_index_reads(app, client, demo, login_as):
    make_reports(app, 6)
    make_reports(app, 3, to_department=True)
    login_as(HANDLER)
    seen = report_sql(page_sql(app, client, "/reports/tasks"))
    (statement, parameters), *_ = [sp for sp in seen if "UNION" in sp[0]]
    assert " OR " not in statement.split("UNION")[0].split("WHERE", 1)[-1].split("ORDER")[0]
    with app.app_context():
        shown = plan(statement, parameters)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Every branch seeks an index; none reads the whole table.
        assert "scan report" not in shown.replace("scan report using", ""), shown
        # A person's own and their department's cases come in deadline order from the index,
        # one state at a time: nothing of theirs is read whole to be sorted.
        assert "temp b-tree for order by" not in shown.split("union")[0], shown


def test_a_grid_workers_cases_to_verify_are_read_grid_by_grid_in_deadline_order(
    app, client, demo, login_as
):
    make_reports(app, 3)
    login_as(GRID_WORKER)  # the demo's worker holds two grids
    seen = report_sql(page_sql(app, client, "/reports/tasks"))
    (statement, parameters), *_ = [sp for sp in seen if "UNION" in sp[0]]
    with app.app_context():
        shown = plan(statement, parameters)
    # PostgreSQL plans a few rows by their statistics, whichever index it is steered to (its
    # flatness is measured by bench/reports.py at 10M); SQLite's plan does not depend on them.
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert shown.count("ix_report_grid_state") == 2, shown
        # Not every grid's handled cases walked in deadline order to find this person's.
        assert "ix_report_queue" not in shown, shown
        assert "temp b-tree for order by" not in shown.split("union")[0], shown


def test_the_task_list_pages_by_deadline(app, client, demo, login_as, monkeypatch):
    from blueprints.reports import lists

    monkeypatch.setattr(lists, "TASKS_PAGE", 2)
    make_reports(app, 9)  # three dispatched to the G01 worker
    login_as(GRID_WORKER)
    first = client.get("/reports/tasks").get_data(as_text=True)
    assert "after=" in first
    link = first.split('href="/reports/tasks?after=')[1].split('"')[0]
    second = client.get("/reports/tasks?after=" + link.replace("&amp;", "&"))
    assert second.status_code == 200
    assert second.get_data(as_text=True).count('class="first-line"') == 1
    assert client.get("/reports/tasks?after=nonsense").status_code == 400


@contextlib.contextmanager
def babel_lookups(monkeypatch):
    """How many times Babel is asked for the request's language or translations."""
    asked = []
    real = flask_babel._get_current_context

    def counted():
        asked.append(1)
        return real()

    monkeypatch.setattr(flask_babel, "_get_current_context", counted)
    yield asked
    monkeypatch.setattr(flask_babel, "_get_current_context", real)


@pytest.mark.parametrize(
    ("url", "who"), [("/reports/queue", DISPATCHER), ("/reports/tasks", GRID_WORKER)]
)
def test_a_list_costs_the_same_for_30_rows_as_for_5(
    app, client, demo, login_as, monkeypatch, url, who
):
    """The same SQL statements, and the same locale work: none of it is done per row."""
    make_reports(app, 5)
    login_as(who)
    client.get(url)  # the first request of a session does its own one-off work
    with babel_lookups(monkeypatch) as asked:
        few = len(page_sql(app, client, url))
    few_asked = len(asked)
    make_reports(app, 25)
    with babel_lookups(monkeypatch) as asked:
        many = len(page_sql(app, client, url))
    assert many == few
    assert len(asked) == few_asked


def test_times_are_written_as_babel_wrote_them(app):
    moment = datetime(2026, 12, 31, 17, 5)
    with app.test_request_context():
        when = app.jinja_env.filters["when"]
        assert when(moment) == "2027\u201101\u201101\u00a001:05"
        assert when(moment.replace(tzinfo=UTC)) == when(moment)
        assert when(None) == ""


def test_the_case_page_runs_a_fixed_few_statements(app, client, demo, login_as):
    with app.app_context():
        ref = create_report(state=ReportState.DISPATCHED).ref
        other = create_report(state=ReportState.IN_PROGRESS).ref  # more events on its timeline
    login_as(DISPATCHER)
    short = len(page_sql(app, client, f"/reports/{ref}"))
    long = len(page_sql(app, client, f"/reports/{other}"))
    assert long == short
    # The account, the case, its grid and place, the grants, the version stamp, the timeline,
    # the category, whom to dispatch to, helpers, photos.
    assert short <= 13


@contextlib.contextmanager
def rendered(app):
    """The templates rendered inside the block."""
    seen = []

    def record(_sender, template, **_extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record, app)


@pytest.fixture
def clock(monkeypatch):
    """The clock of the pages' version stamps, moved on by hand."""
    now = [datetime(2026, 12, 1, 8, 0, 10)]
    monkeypatch.setattr(responses, "stamp_clock", lambda: now[0])
    return now


@pytest.mark.parametrize(
    ("url", "who"), [("/reports/queue", DISPATCHER), ("/reports/tasks", GRID_WORKER)]
)
def test_a_poll_with_nothing_new_is_a_304_without_rendering(
    app, client, demo, login_as, clock, url, who
):
    make_reports(app, 3)
    login_as(who)
    client.get(url)  # the session's CSRF secret is made on the first page
    first = client.get(url)
    tag = first.headers["ETag"]
    with rendered(app) as templates:
        again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert templates == []
    assert again.headers["ETag"] == tag
    clock[0] += timedelta(seconds=40)  # the same minute
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304


def test_any_change_gives_the_page_again(app, client, demo, login_as, clock):
    make_reports(app, 3)
    login_as(DISPATCHER)
    url = "/reports/queue"
    client.get(url)
    tag = client.get(url).headers["ETag"]

    def fresh(**headers):
        with rendered(app) as templates:
            response = client.get(url, headers={"If-None-Match": tag, **headers})
        return response.status_code, bool(templates)

    assert fresh() == (304, False)
    # Another filter, the fragment htmx asks for, another text size: another page.
    assert client.get(url + "?urgency=urgent", headers={"If-None-Match": tag}).status_code == 200
    # (A fragment is rendered block by block, without the template_rendered signal.)
    assert fresh(**{"HX-Request": "true", "HX-Request-Type": "partial"})[0] == 200
    client.set_cookie("size", "large")
    assert fresh() == (200, True)
    client.delete_cookie("size")
    assert fresh() == (304, False)
    # A minute passing: "time left" moves.
    clock[0] += timedelta(minutes=1)
    assert fresh() == (200, True)
    tag = client.get(url).headers["ETag"]
    assert fresh() == (304, False)
    # A new step on any case.
    with app.app_context():
        create_report(state=ReportState.SUBMITTED)
    assert fresh() == (200, True)
    tag = client.get(url).headers["ETag"]
    # Another language.
    client.set_cookie("lang", "en")
    assert fresh() == (200, True)


def case_poll(app, client, url, tag, **headers):
    """A conditional GET of the case page: its status, and whether a template was rendered."""
    with rendered(app) as templates:
        response = client.get(url, headers={"If-None-Match": tag, **headers})
    return response.status_code, bool(templates)


def take_step(app, ref, action, phone):
    with app.app_context():
        workflow.apply(refs.find_report(ref), action, person(phone))


def test_a_quiet_case_page_is_a_304_without_rendering(app, client, demo, login_as, clock):
    with app.app_context():
        ref = create_report(state=ReportState.DISPATCHED).ref
    url = f"/reports/{ref}"
    login_as(DISPATCHER)
    client.get(url)
    tag = client.get(url).headers["ETag"]
    with statements(app) as seen, rendered(app) as templates:
        again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""
    assert templates == []
    assert again.headers["ETag"] == tag
    # The account, the case, its grid, street and community, the grants, the version stamp.
    assert len(seen) <= 7
    clock[0] += timedelta(seconds=40)  # the same minute
    assert case_poll(app, client, url, tag) == (304, False)


def test_any_change_to_a_case_gives_its_page_again(app, client, demo, login_as, clock):
    with app.app_context():
        ref = create_report(state=ReportState.DISPATCHED).ref
    url = f"/reports/{ref}"
    login_as(DISPATCHER)
    client.get(url)
    tag = client.get(url).headers["ETag"]
    assert case_poll(app, client, url, tag) == (304, False)
    # A step on the case, by someone else.
    take_step(app, ref, "sign", GRID_WORKER)
    assert case_poll(app, client, url, tag) == (200, True)
    tag = client.get(url).headers["ETag"]
    assert case_poll(app, client, url, tag) == (304, False)
    # Another language, another text size, the fragment.
    client.set_cookie("lang", "en")
    assert case_poll(app, client, url, tag) == (200, True)
    client.delete_cookie("lang")
    client.set_cookie("size", "large")
    assert case_poll(app, client, url, tag) == (200, True)
    client.delete_cookie("size")
    assert case_poll(app, client, url, tag) == (304, False)
    # A minute passing: "time left" moves.
    clock[0] += timedelta(minutes=1)
    assert case_poll(app, client, url, tag) == (200, True)
    tag = client.get(url).headers["ETag"]
    # Another person (and another session of the same person) never gets this page.
    other = app.test_client()
    login(other, ADMIN)
    assert case_poll(app, other, url, tag) == (200, True)
    again = app.test_client()
    login(again, DISPATCHER)
    assert case_poll(app, again, url, tag) == (200, True)
    assert case_poll(app, client, url, tag) == (304, False)
    # Powers taken away: the page for what the person may do now.
    with app.app_context():
        db.session.execute(db.delete(RoleGrant).where(RoleGrant.user_id == person(DISPATCHER).id))
        db.session.commit()
    assert case_poll(app, client, url, tag) == (200, True)
    assert "显示完整号码" not in client.get(url).get_data(as_text=True)


def test_a_neighbour_sees_me_too_and_following_at_once(app, client, demo, login_as, clock):
    with app.app_context():
        ref = create_report(state=ReportState.ACCEPTED).ref
    url = f"/reports/{ref}"
    login_as(RESIDENT)
    client.get(url)
    tag = client.get(url).headers["ETag"]
    assert case_poll(app, client, url, tag) == (304, False)
    with app.app_context():
        intake.add_metoo(refs.find_report(ref), "device:" + "a" * 20, "10.0.0.0/24")
    assert case_poll(app, client, url, tag) == (200, True)
    tag = client.get(url).headers["ETag"]
    with app.app_context():
        follows.follow_report(refs.find_report(ref), person(RESIDENT))
    assert case_poll(app, client, url, tag) == (200, True)
    tag = client.get(url).headers["ETag"]
    with app.app_context():
        follows.unfollow_report(refs.find_report(ref), person(RESIDENT))
    assert case_poll(app, client, url, tag) == (200, True)


def test_a_case_page_hidden_now_is_a_404_not_a_304(app, client, demo, login_as, clock):
    with app.app_context():
        report = create_report()
        report.category.sensitive = True  # seen by its staff and its reporter only
        db.session.commit()
        ref = report.ref
    url = f"/reports/{ref}"
    login_as(GRID_WORKER)
    client.get(url)
    tag = client.get(url).headers["ETag"]
    assert case_poll(app, client, url, tag) == (304, False)
    with app.app_context():
        db.session.execute(db.delete(RoleGrant).where(RoleGrant.user_id == person(GRID_WORKER).id))
        db.session.commit()
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 404


def test_the_public_home_is_drawn_once_per_language_and_size(app, client, demo):
    app.extensions.pop("linli_public_home", None)
    with rendered(app) as drawn:
        first = client.get("/")
        again = app.test_client().get("/")
    assert first.status_code == again.status_code == 200
    assert drawn.count("main/index.html") == 1
    tokens = [TOKEN.search(r.get_data(as_text=True))[1] for r in (first, again)]
    assert tokens[0] != tokens[1]  # each visitor's own, never the kept page's placeholder
    body = again.get_data(as_text=True)
    assert body.count(tokens[1]) == 3  # htmx's header, the language and text-size forms
    assert "邻里，办好身边事" in body
    # The second visitor's token works: the page in English, drawn once more for that language.
    switched = app.test_client()
    token = TOKEN.search(switched.get("/").get_data(as_text=True))[1]
    answer = switched.post(
        "/prefs/language", data={"lang": "en", "next": "/", "csrf_token": token}, csrf=False
    )
    assert answer.status_code == 303
    with rendered(app) as drawn:
        english = switched.get("/").get_data(as_text=True)
        switched.get("/")
        switched.set_cookie("size", "large")
        large = switched.get("/").get_data(as_text=True)
    assert drawn.count("main/index.html") == 2
    assert 'lang="en"' in english
    assert 'class="large"' in large


def test_a_home_page_of_ones_own_is_never_the_kept_one(app, client, demo, login_as):
    client.get("/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "一条提示")]
    assert "一条提示" in client.get("/").get_data(as_text=True)
    assert "一条提示" not in client.get("/?from=poster").get_data(as_text=True)
    login_as(RESIDENT)
    body = client.get("/").get_data(as_text=True)
    assert "邻里，办好身边事" not in body
    assert "我的账号" in body


def test_whom_to_send_a_case_to_is_read_only_when_a_step_asks(app, client, demo, login_as):
    with app.app_context():
        accepted = create_report(state=ReportState.ACCEPTED).ref
        submitted = create_report(state=ReportState.SUBMITTED).ref
    login_as(DISPATCHER)
    page = client.get(f"/reports/{accepted}").get_data(as_text=True)
    assert "交给谁处理" in page
    assert "李网格" in page  # G01's grid worker, among the people to send it to
    asking = len(page_sql(app, client, f"/reports/{accepted}"))
    page = client.get(f"/reports/{submitted}").get_data(as_text=True)
    assert "交给谁处理" not in page  # accept or return: nobody to choose yet
    assert len(page_sql(app, client, f"/reports/{submitted}")) == asking - 2

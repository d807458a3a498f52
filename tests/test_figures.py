"""The 12345 rates on hand-built cases with known answers, who may see which dashboard, and that
no figure, page or download names a resident."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from blueprints.figures import rates
from blueprints.figures.facts import refresh_facts
from blueprints.figures.models import CaseFigure
from blueprints.figures.rates import Period
from blueprints.places.models import Community, Department, Grid, Street
from blueprints.reports import workflow
from blueprints.reports.demo import load_demo_reports
from blueprints.reports.models import Category, Report, ReportState
from blueprints.reports.steps import Assignee
from blueprints.util.times import utcnow
from extensions import db
from tests.factories import create_category, create_report
from tests.people import COMMUNITY_REVIEWER, DISPATCHER, GRID_WORKER, HANDLER, RESIDENT, person

S = ReportState
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
T0 = datetime(2026, 11, 10, 2, 0)  # 10:00 in Beijing


def timed(report, created=T0, **hours):
    """Move a case to `created`, and the first event of each named action to created + hours."""
    report.created_at = created
    seen = set()
    for e in report.events:
        if e.action == "submit":
            e.at = created
        elif e.action in hours and e.action not in seen:
            e.at = created + timedelta(hours=hours[e.action])
            seen.add(e.action)
        elif e.at > created + timedelta(days=20):
            e.at = created + timedelta(minutes=1)
    db.session.commit()
    return report


def grid(code):
    return db.session.scalar(select(Grid).where(Grid.code == code))


def rework_then(report, rating):
    """A reopened case dispatched, done and verified again, then rated `rating`."""
    dispatcher, worker = person(DISPATCHER), person(GRID_WORKER)
    assignee = Assignee(Assignee.WORKER, worker.id)
    workflow.apply(report, "dispatch", dispatcher, assignee=assignee)
    workflow.apply(report, "sign", worker)
    workflow.apply(report, "start", worker)
    workflow.apply(report, "handle", worker, note="又修了一次")
    workflow.apply(report, "verify", dispatcher)
    workflow.apply(report, "rate", AnonymousUserMixin(), tracker=True, rating=rating)


@pytest.fixture
def cases(demo, ctx):
    """Eight cases in November with known answers (the docstring of each says what it is)."""
    kind = create_category(
        "figtest", hours_accept=4, hours_sign=4, hours_handle=48, needs_verification=True
    )
    made = {}
    # A: on time at every step, satisfied.
    made["A"] = timed(
        create_report(S.CLOSED, kind, grid="G02"),
        accept=1, dispatch=2, sign=3, start=4, handle=10, verify=12, rate=13,
    )  # fmt: skip
    # B: accepted late (6 h > 4 h), signed 2 h after dispatch, handled 50 h after signing.
    made["B"] = timed(
        create_report(S.CLOSED, kind, grid="G02"),
        accept=6, dispatch=7, sign=9, start=10, handle=59, verify=60, rate=61,
    )  # fmt: skip
    # C: "not satisfied" the first time: reopened, waiting for the rework.
    made["C"] = timed(create_report(S.REOPENED, kind))
    # D: returned within an hour.
    made["D"] = timed(create_report(S.RETURNED, kind, grid="G02"), **{"return": 1})
    # E: withdrawn: in no rate at all.
    made["E"] = timed(create_report(S.WITHDRAWN, kind))
    # F: not satisfied twice: closed, not fixed.
    f = create_report(S.REOPENED, kind)
    rework_then(f, "unsatisfied")
    made["F"] = timed(f)
    # G: verified, then nobody answered the follow-up for 7 days: closed with no answer.
    g = create_report(S.VERIFIED, kind)
    g.deadline_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    workflow.sla_tick()
    made["G"] = timed(g)
    # H: signed for on 10 November, never handled: past its handling deadline, overdue now.
    h = timed(create_report(S.IN_PROGRESS, kind), accept=1, dispatch=2, sign=3)
    h.deadline_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    made["H"] = h
    refresh_facts()
    return made


def test_the_rates_of_hand_built_cases(cases):
    assert cases["F"].state == S.CLOSED
    assert cases["F"].rating == "unsatisfied"
    assert cases["G"].state == S.CLOSED
    assert cases["G"].rating == "no_response"
    t = rates.totals(*NOVEMBER.where())
    assert t["counted"] == 7  # E, withdrawn, is left out
    assert (t["responded_on_time"], t.rate("response")) == (6, 6 / 7)  # B was late
    assert (t["accepted"], t["handled"]) == (6, 5)  # D returned; H not handled
    assert t.rate("solved") == 5 / 6
    assert (t["rated"], t["satisfied"]) == (4, 2)  # A, B satisfied; C, F not; G no answer
    assert t.percent("satisfied") == 50.0
    assert (t["handle_due"], t["handled_on_time"]) == (6, 4)  # B late, H past its deadline
    assert t.rate("on_time") == 4 / 6
    assert (t["reopened"], t.rate("reopen")) == (2, 2 / 5)
    assert (t["closed_unsatisfied"], t["closed_no_answer"], t["overdue_open"]) == (1, 1, 1)


def test_medians_per_stage_and_the_period_of_submission(cases):
    g02 = grid("G02")
    found = rates.medians("grid", *NOVEMBER.where())[g02.id]
    # G02 holds A (1 h), B (6 h) and D (1 h) to respond; A (1 h) and B (2 h) to sign.
    assert found["accept_seconds"] == 3600
    assert found["sign_seconds"] == 5400  # the mean of the two middle values
    assert found["handle_seconds"] == (7 * 3600 + 50 * 3600) / 2  # A 7 h, B 50 h
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    assert rates.totals(*october.where())["counted"] == 0
    per_grid = rates.by("grid", *NOVEMBER.where())
    assert per_grid[g02.id]["counted"] == 3
    assert per_grid[grid("G01").id]["counted"] == 4


def test_the_day_is_the_beijing_day(demo, ctx):
    report = create_report()
    timed(report, created=datetime(2026, 10, 31, 17, 30))  # 1 November, 01:30 in Beijing
    refresh_facts()
    row = db.session.get(CaseFigure, report.id)
    assert (row.day, row.week, row.month) == (
        date(2026, 11, 1),
        date(2026, 10, 26),
        date(2026, 11, 1),
    )


def test_the_tick_reads_changes_and_twice_does_nothing(cases, runner):
    assert refresh_facts() == 0
    c = cases["C"]
    rework_then(c, "satisfied")
    assert refresh_facts() == 1
    row = db.session.get(CaseFigure, c.id)
    assert (row.state, row.rated, row.satisfied, row.reopened) == ("closed", 1, 1, 1)
    result = runner.invoke(args=["figures", "tick"])
    assert result.exit_code == 0
    assert "refreshed 0" in result.output


def test_the_dashboard_shows_the_rates_and_links_the_worst_grid(cases, client, login_as):
    street = db.session.scalar(select(Street).where(Street.code == "S01"))
    login_as(DISPATCHER)
    page = client.get(f"/figures/street/{street.id}?month=2026-11").get_data(as_text=True)
    assert "85.7%" in page
    assert "6 / 7 件" in page
    assert "83.3%" in page
    assert "66.7%" in page
    assert "50.0%" in page
    assert "<svg" in page
    # Chart labels read as large as any text: 20 units of a 320-unit chart drawn at least
    # 288 px wide (a 320 px phone in large text) is 18 px or more.
    sizes = [float(size) for size in re.findall(r'<text [^>]*font-size="([\d.]+)"', page)]
    assert sizes
    assert min(sizes) >= 20
    assert re.search(r'viewBox="0 0 320 \d+"', page)
    assert "<title" in page
    assert "<desc" in page
    assert "style=" not in page
    # The worst grid (G02: on time 1 of 2; G01: 3 of 4) comes first, linked to its own page.
    first = re.search(r'href="/figures/grid/(\d+)\?', page.split("各网格", 1)[1])
    assert int(first.group(1)) == grid("G02").id
    # G01's page links its overdue cases, in the queue and in the figures' own list.
    g01 = grid("G01")
    grid_page = client.get(f"/figures/grid/{g01.id}?month=2026-11").get_data(as_text=True)
    assert f"/reports/queue?overdue=1&amp;grid={g01.id}" in grid_page
    listed = client.get(
        f"/figures/grid/{g01.id}/cases?measure=overdue_open&month=2026-11"
    ).get_data(as_text=True)
    assert cases["H"].ref in listed
    assert cases["C"].ref not in listed


def other_street_dispatcher(create_user):
    street = Street(code="S09", name="别的街道")
    community = Community(code="C09", name="别的社区", street=street)
    db.session.add_all([street, community, Grid(code="G09", name="九网格", community=community)])
    db.session.commit()
    create_user("13800000099", roles=[("dispatcher", street)])
    return street


def test_who_sees_which_dashboard(cases, client, login_as, create_user):
    s01 = db.session.scalar(select(Street).where(Street.code == "S01"))
    c01 = db.session.scalar(select(Community).where(Community.code == "C01"))
    c02 = db.session.scalar(select(Community).where(Community.code != "C01").limit(1))
    d01 = db.session.scalar(select(Department).where(Department.code == "D01"))
    other = other_street_dispatcher(create_user)
    assert client.get(f"/figures/street/{s01.id}").status_code == 302  # to the login page
    login_as(RESIDENT)
    assert client.get(f"/figures/street/{s01.id}").status_code == 403
    assert client.get("/figures/").status_code == 403
    client.post("/auth/logout", data={})
    login_as("13800000099")
    assert client.get(f"/figures/street/{s01.id}").status_code == 403
    assert client.get(f"/figures/community/{c01.id}/cases").status_code == 403
    assert client.get(f"/figures/street/{other.id}").status_code == 200
    assert client.get("/figures/street/99999999").status_code == 404
    assert client.get("/figures/region/1").status_code == 404
    client.post("/auth/logout", data={})
    login_as(COMMUNITY_REVIEWER)
    assert client.get("/figures/").headers["Location"].endswith(f"/figures/community/{c01.id}")
    assert client.get(f"/figures/community/{c01.id}").status_code == 200
    assert client.get(f"/figures/community/{c02.id}").status_code == 403
    assert client.get(f"/figures/street/{s01.id}").status_code == 403
    client.post("/auth/logout", data={})
    login_as(GRID_WORKER)  # grids G01 and G02 of 桃花社区
    assert client.get(f"/figures/grid/{grid('G01').id}").status_code == 200
    assert client.get(f"/figures/community/{c02.id}").status_code == 403
    client.post("/auth/logout", data={})
    login_as(HANDLER)
    assert client.get(f"/figures/department/{d01.id}").status_code == 200
    assert client.get(f"/figures/community/{c01.id}").status_code == 403


def test_figures_and_open_data_name_nobody(demo, ctx, client, login_as):
    load_demo_reports()
    # Five weeks back, into a month that is over: open data publishes no other.
    for report in db.session.scalars(select(Report)):
        report.created_at -= timedelta(days=35)
        for e in report.events:
            e.at -= timedelta(days=35)
    db.session.commit()
    refresh_facts()
    from blueprints.auth.models import User

    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    outputs = [
        client.get(f"/figures/open?month={month}"),
        client.get(f"/figures/open/cases.csv?month={month}"),
        client.get(f"/figures/open/cases.json?month={month}"),
    ]
    street = db.session.scalar(select(Street).where(Street.code == "S01"))
    login_as(DISPATCHER)
    outputs += [
        client.get(f"/figures/street/{street.id}"),
        client.get(f"/figures/street/{street.id}/cases?measure=counted"),
    ]
    texts = [r.get_data(as_text=True) for r in outputs]
    assert all(r.status_code == 200 for r in outputs)
    names = {n for n in db.session.scalars(select(Report.reporter_name)) if n}
    names |= {u.name for u in db.session.scalars(select(User)) if u.name and not u.is_staff}
    assert names  # the demo has named residents
    for text in texts:
        assert not re.search(r"1[3-9]\d{9}", text)
        assert not [n for n in names if n in text]
    # The demo's few cases are each among fewer than five alike: none is published one by one
    # (test_open_data_hides_sensitive_cases_and_small_counts shows rows that are).
    reader = csv.DictReader(io.StringIO(texts[1]))
    rows = list(reader)
    assert set(reader.fieldnames) == {
        "category",
        "grid",
        "submitted_on",
        "state",
        "accept_hours",
        "sign_hours",
        "handle_hours",
        "verify_hours",
    }
    sensitive = set(db.session.scalars(select(Category.code).where(Category.sensitive)))
    assert sensitive
    assert not sensitive & {row["category"] for row in rows}


def test_open_data_hides_sensitive_cases_and_small_counts(demo, ctx, client):
    plain = create_category("figplain", hours_accept=4)
    crowd = create_category("figcrowd", hours_accept=4)
    secret = create_category("figsecret", sensitive=True, hours_accept=4)
    for _ in range(3):
        timed(create_report(category=plain))
    for _ in range(5):
        timed(create_report(category=crowd))
    for _ in range(6):
        timed(create_report(category=secret))
    refresh_facts()
    page = client.get("/figures/open?month=2026-11").get_data(as_text=True)
    row = re.search(r"figplain</th><td>([^<]*)</td>", page)
    assert row.group(1) == "&lt;5"
    assert re.search(r"敏感类别（只公布件数）</th><td>6</td>", page)
    assert "figsecret" not in page
    # The three figplain cases, counted "<5" on the page, are not in the download one by one
    # either: a case row is published only among five alike (category, grid, day, state).
    data = client.get("/figures/open/cases.json?month=2026-11").get_json()
    assert [c["category"] for c in data["cases"]] == ["figcrowd"] * 5
    assert data["licence"] == "CC-BY-4.0"
    assert "submitted_on" in data["schema"]
    assert "description" not in data["cases"][0]
    assert "address" not in data["cases"][0]
    text = client.get("/figures/open/cases.csv?month=2026-11").get_data(as_text=True)
    assert "figsecret" not in text
    assert "figplain" not in text
    assert text.count("figcrowd") == 5


def test_open_data_publishes_only_months_that_are_over(demo, ctx, client):
    timed(create_report(), created=utcnow())
    refresh_facts()
    this_month = date.today().strftime("%Y-%m")
    for url in ("/figures/open", "/figures/open/cases.csv", "/figures/open/cases.json"):
        assert client.get(f"{url}?month={this_month}").status_code == 404
        assert client.get(f"{url}?month=2999-01").status_code == 404
        assert client.get(url).status_code == 200  # last month
    page = client.get("/figures/open").get_data(as_text=True)
    assert f'value="{this_month}"' not in page


def test_a_figures_cases_are_only_those_the_viewer_may_open(demo, ctx, client, login_as):
    secret = create_category("figsecret", sensitive=True)
    hidden = timed(create_report(category=secret))
    shown = timed(create_report())
    refresh_facts()
    c01 = db.session.scalar(select(Community).where(Community.code == "C01"))
    cases_url = f"/figures/community/{c01.id}/cases?measure=counted&month=2026-11"
    login_as(COMMUNITY_REVIEWER)  # sees the community's figures, may not open its sensitive cases
    assert client.get(f"/reports/{hidden.ref}").status_code == 404
    listed = client.get(cases_url).get_data(as_text=True)
    assert shown.ref in listed
    assert hidden.ref not in listed
    for staff in (DISPATCHER, GRID_WORKER):  # the case's own staff may open it, and see it here
        client.post("/auth/logout", data={})
        login_as(staff)
        assert client.get(f"/reports/{hidden.ref}").status_code == 200
        listed = client.get(cases_url).get_data(as_text=True)
        assert shown.ref in listed
        assert hidden.ref in listed


def test_the_busiest_dashboards_fit_one_round_trip(everything_demo, client, login_as):
    street = db.session.scalar(select(Street).where(Street.code == "S01"))
    login_as(DISPATCHER)
    for url in (
        f"/figures/street/{street.id}",
        f"/figures/street/{street.id}?trend=month",
        f"/figures/street/{street.id}/assessment",
    ):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert len(response.data) <= 14 * 1024, f"{url}: {len(response.data)} bytes gzipped"
    client.post("/auth/logout", data={})
    login_as(RESIDENT)
    response = client.get("/mydata/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.data) <= 14 * 1024


@pytest.fixture
def everything_demo(demo, ctx):
    from blueprints.orgs.demo import load_demo_orgs
    from blueprints.volunteers.demo import load_demo_volunteers

    load_demo_reports()
    load_demo_orgs()
    load_demo_volunteers()
    refresh_facts()


def test_the_monthly_assessment_and_its_csv(cases, client, login_as, create_user):
    street = db.session.scalar(select(Street).where(Street.code == "S01"))
    worker = person(GRID_WORKER)
    login_as(DISPATCHER)
    base = f"/figures/street/{street.id}/assessment"
    page = client.get(f"{base}?month=2026-11").get_data(as_text=True)
    assert worker.name in page
    text = client.get(f"{base}.csv?month=2026-11").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["month", "kind", "who", "cases", "late", "overdue_open"]
    mine = next(r for r in rows if r[2] == worker.name)
    # A, B, F, G and H went to 李网格 (C waits for a new dispatch); B and H are late; H is
    # overdue now; F was rated not satisfied. Response 4/5, on time 3/5.
    assert mine[:6] == ["2026-11", "worker", worker.name, "5", "2", "1"]
    assert (mine[6], mine[9], mine[10], mine[11]) == ("80.0", "60.0", "3", "1")
    assert not re.search(r"1[3-9]\d{9}", text)
    # The late figure links to the cases behind it: B and H.
    link = f"/figures/street/{street.id}/cases?measure=late&worker={worker.id}&month=2026-11"
    listed = client.get(link).get_data(as_text=True)
    assert cases["B"].ref in listed
    assert cases["H"].ref in listed
    assert cases["A"].ref not in listed
    assert f"worker={worker.id}" in page.replace("&amp;", "&")
    other_street_dispatcher(create_user)
    for phone in ("13800000099", GRID_WORKER, RESIDENT):
        client.post("/auth/logout", data={})
        login_as(phone)
        assert client.get(f"{base}.csv").status_code == 403


def test_the_csv_files_hold_formulas_as_text(cases, client, login_as):
    worker = person(GRID_WORKER)
    worker.name = '=HYPERLINK("http://evil.example","点这里")'
    kind = create_category('=HYPERLINK("x")', hours_accept=4)
    for _ in range(5):
        timed(create_report(category=kind))
    refresh_facts()
    text = client.get("/figures/open/cases.csv?month=2026-11").get_data(as_text=True)
    categories = {row["category"] for row in csv.DictReader(io.StringIO(text))}
    assert '\'=HYPERLINK("x")' in categories
    assert '=HYPERLINK("x")' not in categories
    street = db.session.scalar(select(Street).where(Street.code == "S01"))
    login_as(DISPATCHER)
    text = client.get(f"/figures/street/{street.id}/assessment.csv?month=2026-11").get_data(
        as_text=True
    )
    who = [row[2] for row in csv.reader(io.StringIO(text))]
    assert "'" + worker.name in who
    assert worker.name not in who

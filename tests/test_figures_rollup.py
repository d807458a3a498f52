"""The daily roll-ups equal GROUP BYs over the per-case facts after every tick, however the cases
move (state, day, deadline), a second tick changes nothing, two ticks at once count each case
once, the migration fills them the same way, and a dashboard's SQL does not grow with its cases."""

import importlib.util
import threading
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import delete, event, func, select

from blueprints.core import jobs
from blueprints.figures import rates, rollup
from blueprints.figures.facts import refresh_facts
from blueprints.figures.models import (
    GRAINS,
    PLACE_GRAINS,
    CaseFigure,
    CaseFigureDay,
    CaseStageDay,
    grain_name,
)
from blueprints.figures.rates import STAGES, SUMMED, Period
from blueprints.places.models import Street
from blueprints.reports import workflow
from blueprints.reports.models import ReportState as S
from blueprints.reports.steps import Assignee
from blueprints.util.times import utcnow
from extensions import db
from tests.factories import create_report
from tests.people import DISPATCHER, person

F, R = CaseFigure, CaseFigureDay
MIGRATION = next(Path(__file__).parent.parent.glob("migrations/versions/*_297bfea3203a_*.py"))


def direct(grain):
    """A grain's rows as a GROUP BY over CaseFigure computes them now."""
    keys = [getattr(F, f"{name}_id") for name in grain]
    query = (
        select(F.day, *keys, F.sensitive, *(func.sum(getattr(F, c)) for c in SUMMED))
        .group_by(F.day, *keys, F.sensitive)
        .order_by(F.day, *keys, F.sensitive)
    )
    return [tuple(row) for row in db.session.execute(query)]


def stored(grain):
    keys = [getattr(R, f"{name}_id") for name in grain]
    query = (
        select(R.day, *keys, R.sensitive, *(getattr(R, c) for c in SUMMED))
        .where(R.grain == grain_name(grain))
        .order_by(R.day, *keys, R.sensitive)
    )
    return [tuple(row) for row in db.session.execute(query)]


def direct_stages(grain):
    found = defaultdict(lambda: [0, 0])
    for fact in db.session.scalars(select(F)):
        key = tuple(getattr(fact, f"{name}_id") for name in grain)
        for stage in STAGES:
            value = getattr(fact, stage)
            if value is not None:
                counts = found[fact.day, key, stage, rollup.bucket_of(value)]
                counts[0] += 1
                counts[1] += value
    return {k: tuple(v) for k, v in found.items()}


def stored_stages(grain):
    S_ = CaseStageDay
    keys = [getattr(S_, f"{name}_id") for name in grain]
    rows = db.session.execute(
        select(S_.day, *keys, S_.stage, S_.bucket, S_.n, S_.seconds).where(
            S_.grain == grain_name(grain)
        )
    ).all()
    found = {(day, tuple(rest[:-4]), *rest[-4:-2]): tuple(rest[-2:]) for day, *rest in rows}
    assert len(found) == len(rows)  # one row per group
    return found


def assert_rolled_up():
    for grain in GRAINS:
        assert stored(grain) == direct(grain), grain
    for grain in PLACE_GRAINS:
        assert stored_stages(grain) == direct_stages(grain), grain


def snapshot():
    """Every roll-up row, its id included: what a tick that changes nothing leaves alone."""
    return [
        [tuple(row) for row in db.session.execute(select(model.__table__).order_by(model.id))]
        for model in (CaseFigureDay, CaseStageDay)
    ]


def moved_back(report, days):
    report.created_at -= timedelta(days=days)
    db.session.commit()


@pytest.fixture
def mixed(demo, ctx):
    """Cases in several states, grids and departments, on two days."""
    made = {
        "new": create_report(S.SUBMITTED),
        "sent": create_report(S.DISPATCHED, grid="G02"),
        "closed": create_report(S.CLOSED, to_department=True),
        "working": create_report(S.IN_PROGRESS),
        "gone": create_report(S.WITHDRAWN, grid="G02"),
    }
    moved_back(made["closed"], 3)
    return made


def test_the_roll_up_follows_the_facts_through_a_series_of_ticks(mixed):
    dispatcher = person(DISPATCHER)
    assert refresh_facts() == 5
    assert_rolled_up()
    workflow.apply(mixed["new"], "accept", dispatcher, urgency="normal")
    moved_back(mixed["sent"], 9)  # into another week: its old day must lose it
    mixed["working"].deadline_at = utcnow() - timedelta(minutes=1)  # overdue from now on
    db.session.commit()
    assert refresh_facts() == 3
    assert_rolled_up()
    workflow.apply(mixed["new"], "dispatch", dispatcher, assignee=worker_of(mixed["sent"]))
    moved_back(mixed["new"], 40)
    assert refresh_facts() == 1
    assert_rolled_up()
    before = snapshot()
    assert refresh_facts() == 0
    assert snapshot() == before
    # Recomputing days that did not change gives the same rows (new ids, same contents).
    rollup.recompute({tuple(r) for r in db.session.execute(select(F.street_id, F.day))})
    db.session.commit()
    assert_rolled_up()


def worker_of(report):
    return Assignee(Assignee.WORKER, report.assignee_id)


def test_a_case_whose_facts_change_moves_its_counts(mixed):
    refresh_facts()
    new = mixed["new"]
    first = db.session.get(F, new.id).day
    whole = rates.totals()
    on_first = rates.totals(R.day == first)
    workflow.apply(new, "accept", person(DISPATCHER), urgency="normal")
    moved_back(new, 2)
    refresh_facts()
    second = db.session.get(F, new.id).day
    assert second == first - timedelta(days=2)
    assert rates.totals(R.day == first)["counted"] == on_first["counted"] - 1
    assert rates.totals(R.day == second)["counted"] == 1
    assert rates.totals(R.day == second)["accepted"] == 1
    after = rates.totals()
    assert after["counted"] == whole["counted"] == 4  # the withdrawn case counts in no rate
    assert after["accepted"] == whole["accepted"] + 1


def test_overdue_open_changes_with_time_and_the_roll_up_with_it(demo, ctx):
    report = create_report(S.SIGNED)
    now = utcnow()
    report.deadline_at = now + timedelta(hours=1)
    db.session.commit()
    refresh_facts(now)
    assert rates.totals()["overdue_open"] == 0
    assert refresh_facts(now + timedelta(hours=2)) == 1  # the deadline passed: read again
    assert rates.totals()["overdue_open"] == 1
    assert_rolled_up()


def test_medians_come_from_the_histograms(mixed):
    refresh_facts()
    facts = db.session.scalars(select(F.accept_seconds).where(F.accept_seconds.is_not(None)))
    times = sorted(facts)
    exact = (times[(len(times) - 1) // 2] + times[len(times) // 2]) / 2
    found = rates.overall_medians()["accept_seconds"]
    assert abs(found - exact) <= 0.1 * exact + 1


def test_the_migration_fills_the_roll_ups_as_the_tick_does(mixed):
    refresh_facts()
    made = snapshot()
    db.session.execute(delete(CaseFigureDay))
    db.session.execute(delete(CaseStageDay))
    spec = importlib.util.spec_from_file_location("rollup_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(db.session.connection())):
        migration.fill()
    db.session.commit()
    assert_rolled_up()
    assert [len(rows) for rows in snapshot()] == [len(rows) for rows in made]


def test_two_ticks_at_once_count_each_case_once(app, demo, ctx, monkeypatch):
    for n in range(6):
        create_report(S.SUBMITTED if n % 2 else S.DISPATCHED, grid="G02" if n % 3 else "G01")
    db.session.remove()
    slow = rollup.recompute
    started = threading.Barrier(2)

    def recompute(pairs):
        threading.Event().wait(0.05)
        slow(pairs)

    monkeypatch.setattr(rollup, "recompute", recompute)
    monkeypatch.setattr("blueprints.figures.facts.recompute", recompute)
    done, errors = [], []

    def instance():
        try:
            with app.app_context():
                started.wait(5)
                done.append(jobs.run("figures")["refreshed"])
        except Exception as e:  # reported below
            errors.append(e)

    ticks = [threading.Thread(target=instance) for _ in range(2)]
    for t in ticks:
        t.start()
    for t in ticks:
        t.join(30)
    assert errors == []
    assert sum(done) == 6
    assert db.session.scalar(select(func.count()).select_from(F)) == 6
    assert_rolled_up()


def dashboard_queries(app, client, url):
    seen = []
    with app.app_context():
        engine = db.engine

    def record(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def test_a_dashboard_runs_a_fixed_small_number_of_queries(app, mixed, client, login_as):
    refresh_facts()
    street = db.session.scalar(select(Street).where(Street.code == "S01"))
    login_as(DISPATCHER)
    urls = [f"/figures/street/{street.id}", f"/figures/street/{street.id}/assessment"]
    urls.append(f"/figures/street/{street.id}?trend=month")
    few = [dashboard_queries(app, client, url) for url in urls]
    for n in range(12):
        report = create_report(S.CLOSED if n % 2 else S.SIGNED, grid=("G01", "G02")[n % 2])
        moved_back(report, n * 5)
    refresh_facts()
    more = [dashboard_queries(app, client, url) for url in urls]
    assert more == few
    # 16 today: user, grants, place; totals, medians, trend, breakdowns; 4 names; filings, hours
    assert max(few) <= 18, few


def test_a_period_reads_the_days_of_the_period_only(mixed):
    refresh_facts()
    today = db.session.get(F, mixed["new"].id).day
    period = Period(today, today)
    assert rates.totals(*period.where())["counted"] == 3  # new, sent, working
    assert rates.totals(*Period(date(2000, 1, 1), date(2000, 1, 31)).where())["counted"] == 0

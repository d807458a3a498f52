"""How fast the figures pages answer on a big street, against a plain case page. A benchmark,
not a test.

Usage: .venv/bin/python bench/figures.py --reports 1000000
       .venv/bin/python bench/figures.py --reports 100000 \\
           --database-url postgresql://postgres@127.0.0.1:5432/test

It builds the throwaway database of bench/reports.py (the demo street, N generated reports with
their timeline events), then runs what `flask figures tick` does on its first run (the facts of
every case, in batches: timed, as a deployment's one-off backfill), runs it again (nothing to do),
and times the dashboards (street, community, grid, department; this month, which may have just
begun, and the whole of last month), the assessment and the public statistics page against a
case page opened by the dispatcher. The tick keeps the daily roll-ups too (case_figure_day,
case_stage_day), which the pages read. The goal (issue 17): a dashboard within 3× the time of
the case page."""

import sys
import time
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, select

from blueprints.figures.facts import refresh_facts
from blueprints.figures.models import CaseFigureDay, CaseStageDay
from blueprints.figures.periods import last_month
from blueprints.places.models import Community, Department, Grid, Street
from extensions import db

import reports as base


def ids():
    return (
        db.session.scalar(select(Street.id).order_by(Street.id)),
        db.session.scalar(select(Community.id).order_by(Community.id)),
        db.session.scalar(select(Grid.id).order_by(Grid.id)),
        db.session.scalar(select(Department.id).order_by(Department.id)),
    )


def main():
    args = base.parse_args()
    rng = Random(args.seed)
    with base.fresh_database(args.database_url, args.keep) as uri:
        app = base.make_app(uri)
        with app.app_context():
            db.create_all()
            base.load_demo(with_reports=False)
            backend = db.engine.dialect.name
            log = base.QueryLog(db.engine)
        print(f"{backend}; {args.reports:,} reports; {base.load()}")
        picks = set(rng.sample(range(1, args.reports + 1), min(args.reports, 10 * args.samples)))
        refs, took = base.generate(app, args.reports, args.batch, rng, picks)
        print(f"generated in {took:.1f} s")
        with app.app_context():
            started = time.perf_counter()
            done = refresh_facts(batch=2000)
            print(f"first tick: facts of {done:,} cases in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            again = refresh_facts()
            print(f"second tick: {again} cases in {time.perf_counter() - started:.2f} s")
            months = db.session.execute(
                select(func.min(base.Report.created_at), func.max(base.Report.created_at))
            ).one()
            print(f"  cases from {months[0]:%Y-%m-%d} to {months[1]:%Y-%m-%d}")
            rolled = [
                db.session.scalar(select(func.count()).select_from(model))
                for model in (CaseFigureDay, CaseStageDay)
            ]
            print(f"  roll-up rows: {rolled[0]:,} sums, {rolled[1]:,} stage histograms")
            street, community, grid, department = ids()
            whole = last_month().start.strftime("%Y-%m")
        base.prepare(app, args.extra_sql)
        dispatcher = base.client_for(app, base.DISPATCHER)
        tracked = list(refs.values())
        rng.shuffle(tracked)
        n = len(tracked)
        page_list = [
            ("/reports/<ref> (baseline)", dispatcher, lambda i: f"/reports/{tracked[i % n]}"),
            ("street dashboard", dispatcher, lambda _i: f"/figures/street/{street}"),
            ("street, by month", dispatcher, lambda _i: f"/figures/street/{street}?trend=month"),
            (
                "street, last month",
                dispatcher,
                lambda _i: f"/figures/street/{street}?month={whole}",
            ),
            ("community dashboard", dispatcher, lambda _i: f"/figures/community/{community}"),
            (
                "community, last month",
                dispatcher,
                lambda _i: f"/figures/community/{community}?month={whole}",
            ),
            ("grid dashboard", dispatcher, lambda _i: f"/figures/grid/{grid}"),
            ("department dashboard", dispatcher, lambda _i: f"/figures/department/{department}"),
            ("assessment", dispatcher, lambda _i: f"/figures/street/{street}/assessment"),
            ("open data (public)", base.client_for(app), lambda _i: "/figures/open"),
        ]
        base.run_pages(page_list, log, args.warmup, args.samples)
        print(f"\n{base.load()}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()

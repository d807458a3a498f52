"""Two ticks at the same moment, as two instances would run them, remind each case once and flag
each overdue case once. On PostgreSQL the tick claims its rows FOR UPDATE SKIP LOCKED; on SQLite
the ticks take turns (a lock file beside the database). Either way, without the claim the second
tick would work on rows the first is working on (and fail on their version column)."""

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from blueprints.core import jobs
from blueprints.notices.models import Notice
from blueprints.reports.models import Report, ReportEvent
from blueprints.reports.models import ReportState as S
from blueprints.reports.workflow import FLOW
from blueprints.util.times import utcnow
from extensions import db
from tests.factories import create_report

CASES = 8


def test_two_ticks_at_once_remind_once_and_flag_overdue_once(app, demo, ctx, monkeypatch):
    now = utcnow()
    reports = [create_report(state=S.SIGNED) for _ in range(CASES)]
    for n, report in enumerate(reports):
        # Half of them are due within the hour (a reminder), half are late (overdue).
        report.deadline_at = now + timedelta(hours=1) if n % 2 else now - timedelta(hours=1)
    db.session.commit()
    ids = [r.id for r in reports]
    db.session.remove()

    # Each step takes a while, so the two ticks overlap for certain.
    slow_overdue, slow_remind = FLOW.overdue, FLOW.remind
    started = threading.Barrier(2)

    def overdue(report):
        threading.Event().wait(0.05)
        slow_overdue(report)

    def remind(report):
        threading.Event().wait(0.05)
        slow_remind(report)

    monkeypatch.setattr(FLOW, "overdue", overdue)
    monkeypatch.setattr(FLOW, "remind", remind)
    results, errors = [], []

    def instance():
        try:
            with app.app_context():
                started.wait(5)
                results.append(jobs.run("reports", now=now))
        except Exception as e:  # reported below, with the other tick's counts
            errors.append(e)

    ticks = [threading.Thread(target=instance) for _ in range(2)]
    for t in ticks:
        t.start()
    for t in ticks:
        t.join(60)
    assert not errors, errors
    assert sum(r["overdue"] for r in results) == CASES // 2
    assert sum(r["reminded"] for r in results) == CASES // 2

    events = Counter(
        (e.report_id, e.action)
        for e in db.session.scalars(
            select(ReportEvent).where(ReportEvent.action.in_(("overdue", "remind")))
        )
    )
    assert events == {(i, "overdue" if n % 2 == 0 else "remind"): 1 for n, i in enumerate(ids)}
    told = Counter(
        (n.user_id, n.text, n.params)
        for n in db.session.scalars(select(Notice).where(Notice.text.like("案件 %")))
    )
    assert told, "the tick told people"
    assert set(told.values()) == {1}, "nobody is told the same thing twice"
    refs = {r.ref for r in db.session.scalars(select(Report).where(Report.id.in_(ids)))}
    assert {ref for ref in refs if any(ref in p for _u, _t, p in told)} == refs
    supervised = db.session.scalars(select(Report.supervised).where(Report.id.in_(ids))).all()
    assert sorted(supervised) == [False] * (CASES // 2) + [True] * (CASES // 2)

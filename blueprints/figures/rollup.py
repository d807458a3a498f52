"""Keeping the roll-ups (CaseFigureDay, CaseStageDay) equal to GROUP BYs over CaseFigure.

Whenever the tick reads a case's facts again, the (street, day) its old facts counted in and
the one its new facts count in are recomputed whole from CaseFigure, in the same transaction:
nothing is added or subtracted, so running it twice, or over a day that did not change, gives
the same rows. "Overdue now" changes with time: the tick reads a case again when its deadline
passes (facts.stale_ids), which recomputes its day here too.

Two ticks at once: on SQLite they take turns (jobs.one_at_a_time, in cli.py); on PostgreSQL
each claims its cases (workflow.claim) and, before recomputing a (street, day), waits for a
transaction lock on it, so the last of two ticks that touched a day recomputes it after the
other committed, and sees its facts."""

import math
from collections import defaultdict

from sqlalchemy import Integer, String, cast, delete, func, insert, literal, select

from blueprints.figures.models import (
    GRAINS,
    PLACE_GRAINS,
    CaseFigure,
    CaseFigureDay,
    CaseStageDay,
    grain_name,
)
from blueprints.figures.rates import STAGES, SUMMED
from extensions import db

F = CaseFigure
# Buckets per doubling of a stage's time: each bucket is 2^(1/8), about 9%, wide.
PER_DOUBLING = 8


def bucket_of(seconds):
    """The histogram bucket of a stage time: 0 for no time at all, then 9%-wide buckets."""
    return 0 if seconds <= 0 else 1 + int(PER_DOUBLING * math.log2(seconds))


def touched(ids):
    """The (street, day) pairs the current facts of these cases count in."""
    return set(db.session.execute(select(F.street_id, F.day).where(F.report_id.in_(ids))).all())


def summed(grain, *where):
    """The CaseFigureDay rows of one grain, as an INSERT … SELECT … GROUP BY over CaseFigure."""
    keys = [getattr(F, f"{name}_id") for name in grain]
    columns = ["grain", "day", "week", "month", *(k.key for k in keys), "sensitive", *SUMMED]
    query = (
        select(
            literal(grain_name(grain), String),
            F.day,
            F.week,
            F.month,
            *keys,
            F.sensitive,
            *(func.sum(getattr(F, name)) for name in SUMMED),
        )
        .where(*where)
        .group_by(F.day, F.week, F.month, *keys, F.sensitive)
    )
    return insert(CaseFigureDay).from_select(columns, query)


def stage_rows(*where):
    """The CaseStageDay rows of the place grains, counted here (SQL has no portable log2)."""
    places = [F.street_id, F.community_id, F.grid_id, F.department_id]
    found = defaultdict(lambda: [0, 0])
    facts = db.session.execute(
        select(F.day, *places, *(getattr(F, stage) for stage in STAGES)).where(*where)
    )
    for day, street, community, grid, department, *times in facts:
        ids = {"street": street, "community": community, "grid": grid, "department": department}
        for grain in PLACE_GRAINS:
            key = tuple(ids[name] for name in grain)
            for stage, value in zip(STAGES, times, strict=True):
                if value is not None:
                    counts = found[grain, day, key, stage, bucket_of(value)]
                    counts[0] += 1
                    counts[1] += value
    return [
        {
            "grain": grain_name(grain),
            "day": day,
            **{f"{name}_id": None for name in ("community", "grid", "department")},
            **{f"{name}_id": value for name, value in zip(grain, key, strict=True)},
            "stage": stage,
            "bucket": bucket,
            "n": n,
            "seconds": total,
        }
        for (grain, day, key, stage, bucket), (n, total) in found.items()
    ]


def wait_for(street_id, days):
    """On PostgreSQL, hold a lock on each (street, day) until this transaction ends."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for day in days:
        key = (cast(street_id, Integer), cast(day.toordinal(), Integer))
        db.session.execute(select(func.pg_advisory_xact_lock(*key)))


def recompute(pairs):
    """Make the roll-up rows of each (street, day) equal to CaseFigure's; the caller commits."""
    days_of = defaultdict(set)
    for street_id, day in pairs:
        days_of[street_id].add(day)
    for street_id, days in sorted(days_of.items()):
        days = sorted(days)
        wait_for(street_id, days)
        where = (F.street_id == street_id, F.day.in_(days))
        for grain in GRAINS:
            name = grain_name(grain)
            db.session.execute(
                delete(CaseFigureDay).where(
                    CaseFigureDay.grain == name,
                    CaseFigureDay.street_id == street_id,
                    CaseFigureDay.day.in_(days),
                )
            )
            db.session.execute(summed(grain, *where))
        for grain in PLACE_GRAINS:
            db.session.execute(
                delete(CaseStageDay).where(
                    CaseStageDay.grain == grain_name(grain),
                    CaseStageDay.street_id == street_id,
                    CaseStageDay.day.in_(days),
                )
            )
        rows = stage_rows(*where)
        if rows:
            db.session.execute(insert(CaseStageDay), rows)

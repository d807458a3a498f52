"""The 12345 rates, written down once: what each counts, shown on every figures page, and the
SQL that adds them up: sums over the daily roll-up (CaseFigureDay, kept from the per-case facts
by the tick), never a loop over reports or a month of facts.

A case counts in the period in which it was submitted (its Beijing day). Withdrawn cases and
duplicates merged into another case are left out of every rate."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, func, select
from sqlalchemy.sql import visitors

from blueprints.figures.models import GRAINS, PLACE_GRAINS, grain_name
from blueprints.figures.models import CaseFigureDay as R
from blueprints.figures.models import CaseStageDay as S
from extensions import db


@dataclass(frozen=True)
class Rate:
    code: str
    label: object
    numerator: str
    denominator: str
    definition: object


RATES = (
    Rate(
        "response",
        _l("响应率"),
        "responded_on_time",
        "counted",
        _l("在受理时限内受理或退回的件数 ÷ 提交的件数。"),
    ),
    Rate(
        "solved",
        _l("解决率"),
        "handled",
        "accepted",
        _l("已办结（处理人报办结）的件数 ÷ 受理的件数。"),
    ),
    Rate(
        "satisfied",
        _l("满意率"),
        "satisfied",
        "rated",
        _l("评价为满意或基本满意的件数 ÷ 居民作出评价的件数（未回复的不算在内）。"),
    ),
    Rate(
        "on_time",
        _l("按期办结率"),
        "handled_on_time",
        "handle_due",
        _l(
            "在办理时限内（含批准的延期）办结的件数 ÷ 应办结的件数（已办结的，和已超过办理时限还没办结的）。"
        ),
    ),
    Rate(
        "reopen",
        _l("重办率"),
        "reopened",
        "handled",
        _l("因居民不满意而重办过的件数 ÷ 已办结的件数。"),
    ),
)
MAIN_RATES = RATES[:4]
BY_CODE = {r.code: r for r in RATES}
COUNTS = {
    "counted": _l("提交"),
    "accepted": _l("受理"),
    "handled": _l("办结"),
    "overdue_open": _l("超时未办"),
    "closed_unsatisfied": _l("结案未解决：两次不满意"),
    "closed_no_answer": _l("结案未解决：未回复"),
}
COUNT_DEFINITIONS = {
    "overdue_open": _l("还没办完、已经超过当前环节时限的件数（和待办案件里的“超时”相同）。"),
    "closed_unsatisfied": _l("重办后居民第二次评价不满意、按规定结案的件数。"),
    "closed_no_answer": _l("回访7天没有回复、按未回复结案的件数。"),
}
STAGES = {
    "accept_seconds": (_l("受理"), _l("从提交到受理或退回")),
    "sign_seconds": (_l("签收"), _l("从派遣（或转派）到处理人签收")),
    "handle_seconds": (_l("办理"), _l("从签收到报办结")),
    "verify_seconds": (_l("核查"), _l("从报办结到现场核查通过")),
}
SUMMED = (
    "counted",
    "responded_on_time",
    "accepted",
    "handled",
    "handle_due",
    "handled_on_time",
    "overdue_open",
    "rated",
    "satisfied",
    "reopened",
    "closed_unsatisfied",
    "closed_no_answer",
)
# The places and groupings a figure can be split by: name -> CaseFigureDay column.
LEVELS = {
    "street": R.street_id,
    "community": R.community_id,
    "grid": R.grid_id,
    "department": R.department_id,
    "category": R.category_id,
    "worker": R.worker_id,
}


@dataclass(frozen=True)
class Period:
    """Beijing days from `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def month_of(cls, day):
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return cls(first, following - timedelta(days=1))

    def where(self, model=R):
        """The condition on the roll-up (or on `model`, e.g. CaseFigure for the cases)."""
        return (model.day >= self.start, model.day <= self.end)


class Totals(dict):
    """The summed columns of one group, with its rates."""

    def rate(self, code):
        found = BY_CODE[code]
        below = self.get(found.denominator) or 0
        return None if not below else self.get(found.numerator, 0) / below

    def percent(self, code):
        value = self.rate(code)
        return None if value is None else round(100 * value, 1)


# Built once: the same expressions every time also let SQLAlchemy reuse the compiled statement.
SUMS = [func.coalesce(func.sum(getattr(R, name)), 0).label(name) for name in SUMMED]


def grain_of(grains, *clauses):
    """The name of the first grain that groups by every place or grouping the clauses name:
    the rows a query sums (each case is in one row of each grain)."""
    named = {
        element.name.removesuffix("_id")
        for clause in clauses
        for element in visitors.iterate(clause)
        if isinstance(element, Column) and element.name.endswith("_id")
    }
    grain = next((g for g in grains if named <= set(g)), None)
    if grain is None:
        raise ValueError(f"no roll-up groups by {sorted(named)}")
    return grain_name(grain)


def totals(*where):
    """The figures of every case matching `where` (on CaseFigureDay's columns), as one Totals."""
    row = db.session.execute(select(*SUMS).where(R.grain == grain_of(GRAINS, *where), *where))
    return Totals(row.one()._mapping)


def by(level, *where):
    """{group id: Totals} for each group of `level` (a LEVELS key, or a CaseFigureDay column)."""
    column = (LEVELS[level] if isinstance(level, str) else level).expression
    rows = db.session.execute(
        select(column.label("key"), *SUMS)
        .where(R.grain == grain_of(GRAINS, column, *where), *where)
        .group_by(column)
    ).all()
    return {row.key: Totals(row._mapping) for row in rows}


def by_each(levels, *where):
    """{level: {group id: Totals}} for several LEVELS keys at once: each level's grain is a
    different set of rows, so one statement reads them all (a page's breakdowns, one query)."""
    grains = {grain_of(GRAINS, LEVELS[level].expression, *where): level for level in levels}
    if len(grains) < len(levels):
        raise ValueError(f"two of {levels} share a grain")
    keys = [LEVELS[level] for level in levels]
    rows = db.session.execute(
        select(R.grain, *keys, *SUMS)
        .where(R.grain.in_(list(grains)), *where)
        .group_by(R.grain, *keys)
    ).all()
    found = {level: {} for level in levels}
    for row in rows:
        level = grains[row.grain]
        found[level][row._mapping[f"{level}_id"]] = Totals(row._mapping)
    return found


def on_stages(clause):
    """A condition on CaseFigureDay's columns, asked of CaseStageDay's of the same names."""

    def swap(element):
        if isinstance(element, Column) and element.table is R.__table__:
            return S.__table__.c[element.name]
        return None

    return visitors.replacement_traverse(clause, {}, swap)


def middle(buckets):
    """The median of a histogram [(n, seconds)] in the order of its buckets: the mean time of
    the bucket holding the middle value (of the two middle values' buckets, for an even n)."""
    total = sum(n for n, _seconds in buckets)

    def mean_at(rank):
        seen = 0
        for n, seconds in buckets:
            seen += n
            if seen >= rank:
                return float(seconds) / n

    return (mean_at((total + 1) // 2) + mean_at((total + 2) // 2)) / 2


def medians(level, *where):
    """{group id: {stage: median seconds}}, from the stage histograms (CaseStageDay) of the
    place grains. Exact medians would read every case of the period: on bench/figures.py's street
    of 1M reports, last month's 110,000 cases take about 50 ms per stage on SQLite, against a
    few hundred histogram rows per stage here. Each median is the mean time of the bucket that
    holds the middle value (of the two middle values' buckets, for an even count): exact when
    that bucket's times are all equal, otherwise off by less than the bucket's width (9%).
    `level` None: one group, keyed None."""
    keys = [] if level is None else [(LEVELS[level] if isinstance(level, str) else level)]
    keys = [on_stages(k.expression) for k in keys]
    grain = grain_of(PLACE_GRAINS, *keys, *where)
    rows = db.session.execute(
        select(*keys, S.stage, S.bucket, func.sum(S.n), func.sum(S.seconds))
        .where(S.grain == grain, *(on_stages(c) for c in where))
        .group_by(*keys, S.stage, S.bucket)
        .order_by(*keys, S.stage, S.bucket)
    ).all()
    histograms = defaultdict(list)
    for *key, stage, _bucket, n, seconds in rows:
        histograms[key[0] if key else None, stage].append((n, seconds))
    found = {}
    for (key, stage), buckets in histograms.items():
        found.setdefault(key, {})[stage] = middle(buckets)
    return found


def overall_medians(*where):
    """{stage: median seconds} of all cases matching `where`."""
    return medians(None, *where).get(None, {})


def hours(seconds):
    return None if seconds is None else round(seconds / 3600, 1)

"""The 12345 rates, written down once: what each counts, shown on every figures page, and the
SQL that adds them up (GROUP BY over CaseFigure, never a loop over reports).

A case counts in the period in which it was submitted (its Beijing day). Withdrawn cases and
duplicates merged into another case are left out of every rate."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal_column, select

from blueprints.figures.models import CaseFigure as F
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
# The places and groupings a figure can be split by: name -> CaseFigure column.
LEVELS = {
    "street": F.street_id,
    "community": F.community_id,
    "grid": F.grid_id,
    "department": F.department_id,
    "category": F.category_id,
    "worker": F.worker_id,
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

    def where(self):
        return (F.day >= self.start, F.day <= self.end)


class Totals(dict):
    """The summed columns of one group, with its rates."""

    def rate(self, code):
        found = next(r for r in RATES if r.code == code)
        below = self.get(found.denominator) or 0
        return None if not below else self.get(found.numerator, 0) / below

    def percent(self, code):
        value = self.rate(code)
        return None if value is None else round(100 * value, 1)


# Built once: the same expressions every time also let SQLAlchemy reuse the compiled statement.
SUMS = [func.coalesce(func.sum(getattr(F, name)), 0).label(name) for name in SUMMED]


def sums():
    return SUMS


def totals(*where):
    """The figures of every case matching `where`, as one Totals."""
    row = db.session.execute(select(*sums()).where(*where)).one()
    return Totals(row._mapping)


def by(level, *where):
    """{group id: Totals} for each group of `level` (a LEVELS key, or a CaseFigure column)."""
    column = LEVELS[level] if isinstance(level, str) else level
    rows = db.session.execute(
        select(column.label("key"), *sums()).where(*where).group_by(column)
    ).all()
    return {row.key: Totals(row._mapping) for row in rows}


def medians(level, *where):
    """{group id: {stage: median seconds}}: the middle value (or the mean of the two middle
    values) of each stage's times, with window functions both SQLite and PostgreSQL have."""
    column = LEVELS[level] if isinstance(level, str) else level
    found = {}
    for stage in STAGES:
        value = getattr(F, stage)
        ranked = (
            select(
                column.label("key"),
                value.label("v"),
                func.row_number().over(partition_by=column, order_by=value).label("rn"),
                func.count().over(partition_by=column).label("n"),
            )
            .where(value.is_not(None), *where)
            .subquery()
        )
        rows = db.session.execute(
            select(ranked.c.key, func.avg(ranked.c.v))
            .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
            .group_by(ranked.c.key)
        ).all()
        for key, middle in rows:
            found.setdefault(key, {})[stage] = float(middle)
    return found


def overall_medians(*where):
    """{stage: median seconds} of all cases matching `where`."""
    return medians(literal_column("0"), *where).get(0, {})


def hours(seconds):
    return None if seconds is None else round(seconds / 3600, 1)

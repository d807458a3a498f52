"""Open data: the monthly statistics anyone may read, and the month's cases as CSV and JSON with
no personal data at all (no description, address, photo, name or phone; no reference either,
which would open the case page). Sensitive categories appear only as one count, and any count
under 5 is published as "<5"."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from blueprints.figures import rates
from blueprints.figures.models import CaseFigure as F
from blueprints.figures.models import CaseFigureDay as R
from blueprints.places.models import Community, Grid
from blueprints.reports.models import Category
from extensions import db

SMALL = 5
LICENCE = _l("本数据按“知识共享 署名 4.0 国际”（CC BY 4.0）许可公开，使用时请注明来源“邻里”。")
# The schema of every case row, in the order of the CSV columns.
SCHEMA = (
    ("category", _l("问题分类代码（见分类表）")),
    ("grid", _l("网格代码")),
    ("submitted_on", _l("提交日期（北京时间，YYYY-MM-DD）")),
    ("state", _l("现在的状态代码")),
    ("accept_hours", _l("受理用时，小时（空：还没受理）")),
    ("sign_hours", _l("签收用时，小时")),
    ("handle_hours", _l("办理用时，小时")),
    ("verify_hours", _l("核查用时，小时")),
)


def small(n):
    """A count as published: "<5" for 1 to 4 (0 stays 0: nothing happened)."""
    return "<5" if 0 < n < SMALL else n


def published_rate(totals, code):
    """A rate only when its base is big enough to tell nobody's answer."""
    found = rates.BY_CODE[code]
    if totals.get(found.denominator, 0) < SMALL:
        return None
    return totals.percent(code)


def month_stats(period):
    """[(category, Totals)] for public categories, the count of sensitive cases, and
    [(community, Totals)] of public cases."""
    public = (*period.where(), R.sensitive == 0)
    found = rates.by_each(("category", "community"), *public)
    per_category, per_community = found["category"], found["community"]
    categories = {
        c.id: c for c in db.session.scalars(select(Category).where(Category.id.in_(per_category)))
    }
    sensitive = rates.totals(*period.where(), R.sensitive == 1)["counted"]
    communities = {
        c.id: c
        for c in db.session.scalars(select(Community).where(Community.id.in_(per_community)))
    }
    return (
        sorted(
            ((categories[k], t) for k, t in per_category.items() if k in categories),
            key=lambda row: row[0].code,
        ),
        sensitive,
        sorted(
            ((communities[k], t) for k, t in per_community.items() if k in communities),
            key=lambda row: row[0].code,
        ),
    )


def case_rows(period):
    """The month's public cases, one dict each, in SCHEMA order (streamed, not loaded at once).
    A case is published only among at least SMALL alike (the same category, grid, day and
    state): counted by any of those columns, the file never shows fewer than SMALL, as the
    page's "<5" promises; the hours are figures, not counted."""
    alike = (F.category_id, F.grid_id, F.day, F.state)
    public = (*period.where(F), F.sensitive == 0, F.counted == 1)
    crowds = select(*alike).where(*public).group_by(*alike).having(func.count() >= SMALL).subquery()
    query = (
        select(
            Category.code,
            Grid.code,
            F.day,
            F.state,
            F.accept_seconds,
            F.sign_seconds,
            F.handle_seconds,
            F.verify_seconds,
        )
        .join(Category, Category.id == F.category_id)
        .join(Grid, Grid.id == F.grid_id)
        .join(crowds, and_(*(column == crowds.c[column.key] for column in alike)))
        .where(*public)
        .order_by(F.day, F.report_id)
        .execution_options(yield_per=2000)
    )
    for row in db.session.execute(query):
        category, grid, day, state, *stages = row
        yield dict(
            zip(
                [name for name, _text in SCHEMA],
                [category, grid, day.isoformat(), state, *(rates.hours(s) for s in stages)],
                strict=True,
            )
        )

"""One row of facts per case, kept current by `flask figures tick` (facts.refresh_facts), and
the roll-ups of those facts per day that the same tick keeps (rollup.py): every figure is a sum
over roll-up rows; only the lists of cases behind a figure and the open-data case files read
the facts."""

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

# The groupings CaseFigureDay keeps (each also by day and by `sensitive`), fewest columns first:
# a query reads the first grain that has every column it filters or groups by. Every grain has
# the street, so that the tick recomputes the rows of one street's day at a time. The place
# grains, the first four, also keep the stage histograms (CaseStageDay).
GRAINS = (
    ("street",),
    ("street", "community"),
    ("street", "community", "grid"),
    ("street", "department"),
    ("street", "category"),
    ("street", "worker"),
    ("street", "community", "category"),
    ("street", "community", "worker"),
    ("street", "community", "department"),
    ("street", "community", "grid", "category"),
    ("street", "department", "category"),
)
PLACE_GRAINS = GRAINS[:4]


def grain_name(grain):
    return ",".join(grain)


class CaseFigure(db.Model):
    """What the figures need to know about one case, read from its row and its timeline.

    The 0/1 columns are integers so that SUM() adds them up on SQLite and PostgreSQL alike.
    Nothing here says who reported the case: no name, phone, text, address or photo."""

    __table_args__ = (
        Index("ix_case_figure_street_day", "street_id", "day"),
        Index("ix_case_figure_community_day", "community_id", "day"),
        Index("ix_case_figure_department_day", "department_id", "day"),
        Index("ix_case_figure_grid_day", "grid_id", "day"),
        Index("ix_case_figure_day", "day"),
    )

    report_id: Mapped[int] = mapped_column(
        ForeignKey("report.id", ondelete="CASCADE"), primary_key=True
    )
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # The grid worker the case was last sent to (for the assessment of grid workers).
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    sensitive: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(20))
    # When it was submitted: the UTC instant, and its Beijing day, week (Monday) and month (1st).
    submitted_at: Mapped[datetime]
    day: Mapped[date]
    week: Mapped[date]
    month: Mapped[date]
    counted: Mapped[int] = mapped_column(default=0)
    responded_on_time: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    handled: Mapped[int] = mapped_column(default=0)
    handle_due: Mapped[int] = mapped_column(default=0)
    handled_on_time: Mapped[int] = mapped_column(default=0)
    # Open, signed for, and past its handling deadline now.
    overdue_open: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[int] = mapped_column(default=0)
    closed_unsatisfied: Mapped[int] = mapped_column(default=0)
    closed_no_answer: Mapped[int] = mapped_column(default=0)
    # Seconds spent in each stage (first pass), None when the case has not been through it.
    accept_seconds: Mapped[int | None]
    sign_seconds: Mapped[int | None]
    handle_seconds: Mapped[int | None]
    verify_seconds: Mapped[int | None]
    # When the case's current deadline and its handling deadline fall (the tick notices them
    # passing), and when these facts were read.
    due_at: Mapped[datetime | None]
    handle_due_at: Mapped[datetime | None]
    computed_at: Mapped[datetime]


class CaseFigureDay(db.Model):
    """The summed CaseFigure columns of one day's cases, grouped at one grain (GRAINS above): by
    street alone, by street and community, by grid and category... Kept by the same tick, so a
    page sums hundreds of these rows instead of a month's facts.

    The columns a grain does not group by are NULL; `grain` names the columns it does, so that
    a NULL department in the "street,department" grain (cases sent to no department) is not
    mistaken for the other grains' rows."""

    __table_args__ = (
        Index("ix_case_figure_day_street", "grain", "street_id", "day"),
        Index("ix_case_figure_day_community", "grain", "community_id", "day"),
        Index("ix_case_figure_day_grid", "grain", "grid_id", "day"),
        Index("ix_case_figure_day_department", "grain", "department_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(60))
    day: Mapped[date]
    week: Mapped[date]
    month: Mapped[date]
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    sensitive: Mapped[int]
    counted: Mapped[int]
    responded_on_time: Mapped[int]
    accepted: Mapped[int]
    handled: Mapped[int]
    handle_due: Mapped[int]
    handled_on_time: Mapped[int]
    overdue_open: Mapped[int]
    rated: Mapped[int]
    satisfied: Mapped[int]
    reopened: Mapped[int]
    closed_unsatisfied: Mapped[int]
    closed_no_answer: Mapped[int]


class CaseStageDay(db.Model):
    """How long one stage took, as a histogram: of one day's cases at one place grain, how many
    took a time in each bucket (rollup.bucket_of: about 9% wide) and the sum of their seconds.
    Medians are read from these (rates.medians)."""

    __table_args__ = (
        Index("ix_case_stage_day_street", "grain", "street_id", "day"),
        Index("ix_case_stage_day_community", "grain", "community_id", "day"),
        Index("ix_case_stage_day_grid", "grain", "grid_id", "day"),
        Index("ix_case_stage_day_department", "grain", "department_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(60))
    day: Mapped[date]
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    stage: Mapped[str] = mapped_column(String(20))
    bucket: Mapped[int]
    n: Mapped[int]
    seconds: Mapped[int] = mapped_column(BigInteger)

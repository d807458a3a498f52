"""One row of facts per case, kept current by `flask figures tick` (facts.refresh_facts), so every
figure is a GROUP BY over this table: no page walks the reports or their timelines."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


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

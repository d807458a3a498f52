"""When each stage of a report is due: hours or working days per category, halved when urgent.
DEADLINES is the flow's clock, as the workflow core reads it (blueprints/core/workflow.py)."""

import math
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from blueprints.core.workdays import add_workdays
from blueprints.core.workflow import Due
from blueprints.reports.models import ReportState as S
from blueprints.util.times import utcnow

# Which deadline runs in which state, and from which category column.
STAGE_OF_STATE = {
    S.SUBMITTED: "accept",
    S.ACCEPTED: "accept",
    S.REOPENED: "accept",
    S.DISPATCHED: "sign",
    S.SIGNED: "handle",
    S.IN_PROGRESS: "handle",
    S.HANDLED: "verify",
}
# The reporter is asked to rate for this long; then the tick closes the case as unanswered.
FOLLOW_UP_DAYS = 7


# How a list writes time left or overdue, by unit: (left, late).
LEFT_WORDS = {
    "minutes": (_l("剩余 %(n)s 分钟"), _l("已超时 %(n)s 分钟")),
    "hours": (_l("剩余 %(n)s 小时"), _l("已超时 %(n)s 小时")),
    "days": (_l("剩余 %(n)s 天"), _l("已超时 %(n)s 天")),
}


def time_left(deadline, now=None, words=None):
    """How long until a deadline, as staff read it in a list: ("剩余 5 小时", False), or
    ("已超时 3 小时", True) once it has passed. words: LEFT_WORDS already translated, as a
    list translates them once for all its rows."""
    if deadline is None:
        return "", False
    seconds = (deadline - (now or utcnow())).total_seconds()
    late = seconds < 0
    minutes = max(1, math.ceil(abs(seconds) / 60))
    hours = math.ceil(minutes / 60)
    if minutes < 60:
        unit, n = "minutes", minutes
    elif hours <= 48:
        unit, n = "hours", hours
    else:
        unit, n = "days", math.ceil(hours / 24)
    text = (words or LEFT_WORDS)[unit][late]
    return str(text) % {"n": n}, late


# The stages still to come before a case is handled, after the one whose deadline runs now.
LATER_STAGES = {"accept": ("sign", "handle"), "sign": ("handle",), "handle": ()}


def stage_span(report, stage, start):
    """When a stage that starts at `start` is due, by the category's rules (urgent: halved)."""
    category = report.category
    if stage == "handle" and category.handle_workdays:
        days = category.handle_workdays
        if report.urgency == "urgent":
            days = max(1, days // 2)
        return add_workdays(start, days)
    hours = category.deadline_hours(stage)
    if report.urgency == "urgent":
        hours = max(1, hours // 2)
    return start + timedelta(hours=hours)


def stage_due(stage):
    """A stage's clock by the report's category and urgency, as the workflow core calls it."""

    def due(report, start):
        return stage_span(report, stage, start)

    return due


DEADLINES = {state: stage_due(stage) for state, stage in STAGE_OF_STATE.items()} | {
    S.VERIFIED: Due(hours=FOLLOW_UP_DAYS * 24)
}


def expected_done(report):
    """When the case should be handled if every stage keeps its time limit: the running stage's
    deadline plus the stages after it. None once it is handled, or when nothing runs."""
    stage = STAGE_OF_STATE.get(report.state)
    if stage not in LATER_STAGES or report.deadline_at is None:
        return None
    moment = report.deadline_at
    for later in LATER_STAGES[stage]:
        moment = stage_span(report, later, moment)
    return moment

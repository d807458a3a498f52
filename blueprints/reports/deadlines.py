"""When each stage of a report is due: hours or working days per category, halved when urgent."""

from datetime import timedelta

from blueprints.calendar.services import add_workdays
from blueprints.reports.models import ReportState
from blueprints.reports.workflow import STAGE_OF_STATE
from blueprints.timeutil import utcnow

FOLLOW_UP_DAYS = 7


def set_deadline(report):
    stage = STAGE_OF_STATE.get(report.state)
    report.reminded_for = report.overdue_for = ""
    if report.state == ReportState.VERIFIED:
        report.deadline_at = utcnow() + timedelta(days=FOLLOW_UP_DAYS)
    elif stage == "handle" and report.category.handle_workdays:
        days = report.category.handle_workdays
        if report.urgency == "urgent":
            days = max(1, days // 2)
        report.deadline_at = add_workdays(utcnow(), days)
    elif stage:
        hours = report.category.deadline_hours(stage)
        if report.urgency == "urgent":
            hours = max(1, hours // 2)
        report.deadline_at = utcnow() + timedelta(hours=hours)
    else:
        report.deadline_at = None

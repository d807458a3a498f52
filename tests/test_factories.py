"""The factories make cases the way the app does: each state with its timeline and deadline."""

import pytest
from sqlalchemy import select

from blueprints.reports.models import OPEN_STATES, ReportEvent, ReportState
from extensions import db
from tests.factories import PATHS, RESIDENT, create_report, person


@pytest.mark.parametrize("state", list(PATHS))
def test_every_state_is_reached_through_the_workflow(demo, ctx, state):
    report = create_report(state=state)
    assert report.state == state
    actions = db.session.scalars(
        select(ReportEvent.action)
        .where(ReportEvent.report_id == report.id)
        .order_by(ReportEvent.id)
    ).all()
    walked = ["rate" if a.startswith("rate") else a for a in PATHS[state]]
    assert actions == ["submit", *walked]
    # A clock runs while someone must act: staff on an open case, the resident on a verified one.
    waiting = (*OPEN_STATES, ReportState.VERIFIED)
    assert (report.deadline_at is not None) == (state in waiting)


def test_a_signed_in_reporter_and_a_department_case(demo, ctx):
    resident = person(RESIDENT)
    report = create_report(ReportState.IN_PROGRESS, reporter=resident, to_department=True)
    assert report.reporter_id == resident.id
    assert report.reporter_phone == resident.phone
    assert report.department.code == "D01"
    assert report.assignee is None

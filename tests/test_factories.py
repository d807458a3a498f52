"""The factories make objects the way the app does: each state through its flow, with what the
flow stores on the way (timeline, deadline, seats, the organization an approval makes)."""

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from blueprints.orgs.models import Filing, FilingEvent
from blueprints.reports.models import OPEN_STATES, ReportEvent, ReportState
from blueprints.rooms.models import BookingEvent, BookingState
from blueprints.util.times import local, utcnow
from blueprints.volunteers.models import HoursRecord, Shift, SignupEvent
from extensions import db
from tests.factories import (
    BOOKING_PATHS,
    FILING_PATHS,
    PATHS,
    SIGNUP_PATHS,
    create_booking,
    create_filing,
    create_org,
    create_profile,
    create_report,
    create_room,
    create_shift,
    create_signup,
)
from tests.people import GRID_WORKER, ORG_OFFICER, RESIDENT, person


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


@pytest.mark.parametrize("state", list(FILING_PATHS))
def test_every_filing_state_is_reached_through_the_flow(demo, ctx, state):
    filing = create_filing(state)
    db.session.expire_all()
    filing = db.session.get(Filing, filing.id)
    assert filing.state == state
    assert filing.applicant.phone == ORG_OFFICER
    assert (filing.kind, filing.leader_phone, len(filing.people)) == ("culture", ORG_OFFICER, 10)
    assert filing.has_charter
    actions = db.session.scalars(
        select(FilingEvent.action)
        .where(FilingEvent.filing_id == filing.id)
        .order_by(FilingEvent.id)
    ).all()
    assert actions == FILING_PATHS[state]
    assert (filing.deadline_at is not None) == (state in ("community_review", "street_review"))
    assert (filing.org is not None) == (state == "approved")


@pytest.mark.parametrize("state", ["active", "expired", "deregistered"])
def test_an_organization_is_made_by_its_filings_approval(demo, ctx, state):
    org = create_org(state, officer=RESIDENT)
    assert org.state == state
    assert org.officer.phone == RESIDENT
    assert org.number.startswith("S01-")
    assert len(org.members) == 10
    assert [f.state for f in org.filings] == ["approved"]


def test_a_room_is_saved_with_its_opening_hours(demo, ctx):
    room = create_room()
    assert (room.community.code, room.capacity, room.needs_approval) == ("C01", 40, True)
    assert sorted(h.weekday for h in room.hours) == list(range(6))
    assert room.hours_on(0).opens == time(8, 30)


@pytest.mark.parametrize("state", list(BOOKING_PATHS))
def test_every_booking_state_is_reached_through_the_flow(demo, ctx, state):
    create_org()
    room = create_room()
    day = local(utcnow()).date() + timedelta(days=8)
    day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday: open
    booking = create_booking(room.id, day, time(19), time(21), state=state)
    assert booking.state == state
    assert booking.booked_by.phone == ORG_OFFICER
    assert local(booking.starts_at).date() == day
    actions = db.session.scalars(
        select(BookingEvent.action).where(BookingEvent.booking_id == booking.id)
    ).all()
    assert sorted(actions) == sorted(["request", *BOOKING_PATHS[state]])
    assert (booking.deadline_at is not None) == (state == BookingState.REQUESTED)


def test_a_shift_is_posted_by_the_organizer(demo, ctx):
    start = utcnow().replace(microsecond=0) + timedelta(days=2)
    shift = create_shift(start=start, capacity=3, title="河边清理")
    db.session.expire_all()
    shift = db.session.get(Shift, shift.id)
    assert (shift.starts_at, shift.ends_at) == (start, start + timedelta(hours=3))
    assert shift.activity.signup_deadline == start - timedelta(hours=1)
    assert (shift.capacity, shift.taken, shift.activity.title) == (3, 0, "河边清理")
    assert shift.activity.created_by.phone == GRID_WORKER


def test_a_minor_names_a_guardian_who_may_consent(demo, ctx, sms):
    parent = create_profile("13900000052", name="家长")
    child = create_profile(
        "13900000053",
        born=utcnow().date().replace(year=2016),
        guardian="13900000052",
        consented=True,
    )
    assert child.guardian_user_id == parent.user_id
    assert child.guardian_consent_at is not None
    assert [phone for phone, _text in sms] == ["13900000052"]


@pytest.mark.parametrize("state", list(SIGNUP_PATHS))
def test_every_signup_state_is_reached_through_the_flow(demo, ctx, state):
    signup = create_signup(state)
    assert signup.state == state
    actions = db.session.scalars(
        select(SignupEvent.action).where(SignupEvent.signup_id == signup.id)
    ).all()
    assert actions[0] == "join"
    # The one seat of a waiting state's shift is held by whoever came first, then by the offer.
    seated = state not in ("cancelled", "declined", "expired")
    assert signup.shift.taken == int(seated)
    records = db.session.scalar(
        select(func.count(HoursRecord.id)).where(HoursRecord.signup_id == signup.id)
    )
    assert records == (state == "attended")

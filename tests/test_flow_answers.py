"""How the action URLs of org filings and room bookings answer, now that both go through the
workflow core's one act view: a refused step 422 with the reason by its form, a lost race 409
with the page as it is now, a GET of a step's URL a redirect to the object's page."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from blueprints.orgs.demo import load_demo_orgs
from blueprints.orgs.models import Filing, FilingState, Org
from blueprints.places.models import Community
from blueprints.rooms.models import Booking, BookingState, Room, RoomHours
from blueprints.util.times import local, to_utc, utcnow
from extensions import db
from tests.people import COMMUNITY_REVIEWER, ORG_OFFICER, RESIDENT, person


@pytest.fixture
def orgs(app, demo):
    with app.app_context():
        load_demo_orgs()


def filing(name):
    db.session.expire_all()
    return db.session.scalar(select(Filing).where(Filing.name == name))


def under_review():
    """The demo's application waiting for 桃花社区's reviewer (filed by the demo resident)."""
    return filing("桃花社区广场舞队")


def step(client, url, **data):
    return client.post(url, data=data)


# ---- org filings --------------------------------------------------------------------------


def test_a_filing_step_refused_is_422_with_the_reason_by_its_form(client, orgs, ctx, login_as):
    application = under_review()
    login_as(COMMUNITY_REVIEWER)
    url = f"/orgs/f/{application.id}/act/refuse"
    response = step(client, url, version=application.version, reason="   ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<a class="link" href="#act-refuse">请写明不予备案的原因。</a>' in page
    assert 'id="error-refuse"' in page
    assert '<details class="act" open><summary>不予备案</summary>' in page
    assert filing(application.name).state == FilingState.COMMUNITY_REVIEW
    assert not [e for e in filing(application.name).events if e.action == "refuse"]


def test_a_filing_step_a_person_may_not_take_is_422(client, orgs, ctx, login_as):
    application = under_review()
    login_as(RESIDENT)  # the applicant, deciding their own application
    url = f"/orgs/f/{application.id}/act/pass"
    response = step(client, url, version=application.version)
    assert response.status_code == 422
    assert "您不能对这件事做这个操作。" in response.get_data(as_text=True)
    assert filing(application.name).state == FilingState.COMMUNITY_REVIEW


def test_a_filing_step_from_a_stale_page_is_409_with_the_page_now(client, orgs, ctx, login_as):
    application = under_review()
    seen = application.version
    login_as(COMMUNITY_REVIEWER)
    url = f"/orgs/f/{application.id}/act/"
    assert step(client, url + "pass", version=seen).status_code == 303
    response = step(client, url + "refuse", version=seen, reason="晚了一步")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "这件事刚被别人处理过" in page
    assert "街道审核中" in page  # the page as it is now
    assert filing(application.name).state == FilingState.STREET_REVIEW
    # The same step again, on a page that has the latest version: the state has moved on.
    response = step(client, url + "pass", version=filing(application.name).version)
    assert response.status_code == 409
    assert "这件事的状态已经变了" in response.get_data(as_text=True)


def test_a_filing_step_url_opened_with_get_leads_to_its_page(client, orgs, ctx, login_as):
    application = under_review()
    login_as(COMMUNITY_REVIEWER)
    response = client.get(f"/orgs/f/{application.id}/act/pass")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/orgs/f/{application.id}"
    assert filing(application.name).state == FilingState.COMMUNITY_REVIEW
    client.post("/auth/logout", data={})
    login_as(ORG_OFFICER)  # neither its applicant nor its reviewer: no such application
    assert client.get(f"/orgs/f/{application.id}/act/pass").status_code == 404


# ---- room bookings --------------------------------------------------------------------------


@pytest.fixture
def booking(app, orgs):
    """A request for 桃花社区's activity room next week, by the choir's officer."""
    with app.app_context():
        community = db.session.scalar(select(Community).where(Community.code == "C01"))
        room = Room(
            community=community,
            name="活动室",
            capacity=40,
            hours=[RoomHours(weekday=d, opens=time(8, 30), closes=time(21, 30)) for d in range(7)],
        )
        day = local(utcnow()).date() + timedelta(days=7)
        row = Booking(
            room=room,
            org=db.session.scalar(select(Org).where(Org.officer_id == person(ORG_OFFICER).id)),
            booked_by=person(ORG_OFFICER),
            purpose="排练",
            head_count=10,
            starts_at=to_utc(datetime.combine(day, time(9))),
            ends_at=to_utc(datetime.combine(day, time(11))),
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def stored(booking_id):
    db.session.expire_all()
    return db.session.get(Booking, booking_id)


def test_a_booking_step_refused_is_422_with_the_reason_by_its_form(client, booking, ctx, login_as):
    login_as(COMMUNITY_REVIEWER)
    url = f"/rooms/bookings/{booking}/act/decline"
    response = step(client, url, version=stored(booking).version, reason=" ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<a class="link" href="#act-decline">请写明不批准的原因，申请人会看到。</a>' in page
    assert 'id="error-decline"' in page
    assert stored(booking).state == BookingState.REQUESTED
    client.post("/auth/logout", data={})
    login_as(ORG_OFFICER)  # who booked it may cancel it, not approve it
    url = f"/rooms/bookings/{booking}/act/approve"
    response = step(client, url, version=stored(booking).version)
    assert response.status_code == 422
    assert "您不能对这件事做这个操作。" in response.get_data(as_text=True)
    assert stored(booking).state == BookingState.REQUESTED


def test_a_booking_step_that_lost_a_race_is_409_with_the_page_now(client, booking, ctx, login_as):
    seen = stored(booking).version
    login_as(COMMUNITY_REVIEWER)
    url = f"/rooms/bookings/{booking}/act/"
    assert step(client, url + "approve", version=seen).status_code == 303
    response = step(client, url + "cancel", version=seen, reason="这天有别的安排")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "这件事刚被别人处理过" in page
    assert "已批准" in page
    response = step(client, url + "decline", version=stored(booking).version, reason="晚了")
    assert response.status_code == 409
    assert "这件事的状态已经变了" in response.get_data(as_text=True)
    assert stored(booking).state == BookingState.APPROVED
    assert stored(booking).reason == ""


def test_a_booking_step_url_opened_with_get_leads_to_its_page(client, booking, ctx, login_as):
    login_as(COMMUNITY_REVIEWER)
    response = client.get(f"/rooms/bookings/{booking}/act/approve")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/rooms/bookings/{booking}"
    assert stored(booking).state == BookingState.REQUESTED

"""Twenty people press "sign up" at once for a shift of five seats, against a real gunicorn with
four workers (SQLite here, PostgreSQL when DATABASE_URL is set): exactly five are confirmed, the
rest waitlisted with positions 1..15, and nobody reads a server error."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from blueprints.auth.demo import DEMO_PASSWORD
from blueprints.auth.models import User
from blueprints.places.models import Community, Grid
from blueprints.util.times import utcnow
from blueprints.volunteers import codes, seats
from blueprints.volunteers.activities import new_code
from blueprints.volunteers.models import Activity, Shift, Signup, VolunteerProfile
from blueprints.volunteers.workflow import ACTIVE
from extensions import db
from tests.live import TOKEN, at_once, browser, live_gunicorn, post

pytestmark = pytest.mark.slow  # see pyproject.toml

PEOPLE, SEATS = 20, 5


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_gunicorn(
        tmp_path_factory.mktemp("volunteer-race"), workers=4, env={"PROXY_COUNT": "1"}
    ) as running:
        yield running


def setup_shift(server):
    """Twenty volunteers and one future shift of five seats, written into the live database."""
    app = server.app()
    with app.app_context():
        community = db.session.scalar(select(Community).where(Community.code == "C01"))
        grid = db.session.scalar(select(Grid).where(Grid.code == "G01"))
        phones = []
        for i in range(PEOPLE):
            user = User(phone=f"1370000{i:04d}", name=f"志愿者{i}", grid=grid)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
            profile = VolunteerProfile(
                user_id=user.id,
                real_name=f"志愿者{i}",
                birth_date=date(1970, 1, 1),
                community_id=community.id,
                rules_accepted_at=utcnow(),
            )
            db.session.add(profile)
            db.session.flush()
            profile.number = f"VC01R{profile.id:06d}"
            phones.append(user.phone)
        start = utcnow() + timedelta(days=2)
        activity = Activity(
            title="抢名额测试",
            place="社区广场",
            community_id=community.id,
            signup_deadline=start - timedelta(hours=1),
        )
        activity.shifts.append(
            Shift(
                starts_at=start, ends_at=start + timedelta(hours=2), capacity=SEATS, code=new_code()
            )
        )
        db.session.add(activity)
        db.session.commit()
        shift_id = activity.shifts[0].id
        db.session.remove()
        db.engine.dispose()
    return app, phones, shift_id


def test_twenty_at_once_for_five_seats(server):
    app, phones, shift_id = setup_shift(server)
    sessions = []
    for i, phone in enumerate(phones):
        session = browser(server, f"10.7.{i}.1")
        answer = post(session, server, "/auth/login", phone=phone, password=DEMO_PASSWORD)
        assert answer.status_code == 303, answer.text[:300]
        # Signing in starts a fresh session: its form token is read from the next page.
        page = session.get(server.url + "/volunteers/", timeout=10).text
        session.token = TOKEN.search(page)[1]
        sessions.append(session)

    answers = at_once(
        PEOPLE, lambda i: post(sessions[i], server, f"/volunteers/shifts/{shift_id}/join")
    )
    statuses = [getattr(a, "status_code", a) for a in answers]
    assert all(s == 303 for s in statuses), (statuses, server.log()[-3000:])
    assert all("/volunteers/signups/" in a.headers["Location"] for a in answers)

    with app.app_context():
        shift = db.session.get(Shift, shift_id)
        rows = db.session.scalars(select(Signup).where(Signup.shift_id == shift_id)).all()
        confirmed = [r for r in rows if r.state == "confirmed"]
        waiting = [r for r in rows if r.state == "waitlisted"]
        assert len(rows) == PEOPLE
        assert len(confirmed) == SEATS
        assert shift.taken == SEATS
        assert sorted(seats.waitlist_position(r) for r in waiting) == list(range(1, 16))
        db.session.remove()
        db.engine.dispose()

    again = post(sessions[0], server, f"/volunteers/shifts/{shift_id}/join")
    assert again.status_code == 303
    page = sessions[0].get(server.url + again.headers["Location"], timeout=10).text
    assert "您已经报过这个班次了" in page


def test_one_person_pressing_six_overlapping_shifts_at_once_gets_one(server):
    """The overlap rule holds under a race: six sign-ups of one person for six shifts at the same
    hour, sent at once through four workers, leave exactly one active sign-up."""
    app = server.app()
    with app.app_context():
        community = db.session.scalar(select(Community).where(Community.code == "C01"))
        user = User(phone="13799990000", name="忙碌的人", grid=community.grids[0])
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
        profile = VolunteerProfile(
            user_id=user.id,
            real_name="忙碌的人",
            birth_date=date(1970, 1, 1),
            community_id=community.id,
            rules_accepted_at=utcnow(),
            number="VC01R999999",
        )
        db.session.add(profile)
        start = utcnow() + timedelta(days=3)
        shift_ids = []
        for i in range(6):
            activity = Activity(
                title=f"同一时间的活动{i}",
                place="社区广场",
                community_id=community.id,
                signup_deadline=start - timedelta(hours=1),
            )
            activity.shifts.append(
                Shift(
                    starts_at=start + timedelta(minutes=10 * i),
                    ends_at=start + timedelta(hours=2),
                    capacity=5,
                    code=new_code(),
                )
            )
            db.session.add(activity)
            db.session.flush()
            shift_ids.append(activity.shifts[0].id)
        db.session.commit()
        profile_id = profile.id
        db.session.remove()
        db.engine.dispose()

    session = browser(server, "10.8.0.1")
    assert (
        post(
            session, server, "/auth/login", phone="13799990000", password=DEMO_PASSWORD
        ).status_code
        == 303
    )
    session.token = TOKEN.search(session.get(server.url + "/volunteers/", timeout=10).text)[1]
    answers = at_once(
        len(shift_ids),
        lambda i: post(session, server, f"/volunteers/shifts/{shift_ids[i]}/join"),
    )
    statuses = [getattr(a, "status_code", a) for a in answers]
    assert all(s == 303 for s in statuses), (statuses, server.log()[-3000:])

    with app.app_context():
        rows = db.session.scalars(
            select(Signup).where(Signup.profile_id == profile_id, Signup.state.in_(ACTIVE))
        ).all()
        assert len(rows) == 1, [(r.shift_id, r.state) for r in rows]
        db.session.remove()
        db.engine.dispose()
    refused = [a for a in answers if "/volunteers/signups/" not in a.headers["Location"]]
    assert len(refused) == len(shift_ids) - 1
    page = session.get(server.url + refused[0].headers["Location"], timeout=10).text
    assert "不能同时参加两个班次" in page


def test_wrong_codes_at_once_count_for_the_guesser_only(server):
    """One person sends sixteen wrong check-in codes at once while a neighbour types the right
    one: the guesser's tries are all counted (ten wrong answers, then refusals, ten stored, none
    lost between workers) and the neighbour is checked in."""
    app = server.app()
    with app.app_context():
        community = db.session.scalar(select(Community).where(Community.code == "C01"))
        start = utcnow() + timedelta(minutes=30)
        activity = Activity(
            title="签到码测试", place="社区广场", community_id=community.id, signup_deadline=start
        )
        shift = Shift(
            starts_at=start, ends_at=start + timedelta(hours=2), capacity=2, taken=2, code="246810"
        )
        activity.shifts.append(shift)
        db.session.add(activity)
        people = []
        for phone in ("13799980001", "13799980002"):
            user = User(phone=phone, name="签到的人", grid=community.grids[0])
            user.set_password(DEMO_PASSWORD)
            profile = VolunteerProfile(
                user=user,
                real_name="签到的人",
                birth_date=date(1970, 1, 1),
                community_id=community.id,
                rules_accepted_at=utcnow(),
                number=f"VC01R{phone[-6:]}",
            )
            signup = Signup(shift=shift, profile=profile, state="confirmed")
            db.session.add(signup)
            people.append((phone, signup))
        db.session.commit()
        shift_id, (guesser, neighbour) = shift.id, [s.id for _p, s in people]
        db.session.remove()
        db.engine.dispose()

    sessions = []
    for phone, _signup in people:
        session = browser(server, "10.9.0.1")  # one network on site
        signed_in = post(session, server, "/auth/login", phone=phone, password=DEMO_PASSWORD)
        assert signed_in.status_code == 303
        session.token = TOKEN.search(session.get(server.url + "/volunteers/", timeout=10).text)[1]
        sessions.append(session)
    url, tries = f"/volunteers/shifts/{shift_id}/check-in", 16
    answers = at_once(
        tries + 1,
        lambda i: post(
            sessions[i == tries], server, url, code="246810" if i == tries else "135790"
        ),
    )
    statuses = [getattr(a, "status_code", a) for a in answers]
    assert statuses[tries] == 303, (statuses, server.log()[-3000:])
    assert sorted(statuses[:tries]) == [422] * codes.CODE_TRIES + [429] * (
        tries - codes.CODE_TRIES
    ), statuses
    with app.app_context():
        mine, theirs = db.session.get(Signup, guesser), db.session.get(Signup, neighbour)
        assert (mine.state, mine.code_tries) == ("confirmed", codes.CODE_TRIES)
        assert (theirs.state, theirs.code_tries) == ("checked_in", 0)
        db.session.remove()
        db.engine.dispose()

"""Twenty groups press "book" at once for one slot of one room, against a real gunicorn with four
workers (SQLite here, PostgreSQL when DATABASE_URL is set): exactly one gets the room, the other
nineteen read "just taken" with when the room is free instead, and nobody reads a server error."""

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from blueprints.auth.demo import DEMO_PASSWORD
from blueprints.auth.models import User
from blueprints.orgs.models import Org
from blueprints.places.models import Community
from blueprints.rooms.models import Booking, Room, RoomHours
from blueprints.util.times import local, utcnow
from extensions import db
from tests.live import TOKEN, at_once, browser, live_gunicorn, post

pytestmark = pytest.mark.slow  # see pyproject.toml

GROUPS = 20
KEY = re.compile(r'name="key" type="hidden" value="([0-9a-f]{32})"')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_gunicorn(
        tmp_path_factory.mktemp("room-race"), workers=4, env={"PROXY_COUNT": "1"}
    ) as running:
        yield running


def setup_groups(server):
    """Twenty approved groups of 桃花社区, each with its own officer, and one room."""
    app = server.app()
    with app.app_context():
        community = db.session.scalar(select(Community).where(Community.code == "C01"))
        phones, groups = [], []
        for i in range(GROUPS):
            user = User(phone=f"1360000{i:04d}", name=f"负责人{i}")
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
            org = Org(
                number=f"RACE-{i:02d}",
                community_id=community.id,
                officer_id=user.id,
                name=f"抢屋子测试队{i}",
                kind="culture",
                valid_until=utcnow() + timedelta(days=365),
            )
            db.session.add(org)
            db.session.flush()
            phones.append(user.phone)
            groups.append(org.id)
        room = Room(
            community=community,
            name="抢屋子测试室",
            capacity=50,
            hours=[RoomHours(weekday=d, opens=time(8), closes=time(21)) for d in range(7)],
            closed_on_holidays=False,
        )
        db.session.add(room)
        db.session.commit()
        room_id = room.id
        db.session.remove()
        db.engine.dispose()
    return app, phones, groups, room_id


def test_twenty_groups_at_once_for_one_slot(server):
    app, phones, groups, room_id = setup_groups(server)
    day = local(utcnow()).date() + timedelta(days=3)
    sessions = []
    for i, phone in enumerate(phones):
        session = browser(server, f"10.8.{i}.1")
        answer = post(session, server, "/auth/login", phone=phone, password=DEMO_PASSWORD)
        assert answer.status_code == 303, answer.text[:300]
        page = session.get(f"{server.url}/rooms/{room_id}/book", timeout=10).text
        session.token = TOKEN.search(page)[1]
        session.key = KEY.search(page)[1]
        sessions.append(session)

    def press(i):
        return post(
            sessions[i],
            server,
            f"/rooms/{room_id}/book",
            key=sessions[i].key,
            for_whom=f"org:{groups[i]}",
            day=day.isoformat(),
            starts="17:00",
            ends="19:00",
            purpose="排练",
            head_count="20",
            weeks="1",
            mode="all",
        )

    answers = at_once(GROUPS, press)
    statuses = [getattr(a, "status_code", a) for a in answers]
    assert statuses.count(303) == 1, (statuses, server.log()[-3000:])
    assert statuses.count(409) == GROUPS - 1, statuses
    for answer in answers:
        if answer.status_code == 409:
            assert "这个时间已被预订。这间屋子当天 19:00 以后空闲。" in answer.text
    winner = statuses.index(303)
    assert "/rooms/bookings/" in answers[winner].headers["Location"]

    with app.app_context():
        rows = db.session.scalars(select(Booking).where(Booking.room_id == room_id)).all()
        assert len(rows) == 1
        assert rows[0].org_id == groups[winner]
        assert rows[0].state == "requested"
        assert local(rows[0].starts_at) == datetime.combine(day, time(17), local(utcnow()).tzinfo)
        db.session.remove()
        db.engine.dispose()

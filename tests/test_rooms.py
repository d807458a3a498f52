"""Rooms (安家): opening hours and closed days, the booking flow and its clock, repeats with
clashes, who may book and decide, the database's own no-overlap rule, the free-time message,
double submits, the calendar file, and the links from groups and activities."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from blueprints.core.workdays import CalendarDay, add_workdays
from blueprints.notices.models import Notice, Outbox
from blueprints.orgs.demo import load_demo_orgs
from blueprints.orgs.models import Org
from blueprints.rooms import availability
from blueprints.rooms.messages import when_text
from blueprints.rooms.models import Booking, BookingState, Room, RoomWait
from blueprints.util.times import local, to_utc, utcnow
from blueprints.volunteers.activities import new_code
from blueprints.volunteers.models import Activity, Shift
from extensions import db
from tests.conftest import login
from tests.factories import ORG_NAME, create_booking, create_org, create_room
from tests.keyset import refuses_forged_keys, walk
from tests.people import (
    COMMUNITY_REVIEWER,
    GRID_WORKER,
    ORG_OFFICER,
    RESIDENT,
    community,
    person,
)

GREEN = "桃花社区绿色环保志愿队"
KEY = re.compile(r'name="key" type="hidden" value="([0-9a-f]{32})"')


def group(name=ORG_NAME):
    return db.session.scalar(select(Org).where(Org.name == name))


def a_tuesday(weeks_ahead=1):
    """A Tuesday at least a week away (Beijing date)."""
    today = local(utcnow()).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 7 * weeks_ahead)


@pytest.fixture
def room(app, demo):
    """The activity room of 桃花社区: 40 seats, open 08:30–21:30 Monday to Saturday, closed on
    Sundays and holidays, bookings approved by the community. Two groups of 桃花社区 may book it:
    the choir of ORG_OFFICER and the green volunteers of RESIDENT."""
    with app.app_context():
        create_org()
        create_org(name=GREEN, officer=RESIDENT)
        return create_room().id


def form_for(client, room_id, **values):
    page = client.get(f"/rooms/{room_id}/book").get_data(as_text=True)
    choir = group()
    data = {
        "key": KEY.search(page).group(1),
        "for_whom": f"org:{choir.id}",
        "day": a_tuesday().isoformat(),
        "starts": "19:00",
        "ends": "21:00",
        "purpose": "合唱排练",
        "head_count": "25",
        "weeks": "1",
        "mode": "all",
    }
    data.update(values)
    return data


def book(client, room_id, **values):
    return client.post(f"/rooms/{room_id}/book", data=form_for(client, room_id, **values))


def holding(room_id):
    return db.session.scalars(
        select(Booking)
        .where(Booking.room_id == room_id, Booking.state.in_(("requested", "approved")))
        .order_by(Booking.starts_at)
    ).all()


# ---- booking one slot: the happy path, opening hours, closed days --------------------------------


def test_the_officer_books_and_the_reviewer_approves(client, room, ctx, sms):
    login(client, ORG_OFFICER)
    response = book(client, room)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    (booking,) = holding(room)
    assert response.headers["Location"].endswith(f"/rooms/bookings/{booking.id}")
    assert booking.state == BookingState.REQUESTED
    assert booking.org == group()
    assert booking.booked_by == person(ORG_OFFICER)
    assert local(booking.starts_at).strftime("%H:%M") == "19:00"
    assert booking.starts_at.hour == 11  # 19:00 in Beijing is 11:00 UTC, stored naive
    assert booking.deadline_at == min(add_workdays(booking.created_at, 2), booking.starts_at)
    reviewer = person(COMMUNITY_REVIEWER)
    assert db.session.scalar(
        select(Notice.id).where(Notice.user_id == reviewer.id, Notice.url.contains("/rooms/"))
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "等社区审批" in page
    assert "已提交预订申请" in page

    client.post("/auth/logout", data={})
    login(client, COMMUNITY_REVIEWER)
    page = client.get(f"/rooms/bookings/{booking.id}").get_data(as_text=True)
    assert "批准" in page
    done = client.post(
        f"/rooms/bookings/{booking.id}/act/approve", data={"version": str(booking.version)}
    )
    assert done.status_code == 303
    db.session.refresh(booking)
    assert booking.state == BookingState.APPROVED
    assert [e.action for e in booking.events] == ["request", "approve"]
    assert booking.events[-1].actor == reviewer
    assert any(phone == ORG_OFFICER and "已批准" in text for phone, text in sms)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"starts": "07:00", "ends": "09:00"}, "08:30 到 21:30 开放"),
        ({"starts": "20:30", "ends": "22:00"}, "08:30 到 21:30 开放"),
        ({"starts": "19:00", "ends": "18:00"}, "结束时间要晚于开始时间"),
        ({"head_count": "41"}, "最多坐 40 人"),
        ({"day": "2020-03-03"}, "这个时间已经过去了"),
    ],
)
def test_slots_it_cannot_have_are_refused_politely(client, room, ctx, values, message):
    login(client, ORG_OFFICER)
    response = book(client, room, purpose="我打的字", **values)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'value="我打的字"' in page  # the form keeps what was typed
    assert holding(room) == []


def test_closed_weekdays_and_holidays_are_refused(client, room, ctx):
    login(client, ORG_OFFICER)
    sunday = a_tuesday() + timedelta(days=5)
    response = book(client, room, day=sunday.isoformat())
    assert response.status_code == 422
    assert "这天不开放" in response.get_data(as_text=True)
    holiday = a_tuesday()
    db.session.add(CalendarDay(day=holiday, workday=False, note="节日"))
    db.session.commit()
    response = book(client, room, day=holiday.isoformat())
    assert response.status_code == 422
    assert "节假日不开放" in response.get_data(as_text=True)
    page = client.get(f"/rooms/{room}?week={holiday.isoformat()}").get_data(as_text=True)
    assert "节假日不开放" in page
    assert holding(room) == []


def test_english_reader_gets_the_refusal_in_english(client, room, ctx):
    login(client, ORG_OFFICER)
    client.set_cookie("lang", "en")
    response = book(client, room, starts="07:00", ends="08:00")
    assert response.status_code == 422
    assert "open" in response.get_data(as_text=True).lower()


# ---- never double-booked -------------------------------------------------------------------------


def test_a_taken_slot_says_when_the_room_is_free_that_day(client, room, ctx):
    create_booking(room, a_tuesday(), time(17), time(19))
    login(client, ORG_OFFICER)
    response = book(client, room, starts="17:30", ends="19:00")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "这个时间已被预订。这间屋子当天 19:00 以后空闲。" in page
    assert len(holding(room)) == 1
    # Whoever found it taken waits for it: a cancellation tells them.
    wait = db.session.scalar(select(RoomWait))
    assert wait.user == person(ORG_OFFICER)


def test_a_gap_between_bookings_is_named_with_its_end(client, room, ctx):
    day = a_tuesday()
    create_booking(room, day, time(8, 30), time(14))
    create_booking(room, day, time(14), time(16))
    create_booking(room, day, time(18), time(21, 30))
    login(client, ORG_OFFICER)
    page = book(client, room, starts="14:30", ends="16:30").get_data(as_text=True)
    assert "这间屋子当天 16:00 到 18:00 空闲。" in page
    page = book(client, room, starts="14:30", ends="17:30").get_data(as_text=True)
    assert "没有这么长的空闲时间" in page


def test_back_to_back_is_fine(client, room, ctx):
    create_booking(room, a_tuesday(), time(17), time(19))
    login(client, ORG_OFFICER)
    assert book(client, room, starts="19:00", ends="21:00").status_code == 303
    assert len(holding(room)) == 2


def test_the_database_itself_refuses_an_overlap(room, ctx):
    day = a_tuesday()
    first = create_booking(room, day, time(17), time(19))
    # A row the services would never write (they check first): the database refuses it.
    db.session.add(
        Booking(
            room_id=room,
            org=first.org,
            booked_by=first.booked_by,
            purpose="排练",
            head_count=10,
            starts_at=to_utc(datetime.combine(day, time(18))),
            ends_at=to_utc(datetime.combine(day, time(20))),
            state="approved",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A declined or cancelled booking holds nothing: the same slot may be booked again.
    create_booking(room, day, time(9), time(10), state="declined")
    create_booking(room, day, time(9), time(10), state="requested")
    # Moving a booking onto another is refused too.
    other = create_booking(room, day, time(20), time(21))
    other.starts_at = to_utc(datetime.combine(day, time(18, 30)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert len(holding(room)) == 3


def test_the_same_form_sent_twice_books_once(client, room, ctx):
    login(client, ORG_OFFICER)
    data = form_for(client, room)
    first = client.post(f"/rooms/{room}/book", data=dict(data))
    again = client.post(f"/rooms/{room}/book", data=dict(data))
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(holding(room)) == 1
    assert db.session.scalar(select(func.count(RoomWait.id))) == 0


def test_cancelling_frees_the_slot_and_tells_who_waited(client, room, ctx):
    login(client, ORG_OFFICER)
    assert book(client, room).status_code == 303
    (booking,) = holding(room)
    client.post("/auth/logout", data={})
    login(client, RESIDENT)
    green = group(GREEN)
    assert book(client, room, for_whom=f"org:{green.id}").status_code == 409
    client.post("/auth/logout", data={})
    login(client, ORG_OFFICER)
    response = client.post(
        f"/rooms/bookings/{booking.id}/act/cancel", data={"version": str(booking.version)}
    )
    assert response.status_code == 303
    db.session.refresh(booking)
    assert booking.state == BookingState.CANCELLED
    told = db.session.scalars(select(Notice.text).where(Notice.user_id == person(RESIDENT).id))
    assert any("空出来了" in text for text in told)
    assert db.session.scalar(select(func.count(RoomWait.id))) == 0
    client.post("/auth/logout", data={})
    login(client, RESIDENT)
    assert book(client, room, for_whom=f"org:{green.id}").status_code == 303


# ---- repeats ---------------------------------------------------------------------------------------


def test_a_repeat_with_a_clash_books_nothing_or_the_rest(client, room, ctx):
    third = a_tuesday() + timedelta(weeks=2)
    create_booking(room, third, time(19, 30), time(20, 30), org=group(GREEN))
    login(client, ORG_OFFICER)
    response = book(client, room, weeks="4", mode="all")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "有 1 周不能预订" in page
    assert f"{third.isoformat()} 19:00–21:00：已被预订" in page
    assert re.search(r'<input checked[^>]*value="free"', page)  # offered, already picked
    assert len(holding(room)) == 1

    response = book(client, room, weeks="4", mode="free")
    assert response.status_code == 303
    mine = [b for b in holding(room) if b.org == group()]
    assert [local(b.starts_at).date() for b in mine] == [
        a_tuesday() + timedelta(weeks=n) for n in (0, 1, 3)
    ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已订 3 周" in page
    assert third.strftime("%m-%d") in page


def test_a_holiday_in_a_repeat_is_listed_as_a_clash(client, room, ctx):
    holiday = a_tuesday() + timedelta(weeks=1)
    db.session.add(CalendarDay(day=holiday, workday=False, note="节日"))
    db.session.commit()
    login(client, ORG_OFFICER)
    page = book(client, room, weeks="2").get_data(as_text=True)
    assert f"{holiday.isoformat()} 19:00–21:00：节假日不开放" in page
    assert holding(room) == []


def test_too_many_weeks_is_refused(client, room, ctx):
    login(client, ORG_OFFICER)
    response = book(client, room, weeks="13")
    assert response.status_code == 422
    assert "可以订1到12周" in response.get_data(as_text=True)


# ---- who may book, who may decide ---------------------------------------------------------------


def test_a_resident_without_a_group_may_not_book(client, room, create_user, ctx):
    create_user("13900000001")
    login(client, "13900000001")
    assert client.get(f"/rooms/{room}/book").status_code == 403
    assert client.post(f"/rooms/{room}/book", data={"for_whom": "org:1"}).status_code == 403
    assert "预订这间屋子" not in client.get(f"/rooms/{room}").get_data(as_text=True)


def test_an_officer_cannot_book_for_another_group(client, room, ctx):
    login(client, ORG_OFFICER)
    green = group(GREEN)
    for forged in (f"org:{green.id}", "org:99999999", "activity:1", "org:²", "org:"):
        response = book(client, room, for_whom=forged)
        assert response.status_code == 422, forged
    assert holding(room) == []


def test_an_expired_group_cannot_book(client, room, ctx):
    choir = group()
    choir.valid_until = utcnow() - timedelta(days=1)
    db.session.commit()
    login(client, ORG_OFFICER)
    assert client.get(f"/rooms/{room}/book").status_code == 403


def test_a_community_worker_books_for_a_resident_led_activity(client, room, ctx):
    start = to_utc(datetime.combine(a_tuesday(), time(19)))
    activity = Activity(
        title="邻里读报会",
        place="活动室",
        community_id=community().id,
        signup_deadline=start - timedelta(hours=2),
        shifts=[
            Shift(starts_at=start, ends_at=start + timedelta(hours=2), capacity=10, code=new_code())
        ],
    )
    led = Activity(
        title="合唱队的活动",
        place="活动室",
        community_id=community().id,
        org_id=group().id,
        signup_deadline=start,
        shifts=[
            Shift(starts_at=start, ends_at=start + timedelta(hours=1), capacity=5, code=new_code())
        ],
    )
    db.session.add_all([activity, led])
    db.session.commit()
    login(client, GRID_WORKER)
    assert book(client, room, for_whom=f"activity:{led.id}").status_code == 422
    assert book(client, room, for_whom=f"org:{group().id}").status_code == 422
    response = book(client, room, for_whom=f"activity:{activity.id}")
    assert response.status_code == 303
    (booking,) = holding(room)
    assert booking.activity_id == activity.id
    assert booking.org_id is None
    page = client.get(f"/volunteers/activities/{activity.id}").get_data(as_text=True)
    assert "在社区活动室：活动室" in page
    # The booking is the one record of the room: once it holds no slot, the activity names none.
    booking.state = BookingState.CANCELLED
    db.session.commit()
    page = client.get(f"/volunteers/activities/{activity.id}").get_data(as_text=True)
    assert "在社区活动室" not in page


def test_only_the_rooms_reviewer_decides(client, room, create_user, ctx):
    booking = create_booking(room, a_tuesday(), time(9), time(11), state="requested")
    other = community("C02")
    create_user("13900000002", roles=[("community_reviewer", other)])
    for phone in (RESIDENT, "13900000002"):
        login(client, phone)
        assert client.get(f"/rooms/bookings/{booking.id}").status_code == 404
        answer = client.post(f"/rooms/bookings/{booking.id}/act/approve", data={})
        assert answer.status_code == 404
        client.post("/auth/logout", data={})
    # The officer who asked may see it, but not approve it.
    login(client, ORG_OFFICER)
    page = client.get(f"/rooms/bookings/{booking.id}").get_data(as_text=True)
    assert "取消预订" in page
    assert ">批准<" not in page
    answer = client.post(f"/rooms/bookings/{booking.id}/act/approve", data={})
    assert answer.status_code == 422
    db.session.refresh(booking)
    assert booking.state == BookingState.REQUESTED
    # And the reviewer of another community sees none of it in their queue.
    client.post("/auth/logout", data={})
    login(client, "13900000002")
    assert "排练" not in client.get("/rooms/queue").get_data(as_text=True)


def test_declining_needs_a_reason_and_the_booker_reads_it(client, room, ctx, sms):
    booking = create_booking(room, a_tuesday(), time(9), time(11), state="requested")
    login(client, COMMUNITY_REVIEWER)
    answer = client.post(
        f"/rooms/bookings/{booking.id}/act/decline", data={"version": str(booking.version)}
    )
    assert answer.status_code == 422
    assert "请写明不批准的原因" in answer.get_data(as_text=True)
    answer = client.post(
        f"/rooms/bookings/{booking.id}/act/decline",
        data={"version": str(booking.version), "reason": "这天要开居民议事会"},
    )
    assert answer.status_code == 303
    db.session.refresh(booking)
    assert booking.state == BookingState.DECLINED
    assert booking.reason == "这天要开居民议事会"
    link = f"http://127.0.0.1:5000/rooms/bookings/{booking.id}"
    assert (
        ORG_OFFICER,
        f"【邻里】您预订的活动室（{when_text(booking)}）未批准，原因请看：{link}",
    ) in sms
    login(client, ORG_OFFICER)
    assert "这天要开居民议事会" in client.get(f"/rooms/bookings/{booking.id}").get_data(
        as_text=True
    )
    # A declined booking frees the slot.
    assert holding(room) == []


def test_a_stale_page_cannot_decide(client, room, ctx):
    booking = create_booking(room, a_tuesday(), time(9), time(11), state="requested")
    login(client, COMMUNITY_REVIEWER)
    answer = client.post(f"/rooms/bookings/{booking.id}/act/approve", data={"version": "999"})
    assert answer.status_code == 409
    assert "刚被别人处理过" in answer.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.state == BookingState.REQUESTED


# ---- the clock -----------------------------------------------------------------------------------


def test_the_tick_reminds_flags_expires_and_finishes(room, ctx, runner):
    soon = create_booking(room, a_tuesday(), time(9), time(11), state="requested")
    soon.deadline_at = utcnow() + timedelta(hours=1)
    late = create_booking(room, a_tuesday(), time(12), time(13), state="requested")
    late.deadline_at = utcnow() - timedelta(hours=1)
    past = create_booking(room, a_tuesday(), time(14), time(15), state="requested")
    past.starts_at, past.ends_at = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
    used = create_booking(room, a_tuesday(), time(16), time(17), state="approved")
    used.starts_at, used.ends_at = (
        utcnow() - timedelta(days=1, hours=2),
        utcnow() - timedelta(days=1),
    )
    db.session.commit()
    result = runner.invoke(args=["rooms", "tick"])
    assert result.exit_code == 0, result.output
    assert "reminded 1, overdue 1, expired 1, done 1" in result.output
    again = runner.invoke(args=["rooms", "tick"])
    assert "reminded 0, overdue 0, expired 0, done 0" in again.output
    db.session.expire_all()
    assert db.session.get(Booking, past.id).state == BookingState.DECLINED
    assert db.session.get(Booking, used.id).state == BookingState.DONE
    assert db.session.get(Booking, late.id).overdue_for == "requested"
    reviewer = person(COMMUNITY_REVIEWER)
    texts = db.session.scalars(select(Notice.text).where(Notice.user_id == reviewer.id)).all()
    assert any("快到审批时限" in t for t in texts)
    assert any("已超过审批时限" in t for t in texts)


def test_a_room_without_approval_is_booked_at_once(client, room, ctx):
    db.session.get(Room, room).needs_approval = False
    db.session.commit()
    login(client, ORG_OFFICER)
    response = book(client, room)
    assert response.status_code == 303
    (booking,) = holding(room)
    assert booking.state == BookingState.APPROVED
    assert booking.deadline_at is None
    assert "预订成功" in client.get(response.headers["Location"]).get_data(as_text=True)


# ---- rooms: who lists them, the week page ------------------------------------------------------


def room_form(**values):
    data = {
        "community_id": str(community().id),
        "name": "二楼会议室",
        "capacity": "20",
        "facilities": ["tables", "projector"],
        "needs_approval": "y",
        "opens_0": "09:00",
        "closes_0": "17:00",
        "opens_2": "14:00",
        "closes_2": "20:00",
    }
    data.update(values)
    return data


def test_the_community_reviewer_lists_a_room(client, room, ctx):
    login(client, COMMUNITY_REVIEWER)
    response = client.post("/rooms/new", data=room_form())
    assert response.status_code == 303
    made = db.session.scalar(select(Room).where(Room.name == "二楼会议室"))
    assert made.community == community()
    assert made.capacity == 20
    assert made.facility_list == ["tables", "projector"]
    assert made.needs_approval
    assert not made.closed_on_holidays
    assert [(h.weekday, h.opens, h.closes) for h in made.hours] == [
        (0, time(9), time(17)),
        (2, time(14), time(20)),
    ]
    edit = client.post(f"/rooms/{made.id}/edit", data=room_form(capacity="25", active="y"))
    assert edit.status_code == 303
    db.session.refresh(made)
    assert made.capacity == 25
    assert made.active


def test_bad_room_input_is_kept_and_explained(client, room, ctx):
    login(client, COMMUNITY_REVIEWER)
    response = client.post(
        "/rooms/new", data=room_form(name="留着的名字", opens_1="10:00", closes_2="13:00")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "开门和关门时间都要填" in page
    assert "关门时间要晚于开门时间" in page
    assert 'value="留着的名字"' in page
    assert db.session.scalar(select(Room).where(Room.name == "留着的名字")) is None


def test_reviewers_manage_only_their_own_communitys_rooms(client, room, create_user, ctx):
    create_user("13900000003", roles=[("community_reviewer", community("C02"))])
    login(client, "13900000003")
    assert client.get(f"/rooms/{room}/edit").status_code == 403
    response = client.post("/rooms/new", data=room_form())
    assert response.status_code == 422  # C01 is not among their choices
    assert db.session.scalar(select(Room).where(Room.name == "二楼会议室")) is None
    client.post("/auth/logout", data={})
    login(client, ORG_OFFICER)
    assert client.get("/rooms/new").status_code == 403


def test_the_week_page_is_a_plain_table(client, room, ctx):
    day = a_tuesday()
    create_booking(room, day, time(19), time(21))
    create_booking(room, day, time(9), time(11), state="requested")
    create_booking(room, day, time(14), time(15), state="cancelled")
    page = client.get(f"/rooms/{room}?week={day.isoformat()}").get_data(as_text=True)
    assert "<table" in page
    assert "<caption>" in page
    assert '<th scope="row">' in page
    assert "19:00–21:00 桃花社区夕阳红合唱队" in page
    assert "09:00–11:00 桃花社区夕阳红合唱队（等社区审批）" in page
    assert "14:00–15:00" not in page  # cancelled: not on the week
    assert "这天不开放" in page  # Sunday
    assert "<script>" not in page.split("</head>")[1]
    # htmx's partial swap gets only the week.
    part = client.get(
        f"/rooms/{room}?week={day.isoformat()}",
        headers={"HX-Request": "true", "HX-Request-Type": "partial"},
    ).get_data(as_text=True)
    assert part.lstrip().startswith("<table")
    assert "<html" not in part


# ---- links: groups, the calendar file --------------------------------------------------------------


def test_the_groups_page_shows_its_coming_bookings(client, room, ctx):
    create_booking(room, a_tuesday(), time(19), time(21))
    create_booking(room, a_tuesday(), time(9), time(10), state="declined")
    page = client.get(f"/orgs/{group().id}").get_data(as_text=True)
    assert "预订的活动室" in page
    assert "19:00–21:00" in page
    assert "09:00–10:00" not in page


def test_the_calendar_file(client, room, ctx):
    booking = create_booking(room, a_tuesday(), time(19), time(21))
    booking.purpose = "排练; 新歌,老歌\n带水杯 \\ 谢谢" + "长" * 40
    db.session.commit()
    login(client, ORG_OFFICER)
    response = client.get(f"/rooms/bookings/{booking.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.get_data()
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    text = raw.decode().replace("\r\n ", "")  # unfolded
    start = booking.starts_at.strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}\r\n" in text
    assert start.endswith("110000Z")
    assert f"UID:room-booking-{booking.id}@127.0.0.1\r\n" in text
    assert "排练\\; 新歌\\,老歌\\n带水杯 \\\\ 谢谢" in text
    assert "STATUS:CONFIRMED" in text
    again = client.get(f"/rooms/bookings/{booking.id}/calendar.ics").get_data(as_text=True)
    assert f"UID:room-booking-{booking.id}@127.0.0.1" in again
    client.post("/auth/logout", data={})
    assert client.get(f"/rooms/bookings/{booking.id}/calendar.ics").status_code == 302


def test_demo_rooms_have_bookings_in_every_state(app, demo, ctx):
    from blueprints.rooms.demo import load_demo_rooms

    load_demo_orgs()
    load_demo_rooms()
    load_demo_rooms()
    assert db.session.scalar(select(func.count(Room.id))) == 2
    states = set(db.session.scalars(select(Booking.state)))
    assert states == {s.value for s in BookingState}
    assert not db.session.scalar(select(Outbox.id).where(Outbox.state == "failed"))


def test_parse_week_survives_forged_values():
    assert availability.parse_day("9999-12-31") is None
    assert availability.parse_day("²") is None
    assert availability.parse_day("2026-12-09") == date(2026, 12, 9)


def test_when_the_check_misses_an_overlap_the_database_says_just_taken(
    client, room, ctx, monkeypatch
):
    """Two requests that both passed the overlap check (as without the lock row): the second
    insert is refused by the database, and the person reads "just taken", not an error."""
    create_booking(room, a_tuesday(), time(17), time(19))
    real = availability.holding_between
    calls = []

    def blind_first(*args, **kwargs):
        calls.append(args)
        return [] if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(availability, "holding_between", blind_first)
    login(client, ORG_OFFICER)
    response = book(client, room, starts="17:30", ends="19:00")
    assert response.status_code == 409
    assert "这个时间已被预订。这间屋子当天 19:00 以后空闲。" in response.get_data(as_text=True)
    assert len(holding(room)) == 1


# ---- the lists in keyset pages ---------------------------------------------------------------


def test_the_approval_queue_pages_by_deadline_then_id_and_holds_only_the_reviewers(
    client, room, ctx, create_user
):
    create_user("13900000066", roles=[("community_reviewer", community("C02"))])
    other = create_room("C02", name="别处的屋子", capacity=10)
    taiji = create_org(name="柳塘社区太极拳队", code="C02", officer=RESIDENT)
    day = a_tuesday(2)
    soon = utcnow() + timedelta(days=1)
    for n in range(70):
        booking = create_booking(
            room if n % 5 else other.id,
            day + timedelta(weeks=n // 10),
            time(9 + n % 10),
            time(10 + n % 10),
            state="requested",
            org=None if n % 5 else taiji,
            purpose=f"申请{n:02d}",
        )
        booking.deadline_at = soon + timedelta(hours=n % 3)
    db.session.commit()
    expected = db.session.scalars(
        select(Booking.id).where(Booking.room_id == room).order_by(Booking.deadline_at, Booking.id)
    ).all()
    login(client, COMMUNITY_REVIEWER)
    shown, later = walk(client, "/rooms/queue", r'href="/rooms/bookings/(\d+)"')
    assert shown == [str(i) for i in expected]
    assert len(later) == 1
    refuses_forged_keys(client, "/rooms/queue")


def test_my_bookings_page_soonest_first_from_a_week_ago(client, room, ctx):
    day = a_tuesday(1)
    for n in range(45):
        create_booking(room, day + timedelta(days=n // 10), time(9 + n % 10), time(10 + n % 10))
    # One booked, used and gone: it started nine days ago.
    gone = create_booking(room, day, time(20), time(21))
    nine_days_ago = local(utcnow()).date() - timedelta(days=9)
    gone.starts_at = to_utc(datetime.combine(nine_days_ago, time(9)))
    gone.ends_at = to_utc(datetime.combine(nine_days_ago, time(10)))
    db.session.commit()
    expected = db.session.scalars(
        select(Booking.id)
        .where(Booking.starts_at > utcnow() - timedelta(days=7))
        .order_by(Booking.starts_at, Booking.id)
    ).all()
    assert len(expected) == 45
    login(client, ORG_OFFICER)
    shown, later = walk(client, "/rooms/mine", r'href="/rooms/bookings/(\d+)"')
    assert shown == [str(i) for i in expected]
    assert len(later) == 1
    refuses_forged_keys(client, "/rooms/mine")


def test_a_calendar_file_holds_a_hostile_purpose_as_text(client, room, ctx):
    booking = create_booking(room, a_tuesday(), time(19), time(21))
    booking.purpose = "排练\rBEGIN:VALARM\r\nTRIGGER:-PT1M;X=1\nEND:VALARM"
    db.session.commit()
    login(client, ORG_OFFICER)
    raw = client.get(f"/rooms/bookings/{booking.id}/calendar.ics").get_data()
    assert b"\r" not in raw.replace(b"\r\n", b"")
    lines = raw.decode().replace("\r\n ", "").split("\r\n")
    assert "BEGIN:VALARM" not in lines
    assert not [line for line in lines if line.startswith(("TRIGGER", "END:VALARM"))]
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary.endswith("排练\\nBEGIN:VALARM\\nTRIGGER:-PT1M\\;X=1\\nEND:VALARM")

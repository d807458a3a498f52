"""Volunteers as people: a guardian's phone looks nobody up, and a walk-in is added by the code the
volunteer shows, never by a volunteer number an organizer could count upward."""

import re
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from blueprints.auth.models import User
from blueprints.util.times import utcnow
from blueprints.volunteers import profiles
from blueprints.volunteers.models import Signup, VolunteerProfile
from extensions import db
from tests.factories import create_profile
from tests.people import GRID_WORKER, RESIDENT, community
from tests.test_volunteers import checked_in_shift, join, years_ago

NO_ACCOUNT = "13912345678"
CSRF = re.compile(r'(csrf_token"[^>]*value="|"X-CSRFToken": ")[^"]*')


def without_token(body):
    return CSRF.sub(r"\1", body)


def minor_form(**values):
    return {
        "real_name": "张小明",
        "birth_date": years_ago(15).isoformat(),
        "community_id": str(community().id),
        "rules": "y",
        **values,
    }


# ---- a guardian's phone ------------------------------------------------------------------------


def test_a_guardians_phone_says_nothing_of_its_account(client, demo, login_as, ctx, sms):
    """The form answers alike for a phone with an account (the grid worker 李网格) and one
    without: it fills in no name, stores no account, and the text is fixed words and a link."""
    login_as(RESIDENT)
    pages = []
    for phone in (GRID_WORKER, NO_ACCOUNT):
        page = client.post("/volunteers/profile", data=minor_form(guardian_phone=phone))
        assert page.status_code == 422
        body = page.get_data(as_text=True)
        assert "李网格" not in body
        assert "请填写监护人的姓名" in body
        pages.append(without_token(body).replace(phone, "PHONE"))
    assert pages[0] == pages[1]

    texts = []
    for phone in (GRID_WORKER, NO_ACCOUNT):
        form = minor_form(guardian_phone=phone, guardian_name="孩子妈妈")
        assert client.post("/volunteers/profile", data=form).status_code == 303
        profile = db.session.scalar(select(VolunteerProfile))
        db.session.refresh(profile)
        assert (profile.guardian_name, profile.guardian_user_id) == ("孩子妈妈", None)
        to, text = sms[-1]
        assert to == phone
        texts.append(text)
    link = current_app.config["PUBLIC_BASE_URL"] + "/volunteers/guardian/"
    for text in texts:
        words, token = text.split(link)
        assert words == "【邻里】有一位未成年人想做志愿者，填了您做监护人。请打开链接查看并确认："
        assert re.fullmatch(r"[\w.-]+", token)
    assert not any("张" in text or "妈妈" in text for text in texts)


def test_one_account_asks_guardians_at_most_three_times_a_day(client, demo, login_as, ctx, sms):
    login_as(RESIDENT)
    phones = ["13912340001", "13912340002", "13912340003", "13912340004"]
    for phone in phones[:3]:
        form = minor_form(guardian_phone=phone, guardian_name="监护人")
        assert client.post("/volunteers/profile", data=form).status_code == 303
    form = minor_form(guardian_phone=phones[3], guardian_name="新监护人", availability="周末上午")
    over = client.post("/volunteers/profile", data=form)
    assert over.status_code == 422
    body = over.get_data(as_text=True)
    assert "今天已经请监护人确认过3次了" in body
    for typed in (phones[3], "新监护人", "周末上午", "张小明"):  # the form keeps what was typed
        assert typed in body
    assert [to for to, _text in sms] == phones[:3]
    db.session.expire_all()
    assert db.session.scalar(select(VolunteerProfile.guardian_phone)) == phones[2]


def test_saving_other_answers_again_asks_the_guardian_no_more(client, demo, login_as, ctx, sms):
    """While consent is pending, a minor may fix their skills or times as often as they like:
    only a new guardian number sends a text and counts towards the three asks a day."""
    login_as(RESIDENT)
    form = minor_form(guardian_phone=NO_ACCOUNT, guardian_name="孩子妈妈")
    assert client.post("/volunteers/profile", data=form).status_code == 303
    for times in ("周末上午", "周末下午", "周三晚上", "周日全天"):
        form = minor_form(guardian_phone=NO_ACCOUNT, guardian_name="孩子妈妈", availability=times)
        assert client.post("/volunteers/profile", data=form).status_code == 303
    assert [to for to, _text in sms] == [NO_ACCOUNT]
    db.session.expire_all()
    assert db.session.scalar(select(VolunteerProfile.availability)) == "周日全天"


# ---- walk-ins ---------------------------------------------------------------------------------


def walk_in(client, shift, code):
    return client.post(f"/volunteers/shifts/{shift.id}/walk-in", data={"code": code})


def test_walking_volunteer_numbers_upward_finds_nobody(client, demo, login_as, ctx):
    """What the attacker did: an organizer types VC01000001, VC01000002, ... into the walk-in
    form. Every try gets the answer an unknown code gets; no name shows and nobody is added."""
    people = [
        create_profile("13900000101", name="王秀英"),
        create_profile("13900000102", name="李小红", born=years_ago(12)),
        create_profile("13900000103", name="赵建国"),
    ]
    shift = checked_in_shift(capacity=5)
    login_as(GRID_WORKER)
    numbers = [p.number for p in people] + [f"VC01{n:06d}" for n in range(1, 19)]
    answers = []
    for number in numbers:
        tried = client.post(
            f"/volunteers/shifts/{shift.id}/walk-in", data={"number": number, "code": number}
        )
        body = tried.get_data(as_text=True)
        assert not any(p.real_name in body for p in people)
        if tried.status_code == 429:
            break
        assert tried.status_code == 422
        answers.append(without_token(body).replace(number, "TRIED"))
    assert len(answers) == 20
    assert len(set(answers)) == 1
    assert "这个现场码不对或已经过期" in answers[0]
    assert tried.status_code == 429  # wrong tries are counted: the 21st is refused
    assert db.session.scalar(select(func.count(Signup.id))) == 0


def test_a_walk_in_is_added_by_the_code_they_show_once(client, demo, login_as, ctx):
    walker = create_profile(RESIDENT, name="张阿姨")
    shift, other = checked_in_shift(), checked_in_shift()
    login_as(RESIDENT)
    assert client.post("/volunteers/pass", data={}).status_code == 303
    page = client.get("/volunteers/pass").get_data(as_text=True)
    db.session.refresh(walker)
    code = walker.pass_code
    assert re.fullmatch(r"\d{10}", code)
    assert f"{code[:5]} {code[5:]}" in page
    assert "<svg" in page

    login_as(GRID_WORKER)
    assert walk_in(client, shift, walker.number).status_code == 422  # the number opens nothing
    assert walk_in(client, shift, f"{code[:5]} {code[5:]}").status_code == 303
    row = db.session.scalar(select(Signup).where(Signup.profile_id == walker.id))
    assert (row.shift_id, row.state, row.walk_in) == (shift.id, "checked_in", True)
    assert walk_in(client, other, code).status_code == 422  # used once

    code = profiles.show_pass(walker).pass_code
    profiles.revoke_pass(walker)
    assert walk_in(client, other, code).status_code == 422
    code = profiles.show_pass(walker).pass_code
    walker.pass_code_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert walk_in(client, other, code).status_code == 422
    assert db.session.scalar(select(func.count(Signup.id))) == 1


def test_a_walk_in_keeps_the_sign_up_age_and_guardian_rules(client, demo, login_as, ctx):
    teen = create_profile("13900000111", name="少年", born=years_ago(16), guardian=NO_ACCOUNT)
    child = create_profile("13900000112", name="小孩", born=years_ago(10))
    shift = checked_in_shift(capacity=5)
    login_as(GRID_WORKER)
    refused = walk_in(client, shift, profiles.show_pass(teen).pass_code)
    assert refused.status_code == 422
    assert "未满18岁要监护人同意" in refused.get_data(as_text=True)
    refused = walk_in(client, shift, profiles.show_pass(child).pass_code)
    assert "不满14岁要和监护人一起参加" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Signup.id)).where(Signup.state != "new")) == 0

    teen.guardian_consent_at = utcnow()
    db.session.commit()
    db.session.refresh(teen)  # the refused try left the code as it was
    assert walk_in(client, shift, teen.pass_code).status_code == 303
    assert join(shift, create_profile("13900000113", name="成人")).state == "confirmed"


def test_new_volunteer_numbers_are_random_and_old_ones_stay(demo, ctx):
    old = create_profile("13900000120", name="老志愿者")
    old.number = f"VC01{old.id:06d}"  # numbered as before: VC01 and the id
    db.session.commit()
    data = {"community_id": community().id, "birth_date": date(1960, 1, 1), "skills": []}
    made = []
    for n in range(6):
        user = User(phone=f"1390000013{n}", name=f"新{n}")
        user.set_password("x" * 10)
        db.session.add(user)
        db.session.commit()
        made.append(profiles.save_profile(user, {**data, "real_name": f"新{n}"}))
    numbers = [p.number for p in made]
    assert all(re.fullmatch(r"VC01\d{6}", n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert numbers != [f"VC01{p.id:06d}" for p in made]  # made one after another, yet not by id
    assert db.session.get(VolunteerProfile, old.id).number == f"VC01{old.id:06d}"

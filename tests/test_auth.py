"""Sign-up, login, logout, passwords and resets, as a resident on a phone would meet them."""

import itertools
import re

from sqlalchemy import select

from blueprints.auth.models import AccountEvent, ResetCode, User
from blueprints.notices.models import Notice
from extensions import db
from tests.people import ADMIN, DISPATCHER, GRID_WORKER, ORG_OFFICER, RESIDENT


def stored_user(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


def test_sign_up_signs_in_and_stores_a_hash(client, ctx):
    response = client.post(
        "/auth/signup", data={"phone": "139 1234 5678", "password": "long enough", "name": "王奶奶"}
    )
    assert response.status_code == 303
    user = stored_user("13912345678")
    assert user.name == "王奶奶"
    assert "long enough" not in user.password_hash
    assert user.check_password("long enough")
    assert "王奶奶" in client.get("/").get_data(as_text=True)


def test_sign_up_accepts_a_country_code(client, ctx):
    client.post("/auth/signup", data={"phone": "+86 139-1234-5678", "password": "long enough"})
    assert stored_user("13912345678") is not None


def full_width(text):
    """As a Chinese keyboard types it: １３９ １２３４－５６７８."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)


def test_full_width_digits_are_one_number_with_plain_ones(client, demo, ctx):
    """A Chinese keyboard types １３９…: the account is stored in plain digits, signs in with
    them, and a full-width spelling of a taken number is the same number."""
    taken = client.post(
        "/auth/signup", data={"phone": full_width(RESIDENT), "password": "another one"}
    )
    assert taken.status_code == 422
    assert "这个手机号已经注册过了" in taken.get_data(as_text=True)
    client.post(
        "/auth/signup", data={"phone": full_width("139 1234-5678"), "password": "long enough"}
    )
    assert stored_user("13912345678") is not None
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"phone": "13912345678", "password": "long enough"})
    assert response.status_code == 303
    assert db.session.scalar(select(User).where(User.phone.like("%１%"))) is None


def test_sign_up_errors_keep_what_was_typed(client, ctx):
    response = client.post(
        "/auth/signup", data={"phone": "12345", "password": "short", "name": "老李"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请检查以下内容" in html
    assert "请输入11位手机号码" in html
    assert "密码至少要8位" in html
    assert 'value="12345"' in html
    assert 'value="老李"' in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(User)) is None


def test_duplicate_phone_is_refused_politely(client, demo, ctx):
    response = client.post("/auth/signup", data={"phone": RESIDENT, "password": "another one"})
    assert response.status_code == 422
    assert "这个手机号已经注册过了" in response.get_data(as_text=True)
    assert stored_user(RESIDENT).check_password("linli-demo")


def test_script_in_name_is_stored_as_text_and_escaped(client, ctx):
    client.post(
        "/auth/signup",
        data={"phone": "13912345678", "password": "long enough", "name": "<script>x</script>"},
    )
    assert stored_user("13912345678").name == "<script>x</script>"
    html = client.get("/").get_data(as_text=True)
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;" in html


def test_login_form_ticks_stay_signed_in(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<input checked id="remember" name="remember" type="checkbox"' in html


def test_login_stays_signed_in_on_the_phone(client, demo):
    data = {"phone": RESIDENT, "password": "linli-demo", "remember": "y"}
    response = client.post("/auth/login", data=data)
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "Expires=" in remember
    assert "HttpOnly" in remember
    assert "SameSite=Lax" in remember
    session = next(c for c in cookies if c.startswith("session="))
    assert "Expires=" in session
    assert "HttpOnly" in session


def test_pages_do_not_send_the_session_cookie_again(client, demo):
    """The cookie set at sign-in lasts as long as the device session; a page that changes
    nothing of the session sends no Set-Cookie (280 bytes a page on 2G), and the phone stays
    signed in."""
    data = {"phone": RESIDENT, "password": "linli-demo", "remember": "y"}
    assert client.post("/auth/login", data=data).status_code == 303
    client.get("/")  # the first page after sign-in keeps the new session's CSRF secret in it
    for url in ("/", "/reports/mine", "/auth/account"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers.getlist("Set-Cookie") == []
    assert "我的账号" in client.get("/").get_data(as_text=True)


def test_a_shared_device_can_forget_the_login(client, demo):
    data = {"phone": RESIDENT, "password": "linli-demo"}
    cookies = client.post("/auth/login", data=data).headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token=") for c in cookies)
    session = next(c for c in cookies if c.startswith("session="))
    assert "Expires=" not in session


def test_unknown_phone_and_wrong_password_read_the_same(client, demo):
    wrong = client.post("/auth/login", data={"phone": RESIDENT, "password": "not it!!"})
    unknown = client.post("/auth/login", data={"phone": "13999999999", "password": "not it!!"})
    assert wrong.status_code == unknown.status_code == 422
    message = "手机号或密码不对，请再试一次。"
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_login_follows_a_safe_next_only(client, demo):
    data = {"phone": RESIDENT, "password": "linli-demo"}
    response = client.post("/auth/login?next=/auth/account", data=dict(data))
    assert response.headers["Location"] == "/auth/account"
    client.post("/auth/logout", data={})
    response = client.post("/auth/login?next=https://evil.example/", data=dict(data))
    assert response.headers["Location"] == "/"


def test_logout(client, demo, login_as):
    login_as(RESIDENT)
    assert client.post("/auth/logout", data={}).status_code == 303
    assert client.get("/auth/account").status_code == 302


def test_login_is_rate_limited_with_a_polite_page(client, demo):
    for _ in range(5):
        client.post("/auth/login", data={"phone": RESIDENT, "password": "wrong-pass"})
    response = client.post("/auth/login", data={"phone": RESIDENT, "password": "linli-demo"})
    assert response.status_code == 429
    assert "您试了太多次" in response.get_data(as_text=True)


STRANGERS = itertools.count(13900000000)


def tries_from(client, address, times):
    """Wrong logins from one address, each for another phone (the per-phone limit stays out)."""
    return [
        client.post(
            "/auth/login",
            data={"phone": str(next(STRANGERS)), "password": "wrong-pass"},
            environ_base={"REMOTE_ADDR": address},
        ).status_code
        for _ in range(times)
    ]


def test_addresses_in_one_ipv6_64_share_the_login_budget(client, demo):
    assert 429 not in tries_from(client, "2001:db8:1:2::a", 10)
    assert tries_from(client, "2001:db8:1:2:ffff:1:2:3", 1) == [429]
    assert 429 not in tries_from(client, "2001:db8:1:3::a", 1)


def test_two_ipv4_addresses_have_a_login_budget_each(client, demo):
    assert 429 not in tries_from(client, "203.0.113.7", 10)
    assert tries_from(client, "203.0.113.7", 1) == [429]
    assert 429 not in tries_from(client, "203.0.113.8", 1)


def test_change_password(client, demo, login_as, ctx):
    login_as(RESIDENT)
    bad = client.post("/auth/password", data={"current": "nope-nope", "password": "brand new pw"})
    assert bad.status_code == 422
    assert "现在的密码不对" in bad.get_data(as_text=True)
    good = client.post("/auth/password", data={"current": "linli-demo", "password": "brand new pw"})
    assert good.status_code == 303
    assert stored_user(RESIDENT).check_password("brand new pw")


def test_reset_by_sms_code(client, demo, sms, ctx):
    response = client.post("/auth/reset", data={"phone": RESIDENT})
    assert response.headers["Location"] == "/auth/reset/code"
    phone, text = sms[-1]
    assert phone == RESIDENT
    code = next(word for word in text.replace("，", " ").split() if word.isdigit())
    assert db.session.scalar(select(ResetCode)).code_hash != code
    wrong = client.post("/auth/reset/code", data={"code": "000000", "password": "fresh password"})
    if code != "000000":
        assert wrong.status_code == 422
        assert "验证码不对" in wrong.get_data(as_text=True)
    done = client.post("/auth/reset/code", data={"code": code, "password": "fresh password"})
    assert done.status_code == 303
    db.session.expire_all()
    assert stored_user(RESIDENT).check_password("fresh password")
    again = client.post("/auth/reset/code", data={"code": code, "password": "other password"})
    assert again.status_code == 303
    assert again.headers["Location"] == "/auth/reset"


def test_reset_for_unknown_phone_says_the_same_and_sends_nothing(client, demo, sms):
    response = client.post("/auth/reset", data={"phone": "13999999999"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/reset/code"
    assert sms == []
    assert "139****9999" in client.get("/auth/reset/code").get_data(as_text=True)


def test_reset_code_dies_after_five_wrong_tries(client, demo, sms, ctx):
    client.post("/auth/reset", data={"phone": RESIDENT})
    code = next(w for w in sms[-1][1].replace("，", " ").split() if w.isdigit())
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        client.post("/auth/reset/code", data={"code": wrong, "password": "fresh password"})
    late = client.post("/auth/reset/code", data={"code": code, "password": "fresh password"})
    assert "验证码已失效" in late.get_data(as_text=True)
    assert stored_user(RESIDENT).check_password("linli-demo")


def sent_code(sms, phone):
    """The 6-digit code in the newest SMS to phone."""
    text = next(t for p, t in reversed(sms) if p == phone)
    return next(w for w in re.split(r"[\s，。]", text) if re.fullmatch(r"\d{6}", w))


def temporary_of(response):
    return response.get_data(as_text=True).split('<p class="code">')[1].split("<")[0]


def test_grid_worker_resets_a_resident_with_the_code_from_their_phone(
    client, demo, login_as, sms, ctx
):
    login_as(GRID_WORKER)
    look = client.post("/auth/assist-reset", data={"phone": RESIDENT})
    assert "138****0001" in look.get_data(as_text=True)
    sent = client.post("/auth/assist-reset", data={"phone": RESIDENT, "how": "send"})
    assert "验证码已发到居民的手机" in sent.get_data(as_text=True)
    assert stored_user(RESIDENT).check_password("linli-demo")
    code = sent_code(sms, RESIDENT)
    wrong = "111111" if code != "111111" else "222222"
    refused = client.post(
        "/auth/assist-reset", data={"phone": RESIDENT, "how": "code", "c-code": wrong}
    )
    assert refused.status_code == 422
    assert "验证码不对" in refused.get_data(as_text=True)
    done = client.post(
        "/auth/assist-reset", data={"phone": RESIDENT, "how": "code", "c-code": code}
    )
    temporary = temporary_of(done)
    db.session.expire_all()
    resident = stored_user(RESIDENT)
    assert resident.check_password(temporary)
    assert resident.must_change_password
    event = db.session.scalar(
        select(AccountEvent).where(AccountEvent.action == "password_reset_by_staff")
    )
    assert event.user_id == resident.id
    assert event.actor.phone == GRID_WORKER
    assert event.detail == "code"
    assert not event.needs_review
    assert sms[-1][0] == RESIDENT
    assert "重设" in sms[-1][1]
    assert (
        "当面帮您重设"
        in db.session.scalar(select(Notice).where(Notice.user_id == resident.id)).message
    )


def test_a_reset_on_an_id_check_waits_for_the_street(client, demo, login_as, sms, ctx):
    login_as(GRID_WORKER)
    bad = client.post(
        "/auth/assist-reset",
        data={"phone": RESIDENT, "how": "id", "i-document": "id_card", "i-last4": "12"},
    )
    assert bad.status_code == 422
    assert "后4位" in bad.get_data(as_text=True)
    done = client.post(
        "/auth/assist-reset",
        data={"phone": RESIDENT, "how": "id", "i-document": "id_card", "i-last4": "123x"},
    )
    assert stored_user(RESIDENT).check_password(temporary_of(done))
    event = db.session.scalar(select(AccountEvent).where(AccountEvent.needs_review.is_(True)))
    assert event.detail == "id_card:123X"
    client.post("/auth/logout", data={})
    login_as(DISPATCHER)  # the street's command centre
    page = client.get("/auth/resets").get_data(as_text=True)
    assert "居民身份证" in page
    assert "123X" in page
    client.post(f"/auth/resets/{event.id}", data={"genuine": "no"})
    db.session.expire_all()
    assert stored_user(RESIDENT).active is False
    assert db.session.get(AccountEvent, event.id).reviewed_by.phone == DISPATCHER
    assert "123X" not in client.get("/auth/resets").get_data(as_text=True)


def test_a_grid_worker_cannot_reset_staff_even_in_their_grid(client, demo, login_as, sms, ctx):
    admin = stored_user(ADMIN)
    admin.grid = stored_user(RESIDENT).grid  # the admin says they live in the worker's grid
    db.session.commit()
    login_as(GRID_WORKER)
    for how in ({}, {"how": "send"}, {"how": "id", "i-document": "id_card", "i-last4": "1234"}):
        response = client.post("/auth/assist-reset", data={"phone": ADMIN, **how})
        assert response.status_code == 422
        assert "只有管理员能帮他重设密码" in response.get_data(as_text=True)
    assert stored_user(ADMIN).check_password("linli-demo")
    assert not any(phone == ADMIN for phone, _text in sms)


def test_an_admin_may_reset_staff(client, demo, login_as, sms, ctx):
    login_as(ADMIN)
    done = client.post(
        "/auth/assist-reset",
        data={"phone": GRID_WORKER, "how": "id", "i-document": "passport", "i-last4": "9876"},
    )
    assert stored_user(GRID_WORKER).check_password(temporary_of(done))


def test_after_a_staff_reset_the_resident_must_pick_a_new_password(client, demo, ctx):
    resident = stored_user(RESIDENT)
    resident.set_password("12345678")
    resident.must_change_password = True
    db.session.commit()
    response = client.post("/auth/login", data={"phone": RESIDENT, "password": "12345678"})
    assert response.headers["Location"] == "/auth/password"


def test_grid_worker_cannot_reset_outside_their_grids(client, demo, login_as, create_user, ctx):
    create_user("13900000013", grid=stored_user(RESIDENT).grid.community.grids[-1])
    login_as(GRID_WORKER)
    response = client.post("/auth/assist-reset", data={"phone": "13900000013", "how": "send"})
    assert response.status_code == 422
    assert "不在您负责的网格" in response.get_data(as_text=True)
    assert stored_user("13900000013").check_password("linli-demo")


def test_residents_cannot_reset_others(client, demo, login_as):
    login_as(RESIDENT)
    assert client.get("/auth/assist-reset").status_code == 403


def test_account_sets_name_and_home_grid(client, demo, login_as, ctx):
    login_as(ORG_OFFICER)
    grid = stored_user(RESIDENT).grid
    response = client.post("/auth/account", data={"name": "陈老师", "grid": str(grid.id)})
    assert response.status_code == 303
    user = stored_user(ORG_OFFICER)
    assert user.name == "陈老师"
    assert user.grid_id == grid.id


def test_account_refuses_a_forged_grid(client, demo, login_as, ctx):
    login_as(ORG_OFFICER)
    response = client.post("/auth/account", data={"name": "x", "grid": "99999"})
    assert response.status_code == 422
    assert stored_user(ORG_OFFICER).grid_id is None


def test_a_deactivated_account_is_signed_out_on_its_next_request(client, demo, login_as, ctx):
    login_as(RESIDENT)
    assert client.get("/auth/account").status_code == 200
    stored_user(RESIDENT).active = False
    db.session.commit()
    assert client.get("/auth/account").status_code == 302
    refused = client.post("/auth/login", data={"phone": RESIDENT, "password": "linli-demo"})
    assert refused.status_code == 422

"""The volunteer flows' action URLs answer as every flow's do (blueprints/core/acts.py): a refused
step 422 with the reason on the object's page, a lost race 409 with the fresh page, a GET a
redirect to the page; a sign-up's, an hours record's and a signed link's alike."""

from datetime import timedelta

from blueprints.util.times import utcnow
from blueprints.volunteers import hours, messages, signups
from blueprints.volunteers.models import HoursRecord, Signup
from extensions import db
from tests.factories import create_profile, create_shift
from tests.people import GRID_WORKER, RESIDENT, person
from tests.test_volunteers import checked_in_shift, join, record_for

STALE = "这件事刚被别人处理过"
MOVED_ON = "这件事的状态已经变了"


def stored(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


# ---- a sign-up --------------------------------------------------------------------------------


def test_a_refused_sign_up_step_is_422_with_the_reason_on_its_page(client, demo, login_as, ctx):
    signup = join(create_shift(start=utcnow() + timedelta(hours=10)), create_profile(RESIDENT))
    login_as(RESIDENT)
    refused = client.post(
        f"/volunteers/signups/{signup.id}/act/cancel", data={"version": signup.version}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert "已经过了取消的截止时间" in page
    assert "<h1>助老送餐</h1>" in page  # the sign-up's own page
    assert stored(Signup, signup.id).state == "confirmed"


def test_a_stale_or_moved_on_sign_up_step_is_409_with_the_fresh_page(client, demo, login_as, ctx):
    signup = join(create_shift(), create_profile(RESIDENT))
    login_as(RESIDENT)
    url = f"/volunteers/signups/{signup.id}/act/"
    stale = client.post(url + "cancel", data={"version": signup.version + 1})
    assert stale.status_code == 409
    assert STALE in stale.get_data(as_text=True)
    assert stored(Signup, signup.id).state == "confirmed"
    moved = client.post(url + "accept", data={"version": signup.version})
    assert moved.status_code == 409
    assert MOVED_ON in moved.get_data(as_text=True)
    taken = client.post(url + "cancel", data={"version": signup.version})
    assert taken.status_code == 303
    assert taken.headers["Location"] == f"/volunteers/signups/{signup.id}"
    assert stored(Signup, signup.id).state == "cancelled"


def test_a_sign_up_step_opened_with_get_goes_to_its_page_or_the_roster(client, demo, login_as, ctx):
    signup = join(checked_in_shift(), create_profile(RESIDENT))
    login_as(RESIDENT)
    opened = client.get(f"/volunteers/signups/{signup.id}/act/cancel")
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/volunteers/signups/{signup.id}"
    assert stored(Signup, signup.id).state == "confirmed"
    login_as(GRID_WORKER)
    roster = f"/volunteers/shifts/{signup.shift_id}"
    page = client.get(roster).get_data(as_text=True)
    marking = f"/volunteers/signups/{signup.id}/act/mark_absent?back=roster"
    assert f'action="{marking}"' in page
    assert f'id="act-mark_absent-{signup.id}"' in page
    assert client.get(marking).headers["Location"] == roster
    marked = client.post(marking, data={"version": signup.version})
    assert marked.status_code == 303
    assert marked.headers["Location"] == roster
    assert stored(Signup, signup.id).state == "absent"


# ---- an hours record ----------------------------------------------------------------------------


def test_a_refused_hours_step_keeps_what_was_typed_by_its_form(client, demo, login_as, ctx):
    record = record_for(create_profile(RESIDENT))
    login_as(GRID_WORKER)
    url = f"/volunteers/hours/{record.id}/act/"
    refused = client.post(url + "approve", data={"version": record.version, "hours": "99"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'href="#act-approve"' in page
    assert 'id="error-approve"' in page
    assert "认定的时长要在0到24小时之间" in page
    assert 'value="99"' in page
    no_reason = client.post(url + "decline", data={"version": record.version, "reason": ""})
    assert no_reason.status_code == 422
    assert 'id="error-decline"' in no_reason.get_data(as_text=True)
    assert stored(HoursRecord, record.id).state == "pending"


def test_a_stale_hours_step_is_409_and_a_get_goes_to_the_record(client, demo, login_as, ctx):
    record = record_for(create_profile(RESIDENT))
    login_as(GRID_WORKER)
    url = f"/volunteers/hours/{record.id}/act/"
    opened = client.get(url + "approve")
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/volunteers/hours/{record.id}"
    stale = client.post(url + "approve", data={"version": record.version + 1})
    assert stale.status_code == 409
    assert STALE in stale.get_data(as_text=True)
    assert stored(HoursRecord, record.id).state == "pending"
    done = client.post(url + "approve", data={"version": record.version})
    assert done.status_code == 303
    assert stored(HoursRecord, record.id).state == "approved"
    again = client.post(url + "approve", data={"version": record.version + 1})
    assert again.status_code == 409
    assert MOVED_ON in again.get_data(as_text=True)


def test_a_reopened_record_is_due_again_and_a_decided_one_is_not(demo, ctx):
    record = record_for(create_profile(RESIDENT))
    hours.apply(record, "approve", person(GRID_WORKER))
    assert stored(HoursRecord, record.id).deadline_at is None
    hours.apply(stored(HoursRecord, record.id), "reopen", person(GRID_WORKER), reason="再看看")
    record = stored(HoursRecord, record.id)
    assert record.state == "pending"
    assert record.deadline_at > utcnow() + timedelta(days=7)


# ---- a signed link ------------------------------------------------------------------------------


def test_a_signed_link_answers_get_409_and_steps_it_does_not_take(client, demo, ctx):
    signup = join(create_shift(), create_profile(RESIDENT))
    link = "/volunteers/c/" + messages.confirm_token(signup)
    page = client.get(link).get_data(as_text=True)
    assert f'action="{link}/act/cancel"' in page
    opened = client.get(link + "/act/cancel")
    assert opened.status_code == 303
    assert opened.headers["Location"].startswith("/volunteers/c/")
    assert client.post(link + "/act/mark_absent", data={}).status_code == 404
    stale = client.post(link + "/act/cancel", data={"version": signup.version + 1})
    assert stale.status_code == 409
    assert STALE in stale.get_data(as_text=True)
    assert stored(Signup, signup.id).state == "confirmed"


def test_an_offer_link_accepted_too_late_is_422_and_passed_on(client, demo, ctx):
    shift = create_shift(capacity=1)
    first, second, third = (create_profile(f"1390000031{i}", name=f"人{i}") for i in range(3))
    a, b, c = join(shift, first), join(shift, second), join(shift, third)
    signups.act(a, "cancel", first.user)
    b = stored(Signup, b.id)
    link = "/volunteers/c/" + messages.confirm_token(b)
    b.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = client.post(link + "/act/accept", data={})
    assert late.status_code == 422
    assert "保留时间已经过了" in late.get_data(as_text=True)
    assert stored(Signup, b.id).state == "expired"
    assert stored(Signup, c.id).state == "offered"

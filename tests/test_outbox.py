"""Texts leave through the outbox: written with the change that caused them, delivered after the
commit, retried with backoff when the gateway fails, never sent twice, shown to admins when they
could not be delivered."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from blueprints.notices import sms as outbox
from blueprints.notices.models import Outbox
from blueprints.util.times import utcnow
from extensions import db
from tests.conftest import login
from tests.keyset import FORGED, walk
from tests.people import ADMIN, GRID_WORKER, RESIDENT


class FlakyGateway:
    """Fails while `down` is set, as a real gateway does during an outage."""

    down = True
    sent = []

    def send(self, sms):
        if FlakyGateway.down:
            raise TimeoutError("gateway did not answer")
        FlakyGateway.sent.append((sms.phone, sms.text))


@pytest.fixture
def loop_delivery(app):
    """Delivery by the loop (as `make run` does), through the flaky gateway."""
    saved = dict(app.config)
    app.config.update(SMS_DELIVERY="loop", SMS_SENDER="tests.test_outbox:FlakyGateway")
    FlakyGateway.down, FlakyGateway.sent = True, []
    yield
    app.config.update(saved)


def test_a_text_waits_for_the_commit_and_a_rollback_sends_nothing(app, ctx, loop_delivery):
    outbox.send_sms(RESIDENT, "kept")
    db.session.commit()
    outbox.send_sms(GRID_WORKER, "rolled back")
    db.session.rollback()
    rows = db.session.scalars(select(Outbox)).all()
    assert [(r.phone, r.state) for r in rows] == [(RESIDENT, "pending")]


def test_a_failing_gateway_loses_nothing_and_sends_nothing_twice(app, ctx, loop_delivery):
    for n in range(3):
        outbox.send_sms(f"1380000000{n}", f"message {n}")
    db.session.commit()
    now = utcnow()
    assert outbox.deliver_outbox(now) == {"sent": 0, "retry": 3, "failed": 0, "held": 0}
    waiting = db.session.scalars(select(Outbox)).all()
    assert {r.state for r in waiting} == {"pending"}
    assert all(r.next_try_at >= now + timedelta(seconds=30) for r in waiting)
    assert all("TimeoutError" in r.last_error for r in waiting)
    # Not yet due: nothing is tried again straight away.
    assert outbox.deliver_outbox(now + timedelta(seconds=10))["retry"] == 0
    FlakyGateway.down = False
    later = now + timedelta(minutes=1)
    assert outbox.deliver_outbox(later)["sent"] == 3
    assert outbox.deliver_outbox(later + timedelta(hours=1))["sent"] == 0
    assert sorted(FlakyGateway.sent) == [(f"1380000000{n}", f"message {n}") for n in range(3)]
    db.session.expire_all()
    delivered = db.session.scalars(select(Outbox)).all()
    assert {r.state for r in delivered} == {"sent"}
    assert {r.text for r in delivered} == {""}


def test_after_five_failures_a_message_is_failed_and_an_admin_sends_it_again(
    app, client, demo, ctx, loop_delivery
):
    outbox.send_sms(RESIDENT, "your code is 123456")
    db.session.commit()
    moment = utcnow()
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.deliver_outbox(moment)
        moment += timedelta(hours=1)
    row = db.session.scalar(select(Outbox))
    db.session.refresh(row)
    assert row.state == "failed"
    assert row.attempts == outbox.MAX_ATTEMPTS
    login(client, ADMIN)
    page = client.get("/notices/outbox").get_data(as_text=True)
    assert "138****0001" in page
    assert "发送失败" in page
    assert "123456" not in page
    assert client.post(f"/notices/outbox/{row.id}/retry", data={}).status_code == 303
    FlakyGateway.down = False
    assert outbox.deliver_outbox(utcnow() + timedelta(seconds=1))["sent"] == 1
    assert FlakyGateway.sent == [(RESIDENT, "your code is 123456")]


def test_a_message_claimed_by_a_loop_that_died_is_sent_once_more(app, ctx, loop_delivery):
    outbox.send_sms(RESIDENT, "hello")
    db.session.commit()
    row = db.session.scalar(select(Outbox))
    row.state, row.claimed_at, row.attempts = "sending", utcnow() - timedelta(minutes=6), 1
    db.session.commit()
    FlakyGateway.down = False
    assert outbox.deliver_outbox()["sent"] == 1
    assert outbox.deliver_outbox()["sent"] == 0
    assert FlakyGateway.sent == [(RESIDENT, "hello")]


def test_residents_cannot_see_the_outbox(client, demo):
    login(client, RESIDENT)
    assert client.get("/notices/outbox").status_code == 403


def test_the_undelivered_texts_page_newest_first_and_skip_the_sent(client, demo, ctx):
    for n in range(120):
        state = ("failed", "held", "sent")[n % 3]
        db.session.add(Outbox(phone=f"139{n:08d}", text="x", state=state, attempts=1))
    db.session.add(Outbox(phone="13900009999", text="x", state="pending", attempts=0))
    db.session.commit()
    login(client, ADMIN)
    phones, later = walk(client, "/notices/outbox", r"<strong>139\*\*\*\*(\d{4})</strong>")
    assert phones == [f"{n:04d}" for n in reversed(range(120)) if n % 3 != 2]
    assert len(later) == 1


@pytest.mark.parametrize("forged", FORGED)
def test_a_forged_outbox_key_is_400(client, demo, forged):
    login(client, ADMIN)
    assert client.get("/notices/outbox", query_string={"after": forged}).status_code == 400

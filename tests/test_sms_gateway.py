"""The HTTP sender against a local fake gateway (tests/fake_gateway.py) that fails, stalls and
recovers: no message is lost, none is sent twice, a refused one is failed at once for staff to
see, and a delivery loop killed mid-send leaves a message the gateway sends once."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from blueprints.notices import sms as outbox
from blueprints.notices.models import Outbox
from blueprints.util.times import utcnow
from extensions import db
from tests.conftest import login
from tests.fake_gateway import KEY, FakeGateway
from tests.people import ADMIN, RESIDENT

ROOT = Path(__file__).resolve().parent.parent
CODE = "【邻里】您的验证码是 %(code)s，10分钟内有效。"


@pytest.fixture
def gateway(app):
    """Delivery by the loop, through the HTTP sender to a fake gateway the test scripts."""
    saved = dict(app.config)
    with FakeGateway(stall=1.5) as fake:
        app.config.update(
            SMS_DELIVERY="loop",
            SMS_SENDER="blueprints.notices.gateway:HttpSender",
            SMS_GATEWAY_URL=fake.url,
            SMS_GATEWAY_KEY=KEY,
            SMS_GATEWAY_TEMPLATES=json.dumps({CODE: "SMS_1001"}, ensure_ascii=False),
            SMS_GATEWAY_TIMEOUT=0.5,
        )
        yield fake
    app.config.clear()
    app.config.update(saved)


def rows():
    db.session.expire_all()
    return db.session.scalars(select(Outbox).order_by(Outbox.id)).all()


def test_a_gateway_that_fails_then_stalls_then_recovers_loses_nothing_and_sends_once(
    app, ctx, gateway
):
    for n in range(3):
        outbox.send_sms(f"1390000000{n}", f"message {n}")
    db.session.commit()
    keys = [r.key for r in rows()]
    # First round: 500 for the first, a stall past the sender's timeout (the gateway took it)
    # for the second, 500 for the third.
    gateway.plan = ["500", "timeout", "500"]
    now = utcnow()
    assert outbox.deliver_outbox(now) == {"sent": 0, "retry": 3, "failed": 0, "held": 0}
    assert [r.state for r in rows()] == ["pending"] * 3
    assert "500" in rows()[0].last_error
    assert "unreachable" in rows()[1].last_error
    # The gateway is back: every message goes through on its next try.
    assert outbox.deliver_outbox(now + timedelta(minutes=1))["sent"] == 3
    assert outbox.deliver_outbox(now + timedelta(hours=1))["sent"] == 0
    assert sorted(gateway.delivered) == sorted(keys)
    assert gateway.seen_ids().count(keys[1]) == 2, "the stalled one was tried once more"
    assert {gateway.delivered[k]["params"]["text"] for k in keys} == {
        f"message {n}" for n in range(3)
    }
    stored = rows()
    assert [(r.state, r.attempts) for r in stored] == [("sent", 2)] * 3
    assert {r.text for r in stored} == {""}


def test_a_registered_template_goes_by_its_id_and_values_a_plain_text_by_the_text_template(
    app, ctx, gateway
):
    outbox.send_sms("13900000001", outbox.message("en", CODE, code="123456"))
    outbox.send_sms("13900000002", "written by hand")
    db.session.commit()
    assert outbox.deliver_outbox()["sent"] == 2
    first, second = (payload for _id, payload in gateway.seen)
    assert first["template"] == "SMS_1001"
    assert first["params"] == {"code": "123456"}
    assert first["locale"] == "en"
    assert first["phone"] == "13900000001"
    assert second["template"] == "text"
    assert second["params"] == {"text": "written by hand"}
    assert {r.params for r in rows()} == {"{}"}, "the code is not kept once delivered"


def test_a_refused_message_fails_at_once_and_an_admin_sends_it_again(
    app, client, demo, ctx, gateway
):
    outbox.send_sms(RESIDENT, "hello")
    db.session.commit()
    gateway.plan = ["400"]
    assert outbox.deliver_outbox() == {"sent": 0, "retry": 0, "failed": 1, "held": 0}
    row = rows()[0]
    assert row.state == "failed"
    assert row.attempts == 1
    assert "400" in row.last_error
    login(client, ADMIN)
    assert "138****0001" in client.get("/notices/outbox").get_data(as_text=True)
    assert client.post(f"/notices/outbox/{row.id}/retry", data={}).status_code == 303
    assert outbox.deliver_outbox(utcnow() + timedelta(seconds=1))["sent"] == 1
    assert list(gateway.delivered) == [row.key]


def test_a_wrong_key_is_refused_for_good(app, ctx, gateway):
    app.config["SMS_GATEWAY_KEY"] = "not-the-key"
    outbox.send_sms("13900000001", "hello")
    db.session.commit()
    assert outbox.deliver_outbox()["failed"] == 1
    assert gateway.delivered == {}


def test_a_loop_killed_mid_send_leaves_a_message_sent_once_and_recorded_once(app, ctx, gateway):
    outbox.send_sms("13900000003", "hello")
    db.session.commit()
    key = rows()[0].key
    gateway.stall = 30  # the gateway takes the message and holds the answer
    gateway.plan = ["timeout"]
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_APP": "app",
        "SMS_SENDER": "blueprints.notices.gateway:HttpSender",
        "SMS_GATEWAY_URL": gateway.url,
        "SMS_GATEWAY_KEY": KEY,
        "SMS_GATEWAY_TIMEOUT": "60",
    }
    loop = subprocess.Popen(
        [sys.executable, "-m", "flask", "notices", "deliver"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not gateway.seen and time.monotonic() < deadline:
        time.sleep(0.05)
    loop.send_signal(signal.SIGKILL)
    loop.wait(10)
    assert gateway.seen_ids() == [key]
    assert rows()[0].state == "sending", "the loop died holding the claim"
    # Before CLAIM_TIMEOUT nobody takes it over; after it, it is tried once more.
    assert outbox.deliver_outbox(utcnow() + timedelta(minutes=1))["sent"] == 0
    assert outbox.deliver_outbox(utcnow() + timedelta(minutes=6))["sent"] == 1
    assert outbox.deliver_outbox(utcnow() + timedelta(hours=1))["sent"] == 0
    assert gateway.seen_ids() == [key, key], "at most once more"
    assert list(gateway.delivered) == [key], "and the gateway sent it once"
    row = rows()[0]
    assert (row.state, row.attempts) == ("sent", 2)


class SlowFirstTry:
    """The first try hangs until released, then fails; later tries go through."""

    release = threading.Event()
    calls = []

    def send(self, sms):
        SlowFirstTry.calls.append(sms.key)
        if len(SlowFirstTry.calls) == 1:
            SlowFirstTry.release.wait(20)
            raise TimeoutError("the answer came too late")


def test_only_the_try_holding_the_claim_records_the_outcome(app, ctx, gateway):
    """A try so slow that another loop took its claim over: its late failure is not recorded
    over the other try's delivery."""
    app.config["SMS_SENDER"] = "tests.test_sms_gateway:SlowFirstTry"
    SlowFirstTry.release.clear()
    SlowFirstTry.calls = []
    outbox.send_sms("13900000004", "hello")
    db.session.commit()
    slow = {}

    def first_loop():
        with app.app_context():
            slow["counts"] = outbox.deliver_outbox()

    thread = threading.Thread(target=first_loop)
    thread.start()
    deadline = time.monotonic() + 10
    while not SlowFirstTry.calls and time.monotonic() < deadline:
        time.sleep(0.02)
    assert outbox.deliver_outbox(utcnow() + timedelta(minutes=6))["sent"] == 1
    SlowFirstTry.release.set()
    thread.join(20)
    assert slow["counts"] == {"sent": 0, "retry": 0, "failed": 0, "held": 0}
    row = rows()[0]
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "")
    assert len(SlowFirstTry.calls) == 2

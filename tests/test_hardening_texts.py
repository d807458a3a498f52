"""Issue 22, items 5 and 11: texts under our signature carry our own words and values the system
made, never what someone typed; links in texts, QR codes and certificates name PUBLIC_BASE_URL,
never the request's Host; X-Forwarded-* is believed only from the proxy."""

import logging
import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from sqlalchemy import select

from app import create_app
from blueprints.notices import sms as texts
from blueprints.notices.models import Outbox
from blueprints.reports import workflow as reports
from blueprints.rooms import workflow as rooms
from blueprints.util.times import utcnow
from blueprints.util.words import N_
from blueprints.volunteers import clock, signups
from blueprints.web.proxies import TrustedProxyFix
from extensions import db
from tests import test_orgs, test_rooms, test_volunteers
from tests.conftest import TOKEN
from tests.factories import (
    create_booking,
    create_filing,
    create_profile,
    create_report,
    create_shift,
)
from tests.people import COMMUNITY_REVIEWER, DISPATCHER, GRID_WORKER, ORG_OFFICER, person

room = test_rooms.room  # the fixture: a room, with the choir that may book it


@pytest.fixture
def submitted(demo, ctx):
    """An application with the community, of a group other than the room's choir."""
    return create_filing(name="桃花社区书法协会").id


HOSTILE = '<script>x</script> http://evil.example/"; =HYPERLINK(1)'  # fits a title
PUBLIC = "https://linli.example.cn"
ROOT = Path(__file__).resolve().parent.parent


# ---- item 5: what a text may say --------------------------------------------------------------


def test_a_text_takes_only_a_template_of_ours_and_checked_values(ctx):
    code = N_("【邻里】您的验证码是 %(code)s，%(m)s分钟内有效。请勿告诉他人。")
    assert texts.message("zh_Hans", code, code="123456", m=15).startswith("【邻里】您的验证码是")
    refused = [
        dict(msgid=code, code="<script>", m=15),
        dict(msgid=code, code="123456", m="15 http://evil.example"),
        dict(msgid=code, code="１２３４５６", m=15),  # other digits: not a code we made
        dict(msgid=code, code="123456", m=15, title="助老送餐"),  # a name outside the kinds
        dict(msgid=N_("【邻里】%(text)s"), text="anything"),
        dict(msgid=N_("网格员为您报名了“%(title)s”：%(state)s"), title="t", state="s"),
        dict(msgid=N_("【邻里】详情：%(link)s"), link="http://evil.example/x"),
        dict(msgid=N_("【邻里】详情：%(link)s"), link="http://127.0.0.1:5000.evil.example/"),
        dict(msgid=N_("【邻里】详情：%(link)s"), link='http://127.0.0.1:5000/x" onclick=1'),
    ]
    for params in refused:
        with pytest.raises(ValueError, match="text|not a"):
            texts.message("zh_Hans", **params)


def text_templates():
    """Every msgid in the code that starts with the texts' signature: the templates of texts."""
    method_map = [("**.py", "python"), ("**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "N_": None, "gettext": None, "lazy_gettext": None}
    found = set()
    for folder in ("blueprints", "templates"):
        for _name, _line, msgid, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, keywords=keywords
        ):
            for text in msgid if isinstance(msgid, tuple) else (msgid,):
                if text.startswith(texts.SIGNATURE):
                    found.add(text)
    return found


def test_every_text_template_takes_only_values_the_system_made():
    templates = text_templates()
    assert len(templates) >= 15  # codes, receipts, rooms, filings, reports, volunteers
    for template in templates:
        names = set(re.findall(r"%\((\w+)\)s", template))
        assert names <= set(texts.KINDS), f"{template}: {names - set(texts.KINDS)}"
        assert not {"title", "name", "room", "reason", "grid", "department"} & names


def all_texts(sms):
    """Every text written: those delivered (their stored words are wiped once sent), and those
    still in the outbox (held for too many texts to one number, say)."""
    db.session.expire_all()
    waiting = db.session.scalars(select(Outbox.text).where(Outbox.text != "")).all()
    return [text for _phone, text in sms] + waiting


def test_a_hostile_title_name_or_reason_never_reaches_a_text(
    client, submitted, room, login_as, ctx, sms
):
    # Volunteers: an offer, a grid worker's sign-up for someone, the day-before reminder.
    shift = create_shift(title=HOSTILE, capacity=1)
    shift.activity.place = HOSTILE
    first, second = (create_profile(f"1370000020{i}", name=HOSTILE[:40]) for i in (1, 2))
    a, _b = test_volunteers.join(shift, first), test_volunteers.join(shift, second)
    signups.act(a, "cancel", first.user)
    soon = create_shift(start=utcnow().replace(microsecond=0) + timedelta(hours=12), title=HOSTILE)
    test_volunteers.join(soon, first)
    assert clock.tick()["day_before"] == 1
    # Rooms: a room named by a user, declined with a typed reason.
    booking = create_booking(room, test_rooms.a_tuesday(), time(9), time(11), state="requested")
    booking.room.name = HOSTILE
    booking.purpose = HOSTILE
    db.session.commit()
    rooms.FLOW.apply(
        booking, "decline", person(COMMUNITY_REVIEWER), booking.version, reason=HOSTILE
    )
    # Filings: returned with a typed reason.
    login_as(COMMUNITY_REVIEWER)
    assert test_orgs.act(client, submitted, "return", reason_people=HOSTILE).status_code == 303
    # Reports: returned with a typed reason.
    report = create_report(phone="13700000203")
    reports.apply(report, "return", person(DISPATCHER), reason=HOSTILE)
    sent = all_texts(sms)
    assert len(sent) >= 6
    for text in sent:
        assert text.startswith("【邻里】"), text
        for part in ("<", ">", "script", "evil", "HYPERLINK", '"', ";"):
            assert part not in text, text


# ---- item 11: links name the public address ---------------------------------------------------


def on_host(client, host):
    """The signed-in session, carried to a request that names another Host (as a forger would)."""
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            client.set_cookie(name, cookie.value, domain=host)
    return {"Host": host, "X-Forwarded-Host": host}


def test_a_forged_host_never_reaches_a_qr_code_a_verify_link_or_a_text(
    app, client, room, login_as, ctx, sms, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC)
    org = test_rooms.group()
    login_as(ORG_OFFICER)
    forged = on_host(client, "evil.example")
    certificate = client.get(f"/orgs/{org.id}/certificate", headers=forged)
    assert certificate.status_code == 200
    page = certificate.get_data(as_text=True)
    assert f"{PUBLIC}/orgs/verify/{org.number}" in page
    assert "evil.example" not in page
    login_as(GRID_WORKER)
    forged = on_host(client, "evil.example")
    grid = client.get("/places/grids/G01", headers=forged)
    assert grid.status_code == 200
    assert f"{PUBLIC}/places/g/G01" in grid.get_data(as_text=True)
    assert "evil.example" not in grid.get_data(as_text=True)
    booking = create_booking(room, test_rooms.a_tuesday(), time(9), time(11), state="requested")
    login_as(COMMUNITY_REVIEWER)
    forged = on_host(client, "evil.example")
    token = TOKEN.search(client.get("/auth/login", headers=forged).get_data(as_text=True))[1]
    decided = client.post(
        f"/rooms/bookings/{booking.id}/act/approve",
        data={"version": str(booking.version), "csrf_token": token},
        headers=forged,
    )
    assert decided.status_code == 303
    text = [text for phone, text in sms if phone == ORG_OFFICER][-1]
    assert text.endswith(f"{PUBLIC}/rooms/bookings/{booking.id}")
    assert "evil.example" not in "".join(all_texts(sms))


def test_forwarded_addresses_are_believed_only_from_the_proxy(app, client, monkeypatch, caplog):
    """With PROXY_COUNT set, a client that reaches the server directly is limited and logged by
    its own address, whatever X-Forwarded-For it sends; through the proxy, by the one nginx saw."""
    proxied = TrustedProxyFix(app.wsgi_app, 1, app.config["TRUSTED_PROXIES"])
    monkeypatch.setattr(app, "wsgi_app", proxied)
    caplog.set_level(logging.INFO, logger="linli.request")
    direct = {"REMOTE_ADDR": "203.0.113.9"}
    for i in range(20):  # the tracking link's limit: 20 a minute per address
        forged = {"X-Forwarded-For": f"198.51.100.{i}"}
        assert client.get("/reports/t/0", headers=forged, environ_base=direct).status_code == 404
    forged = {"X-Forwarded-For": "198.51.100.99", "X-Forwarded-Host": "evil.example"}
    assert client.get("/reports/t/0", headers=forged, environ_base=direct).status_code == 429
    logged = [r.getMessage() for r in caplog.records if "/reports/t/0" in r.getMessage()]
    assert logged
    assert all("from=203.0.113." in line for line in logged)
    assert not [line for line in logged if "198.51.100" in line]
    nginx = {"REMOTE_ADDR": "127.0.0.1"}
    through = {"X-Forwarded-For": "198.51.100.7"}
    assert client.get("/reports/t/0", headers=through, environ_base=nginx).status_code == 404
    assert "from=198.51.100." in caplog.records[-1].getMessage()


def test_what_texts_take_from_the_settings_is_checked_at_start(tmp_path):
    """A hotline in words would make every text that names it fail; a production server
    without its public address would text links to 127.0.0.1. Both stop the start instead."""
    base = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    with pytest.raises(RuntimeError, match="HOTLINE"):
        create_app({**base, "HOTLINE": "市民热线12345"})
    production = {**base, "ENV_NAME": "production", "SECRET_KEY": "k" * 32}
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(production)
    app = create_app({**production, "PUBLIC_BASE_URL": "https://linli.example.gov.cn"})
    assert app.config["PUBLIC_BASE_URL"] == "https://linli.example.gov.cn"

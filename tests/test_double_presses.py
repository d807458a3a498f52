"""Two presses of one button at once: the second gets the answer a later press would get (a 303
where the first leads, or a polite 422), never a 500, and nothing is stored twice. A barrier
holds both requests just after they have checked and before either writes."""

import threading
from contextlib import suppress

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from blueprints.auth import services as auth_services
from blueprints.auth.models import User
from blueprints.mydata import routes as mydata_routes
from blueprints.mydata.models import AccountRemoval
from blueprints.orgs import lifecycle
from blueprints.orgs.demo import load_demo_orgs
from blueprints.orgs.models import Org, OrgMember
from blueprints.reports import intake
from blueprints.reports.models import MeToo
from extensions import db
from tests.conftest import login
from tests.people import GRID_WORKER, ORG_OFFICER, RESIDENT, person
from tests.test_reports import file_report, report

CHOIR = "桃花社区夕阳红合唱队"  # the demo group whose officer is ORG_OFFICER


def held_after(real):
    """real, run as before, then (its first run in each request) held until the other request
    has run it too."""
    barrier = threading.Barrier(2, timeout=10)
    seen = threading.local()

    def held(*args, **kwargs):
        result = real(*args, **kwargs)
        if not getattr(seen, "once", False):
            seen.once = True
            barrier.wait()
        return result

    return held


def after_both_reach(monkeypatch, module, name):
    monkeypatch.setattr(module, name, held_after(getattr(module, name)))


def twice_at_once(app, path, data=None, cookies=None):
    """The statuses and pages of two presses at once (a 500 the test client raises counts)."""
    answers = []

    def press():
        twin = app.test_client()
        for key, value in (cookies or {}).items():
            twin.set_cookie(key, value)
        try:
            response = twin.post(path, data=dict(data or {}))
            answers.append((response.status_code, response.get_data(as_text=True)))
        except Exception as e:  # the test client raises what would have been a 500
            answers.append((500, repr(e)))

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answers)


def signed_in_cookies(client, phone):
    login(client, phone)
    return {"session": client.get_cookie("session").value}


@pytest.fixture
def choir(demo, ctx):
    load_demo_orgs()
    return db.session.scalar(select(Org).where(Org.name == CHOIR))


def test_signing_up_one_phone_twice_at_once_makes_one_account(app, ctx, monkeypatch):
    after_both_reach(monkeypatch, auth_services, "find_user")
    data = {"phone": "13912340000", "password": "long enough", "name": "王奶奶"}
    answers = twice_at_once(app, "/auth/signup", data)
    assert [status for status, _ in answers] == [303, 422], answers
    assert "这个手机号已经注册过了" in answers[1][1]
    assert db.session.scalar(select(func.count(User.id)).where(User.phone == data["phone"])) == 1


def test_deleting_an_account_twice_at_once_tells_both_it_is_deleted(
    app, client, demo, ctx, monkeypatch
):
    cookies = signed_in_cookies(client, RESIDENT)
    who = person(RESIDENT).id
    after_both_reach(monkeypatch, mydata_routes, "authenticate")
    data = {"password": "linli-demo", "sure": "y"}
    answers = twice_at_once(app, "/mydata/delete", data, cookies)
    assert [status for status, _ in answers] == [303, 303], answers
    db.session.expire_all()
    assert db.session.get(User, who).active is False
    removals = select(func.count(AccountRemoval.id)).where(AccountRemoval.user_id == who)
    assert db.session.scalar(removals) == 1


def test_asking_to_join_twice_at_once_asks_once(app, client, choir, monkeypatch):
    cookies = signed_in_cookies(client, GRID_WORKER)
    # Held after both looked for an earlier request, as each names its new row.
    monkeypatch.setattr(User, "display_name", property(held_after(User.display_name.fget)))
    answers = twice_at_once(app, f"/orgs/{choir.id}/join", {}, cookies)
    assert [status for status, _ in answers] == [303, 422], answers
    assert "您已经申请过或已经是成员了" in answers[1][1]
    asked = select(func.count(OrgMember.id)).where(
        OrgMember.org_id == choir.id, OrgMember.user_id == person(GRID_WORKER).id
    )
    assert db.session.scalar(asked) == 1


def test_removing_a_member_twice_at_once_removes_once_and_says_so(app, client, choir, monkeypatch):
    member = db.session.scalar(
        select(OrgMember).where(
            OrgMember.org_id == choir.id, OrgMember.user_id == person(RESIDENT).id
        )
    )
    member_id = member.id
    cookies = signed_in_cookies(client, ORG_OFFICER)
    after_both_reach(monkeypatch, lifecycle, "member_of")
    answers = twice_at_once(app, f"/orgs/{choir.id}/members/{member_id}/remove", {}, cookies)
    assert [status for status, _ in answers] == [303, 422], answers
    assert "这个人已经不在名单上了" in answers[1][1]
    db.session.expunge_all()
    assert db.session.get(OrgMember, member_id) is None


def test_one_browsers_me_too_twice_at_once_counts_once(app, client, demo, ctx, monkeypatch):
    ref, _ = file_report(client)
    after_both_reach(monkeypatch, intake, "has_metoo")
    device = {"device": "one-browsers-device-token"}
    answers = twice_at_once(app, f"/reports/{ref}/metoo", {}, device)
    assert [status for status, _ in answers] == [303, 303], answers
    assert report(ref).metoo_count == 1
    assert db.session.scalar(select(func.count(MeToo.id))) == 1


def test_a_500_after_a_failed_flush_shows_our_page(app, client, choir, monkeypatch):
    login(client, GRID_WORKER)

    def fails_after_a_failed_flush(_org, _user):
        db.session.add(User(phone=ORG_OFFICER, name="重复"))
        with suppress(IntegrityError):  # the session now needs a rollback nobody makes
            db.session.flush()
        raise RuntimeError("a fault after a failed write")

    monkeypatch.setattr(lifecycle, "ask_to_join", fails_after_a_failed_flush)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.post(f"/orgs/{choir.id}/join", data={})
    assert response.status_code == 500
    assert "系统出了点问题" in response.get_data(as_text=True)

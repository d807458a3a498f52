"""My data: a resident sees and downloads only their own data, deletes the account with the
password and a tick, staff and a group's person in charge are told what must happen first, and
afterwards nothing on any page or download names them. Retention empties old cases once."""

import json
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import or_, select, update

from blueprints.auth.models import User
from blueprints.core.errors import Refused
from blueprints.figures.facts import refresh_facts
from blueprints.mydata import removal
from blueprints.mydata.models import AccountRemoval
from blueprints.mydata.retention import anonymise
from blueprints.orgs.demo import load_demo_orgs
from blueprints.orgs.models import REVIEW_STATES, Filing, FilingPerson, Org
from blueprints.places.models import Grid
from blueprints.reports import intake
from blueprints.reports.claims import answer_claim
from blueprints.reports.demo import load_demo_reports
from blueprints.reports.models import PhoneReveal, Report, ReportEvent, ReportPhoto, ReportState
from blueprints.util.times import utcnow
from blueprints.volunteers.demo import load_demo_volunteers
from blueprints.volunteers.models import Certificate, Signup, VolunteerProfile
from extensions import db
from tests.conftest import login
from tests.factories import create_category, create_report
from tests.people import COMMUNITY_REVIEWER, DISPATCHER, ORG_OFFICER, RESIDENT, VOLUNTEER, person


@pytest.fixture
def everything(demo, ctx):
    load_demo_reports()
    load_demo_orgs()
    load_demo_volunteers()
    refresh_facts()


def free_to_go(phone):
    """What must happen first (each tested below as a blocker): the person's upcoming sign-ups
    cancelled, their groups handed over to the demo officer, their applications withdrawn."""
    user, officer = person(phone), person(ORG_OFFICER)
    db.session.execute(
        update(Org)
        .where(Org.officer_id == user.id)
        .values(officer_id=officer.id, leader_name=officer.name, leader_phone=officer.phone)
    )
    db.session.execute(
        update(Filing)
        .where(Filing.applicant_id == user.id, Filing.state.in_(REVIEW_STATES))
        .values(state="withdrawn")
    )
    profile = db.session.scalar(
        select(VolunteerProfile)
        .join(User, User.id == VolunteerProfile.user_id)
        .where(User.phone == phone)
    )
    if profile:
        db.session.execute(
            update(Signup).where(Signup.profile_id == profile.id).values(state="cancelled")
        )
        db.session.commit()


def test_my_data_shows_my_own_and_who_saw_my_phone(everything, client):
    me, dispatcher = person(RESIDENT), person(DISPATCHER)
    mine = db.session.scalars(select(Report).where(Report.reporter_id == me.id)).all()
    assert mine
    mine[0].reporter_phone = me.phone
    db.session.add(PhoneReveal(report=mine[0], user=dispatcher))
    db.session.commit()
    login(client, RESIDENT)
    page = client.get("/mydata/").get_data(as_text=True)
    assert me.phone in page
    assert "张桂兰" in page
    assert mine[0].ref in page
    assert "指挥中心 · 桃花街道" in page
    assert dispatcher.name not in page
    others = db.session.scalars(select(Report.ref).where(Report.reporter_id != me.id)).all()
    assert not [ref for ref in others if ref and ref in page]
    response = client.get("/mydata/download.json")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["phone"] == me.phone
    assert {r["ref"] for r in data["reports"]} == {r.ref for r in mine}
    assert data["volunteer"]["real_name"] == "张桂兰"
    assert data["phone_views"][0]["office"] == "指挥中心 · 桃花街道"
    assert client.get("/mydata/", follow_redirects=False).status_code == 200
    client.post("/auth/logout", data={})
    assert client.get("/mydata/download.json").status_code == 302


def test_a_report_with_my_phone_is_mine_only_once_claimed(demo, ctx, client, create_user):
    # Two reports filed without an account from 139…678, before the number was given to someone
    # else, who signs up with it and proves it: only the one they claim is theirs.
    claimed, other = create_report(), create_report(description="家里老人走失了，很着急")
    claimed.reporter_name = other.reporter_name = "钱先生"
    db.session.commit()
    holder = db.session.get(User, create_user("13912345678", name="新机主"))
    login(client, "13912345678")
    page = client.get("/mydata/").get_data(as_text=True)
    assert claimed.ref not in page
    assert "钱先生" not in page
    download = json.loads(client.get("/mydata/download.json").get_data(as_text=True))
    assert download["reports"] == []
    holder.phone_verified_at = utcnow()
    db.session.commit()
    answer_claim(holder, claimed.id, mine=True)
    page = client.get("/mydata/").get_data(as_text=True)
    assert claimed.ref in page
    assert other.ref not in page
    assert "老人走失" not in page
    download = json.loads(client.get("/mydata/download.json").get_data(as_text=True))
    assert [r["ref"] for r in download["reports"]] == [claimed.ref]
    response = client.post("/mydata/delete", data={"password": "linli-demo", "sure": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (claimed.reporter_id, claimed.reporter_phone, claimed.reporter_name) == (None, "", "")
    assert (other.reporter_phone, other.reporter_name) == ("13912345678", "钱先生")


def send_report(reporter):
    answers = intake.ReportAnswers(
        category_id=create_category().id,
        grid_id=db.session.scalar(select(Grid.id).where(Grid.code == "G01")),
        description="楼道灯坏了",
    )
    return intake.submit_report("sent-as-deleted", answers, reporter=reporter)


def reports_naming(phone, name):
    return db.session.scalars(
        select(Report.ref).where(or_(Report.reporter_phone == phone, Report.reporter_name == name))
    ).all()


def test_a_report_sent_after_the_account_was_deleted_is_refused(demo, app, ctx, create_user):
    # The page that sends it loaded the account (as a request loads current_user); the account
    # is deleted before the report is stored.
    me = db.session.get(User, create_user("13912340001", name="孙阿姨"))
    with app.app_context():
        removal.delete_account(db.session.get(User, me.id))
    with pytest.raises(Refused, match="账号已经删除"):
        send_report(me)
    assert reports_naming("13912340001", "孙阿姨") == []
    assert db.session.scalar(select(Report).where(Report.reporter_id == me.id)) is None


def test_a_report_sent_while_the_account_is_being_deleted_is_refused(
    demo, app, ctx, create_user, monkeypatch
):
    # The deletion has erased the account's reports and not yet committed when the report is
    # sent: the report waits for it (a lock on PostgreSQL, the write lock on SQLite), then sees
    # the account gone. Before, it was stored beside the deletion, with the name and phone.
    me = db.session.get(User, create_user("13912340002", name="周伯伯"))
    halfway, go_on, failed = threading.Event(), threading.Event(), []
    erase_orgs = removal.erase_orgs

    def erase_orgs_slowly(user):
        halfway.set()
        go_on.wait(10)
        erase_orgs(user)

    def delete():
        with app.app_context():
            try:
                removal.delete_account(db.session.get(User, me.id))
            except Exception as e:  # shown by the assertion below
                failed.append(e)

    monkeypatch.setattr(removal, "erase_orgs", erase_orgs_slowly)
    deleting = threading.Thread(target=delete)
    deleting.start()
    assert halfway.wait(10)
    threading.Timer(0.5, go_on.set).start()
    with pytest.raises(Refused, match="账号已经删除"):
        send_report(me)
    deleting.join(10)
    assert failed == []
    db.session.rollback()
    assert reports_naming("13912340002", "周伯伯") == []
    assert db.session.get(User, me.id).active is False


def test_deleting_needs_the_password_and_the_tick(everything, client):
    free_to_go(RESIDENT)
    login(client, RESIDENT)
    wrong = client.post("/mydata/delete", data={"password": "not-it", "sure": "y"})
    assert wrong.status_code == 422
    assert "密码不对" in wrong.get_data(as_text=True)
    unticked = client.post("/mydata/delete", data={"password": "linli-demo"})
    assert unticked.status_code == 422
    assert person(RESIDENT) is not None
    assert db.session.scalar(select(AccountRemoval)) is None


def test_staff_and_the_person_in_charge_are_told_what_first(everything, client):
    login(client, DISPATCHER)
    page = client.get("/mydata/delete").get_data(as_text=True)
    assert "请管理员取消这些角色" in page
    assert "永久删除" not in page
    client.post("/mydata/delete", data={"password": "linli-demo", "sure": "y"})
    assert person(DISPATCHER).active
    client.post("/auth/logout", data={})
    officer = person(ORG_OFFICER)
    officer.grants.clear()
    db.session.commit()
    assert db.session.scalar(select(Org).where(Org.officer_id == officer.id, Org.state == "active"))
    login(client, ORG_OFFICER)
    page = client.get("/mydata/delete").get_data(as_text=True)
    assert "负责人交给别人" in page
    client.post("/mydata/delete", data={"password": "linli-demo", "sure": "y"})
    assert person(ORG_OFFICER) is not None


def test_upcoming_signups_come_first(everything, client):
    login(client, VOLUNTEER)
    page = client.get("/mydata/delete").get_data(as_text=True)
    assert "请先取消报名" in page


def test_after_deleting_nothing_names_them(everything, client, app):
    me = person(RESIDENT)
    my_id, phone, name = me.id, me.phone, me.name
    real = "张桂兰"
    reports = db.session.scalars(select(Report.ref).where(Report.reporter_id == my_id)).all()
    free_to_go(RESIDENT)
    login(client, RESIDENT)
    response = client.post("/mydata/delete", data={"password": "linli-demo", "sure": "y"})
    assert response.status_code == 303
    assert "账号已经删除" in client.get("/").get_data(as_text=True)
    db.session.expire_all()
    shell = db.session.get(User, my_id)
    assert (shell.phone != phone, shell.name, shell.active) == (True, "", False)
    assert db.session.scalar(select(AccountRemoval.user_id)) == my_id
    assert not db.session.scalar(select(Report.id).where(Report.reporter_phone == phone))
    assert db.session.scalar(select(FilingPerson.id).where(FilingPerson.user_id == my_id)) is None
    # The cases are still there, for the record and the figures.
    assert len(db.session.scalars(select(Report).where(Report.ref.in_(reports))).all()) == len(
        reports
    )
    assert (
        client.post("/auth/login", data={"phone": phone, "password": "linli-demo"}).status_code
        == 422
    )
    refresh_facts()
    pages = [
        "/figures/open",
        "/figures/open/cases.csv",
        "/figures/open/cases.json",
        "/orgs/",
        "/volunteers/",
    ]
    texts = [client.get(url).get_data(as_text=True) for url in pages]
    login(client, DISPATCHER)
    texts += [client.get(f"/reports/{ref}").get_data(as_text=True) for ref in reports]
    texts.append(client.get("/reports/queue").get_data(as_text=True))
    client.post("/auth/logout", data={})
    login(client, COMMUNITY_REVIEWER)  # the community reviewer, on the applications that listed her
    for filing_id in db.session.scalars(select(FilingPerson.filing_id).distinct()):
        texts.append(client.get(f"/orgs/f/{filing_id}/people").get_data(as_text=True))
    for text in texts:
        assert phone not in text
        assert real not in text
        assert name not in text
        assert "138****0001" not in text


def test_a_certificate_of_a_removed_holder_verifies_as_such(everything, client):
    cert = db.session.scalar(
        select(Certificate)
        .join(VolunteerProfile)
        .join(User, User.id == VolunteerProfile.user_id)
        .where(User.phone == VOLUNTEER)
    )
    free_to_go(VOLUNTEER)
    login(client, VOLUNTEER)
    assert (
        client.post("/mydata/delete", data={"password": "linli-demo", "sure": "y"}).status_code
        == 303
    )
    page = client.get(f"/volunteers/verify?number={cert.number}").get_data(as_text=True)
    assert "这张证明是真的" in page
    assert "持有人已注销" in page
    assert "王" not in page.split("verified")[1][:400]
    assert db.session.get(Certificate, cert.id).minutes == cert.minutes


def test_retention_empties_old_finished_cases_once(demo, ctx, app, tmp_path):
    old = create_report(ReportState.CLOSED)
    recent = create_report(ReportState.CLOSED)
    still_open = create_report(ReportState.IN_PROGRESS)
    old.reporter_name = recent.reporter_name = still_open.reporter_name = "钱先生"
    old.photos.append(ReportPhoto(kind="before", filename="old-photo.jpg"))
    db.session.commit()
    long_ago = utcnow() - timedelta(days=400)
    for report in (old, still_open):
        db.session.execute(
            update(ReportEvent).where(ReportEvent.report_id == report.id).values(at=long_ago)
        )
    db.session.commit()
    assert anonymise() == {"phones": 1, "names": 1, "photos": 1}
    db.session.expire_all()
    assert (old.reporter_phone, old.reporter_name, old.photos) == ("", "", [])
    assert recent.reporter_phone == "13912345678"
    assert recent.reporter_name == "钱先生"
    assert still_open.reporter_phone == "13912345678"  # open: still needed to call back
    assert anonymise() == {"phones": 0, "names": 0, "photos": 0}
    app.config["RETAIN_PHONES_DAYS"] = 0
    try:
        assert anonymise()["phones"] == 1  # the recent closed one, now past a 0-day limit
    finally:
        app.config.pop("RETAIN_PHONES_DAYS")


def test_the_retention_tick_command(runner, demo):
    result = runner.invoke(args=["mydata", "tick"])
    assert result.exit_code == 0
    assert re.search(r"phones 0, names 0, photos 0", result.output)

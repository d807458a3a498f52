"""A phone someone else typed joins a record to an account only when that account proved it
holds the phone (it typed the code texted to it). Anyone may sign up with any number: an account
made with a stranger's phone must not receive the stranger's report, run the group the stranger
now leads, see or decline the stranger's listing, stand as a child's guardian, or cancel the
stranger's texts by deleting itself."""

import re

from sqlalchemy import select

from blueprints.notices.models import Notice, Outbox
from blueprints.orgs.models import FilingPerson, Org
from blueprints.util.times import utcnow
from blueprints.volunteers.models import VolunteerProfile
from extensions import db
from tests.people import GRID_WORKER, ORG_OFFICER, RESIDENT, STREET_REVIEWER, person
from tests.test_orgs import act, approved, filing_id_of, fill, start, submitted
from tests.test_reports import category, grid, report
from tests.test_volunteer_people import minor_form

# approved() and submitted() are fixtures of test_orgs, used here as they are there.
__all__ = ["approved", "submitted"]

STRANGER = "13912345679"  # a real person's number, signed up with by somebody else


def prove(phone):
    holder = person(phone)
    holder.phone_verified_at = utcnow()
    db.session.commit()
    return holder


def file_for(client, login_as, phone, words):
    """A grid worker files a report for the resident with this phone, as the form does."""
    login_as(GRID_WORKER)
    client.post("/reports/new", data={"category": str(category("garbage").id)})
    client.post(
        "/reports/new/details",
        data={"description": words, "grid": str(grid("G01").id), "address": "3栋"},
    )
    key = re.search(
        r'name="key" value="([^"]+)"', client.get("/reports/new/check").get_data(as_text=True)
    ).group(1)
    done = client.post(
        "/reports/new/check", data={"key": key, "mode": "resident", "phone": phone, "name": "王"}
    )
    return report(re.search(r"/reports/(\d{12})", done.headers["Location"]).group(1))


def test_a_report_filed_for_a_phone_joins_only_the_account_that_proved_it(
    client, demo, ctx, login_as, create_user
):
    create_user(STRANGER, grid=grid("G01"))
    filed = file_for(client, login_as, STRANGER, "邻居家里经常有打闹声")
    assert (filed.reporter_id, filed.reporter_phone) == (None, STRANGER)
    login_as(STRANGER)
    assert filed.ref not in client.get("/reports/mine").get_data(as_text=True)
    assert "打闹声" not in client.get("/mydata/download.json").get_data(as_text=True)

    # Once the phone is proved, a report filed for it is the account's; the earlier one is
    # reached through the claim flow, as any anonymous report with that phone.
    holder = prove(STRANGER)
    later = file_for(client, login_as, STRANGER, "楼道灯坏了")
    assert later.reporter_id == holder.id
    assert db.session.get(type(filed), filed.id).reporter_id is None


def test_a_new_leaders_phone_hands_the_group_only_to_the_account_that_proved_it(
    client, approved, ctx, login_as, create_user
):
    org = approved
    create_user(STRANGER)

    def hand_over():
        login_as(ORG_OFFICER)
        fid = filing_id_of(client.post(f"/orgs/{org.id}/change", data={}))
        handover = {"leader_name": "王新", "leader_phone": STRANGER}
        assert client.post(f"/orgs/f/{fid}/step/leader", data=handover).status_code == 303
        assert act(client, fid, "submit").status_code == 303
        login_as(STREET_REVIEWER)
        assert act(client, fid, "approve").status_code == 303
        db.session.expire_all()
        return db.session.get(Org, org.id)

    changed = hand_over()
    assert changed.leader_name == "王新"
    assert changed.officer.phone == ORG_OFFICER  # the officer before runs it until 王新 proves it
    login_as(STRANGER)
    assert client.post(f"/orgs/{org.id}/members/1/phone", data={}).status_code in (403, 404)
    assert changed.name not in client.get("/orgs/mine").get_data(as_text=True)

    prove(STRANGER)
    assert hand_over().officer.phone == STRANGER


def test_a_listed_phone_reaches_only_the_account_that_proved_it(
    client, demo, ctx, login_as, create_user
):
    create_user(STRANGER)
    login_as(ORG_OFFICER)
    fid = start(client)
    fill(client, fid, people=9)
    listing = {"role": "member", "name": "李陌生", "phone": STRANGER}
    assert client.post(f"/orgs/f/{fid}/people", data=listing).status_code == 303
    assert act(client, fid, "submit").status_code == 303
    listed = db.session.scalar(select(FilingPerson).where(FilingPerson.phone == STRANGER))
    assert listed.user_id is None
    stranger = person(STRANGER)
    assert db.session.scalar(select(Notice).where(Notice.user_id == stranger.id)) is None
    login_as(STRANGER)
    assert "李陌生" not in client.get("/mydata/download.json").get_data(as_text=True)
    declined = client.post(f"/orgs/listed/{listed.id}", data={"reason": "不是我"})
    assert declined.status_code in (403, 404)
    db.session.expire_all()
    kept = db.session.get(FilingPerson, listed.id)
    assert (kept.status, kept.phone) == (listed.status, STRANGER)


def test_a_guardian_is_the_account_that_proved_the_phone_the_link_went_to(
    client, demo, ctx, login_as, create_user, sms
):
    create_user(STRANGER)
    login_as(RESIDENT)
    form = minor_form(guardian_phone=STRANGER, guardian_name="孩子妈妈")
    assert client.post("/volunteers/profile", data=form).status_code == 303
    [(to, text)] = sms
    link = "/volunteers/guardian/" + text.rsplit("/volunteers/guardian/", 1)[1]
    assert client.post(link, data={"agree": "yes"}).status_code == 303
    profile = db.session.scalar(select(VolunteerProfile))
    db.session.refresh(profile)
    # The person who opened the link consented; the account that merely signed up with the
    # number is not made the guardian.
    assert profile.guardian_consent_at is not None
    assert profile.guardian_user_id is None


def test_deleting_an_account_cancels_texts_only_to_a_phone_it_proved(
    client, demo, ctx, login_as, create_user, app
):
    app.config["SMS_DELIVERY"] = "loop"  # texts wait in the outbox, as with a gateway retrying
    try:
        create_user(STRANGER)
        waiting = Outbox(phone=STRANGER, text="【邻里】回执", next_try_at=utcnow())
        db.session.add(waiting)
        db.session.commit()
        login_as(STRANGER)
        sure = {"password": "linli-demo", "sure": "y"}
        assert client.post("/mydata/delete", data=sure).status_code == 303
    finally:
        app.config["SMS_DELIVERY"] = "inline"
    db.session.expire_all()
    kept = db.session.get(Outbox, waiting.id)
    assert (kept.phone, kept.state) == (STRANGER, "pending")

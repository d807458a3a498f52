"""Organization filing through the test client: the steps of an application, the two reviews,
approval with a filing number and a certificate, the directory, and who may see what."""

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from blueprints.core.errors import Conflict
from blueprints.notices.models import Notice
from blueprints.orgs import lifecycle, rules
from blueprints.orgs.models import (
    Filing,
    FilingEvent,
    FilingPerson,
    MemberPhoneReveal,
    Org,
    OrgMember,
)
from blueprints.orgs.workflow import FLOW
from blueprints.util.times import utcnow
from extensions import db
from tests.factories import ORG_NAME, create_filing, create_org
from tests.keyset import FIRST, refuses_forged_keys, walk
from tests.people import (
    ADMIN,
    COMMUNITY_REVIEWER,
    GRID_WORKER,
    ORG_OFFICER,
    RESIDENT,
    STREET_REVIEWER,
    community,
    person,
)

HX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def stored(filing_id):
    db.session.expire_all()
    return db.session.get(Filing, filing_id)


def filing_id_of(response):
    return int(re.search(r"/orgs/f/(\d+)", response.headers["Location"]).group(1))


def start(client, name=ORG_NAME, code="C01"):
    response = client.post("/orgs/apply", data={"community": community(code).id, "name": name})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return filing_id_of(response)


def add_people(client, fid, n=10, founders=2, staff=0, phones=True):
    for i in range(n):
        data = {"role": "founder" if i < founders else "member", "name": f"成员{i:02d}"}
        if phones:
            data["phone"] = f"1390000{i:04d}"
        if i < staff:
            data["staff"] = "y"
        response = client.post(f"/orgs/f/{fid}/people", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:800]


def fill(client, fid, kind="culture", people=10):
    steps = {
        "kind": {"kind": kind},
        "scope": {"scope": "组织社区老人每周排练合唱，参加社区文艺活动。"},
        "leader": {"leader_name": "陈会长", "leader_phone": ORG_OFFICER},
        "venue": {"venue": "桃花社区党群服务中心二楼活动室", "venue_shared": "y"},
        "funds": {"funds": "每年约2000元", "fund_sources": "成员自愿缴纳"},
    }
    for part, data in steps.items():
        response = client.post(f"/orgs/f/{fid}/step/{part}", data=data)
        assert response.status_code == 303, (part, response.get_data(as_text=True)[:800])
    add_people(client, fid, n=people)
    response = client.post(
        f"/orgs/f/{fid}/charter",
        data={"mode": "model", "aim": "唱歌健身", "duties": "按时参加排练", "rules": "大家商量"},
    )
    assert response.status_code == 303


def act(client, fid, action, **data):
    data.setdefault("version", str(stored(fid).version))
    return client.post(f"/orgs/f/{fid}/act/{action}", data=data)


@pytest.fixture
def submitted(demo, ctx):
    """An application filed by the demo org officer, now with the community reviewer."""
    return create_filing().id


def png(size=(400, 300)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


# ---- the application, step by step ---------------------------------------------------------


def test_each_step_is_saved_as_a_draft_and_resumable(client, demo, ctx, login_as):
    login_as(RESIDENT)
    fid = start(client)
    assert client.get(f"/orgs/f/{fid}/step/kind").status_code == 200
    response = client.post(f"/orgs/f/{fid}/step/kind", data={"kind": "service"})
    assert response.headers["Location"] == f"/orgs/f/{fid}/step/scope"
    leader = {"leader_name": "王", "leader_phone": "13900000001"}
    response = client.post(f"/orgs/f/{fid}/step/leader", data=leader)
    assert response.headers["Location"] == f"/orgs/f/{fid}/people"
    filing = stored(fid)
    assert (filing.state, filing.name, filing.kind) == ("draft", ORG_NAME, "service")
    assert filing.applicant.phone == RESIDENT
    assert start(client) == fid  # the first step sent twice makes one draft
    mine = client.get("/orgs/mine").get_data(as_text=True)
    assert ORG_NAME in mine
    assert f"/orgs/f/{fid}" in mine
    page = client.get(f"/orgs/f/{fid}").get_data(as_text=True)
    assert "提交前还要补上" in page
    assert "请写一写宗旨和活动范围。" in page
    assert 'name="csrf_token"' in client.get(f"/orgs/f/{fid}/step/kind").get_data(as_text=True)


def test_the_whole_way_draft_return_resubmit_approve(client, submitted, login_as, ctx):
    fid = submitted
    filing = stored(fid)
    assert filing.state == "community_review"
    assert filing.deadline_at > utcnow()
    assert [e.action for e in filing.events] == ["submit"]

    login_as(COMMUNITY_REVIEWER)
    queue = client.get("/orgs/queue").get_data(as_text=True)
    assert ORG_NAME in queue
    assert "请在" in queue
    response = act(client, fid, "return", reason_people="成员名单里有两位不是本社区居民，请核实。")
    assert response.status_code == 303
    filing = stored(fid)
    assert filing.state == "returned"
    assert filing.deadline_at is None
    assert filing.reason_for == {"people": "成员名单里有两位不是本社区居民，请核实。"}

    login_as(ORG_OFFICER)
    page = client.get(f"/orgs/f/{fid}").get_data(as_text=True)
    assert "审核意见：成员名单里有两位不是本社区居民" in page
    people = client.get(f"/orgs/f/{fid}/people").get_data(as_text=True)
    assert 'id="reason-people"' in people
    gone = filing.people[-1]
    client.post(f"/orgs/f/{fid}/people/{gone.id}/remove", data={})
    add_people(client, fid, n=1, founders=0, phones=False)
    assert act(client, fid, "resubmit").status_code == 303
    assert stored(fid).state == "community_review"

    login_as(COMMUNITY_REVIEWER)
    page = client.get(f"/orgs/f/{fid}").get_data(as_text=True)
    assert "退回后改了什么" in page
    assert "成员09" in page
    assert rules.changes_since_return(stored(fid)).keys() == {"people"}
    # The new member has no phone: the community confirms their signature on paper first.
    assert act(client, fid, "pass").status_code == 422
    paperless = next(p for p in stored(fid).people if not p.phone)
    client.post(f"/orgs/f/{fid}/people/{paperless.id}/paper", data={})
    assert act(client, fid, "pass").status_code == 303
    assert stored(fid).state == "street_review"

    login_as(STREET_REVIEWER)
    assert ORG_NAME in client.get("/orgs/queue").get_data(as_text=True)
    assert act(client, fid, "approve").status_code == 303
    filing = stored(fid)
    org = filing.org
    assert filing.state == "approved"
    assert org.officer.phone == ORG_OFFICER
    assert re.fullmatch(rf"S01-{utcnow().year}-\d{{4}}", org.number)
    assert org.valid_until.year == org.approved_at.year + 3
    assert len(org.members) == 10
    assert [e.action for e in filing.events] == [
        "submit",
        "return",
        "resubmit",
        "paper",
        "pass",
        "approve",
    ]
    told = db.session.scalars(
        select(Notice.text).where(Notice.user_id == person(ORG_OFFICER).id)
    ).all()
    assert "您的备案申请“%(name)s”被退回，需要修改：%(reason)s。改好后请重新提交。" in told
    assert "您的备案申请“%(name)s”已准予备案，备案编号 %(number)s。" in told

    client.post("/auth/logout", data={})
    directory = client.get("/orgs/?q=夕阳红").get_data(as_text=True)
    assert ORG_NAME in directory
    public = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert org.number in public
    assert "陈会长" not in public
    assert ORG_OFFICER not in public
    verify = client.get(f"/orgs/verify/{org.number}").get_data(as_text=True)
    assert "这是有效的备案。" in verify
    assert ORG_NAME in verify
    assert "陈会长" not in verify

    login_as(ORG_OFFICER)
    certificate = client.get(f"/orgs/{org.id}/certificate").get_data(as_text=True)
    assert "<svg" in certificate
    assert f"/orgs/verify/{org.number}" in certificate


def test_refused_with_a_reason(client, submitted, login_as, ctx):
    login_as(COMMUNITY_REVIEWER)
    response = act(client, submitted, "refuse", reason="")
    assert response.status_code == 422
    assert "请写明不予备案的原因。" in response.get_data(as_text=True)
    assert act(client, submitted, "refuse", reason="活动内容不属于社区社会组织").status_code == 303
    filing = stored(submitted)
    assert filing.state == "refused"
    assert filing.events[-1].note == "活动内容不属于社区社会组织"
    assert FLOW.actions_for(filing, person(ORG_OFFICER)) == {}


def test_the_applicant_may_withdraw_before_a_decision(client, submitted, login_as, ctx):
    login_as(ORG_OFFICER)
    assert act(client, submitted, "withdraw").status_code == 422
    assert act(client, submitted, "withdraw", confirm="yes").status_code == 303
    assert stored(submitted).state == "withdrawn"
    login_as(COMMUNITY_REVIEWER)
    assert ORG_NAME not in client.get("/orgs/queue").get_data(as_text=True)


def test_a_return_needs_a_reason_and_keeps_what_was_typed(client, submitted, login_as, ctx):
    login_as(COMMUNITY_REVIEWER)
    response = act(client, submitted, "return", reason_name="   ")
    assert response.status_code == 422
    assert "退回时请至少写一条原因" in response.get_data(as_text=True)
    assert stored(submitted).state == "community_review"


# ---- bad input ------------------------------------------------------------------------------


def test_too_few_people_cannot_be_submitted(client, demo, ctx, login_as):
    fid = create_filing("draft", applicant=RESIDENT, people=5).id
    login_as(RESIDENT)
    response = act(client, fid, "submit")
    assert response.status_code == 422
    assert "成员（含发起人）至少要10位，现在有5位。" in response.get_data(as_text=True)
    assert stored(fid).state == "draft"


def test_a_service_group_needs_three_staff(client, demo, ctx, login_as):
    login_as(RESIDENT)
    fid = start(client, name="桃花社区邻里助餐服务队")
    fill(client, fid, kind="service", people=0)
    add_people(client, fid, n=3, founders=2, staff=2)
    assert "至少要有3位专职人员，现在有2位" in act(client, fid, "submit").get_data(as_text=True)
    # The same phone twice is refused; someone without a phone counts.
    same = {"role": "member", "name": "又一位", "phone": "13900000000", "staff": "y"}
    response = client.post(f"/orgs/f/{fid}/people", data=same)
    assert response.status_code == 422
    assert "这个手机号已经在名单里了" in response.get_data(as_text=True)
    add_people(client, fid, n=1, founders=0, staff=1, phones=False)
    assert act(client, fid, "submit").status_code == 303


def test_the_same_name_is_refused_a_similar_one_warned(client, submitted, ctx, login_as):
    login_as(RESIDENT)
    response = client.post("/orgs/apply", data={"community": community("C02").id, "name": ORG_NAME})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "街道里已经有叫“桃花社区夕阳红合唱队”的组织" in page
    assert f'value="{ORG_NAME}"' in page
    response = client.post(
        "/orgs/apply", data={"community": community("C01").id, "name": "桃花社区夕阳红合唱团"}
    )
    assert response.status_code == 303
    assert "名称相近" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_pdf_charter_is_kept_and_only_downloaded(client, demo, ctx, login_as):
    login_as(RESIDENT)
    fid = start(client)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post(
        f"/orgs/f/{fid}/charter",
        data={"mode": "upload", "file": (io.BytesIO(pdf), "charter.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    download = client.get(f"/orgs/f/{fid}/charter/file")
    body = download.data
    download.close()
    assert download.status_code == 200
    assert body == pdf
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "private, no-store"
    client.post("/auth/logout", data={})
    assert client.get(f"/orgs/f/{fid}/charter/file").status_code == 302
    login_as(GRID_WORKER)
    assert client.get(f"/orgs/f/{fid}/charter/file").status_code == 404


def test_an_image_charter_is_reencoded(client, demo, ctx, login_as):
    login_as(RESIDENT)
    fid = start(client)
    response = client.post(
        f"/orgs/f/{fid}/charter",
        data={"mode": "upload", "file": (io.BytesIO(png()), "charter.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    filing = stored(fid)
    assert filing.charter_type == "image/jpeg"
    assert filing.charter_file.endswith(".jpg")
    download = client.get(f"/orgs/f/{fid}/charter/file")
    body = download.data
    download.close()
    assert body.startswith(b"\xff\xd8\xff")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 not a charter", "章程只能是 PDF、JPG 或 PNG 文件。"),
        (b"%PDF-" + b"0" * 2000, "章程文件太大了（最大5MB）"),
        (b"", "文件是空的"),
    ],
    ids=["wrong-type", "too-big", "empty"],
)
def test_bad_charters_get_a_clear_message(client, demo, ctx, login_as, app, data, message):
    """The size limit is lowered for the test: a real 5 MB body would spool to a temp file."""
    login_as(RESIDENT)
    fid = start(client)
    app.config["MAX_CHARTER_BYTES"] = 1000
    try:
        response = client.post(
            f"/orgs/f/{fid}/charter",
            data={"mode": "upload", "file": (io.BytesIO(data), "charter.pdf"), "aim": "唱歌"},
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_CHARTER_BYTES"] = 5 * 1024 * 1024
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "唱歌" in page
    assert stored(fid).charter_file == ""


def test_a_step_with_errors_keeps_what_was_typed(client, demo, ctx, login_as):
    login_as(RESIDENT)
    fid = start(client)
    response = client.post(
        f"/orgs/f/{fid}/step/leader", data={"leader_name": "王大妈", "leader_phone": "12345"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="王大妈"' in page
    assert 'value="12345"' in page
    assert "error-summary" in page


def test_forged_ids_are_not_found_and_other_communities_forbidden(
    client, submitted, ctx, login_as, create_user
):
    fid = submitted
    login_as(RESIDENT)
    assert client.get(f"/orgs/f/{fid}").status_code == 404
    assert client.get("/orgs/f/999999").status_code == 404
    assert act(client, fid, "pass").status_code == 404
    create_user("13800000066", roles=[("community_reviewer", community("C02"))])
    login_as("13800000066")
    assert client.get(f"/orgs/f/{fid}").status_code == 403
    assert client.post(f"/orgs/f/{fid}/act/pass", data={}).status_code == 403
    assert client.get("/orgs/f/999999").status_code == 404
    assert ORG_NAME not in client.get("/orgs/queue").get_data(as_text=True)
    # A street reviewer sees it, but may not take the community's step.
    login_as(STREET_REVIEWER)
    assert act(client, fid, "pass").status_code == 422
    assert stored(fid).state == "community_review"
    login_as(COMMUNITY_REVIEWER)
    assert client.post(f"/orgs/f/{fid}/step/name", data={"name": "别的名字"}).status_code == 403


def test_two_reviewers_deciding_at_once_one_wins(client, submitted, ctx, login_as, create_user):
    fid = submitted
    create_user("13800000067", roles=[("community_reviewer", community("C01"))])
    seen = str(stored(fid).version)
    login_as(COMMUNITY_REVIEWER)
    assert act(client, fid, "pass", version=seen).status_code == 303
    login_as("13800000067")
    response = act(client, fid, "return", version=seen, reason_name="换个名字")
    assert response.status_code == 409
    assert "刚被别人处理过" in response.get_data(as_text=True)
    filing = stored(fid)
    assert filing.state == "street_review"
    assert filing.reason_for == {}
    with pytest.raises(Conflict):
        FLOW.apply(filing, "approve", person(STREET_REVIEWER), version=int(seen))


def test_listed_people_are_told_and_may_decline(client, demo, ctx, login_as):
    fid = create_filing("draft", people=9).id
    login_as(ORG_OFFICER)
    client.post(
        f"/orgs/f/{fid}/people", data={"role": "member", "name": "张阿姨", "phone": RESIDENT}
    )
    assert act(client, fid, "submit").status_code == 303
    resident = person(RESIDENT)
    notice = db.session.scalar(select(Notice).where(Notice.user_id == resident.id))
    assert notice is not None
    assert "/orgs/listed/" in notice.url
    login_as(RESIDENT)
    assert client.post(notice.url, data={"reason": "我没有参加"}).status_code == 303
    entry = db.session.scalar(select(FilingPerson).where(FilingPerson.user_id == resident.id))
    assert (entry.status, entry.phone) == ("declined", "")
    assert rules.people_problem(stored(fid)) == "成员（含发起人）至少要10位，现在有9位。"
    login_as(COMMUNITY_REVIEWER)
    response = act(client, fid, "pass")
    assert response.status_code == 422
    assert "现在有9位" in response.get_data(as_text=True)


def test_a_reviewer_never_decides_their_own_application(client, demo, ctx, login_as):
    fid = create_filing(applicant=COMMUNITY_REVIEWER).id
    login_as(COMMUNITY_REVIEWER)
    assert act(client, fid, "pass").status_code == 422
    assert stored(fid).state == "community_review"


# ---- after approval -------------------------------------------------------------------------


@pytest.fixture
def approved(demo, ctx):
    return create_org()


def test_filing_numbers_count_up_per_street_and_year(approved, ctx):
    first = int(approved.number.rsplit("-", 1)[1])
    street = approved.community.street
    assert rules.next_number(street, 2031) == "S01-2031-0001"
    assert rules.next_number(street, 2031) == "S01-2031-0002"
    assert rules.next_number(street, utcnow().year).endswith(f"-{first + 1:04d}")


def test_renewal_reminder_expiry_and_renewal(client, approved, ctx, login_as):
    org = approved
    org.valid_until = utcnow() + timedelta(days=10)
    db.session.commit()
    assert lifecycle.expiry_tick()["renewal_reminded"] == 1
    assert lifecycle.expiry_tick()["renewal_reminded"] == 0
    counts = lifecycle.expiry_tick(now=utcnow() + timedelta(days=11))
    assert counts["expired"] == 1
    db.session.expire_all()
    assert db.session.get(Org, org.id).state == "expired"
    assert ORG_NAME not in client.get("/orgs/").get_data(as_text=True)
    assert "现在无效" in client.get(f"/orgs/verify/{org.number}").get_data(as_text=True)
    login_as(ORG_OFFICER)
    assert client.post(f"/orgs/{org.id}/renew", data={}).status_code == 303
    renewal = db.session.scalar(select(Filing).where(Filing.purpose == "renewal"))
    assert renewal.state == "street_review"
    login_as(STREET_REVIEWER)
    assert act(client, renewal.id, "approve").status_code == 303
    db.session.expire_all()
    org = db.session.get(Org, org.id)
    assert org.state == "active"
    assert org.valid_until > utcnow() + timedelta(days=3 * 365 - 2)


def test_a_change_of_person_in_charge_goes_to_the_street(client, approved, ctx, login_as):
    org = approved
    login_as(ORG_OFFICER)
    response = client.post(f"/orgs/{org.id}/change", data={})
    fid = filing_id_of(response)
    assert (
        client.post(
            f"/orgs/f/{fid}/step/leader",
            data={"leader_name": "李新", "leader_phone": "13900001111"},
        ).status_code
        == 303
    )
    assert act(client, fid, "submit").status_code == 303
    assert stored(fid).state == "street_review"
    assert db.session.get(Org, org.id).leader_name == "陈会长"
    login_as(STREET_REVIEWER)
    assert act(client, fid, "approve").status_code == 303
    db.session.expire_all()
    assert db.session.get(Org, org.id).leader_name == "李新"
    certificate = client.get(f"/orgs/{org.id}/certificate").get_data(as_text=True)
    assert "李新" in certificate
    assert "陈会长" not in certificate
    assert db.session.get(Org, org.id).officer.phone == ORG_OFFICER  # 李新 has no account

    # Handed to someone with an account, the organization is theirs to run.
    login_as(ORG_OFFICER)
    fid = filing_id_of(client.post(f"/orgs/{org.id}/change", data={}))
    handover = {"leader_name": "张阿姨", "leader_phone": RESIDENT}
    client.post(f"/orgs/f/{fid}/step/leader", data=handover)
    act(client, fid, "submit")
    login_as(STREET_REVIEWER)
    act(client, fid, "approve")
    db.session.expire_all()
    assert db.session.get(Org, org.id).officer.phone == RESIDENT


def test_join_accept_and_masked_phones_with_logged_reveals(client, approved, ctx, login_as):
    org = approved
    login_as(RESIDENT)
    assert client.post(f"/orgs/{org.id}/join", data={}).status_code == 303
    assert client.post(f"/orgs/{org.id}/join", data={}).status_code == 422
    page = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert "13900000001" not in page
    assert "139****0001" not in page
    asked = db.session.scalar(select(OrgMember).where(OrgMember.status == "asked"))
    asked_id = asked.id
    assert client.post(f"/orgs/{org.id}/members/{asked.id}/accept", data={}).status_code == 403
    login_as(ORG_OFFICER)
    page = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert "139****0001" in page
    assert "13900000001" not in page
    assert client.post(f"/orgs/{org.id}/members/{asked.id}/accept", data={}).status_code == 303
    db.session.expire_all()
    assert db.session.get(OrgMember, asked.id).status == "member"
    member = org.members[1]
    shown = client.post(f"/orgs/{org.id}/members/{member.id}/phone", data={})
    assert member.phone in shown.get_data(as_text=True)
    reveal = db.session.scalar(select(MemberPhoneReveal))
    assert reveal.user.phone == ORG_OFFICER
    assert reveal.whose == member.name
    login_as(RESIDENT)
    assert client.post(f"/orgs/{org.id}/members/{member.id}/phone", data={}).status_code == 403
    # Leaving takes the row, phone and all, off the list.
    assert client.post(f"/orgs/{org.id}/leave", data={}).status_code == 303
    db.session.expire_all()
    assert db.session.get(OrgMember, asked_id) is None


def test_deregistration_needs_a_reason(client, approved, ctx, login_as):
    org = approved
    login_as(ORG_OFFICER)
    assert client.post(f"/orgs/{org.id}/deregister", data={"reason": ""}).status_code == 422
    assert (
        client.post(f"/orgs/{org.id}/deregister", data={"reason": "成员都搬走了"}).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(Org, org.id).state == "deregistered"
    event = db.session.scalar(select(FilingEvent).where(FilingEvent.action == "deregister"))
    assert event.note == "成员都搬走了"
    client.post("/auth/logout", data={})
    assert client.get(f"/orgs/{org.id}").status_code == 404


def test_the_review_tick_reminds_and_flags_overdue_once(submitted, ctx):
    filing = stored(submitted)
    filing.deadline_at = utcnow() + timedelta(hours=3)
    db.session.commit()
    assert FLOW.tick()["reminded"] == 1
    assert FLOW.tick()["reminded"] == 0
    assert FLOW.tick(now=utcnow() + timedelta(hours=4))["overdue"] == 1
    admin_told = db.session.scalar(
        select(func.count(Notice.id)).where(
            Notice.user_id == person(ADMIN).id, Notice.text.contains("超过审核时限")
        )
    )
    assert admin_told == 1
    assert [e.action for e in stored(submitted).events][-2:] == ["remind", "overdue"]


def test_the_tick_command(runner, submitted):
    result = runner.invoke(args=["orgs", "tick"])
    assert result.exit_code == 0
    assert "reminded 0" in result.output


def test_the_people_list_is_a_fragment_for_htmx(client, demo, ctx, login_as):
    login_as(RESIDENT)
    fid = start(client)
    response = client.post(
        f"/orgs/f/{fid}/people", data={"role": "founder", "name": "甲", "phone": ""}, headers=HX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    assert "甲" in body
    entry = stored(fid).people[0]
    response = client.post(f"/orgs/f/{fid}/people/{entry.id}/remove", data={}, headers=HX)
    assert response.status_code == 200
    assert "还没有加人" in response.get_data(as_text=True)
    full = client.get(f"/orgs/f/{fid}/people")
    assert "<html" in full.get_data(as_text=True)


def test_the_officer_keeps_the_profile_and_nobody_else_may(client, approved, ctx, login_as):
    org = approved
    login_as(RESIDENT)
    assert client.post(f"/orgs/{org.id}/profile", data={"scope": "别人改的"}).status_code == 403
    assert client.post(f"/orgs/{org.id}/change", data={}).status_code == 403
    assert client.post(f"/orgs/{org.id}/deregister", data={"reason": "x"}).status_code == 403
    login_as(ORG_OFFICER)
    response = client.post(f"/orgs/{org.id}/profile", data={"scope": "每周二、四上午排练。"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Org, org.id).scope == "每周二、四上午排练。"
    assert "每周二、四上午排练。" in client.get(f"/orgs/{org.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/orgs/?community=abc&kind=nope&q=%25_", 200),
        ("get", "/orgs/verify/S01-1999-9999", 404),
        ("get", "/orgs/987654", 404),
        ("get", "/orgs/listed/987654", 404),
        ("get", "/orgs/f/FILING/step/nothing", 404),
        ("post", "/orgs/f/FILING/act/fly", 409),
        ("post", "/orgs/f/FILING/people/987654/remove", 404),
        ("post", "/orgs/apply", 422),
    ],
)
def test_odd_requests_get_a_clear_answer_never_a_500(
    client, demo, ctx, login_as, method, url, status
):
    login_as(RESIDENT)
    fid = start(client)
    url = url.replace("FILING", str(fid))
    data = {"community": "999", "name": "桃花社区"} if url == "/orgs/apply" else {}
    response = client.get(url) if method == "get" else client.post(url, data=data)
    assert response.status_code == status


def test_a_listing_may_be_declined_only_while_the_application_is_open(
    client, approved, ctx, login_as
):
    filing = approved.filings[0]
    entry = filing.people[0]
    entry.user = person(RESIDENT)
    db.session.commit()
    login_as(RESIDENT)
    response = client.post(f"/orgs/listed/{entry.id}", data={})
    assert "这份申请已经办完了" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FilingPerson, entry.id).status == "listed"


def test_the_directory_is_keyset_paged_with_its_filters_kept(client, demo, ctx):
    c01 = community("C01")
    until = utcnow() + timedelta(days=365)
    for n in range(64):
        # Names repeat in pairs: the id keeps their order and no page repeats or skips one.
        db.session.add(
            Org(
                number=f"T{n:03d}",
                community_id=c01.id,
                name=f"测试队{n // 2:02d}",
                kind="culture",
                valid_until=until,
            )
        )
    db.session.commit()
    expected = db.session.scalars(
        select(Org.number)
        .where(Org.state == "active", Org.name.contains("测试队"))
        .order_by(Org.name, Org.id)
    ).all()
    seen, later = walk(client, "/orgs/?q=测试队&kind=culture", r"· (T\d{3})</span>")
    assert seen == expected
    assert len(later) == 2
    assert all("q=" in url and "kind=culture" in url for url in later)
    for forged in ("999999", "x", "-5", str(2**31), str(2**62)):
        assert client.get("/orgs/", query_string={"after": forged}).status_code == 400


# ---- lists in keyset pages ---------------------------------------------------------------------


def test_the_review_queue_pages_by_deadline_then_id(client, demo, ctx, login_as):
    applicant = person(RESIDENT)
    soon = utcnow() + timedelta(days=3)
    for n in range(70):
        # Deadlines shared by several applications: the id orders them, none is lost.
        db.session.add(
            Filing(
                applicant_id=applicant.id,
                community_id=community("C01" if n % 5 else "C02").id,
                name=f"审核队{n:02d}",
                state="community_review" if n % 7 else "street_review",
                deadline_at=soon + timedelta(hours=n % 4),
            )
        )
    db.session.commit()
    expected = db.session.scalars(
        select(Filing.name)
        .where(Filing.state == "community_review", Filing.community_id == community("C01").id)
        .order_by(Filing.deadline_at, Filing.id)
    ).all()
    login_as(COMMUNITY_REVIEWER)
    names, later = walk(client, "/orgs/queue", r">(审核队\d\d)</a>")
    assert names == expected
    assert len(later) == 1
    refuses_forged_keys(client, "/orgs/queue")


def test_my_filings_and_listings_page_apart_each_keeping_the_others_place(
    client, demo, ctx, login_as
):
    applicant, listed = person(ORG_OFFICER), person(RESIDENT)
    for n in range(40):
        filing = Filing(applicant_id=applicant.id, community_id=community("C01").id)
        filing.name = f"我的申请{n:02d}"
        filing.people.append(FilingPerson(name="张阿姨", user_id=listed.id))
        db.session.add(filing)
    db.session.add(Filing(applicant_id=listed.id, name="她自己的", state="withdrawn"))
    db.session.commit()
    login_as(ORG_OFFICER)
    names, later = walk(client, "/orgs/mine", r">(我的申请\d\d)</a>")
    assert names == [f"我的申请{n:02d}" for n in reversed(range(40))]
    assert len(later) == 1
    client.post("/auth/logout", data={})
    login_as(RESIDENT)
    page = client.get("/orgs/mine?filings_after=5").get_data(as_text=True)
    assert "您还没有申请过" in page, "a withdrawn application is not listed"
    people = db.session.scalars(
        select(FilingPerson.id).where(FilingPerson.user_id == listed.id)
    ).all()
    shown, later = walk(client, "/orgs/mine", r'href="/orgs/listed/(\d+)"')
    assert shown == [str(i) for i in sorted(people, reverse=True)]
    assert len(later) == 1
    assert "filings_after=" not in later[0]
    listed_key = later[0].split("=")[1]
    both = client.get(f"{later[0]}&filings_after=7").get_data(as_text=True)
    assert FIRST.findall(both) == [
        f"/orgs/mine?listed_after={listed_key}",
        "/orgs/mine?filings_after=7",
    ], "each list's links keep the other's place"
    for arg in ("filings_after", "listed_after"):
        refuses_forged_keys(client, "/orgs/mine", arg)

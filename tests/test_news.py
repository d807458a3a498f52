"""The reporting loop as residents live it: the on-site check before the rating, news by SMS and
inbox at every turn in the reader's language, the resident's own timeline."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blueprints.auth.models import User
from blueprints.auth.people import staff_for
from blueprints.notices.models import Notice, Outbox
from blueprints.reports.models import ReportFollow
from blueprints.web import ratelimit
from extensions import db
from tests.people import DISPATCHER, GRID_WORKER, RESIDENT
from tests.test_reports import act, as_user, dispatch_to_worker, file_report, grid, jpeg, report

PHONE = "13912345678"


@pytest.fixture
def filed(client, demo, ctx):
    return file_report(client)[0]


def tracker_client(client):
    """Another test client holding the reporter's session (the phone that filed the report)."""
    other = client.application.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def texts_to(sms, phone=PHONE):
    return [t for p, t in sms if p == phone]


def rate(resident, ref, rating="satisfied"):
    return resident.post(
        f"/reports/{ref}/act/rate", data={"rating": rating, "version": str(report(ref).version)}
    )


# ---- the on-site check comes before the rating ----------------------------------------------


def test_a_handled_case_is_rated_only_once_checked_on_site(client, demo, login_as, ctx, sms):
    ref, _key = file_report(client)  # streetlight: the category needs an on-site check
    resident = tracker_client(client)
    dispatch_to_worker(client, login_as, ref, upto="sign")
    assert act(client, ref, "handle", note="换了灯泡").status_code == 303
    assert report(ref).state == "handled"

    page = resident.get(f"/reports/{ref}").get_data(as_text=True)
    assert "处理人说已处理好，网格员会来现场核查" in page
    assert "您对处理结果满意吗" not in page
    assert "已处理好，请您评价" not in page
    early = rate(resident, ref)
    assert early.status_code == 409, "told the case moved on, not given a rating form"
    assert "请看最新情况" in early.get_data(as_text=True)
    assert report(ref).state == "handled"
    assert report(ref).rating == ""
    assert "rate" not in [e.action for e in report(ref).events]

    as_user(client, login_as, DISPATCHER)
    assert act(client, ref, "verify").status_code == 303
    page = resident.get(f"/reports/{ref}").get_data(as_text=True)
    assert "已处理好，请您评价" in page
    assert "您对处理结果满意吗" in page
    assert "网格员已到现场核查，确认已处理好" in page
    assert rate(resident, ref).status_code == 303
    assert report(ref).state == "closed"
    assert report(ref).rating == "satisfied"


def test_a_category_without_a_check_goes_straight_to_rating(client, demo, login_as, ctx):
    ref, _key = file_report(client, code="graffiti")
    resident = tracker_client(client)
    dispatch_to_worker(client, login_as, ref, upto="sign")
    act(client, ref, "handle", note="清理干净了")
    assert report(ref).state == "verified"
    page = resident.get(f"/reports/{ref}").get_data(as_text=True)
    assert "已处理好，请您评价" in page
    assert "网格员会来现场核查" not in page
    assert rate(resident, ref).status_code == 303
    assert report(ref).state == "closed"


# ---- news at every turn that matters ------------------------------------------------------


def test_the_reporter_is_texted_what_changed_at_every_turn(client, demo, login_as, ctx, sms):
    ref, _key = file_report(client)
    resident = tracker_client(client)
    grouped = report(ref).grouped_ref
    assert texts_to(sms)[-1].startswith("【邻里】已收到您的反映")
    assert "/reports/t/" in texts_to(sms)[-1]
    dispatch_to_worker(client, login_as, ref, upto="sign")
    track = "http://127.0.0.1:5000/reports/track"
    assert texts_to(sms)[-1] == f"【邻里】您反映的问题 {grouped} 已交给处理人员办理。进度：{track}"
    act(client, ref, "start")
    act(client, ref, "handle", note="换了灯泡")
    assert len(texts_to(sms)) == 2, "signing, starting and handling are no texts"
    as_user(client, login_as, DISPATCHER)
    act(client, ref, "verify")
    assert texts_to(sms)[-1] == (
        f"【邻里】您反映的问题 {grouped} 已处理好，请打开链接评价是否满意：{track}"
    )
    assert rate(resident, ref, "unsatisfied").status_code == 303
    assert report(ref).state == "reopened"
    # The number has had three texts in ten minutes: the fourth waits in the outbox, held.
    held = db.session.scalars(select(Outbox).where(Outbox.phone == PHONE)).all()[-1]
    assert held.state == "held"
    assert held.text == (
        f"【邻里】您反映的问题 {grouped} 已重新安排处理，处理好后会再请您评价。进度：{track}"
    )


def test_a_returned_report_is_texted_with_a_link_to_its_reason(client, demo, login_as, ctx, sms):
    ref, _key = file_report(client)
    as_user(client, login_as, DISPATCHER)
    act(client, ref, "return", reason="不属于本街道管辖")
    assert texts_to(sms)[-1] == (
        f"【邻里】您反映的问题 {report(ref).grouped_ref} 暂不受理，原因请看："
        "http://127.0.0.1:5000/reports/track"
    )


def test_a_typed_strangers_phone_is_not_flooded(client, demo, login_as, ctx, sms):
    """Someone types another person's number into report after report: it gets three texts."""
    refs = [file_report(client.application.test_client(), phone="13700000000")[0] for _ in range(3)]
    as_user(client, login_as, DISPATCHER)
    for ref in refs:
        act(client, ref, "return", reason="重复")
    assert len(texts_to(sms, "13700000000")) == 3
    rows = db.session.scalars(select(Outbox).where(Outbox.phone == "13700000000")).all()
    assert [r.state for r in rows].count("held") == 3


# ---- in the reader's language, whatever the staff's ------------------------------------------

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Place names stay Chinese in English too (第一网格); nothing else may.
PLACE_NAMES = re.compile(r"第一网格|路灯不亮已经三天了|不属于本街道管辖|换了灯泡")


def inbox_lines(resident):
    """Every message the inbox page shows, and each thread's heading."""
    page = resident.get("/notices/").get_data(as_text=True)
    said = re.findall(r'<span class="said">(.*?)</span>', page)
    return said + [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2>(.*?)</h2>", page)]


@pytest.mark.parametrize(("resident_lang", "staff_lang"), [("zh_Hans", "en"), ("en", "zh_Hans")])
def test_the_whole_loop_speaks_the_residents_language(
    client, demo, login_as, ctx, sms, monkeypatch, resident_lang, staff_lang
):
    monkeypatch.setattr(ratelimit, "SMS_PER_NUMBER", ("100/minute",))
    user = db.session.scalar(select(User).where(User.phone == RESIDENT))
    user.locale = resident_lang
    db.session.commit()
    resident = client.application.test_client()
    resident.set_cookie("lang", resident_lang)
    resident.post("/auth/login", data={"phone": RESIDENT, "password": "linli-demo"})
    ref, _key = file_report(resident, phone="")
    client.set_cookie("lang", staff_lang)
    as_user(client, login_as, DISPATCHER)
    worker = staff_for("grid_worker", grid("G01"))[0]
    act(client, ref, "accept", urgency="normal")
    act(client, ref, "dispatch", assignee=f"user:{worker.id}", note="尽快", public_note="1")
    as_user(client, login_as, GRID_WORKER)
    for action, data in [("sign", {}), ("start", {}), ("note", {"note": "已联系电工"})]:
        act(client, ref, action, **data)
    act(client, ref, "handle", note="换了灯泡")
    as_user(client, login_as, DISPATCHER)
    act(client, ref, "redo", reason="还是不亮")
    as_user(client, login_as, GRID_WORKER)
    act(client, ref, "handle", note="换了灯泡")
    as_user(client, login_as, DISPATCHER)
    act(client, ref, "verify")
    rate(resident, ref, "unsatisfied")
    act(client, ref, "dispatch", assignee=f"user:{worker.id}")
    assert report(ref).state == "dispatched"

    texts = texts_to(sms, RESIDENT)
    lines = inbox_lines(resident)
    assert len(texts) == 5, texts  # receipt, handed on, ready to rate, reopened, handed on again
    assert len(lines) >= 10, lines
    for said in texts + lines:
        if resident_lang == "zh_Hans":
            assert not re.search(r"[A-Za-z]{3,}", re.sub(r"https?://\S+", "", said)), said
        else:
            assert not CHINESE.search(PLACE_NAMES.sub("", said)), said


# ---- the resident's timeline is theirs ------------------------------------------------------


def test_the_residents_timeline_speaks_their_words(client, demo, login_as, ctx):
    ref, _key = file_report(client, photo=jpeg())
    resident = tracker_client(client)
    as_user(client, login_as, DISPATCHER)
    worker = staff_for("grid_worker", grid("G01"))[0]
    act(client, ref, "accept", urgency="normal")
    act(client, ref, "dispatch", assignee=f"user:{worker.id}", note="先联系物业王经理")
    as_user(client, login_as, GRID_WORKER)
    act(client, ref, "sign")
    act(client, ref, "note", note="已联系电工")
    act(client, ref, "handle", note="换了灯泡")
    as_user(client, login_as, DISPATCHER)
    act(client, ref, "verify")
    staff_page = client.get(f"/reports/{ref}").get_data(as_text=True)
    assert "先联系物业王经理" in staff_page
    assert "记录进展" in staff_page
    page = resident.get(f"/reports/{ref}").get_data(as_text=True)
    assert "先联系物业王经理" not in page, "a dispatch note is for the handler"
    assert "记录进展" not in page
    assert "处理人记下了进展" in page
    assert "已联系电工" in page
    assert "处理人说已处理好" in page
    assert "网格员已到现场核查，确认已处理好" in page
    assert "处理前" in page


def test_a_dispatch_note_marked_public_is_read_by_the_resident(client, filed, login_as):
    resident = tracker_client(client)
    as_user(client, login_as, DISPATCHER)
    worker = staff_for("grid_worker", grid("G01"))[0]
    act(client, filed, "accept", urgency="normal")
    act(client, filed, "dispatch", assignee=f"user:{worker.id}", note="明天上午到", public_note="1")
    assert "明天上午到" in resident.get(f"/reports/{filed}").get_data(as_text=True)
    stranger = client.application.test_client().get(f"/reports/{filed}").get_data(as_text=True)
    assert "明天上午到" in stranger
    assert "居民反映的问题已受理" in stranger


def test_after_photos_are_captioned(client, filed, login_as):
    resident = tracker_client(client)
    dispatch_to_worker(client, login_as, filed, upto="sign")
    done = client.post(
        f"/reports/{filed}/act/handle",
        data={"note": "修好了", "version": str(report(filed).version), "photo": (jpeg(), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 303
    page = resident.get(f"/reports/{filed}").get_data(as_text=True)
    assert "处理后" in page
    assert "处理前" not in page


# ---- strangers are not the reporter ---------------------------------------------------------


def test_a_stranger_reads_the_case_in_the_third_person(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    act(client, filed, "accept", urgency="normal")
    stranger = client.application.test_client()
    page = stranger.get(f"/reports/{filed}").get_data(as_text=True)
    assert "居民反映的问题已受理" in page
    assert "已收到居民的反映" in page
    assert "已收到您的反映" not in page
    assert "您反映" not in page


def test_me_too_shows_as_done_once_pressed(client, filed):
    stranger = client.application.test_client()
    assert "我也遇到了</button>" in stranger.get(f"/reports/{filed}").get_data(as_text=True)
    assert stranger.post(f"/reports/{filed}/metoo", data={}).status_code == 303
    page = stranger.get(f"/reports/{filed}").get_data(as_text=True)
    assert "您已说过也遇到了这个问题" in page
    assert "我也遇到了</button>" not in page
    other = client.application.test_client()
    assert "我也遇到了</button>" in other.get(f"/reports/{filed}").get_data(as_text=True)


def follower_client(client, phone=RESIDENT, lang="zh_Hans"):
    user = db.session.scalar(select(User).where(User.phone == phone))
    user.locale = lang
    db.session.commit()
    follower = client.application.test_client()
    follower.set_cookie("lang", lang)
    follower.post("/auth/login", data={"phone": phone, "password": "linli-demo"})
    return follower, user


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_a_follower_is_told_the_public_steps_only(client, filed, login_as, lang):
    follower, user = follower_client(client, lang=lang)
    assert f'/reports/{filed}/follow"' in follower.get(f"/reports/{filed}").get_data(as_text=True)
    assert follower.post(f"/reports/{filed}/follow", data={}).status_code == 303
    assert follower.post(f"/reports/{filed}/follow", data={}).status_code == 303
    assert db.session.scalar(select(func.count(ReportFollow.id))) == 1
    assert f'/reports/{filed}/unfollow"' in follower.get(f"/reports/{filed}").get_data(as_text=True)
    worker = dispatch_to_worker(client, login_as, filed, upto="sign")
    act(client, filed, "note", note="物业电话13500000000", internal="1")
    act(client, filed, "ask_extension", hours="24", reason="等配件")
    act(client, filed, "handle", note="换了灯泡")
    told = [n.message for n in db.session.scalars(select(Notice).where(Notice.user_id == user.id))]
    told_text = " ".join(told)
    assert len(told) == 4, told  # accepted, handed on, signed for, handled
    assert "13500000000" not in told_text
    assert "等配件" not in told_text
    assert "已交给第一网格网格员处理" in told
    lines = " ".join(inbox_lines(follower))
    if lang == "en":
        assert "Handed to the grid worker of 第一网格" in lines
        assert not CHINESE.search(PLACE_NAMES.sub("", lines)), lines
    inbox = follower.get("/notices/").get_data(as_text=True)
    assert "13500000000" not in inbox
    assert worker.display_name not in inbox
    assert follower.post(f"/reports/{filed}/unfollow", data={}).status_code == 303
    assert db.session.scalar(select(func.count(ReportFollow.id))) == 0


def test_follow_refuses_forged_private_and_own_cases(client, demo, login_as, ctx):
    sensitive, _key = file_report(client, code="neighbour")
    own, _key = file_report(client)
    follower, user = follower_client(client)
    assert follower.post("/reports/000000000000/follow", data={}).status_code == 404
    assert follower.post(f"/reports/{sensitive}/follow", data={}).status_code == 404
    assert follower.post(f"/reports/{own}/follow", data={}, csrf=False).status_code == 400
    reporter = tracker_client(client)
    assert reporter.post(f"/reports/{own}/follow", data={}).status_code in (302, 401)
    login_as(DISPATCHER)
    assert client.post(f"/reports/{own}/follow", data={}).status_code == 403
    assert db.session.scalar(select(func.count(ReportFollow.id))) == 0


# ---- an inbox that reads like news ------------------------------------------------------------


def test_the_inbox_groups_news_per_case_and_clears_a_case_when_opened(client, demo, login_as, ctx):
    resident, user = follower_client(client)
    first, _key = file_report(resident, phone="")
    second, _key = file_report(resident, phone="")
    as_user(client, login_as, DISPATCHER)
    act(client, first, "accept", urgency="normal")
    act(client, second, "accept", urgency="normal")
    worker = staff_for("grid_worker", grid("G01"))[0]
    act(client, first, "dispatch", assignee=f"user:{worker.id}")

    page = resident.get("/notices/").get_data(as_text=True)
    headings = re.findall(r"<h2>(.*?)</h2>", page, re.S)
    assert len(headings) == 2, "one thread per case"
    assert report(first).grouped_ref in headings[0], "the case with the newest news first"
    assert report(second).grouped_ref in headings[1]
    threads = page.split("<h2>")[1:]
    said = re.findall(r'<span class="said">(.*?)</span>', threads[0])
    assert said == ["已交给第一网格网格员处理", "已受理，正在安排人员"], "newest first"
    assert "2 条新消息" in threads[0]
    assert "共 2 条" in threads[0]
    assert "1 条新消息" in threads[1]
    assert "3 条未读" in resident.get("/").get_data(as_text=True)

    newest = db.session.scalars(
        select(Notice).where(Notice.user_id == user.id).order_by(Notice.id.desc())
    ).first()
    opened = resident.get(f"/notices/{newest.id}")
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/reports/{first}"
    unread = db.session.scalars(
        select(Notice.url).where(Notice.user_id == user.id, Notice.read.is_(False))
    ).all()
    assert unread == [f"/reports/{second}"], "only the opened case is read"
    assert "1 条未读" in resident.get("/").get_data(as_text=True)

    # Another person's message is not theirs to open.
    login_as(DISPATCHER)
    assert client.get(f"/notices/{newest.id}").status_code == 404
    assert client.get("/notices/999999").status_code == 404


# ---- own reports follow the person -------------------------------------------------------------


def stored(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def sign_up(client, phone=PHONE):
    response = client.post("/auth/signup", data={"phone": phone, "password": "long enough"})
    assert response.status_code == 303
    return db.session.scalar(select(User).where(User.phone == phone))


def phone_code(sms, phone=PHONE):
    text = next(t for p, t in reversed(sms) if p == phone and "验证码" in t)
    return re.search(r"验证码是 (\d{6})", text).group(1)


def offered_id(page):
    found = re.search(r'name="report" value="(\d+)"', page)
    return int(found.group(1)) if found else None


def test_sign_up_verifies_the_phone_then_offers_old_reports_one_by_one(
    client, demo, ctx, sms, monkeypatch
):
    monkeypatch.setattr(ratelimit, "SMS_PER_NUMBER", ("100/minute",))
    first, _key = file_report(client.application.test_client())
    second, _key = file_report(client.application.test_client())
    other_phone, _key = file_report(client.application.test_client(), phone="13700000000")
    old, _key = file_report(client.application.test_client())
    report(old).created_at = report(old).created_at - timedelta(days=91)
    db.session.commit()

    resident = client.application.test_client()
    user = sign_up(resident)
    assert "验证手机号" in resident.get("/").get_data(as_text=True)
    page = resident.get("/reports/claim").get_data(as_text=True)
    assert offered_id(page) is None, "nothing before the code"
    assert "请先验证手机号" in page, "nothing before the code"
    wrong = resident.post(
        "/auth/phone", data={"code": "000000" if phone_code(sms) != "000000" else "111111"}
    )
    assert wrong.status_code == 422
    assert "验证码不对" in wrong.get_data(as_text=True)
    done = resident.post("/auth/phone", data={"code": phone_code(sms)})
    assert done.status_code == 303
    assert done.headers["Location"] == "/reports/claim"
    assert stored(User, user.id).phone_verified_at is not None

    page = resident.get("/reports/claim").get_data(as_text=True)
    assert offered_id(page) == report(first).id
    assert "路灯不亮" in page
    assert (
        resident.post(
            "/reports/claim", data={"report": str(report(first).id), "answer": "mine"}
        ).status_code
        == 303
    )
    assert report(first).reporter_id == user.id
    assert report(first).events[-1].action == "claim"
    assert not report(first).events[-1].public
    page = resident.get("/reports/claim").get_data(as_text=True)
    assert offered_id(page) == report(second).id
    resident.post("/reports/claim", data={"report": str(report(second).id), "answer": "not_mine"})
    assert report(second).reporter_id is None
    page = resident.get("/reports/claim").get_data(as_text=True)
    assert offered_id(page) is None
    assert "没有要找回的反映了" in page
    assert report(other_phone).reporter_id is None
    assert report(old).reporter_id is None
    mine = resident.get("/reports/mine").get_data(as_text=True)
    assert report(first).grouped_ref in mine
    assert report(second).grouped_ref not in mine


def test_claims_refuse_forged_and_other_peoples_reports(client, demo, ctx, sms, monkeypatch):
    monkeypatch.setattr(ratelimit, "SMS_PER_NUMBER", ("100/minute",))
    mine, _key = file_report(client.application.test_client())
    later, _key = file_report(client.application.test_client())
    theirs, _key = file_report(client.application.test_client(), phone="13700000000")
    resident = client.application.test_client()
    sign_up(resident)
    # Not verified yet: not even the report on offer.
    resident.post("/reports/claim", data={"report": str(report(mine).id), "answer": "mine"})
    assert report(mine).reporter_id is None
    resident.post("/auth/phone", data={"code": phone_code(sms)})
    for forged in (report(theirs).id, report(later).id, 999999, "x"):
        answer = resident.post("/reports/claim", data={"report": str(forged), "answer": "mine"})
        assert answer.status_code == 303
    assert "不能认领" in resident.get("/reports/claim").get_data(as_text=True)
    assert report(theirs).reporter_id is None, "another phone's report"
    assert report(later).reporter_id is None, "only the report on offer, one at a time"
    no_token = resident.post(
        "/reports/claim", data={"report": str(report(mine).id), "answer": "mine"}, csrf=False
    )
    assert no_token.status_code == 400
    assert report(mine).reporter_id is None
    # Someone else signed in with a verified phone of their own gets nothing of this phone's.
    stranger = client.application.test_client()
    sign_up(stranger, phone="13700000000")
    stranger.post("/auth/phone", data={"code": phone_code(sms, "13700000000")})
    stranger.post("/reports/claim", data={"report": str(report(mine).id), "answer": "mine"})
    assert report(mine).reporter_id is None


def test_the_reporter_adds_an_update_and_a_photo_to_an_open_case(client, filed, login_as):
    resident = tracker_client(client)
    worker = dispatch_to_worker(client, login_as, filed, upto="sign")
    page = resident.get(f"/reports/{filed}").get_data(as_text=True)
    assert f"/reports/{filed}/act/add_update" in page
    empty = resident.post(
        f"/reports/{filed}/act/add_update",
        data={"note": " ", "version": str(report(filed).version)},
    )
    assert empty.status_code == 422
    assert "请写几句说明" in empty.get_data(as_text=True)
    added = resident.post(
        f"/reports/{filed}/act/add_update",
        data={
            "note": "晚上更黑了，7栋也不亮",
            "version": str(report(filed).version),
            "photo": (jpeg(), "b.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert added.status_code == 303
    r = report(filed)
    assert r.events[-1].action == "add_update"
    assert r.events[-1].note == "晚上更黑了，7栋也不亮"
    assert [p.kind for p in r.photos] == ["update"]
    assert r.state == "signed"
    told = db.session.scalars(select(Notice.text).where(Notice.user_id == worker.id)).all()
    assert "反映人补充了情况 %(ref)s" in told
    page = resident.get(f"/reports/{filed}").get_data(as_text=True)
    assert "晚上更黑了" in page
    assert "反映人补充" in page
    stranger = client.application.test_client()
    assert "晚上更黑了" not in stranger.get(f"/reports/{filed}").get_data(as_text=True)
    forged = stranger.post(
        f"/reports/{filed}/act/add_update",
        data={"note": "假的", "version": str(report(filed).version)},
    )
    assert forged.status_code == 422
    assert report(filed).events[-1].note != "假的"

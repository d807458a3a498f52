"""Grid reporting: intake, the closed loop, privacy and access, through the test client."""

import io
import json
import re
import threading

import pytest
from PIL import Image
from sqlalchemy import func, select

from blueprints.auth.people import staff_for
from blueprints.core.errors import Conflict
from blueprints.core.roles import Role
from blueprints.notices.models import Notice
from blueprints.places.models import Community, Department, Grid
from blueprints.reports import intake, refs, workflow
from blueprints.reports.models import Category, PhoneReveal, Report, ReportPhoto
from blueprints.util.times import utcnow
from extensions import db
from tests.keyset import refuses_forged_keys, walk
from tests.people import ADMIN, C02_GRID_WORKER, DISPATCHER, GRID_WORKER, HANDLER, RESIDENT


def category(code):
    return db.session.scalar(select(Category).where(Category.code == code))


def grid(code):
    return db.session.scalar(select(Grid).where(Grid.code == code))


def jpeg(size=(800, 600), exif_gps=False):
    image = Image.new("RGB", size, (200, 120, 40))
    buffer = io.BytesIO()
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (28.0, 12.0, 0.0)}  # GPSInfo
        exif[0x010F] = "PhoneMaker"
        kwargs["exif"] = exif
    image.save(buffer, "JPEG", **kwargs)
    buffer.seek(0)
    return buffer


def file_report(client, code="streetlight", grid_code="G01", phone="13912345678", photo=None):
    with client.application.app_context():
        cat_id, grid_id = category(code).id, grid(grid_code).id
    assert client.post("/reports/new", data={"category": str(cat_id)}).status_code == 303
    details = client.post(
        "/reports/new/details",
        data={"description": "路灯不亮已经三天了", "grid": str(grid_id), "address": "5栋门口"},
    )
    assert details.status_code == 303, details.get_data(as_text=True)[:300]
    if photo is not None:
        client.post(
            "/reports/new/photos",
            data={"photos": (photo, "p.jpg")},
            content_type="multipart/form-data",
        )
    page = client.get("/reports/new/check").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    done = client.post("/reports/new/check", data={"key": key, "phone": phone, "name": "王大爷"})
    assert done.status_code == 303
    ref = re.search(r"/reports/(\d{12})", done.headers["Location"]).group(1)
    return ref, key


def report(ref):
    db.session.expire_all()
    return db.session.scalar(select(Report).where(Report.ref == ref))


def act(client, ref, action, **data):
    data.setdefault("version", str(report(ref).version))
    return client.post(f"/reports/{ref}/act/{action}", data=data)


@pytest.fixture
def filed(client, demo, ctx):
    ref, _ = file_report(client)
    return ref


def as_user(client, login_as, phone):
    client.post("/auth/logout", data={})
    login_as(phone)


def dispatch_to_worker(client, login_as, ref, upto="dispatch"):
    """As the dispatcher: accept and send to the G01 grid worker; then, as that worker, sign for
    it when upto="sign". Leaves the client signed in as the last actor."""
    as_user(client, login_as, DISPATCHER)
    worker = staff_for("grid_worker", grid("G01"))[0]
    act(client, ref, "accept", urgency="normal")
    act(client, ref, "dispatch", assignee=f"user:{worker.id}")
    if upto == "sign":
        as_user(client, login_as, GRID_WORKER)
        act(client, ref, "sign")
    return worker


# ---- intake --------------------------------------------------------------------------------


def test_anonymous_intake_creates_one_report_with_a_checked_ref(client, filed):
    r = report(filed)
    assert r.state == "submitted"
    assert r.reporter_id is None
    assert r.reporter_phone == "13912345678"
    assert refs.normalize_ref(filed) == filed
    assert len(filed) == 12
    assert r.deadline_at > utcnow()
    assert [e.action for e in r.events] == ["submit"]
    page = client.get(f"/reports/{filed}?new=1").get_data(as_text=True)
    assert r.grouped_ref in page
    assert "已收到您的反映" in page


def test_a_typo_in_a_ref_is_caught_by_the_check_digit(filed):
    wrong = filed[:-1] + str((int(filed[-1]) + 1) % 10)
    assert refs.normalize_ref(wrong) is None


def test_the_same_submission_sent_twice_makes_one_report(client, demo, ctx):
    ref, key = file_report(client)
    again = client.post("/reports/new/check", data={"key": key})
    assert again.status_code == 303
    assert ref in again.headers["Location"]
    assert db.session.scalar(select(func.count(Report.id))) == 1


def test_intake_errors_keep_what_was_typed(client, demo, ctx):
    client.post("/reports/new", data={"category": str(category("garbage").id)})
    response = client.post(
        "/reports/new/details",
        data={"description": "<script>x</script>", "grid": "", "address": ""},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请选择网格" in html
    assert "请写一下具体位置" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x" not in html


def test_a_forged_category_is_refused(client, demo):
    response = client.post("/reports/new", data={"category": "99999"})
    assert response.status_code == 422
    assert "请选择一个问题分类" in response.get_data(as_text=True)


def test_the_qr_grid_is_preselected(client, demo, ctx):
    client.get("/places/g/G03")
    client.post("/reports/new", data={"category": str(category("garbage").id)})
    html = client.get("/reports/new/details").get_data(as_text=True)
    assert (
        f'<option selected value="{grid("G03").id}"' in html
        or f'value="{grid("G03").id}" selected' in html
    )


def test_photos_are_reencoded_without_gps_and_thumbnailed(client, demo, ctx, app):
    ref, _ = file_report(client, photo=jpeg((3000, 2000), exif_gps=True))
    photo = report(ref).photos[0]
    assert not photo.fit_for_public
    assert photo.thumb_bytes <= 20 * 1024
    full = client.get(f"/reports/photo/{photo.id}")
    image = Image.open(io.BytesIO(full.data))
    assert max(image.size) <= 1600
    assert not image.getexif()
    full.close()
    thumb = client.get(f"/reports/photo/{photo.id}?size=thumb")
    assert len(thumb.data) <= 20 * 1024
    thumb.close()


def start_garbage_report(client):
    """The first two intake steps, answered."""
    client.post("/reports/new", data={"category": str(category("garbage").id)})
    client.post(
        "/reports/new/details",
        data={"description": "垃圾堆了很多天", "grid": str(grid("G01").id), "address": "菜场"},
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"", "照片是空的"),
        (b"MZ\x90\x00 not an image at all", "只能上传照片"),
        (b"<?php echo 1; ?>", "只能上传照片"),
    ],
)
def test_bad_uploads_get_a_clear_error_and_the_form_is_kept(client, demo, ctx, upload, message):
    start_garbage_report(client)
    response = client.post(
        "/reports/new/photos",
        data={"photos": (io.BytesIO(upload), "photo.jpg")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert db.session.scalar(select(func.count(ReportPhoto.id))) == 0
    check = client.get("/reports/new/check").get_data(as_text=True)
    assert "垃圾堆了很多天" in check


def test_an_oversized_photo_is_refused(client, demo, ctx, app):
    app.config["MAX_PHOTO_BYTES"] = 1000
    try:
        start_garbage_report(client)
        response = client.post(
            "/reports/new/photos",
            data={"photos": (jpeg(), "big.jpg")},
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_PHOTO_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 422
    assert "照片太大了" in response.get_data(as_text=True)


def test_similar_open_reports_are_offered_and_me_too_counts_once(client, filed, ctx):
    other = client.application.test_client()
    other.post("/reports/new", data={"category": str(category("streetlight").id)})
    response = other.post(
        "/reports/new/details",
        data={"description": "这边路灯也不亮", "grid": str(grid("G01").id), "address": "5栋"},
    )
    assert response.headers["Location"] == "/reports/new/similar"
    assert filed in other.get("/reports/new/similar").get_data(as_text=True)
    for _ in range(2):
        other.post(f"/reports/{filed}/metoo", data={"from": "intake"})
    assert report(filed).metoo_count == 1


def test_sensitive_reports_are_never_public(client, demo, ctx):
    ref, _ = file_report(client, code="neighbour")
    stranger = client.application.test_client()
    assert stranger.get(f"/reports/{ref}").status_code == 404
    assert intake.similar_reports(grid("G01").id, category("neighbour").id) == []


def test_public_page_shows_no_name_or_phone(client, filed):
    stranger = client.application.test_client()
    html = stranger.get(f"/reports/{filed}").get_data(as_text=True)
    assert "路灯不亮已经三天了" in html
    assert "王大爷" not in html
    assert "13912345678" not in html
    assert "139****5678" not in html


def receipt_code(sms, phone="13912345678"):
    """The 16-digit tracking code in the receipt SMS."""
    text = next(t for p, t in reversed(sms) if p == phone and "查询码" in t)
    return re.search(r"查询码 ((?:\d{4} ?){4})", text).group(1).replace(" ", "")


def test_the_receipt_gives_an_unguessable_tracking_code(client, filed, sms):
    code = receipt_code(sms)
    r = report(filed)
    assert len(code) == 16
    assert r.tracking_hash
    assert code not in r.tracking_hash
    assert filed not in code
    assert code[-4:] != "5678"
    page = re.sub(r"<[^>]+>", "", client.get(f"/reports/{filed}?new=1").get_data(as_text=True))
    assert " ".join(code[i : i + 4] for i in range(0, 16, 4)) in page
    text = next(t for p, t in sms if "查询码" in t)
    assert r.grouped_ref in text
    assert f"/reports/t/{code}" in text
    assert text.startswith("【邻里】已收到您的反映")


def test_tracking_needs_the_code_not_the_phone_digits(client, filed, sms):
    code = receipt_code(sms)
    stranger = client.application.test_client()
    old_way = stranger.post("/reports/track", data={"ref": filed, "last4": "5678"})
    assert old_way.status_code == 422
    bad = stranger.post("/reports/track", data={"ref": filed, "code": "1234 5678 1234 5678"})
    assert bad.status_code == 422
    assert "对不上" in bad.get_data(as_text=True)
    assert "撤回反映" not in stranger.get(f"/reports/{filed}").get_data(as_text=True)
    spaced = " ".join([filed[:4], filed[4:8], filed[8:]])
    good = stranger.post("/reports/track", data={"ref": spaced, "code": code})
    assert good.status_code == 303
    assert "撤回反映" in stranger.get(f"/reports/{filed}").get_data(as_text=True)


def test_the_receipt_link_opens_the_case_on_another_phone(client, filed, sms):
    other = client.application.test_client()
    response = other.get(f"/reports/t/{receipt_code(sms)}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/reports/{filed}"
    assert "撤回反映" in other.get(f"/reports/{filed}").get_data(as_text=True)
    assert client.application.test_client().get("/reports/t/1234567812345678").status_code == 404


def test_wrong_codes_are_counted_per_case_whatever_the_address(client, filed, sms):
    code = receipt_code(sms)
    wrong = "0000000000000000" if code != "0000000000000000" else "1111111111111111"
    for i in range(5):
        guesser = client.application.test_client()
        address = {"REMOTE_ADDR": f"10.0.{i}.7"}
        guess = guesser.post(
            "/reports/track", data={"ref": filed, "code": wrong}, environ_base=address
        )
        assert guess.status_code == 422
    late = client.application.test_client().post(
        "/reports/track",
        data={"ref": filed, "code": code},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert late.status_code == 422
    assert "试错太多次" in late.get_data(as_text=True)
    assert report(filed).track_misses == 5


def test_a_sensitive_case_never_opens_by_reference_and_phone_digits(client, demo, sms, ctx):
    ref, _key = file_report(client, code="neighbour")
    stranger = client.application.test_client()
    for data in ({"ref": ref, "last4": "5678"}, {"ref": ref, "code": "5678"}):
        assert stranger.post("/reports/track", data=data).status_code == 422
    assert stranger.get(f"/reports/{ref}").status_code == 404


def test_reporter_can_correct_and_withdraw_until_accepted(client, filed):
    assert act(client, filed, "correct", text="路灯不亮，晚上很黑").status_code == 303
    assert report(filed).description == "路灯不亮，晚上很黑"
    unsure = act(client, filed, "withdraw")
    assert unsure.status_code == 422
    assert "我确定要撤回" in unsure.get_data(as_text=True)
    assert report(filed).state == "submitted"
    assert act(client, filed, "withdraw", confirm="yes").status_code == 303
    assert report(filed).state == "withdrawn"


# ---- the loop --------------------------------------------------------------------------------


def test_the_whole_loop_to_a_satisfied_close(client, filed, login_as, sms):
    tracker_cookie = client.get_cookie("session")
    as_user(client, login_as, DISPATCHER)
    assert act(client, filed, "accept", urgency="urgent").status_code == 303
    worker = report(filed).grid and staff_for("grid_worker", grid("G01"))[0]
    assert act(client, filed, "dispatch", assignee=f"user:{worker.id}").status_code == 303
    assert report(filed).assignee.phone == GRID_WORKER
    assert db.session.scalar(select(Notice).where(Notice.user_id == worker.id)) is not None
    as_user(client, login_as, GRID_WORKER)
    for action, data in [
        ("sign", {}),
        ("start", {}),
        ("note", {"note": "已联系电工"}),
        ("handle", {"note": "换了灯泡"}),
    ]:
        response = act(client, filed, action, **data)
        assert response.status_code == 303, (action, response.get_data(as_text=True)[:400])
    assert report(filed).state == "handled"
    own = act(client, filed, "verify")
    assert own.status_code == 422
    assert "办理人不能核查自己办的案件" in own.get_data(as_text=True)
    as_user(client, login_as, DISPATCHER)
    assert act(client, filed, "verify").status_code == 303
    assert report(filed).state == "verified"
    assert sms[-1][0] == "13912345678"
    assert "评价" in sms[-1][1]
    resident = client.application.test_client()
    resident.set_cookie("session", tracker_cookie.value)
    page = resident.get(f"/reports/{filed}").get_data(as_text=True)
    assert "已处理好，请您评价" in page
    assert "您对处理结果满意吗" in page
    version = str(report(filed).version)
    assert (
        resident.post(
            f"/reports/{filed}/act/rate", data={"rating": "satisfied", "version": version}
        ).status_code
        == 303
    )
    r = report(filed)
    assert r.state == "closed"
    assert r.rating == "satisfied"
    assert [e.action for e in r.events] == [
        "submit",
        "accept",
        "dispatch",
        "sign",
        "start",
        "note",
        "handle",
        "verify",
        "rate",
    ]
    timeline = resident.get(f"/reports/{filed}").get_data(as_text=True)
    for words in ("已收到您的反映", "已受理，正在安排人员", "正在处理", "已办结，谢谢您"):
        assert words in timeline


def test_returned_with_a_reason_the_reporter_sees(client, filed, login_as):
    tracker = client.get_cookie("session").value
    as_user(client, login_as, DISPATCHER)
    missing = act(client, filed, "return", reason="")
    assert missing.status_code == 422
    assert "请写明原因" in missing.get_data(as_text=True)
    act(client, filed, "return", reason="不属于本街道管辖")
    resident = client.application.test_client()
    resident.set_cookie("session", tracker)
    assert "暂不受理：不属于本街道管辖" in resident.get(f"/reports/{filed}").get_data(as_text=True)


def test_sent_back_goes_back_to_the_dispatcher(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    act(client, filed, "accept", urgency="normal")
    department = db.session.scalar(select(Department).where(Department.code == "D01"))
    act(client, filed, "dispatch", assignee=f"dept:{department.id}")
    as_user(client, login_as, HANDLER)
    assert act(client, filed, "send_back", reason="不是我们部门的事").status_code == 303
    r = report(filed)
    assert r.state == "accepted"
    assert r.department is None
    assert r.events[-1].note == "不是我们部门的事"
    assert not r.events[-1].public


def test_extension_asked_and_approved_moves_the_deadline(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    act(client, filed, "accept", urgency="normal")
    worker = staff_for("grid_worker", grid("G01"))[0]
    act(client, filed, "dispatch", assignee=f"user:{worker.id}")
    as_user(client, login_as, GRID_WORKER)
    act(client, filed, "sign")
    before = report(filed).deadline_at
    assert act(client, filed, "ask_extension", hours="24", reason="等配件").status_code == 303
    as_user(client, login_as, DISPATCHER)
    assert act(client, filed, "approve_extension").status_code == 303
    r = report(filed)
    assert abs((r.deadline_at - before).total_seconds() - 24 * 3600) < 5
    assert r.extension_hours == 0


def test_transfer_and_merge(client, demo, login_as, ctx):
    first, _ = file_report(client)
    second, _ = file_report(client.application.test_client())
    as_user(client, login_as, DISPATCHER)
    act(client, first, "accept", urgency="normal")
    department = db.session.scalar(select(Department).where(Department.code == "D02"))
    worker = staff_for("grid_worker", grid("G01"))[0]
    act(client, first, "dispatch", assignee=f"user:{worker.id}")
    assert act(client, first, "transfer", assignee=f"dept:{department.id}").status_code == 303
    assert report(first).department_id == department.id
    assert report(first).assignee_id is None
    assert act(client, second, "merge", target=first).status_code == 303
    assert report(second).state == "merged"
    assert report(first).metoo_count == 1


def test_not_satisfied_reopens_then_closed_not_fixed(client, filed, login_as):
    tracker = client.get_cookie("session").value
    resident = client.application.test_client()
    resident.set_cookie("session", tracker)
    as_user(client, login_as, DISPATCHER)
    worker = staff_for("grid_worker", grid("G01"))[0]
    for round_ in range(2):
        if round_ == 0:
            act(client, filed, "accept", urgency="normal")
        act(client, filed, "dispatch", assignee=f"user:{worker.id}")
        as_user(client, login_as, GRID_WORKER)
        act(client, filed, "sign")
        act(client, filed, "handle", note="处理了")
        as_user(client, login_as, DISPATCHER)
        act(client, filed, "verify")
        resident.post(
            f"/reports/{filed}/act/rate",
            data={
                "rating": "unsatisfied",
                "comment": "还是不亮",
                "version": str(report(filed).version),
            },
        )
        if round_ == 0:
            assert report(filed).state == "reopened"
    r = report(filed)
    assert r.state == "closed", "closed, not fixed, is recorded as itself"
    assert r.rating == "unsatisfied", "closed, not fixed, is recorded as itself"


def test_no_answer_in_seven_days_closes_as_no_response(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed, upto="sign")
    act(client, filed, "handle", note="好了")
    as_user(client, login_as, DISPATCHER)
    act(client, filed, "verify")
    from datetime import timedelta

    workflow.sla_tick(utcnow() + timedelta(days=8))
    r = report(filed)
    assert r.state == "closed"
    assert r.rating == "no_response"


def test_sla_tick_reminds_and_flags_overdue_once(client, filed, runner):
    from datetime import timedelta

    r = report(filed)
    r.deadline_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    assert workflow.sla_tick()["reminded"] == 1
    assert workflow.sla_tick()["reminded"] == 0
    r = report(filed)
    r.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    out = runner.invoke(args=["reports", "tick"])
    assert "overdue 1" in out.output
    assert "overdue 0" in runner.invoke(args=["reports", "tick"]).output
    assert report(filed).supervised
    notices = db.session.scalar(select(func.count(Notice.id)).where(Notice.text.contains("已超时")))
    assert notices == 1


# ---- privacy and access --------------------------------------------------------------------


def test_phone_is_masked_until_revealed_and_the_reveal_is_logged(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    page = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert "139****5678" in page
    assert "13912345678" not in page
    revealed = client.post(f"/reports/{filed}/phone", data={})
    assert "13912345678" in revealed.get_data(as_text=True)
    log = db.session.scalar(select(PhoneReveal))
    assert log.report.ref == filed
    assert log.user.phone == DISPATCHER
    as_user(client, login_as, ADMIN)
    assert filed[:4] in client.get("/reports/reveals").get_data(as_text=True)


def test_a_grid_worker_of_another_grid_cannot_act_or_reveal(client, filed, login_as):
    as_user(client, login_as, C02_GRID_WORKER)  # grid worker of G04
    assert act(client, filed, "accept", urgency="normal").status_code == 422
    assert client.post(f"/reports/{filed}/phone", data={}).status_code == 403
    assert report(filed).state == "submitted"
    assert db.session.scalar(select(func.count(PhoneReveal.id))) == 0


def test_residents_cannot_dispatch_or_open_staff_pages(client, filed, login_as):
    as_user(client, login_as, RESIDENT)
    assert act(client, filed, "accept", urgency="normal").status_code == 422
    assert client.get("/reports/queue").status_code == 403
    assert client.get("/reports/tasks").status_code == 403
    assert client.get("/reports/reveals").status_code == 403


def test_forged_refs_and_actions(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    assert client.get("/reports/000000000000").status_code == 404
    assert (
        client.post("/reports/000000000000/act/accept", data={"urgency": "normal"}).status_code
        == 404
    )
    unknown = act(
        client, filed, "fly", urgency="normal"
    )  # told, on the case as it is; nothing done
    assert unknown.status_code == 409
    assert "已经变了" in unknown.get_data(as_text=True)
    assert report(filed).state == "submitted"
    assert client.post("/reports/photo/999/public", data={}).status_code == 404


def test_a_stale_form_is_told_the_case_moved_on(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    old = str(report(filed).version)
    act(client, filed, "accept", urgency="normal", version=old)
    response = act(client, filed, "accept", urgency="urgent", version=old)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "已经变了" in page
    assert 'id="act-dispatch"' in page  # the case as it is now
    assert report(filed).urgency == "normal"
    assert len(report(filed).events) == 2


def test_two_dispatchers_at_once_one_wins(app, filed):
    """Two sessions load the same case and act together: one commit wins, the other is told."""
    from blueprints.auth.models import User

    results = []
    barrier = threading.Barrier(2)

    def accept(urgency):
        with app.app_context():
            user = db.session.scalar(select(User).where(User.phone == DISPATCHER))
            r = db.session.scalar(select(Report).where(Report.ref == filed))
            assert r.events  # loaded before the race
            barrier.wait()
            try:
                workflow.apply(r, "accept", user, urgency=urgency)
                results.append("ok")
            except Conflict:
                results.append("conflict")
            except Exception as e:  # SQLite may refuse the second writer outright
                db.session.rollback()
                results.append(type(e).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept, args=(u,)) for u in ("normal", "urgent")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    events = [e.action for e in report(filed).events]
    assert events.count("accept") == 1


def test_dispatcher_queue_filters_and_polls_with_304(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    page = client.get("/reports/queue")
    assert filed[:4] in page.get_data(as_text=True)
    headers = {"HX-Request": "true", "HX-Request-Type": "partial"}
    fragment = client.get("/reports/queue", headers=headers)
    assert "<html" not in fragment.get_data(as_text=True)
    again = client.get(
        "/reports/queue", headers={**headers, "If-None-Match": fragment.headers["ETag"]}
    )
    assert again.status_code == 304
    empty = client.get(f"/reports/queue?category={category('garbage').id}").get_data(as_text=True)
    assert "没有待办案件" in empty


def test_tasks_list_for_the_assignee(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed)
    grouped = report(filed).grouped_ref
    as_user(client, login_as, GRID_WORKER)
    assert grouped in client.get("/reports/tasks").get_data(as_text=True)
    as_user(client, login_as, C02_GRID_WORKER)  # the grid worker of G04
    assert grouped not in client.get("/reports/tasks").get_data(as_text=True)


def test_grid_worker_files_for_a_resident(client, demo, login_as, ctx):
    login_as(GRID_WORKER)
    client.post("/reports/new", data={"category": str(category("garbage").id)})
    client.post(
        "/reports/new/details",
        data={"description": "楼道堆了很多杂物", "grid": str(grid("G01").id), "address": "3栋"},
    )
    key = re.search(
        r'name="key" value="([^"]+)"', client.get("/reports/new/check").get_data(as_text=True)
    ).group(1)
    resident = {"key": key, "mode": "resident", "phone": RESIDENT, "name": "张阿姨"}
    done = client.post("/reports/new/check", data=resident)
    r = report(re.search(r"/reports/(\d{12})", done.headers["Location"]).group(1))
    assert r.source == "assisted"
    assert r.reporter.phone == RESIDENT
    assert r.proxy.phone == GRID_WORKER
    client.post("/auth/logout", data={})
    login_as(RESIDENT)
    assert r.ref in client.get("/reports/mine").get_data(as_text=True)


def test_handled_with_an_after_photo_that_stays_private_until_marked_fit(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed, upto="sign")
    response = client.post(
        f"/reports/{filed}/act/handle",
        data={
            "note": "修好了",
            "version": str(report(filed).version),
            "photo": (jpeg(), "after.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    photo = report(filed).photos[0]
    assert photo.kind == "after"
    assert not photo.fit_for_public
    stranger = client.application.test_client()
    assert stranger.get(f"/reports/photo/{photo.id}").status_code == 404
    as_user(client, login_as, DISPATCHER)
    unchecked = client.post(f"/reports/photo/{photo.id}/public", data={})
    assert unchecked.status_code == 303
    assert not report(filed).photos[0].fit_for_public
    assert stranger.get(f"/reports/photo/{photo.id}").status_code == 404
    checked = client.post(f"/reports/photo/{photo.id}/public", data={"checked": "yes"})
    assert checked.status_code == 303
    assert report(filed).photos[0].fit_for_public
    shown = stranger.get(f"/reports/photo/{photo.id}")
    assert shown.status_code == 200
    assert shown.mimetype == "image/jpeg"
    shown.close()


def test_a_bad_after_photo_keeps_the_note(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed, upto="sign")
    response = client.post(
        f"/reports/{filed}/act/handle",
        data={
            "note": "修好了，换了新灯",
            "version": str(report(filed).version),
            "photo": (io.BytesIO(b"nope"), "x.jpg"),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "只能上传照片" in html
    assert "修好了，换了新灯" in html
    assert report(filed).state == "signed"


def test_staff_for_in_sql_agrees_with_grant_covers(demo, ctx):
    from blueprints.auth.models import RoleGrant, User
    from blueprints.core.roles import GRANTED_ROLES
    from blueprints.places.models import Community, Street

    places = [
        *db.session.scalars(select(Grid)),
        *db.session.scalars(select(Community)),
        *db.session.scalars(select(Department)),
        *db.session.scalars(select(Street)),
    ]
    users = db.session.scalars(select(User)).all()
    for place in places:
        for role in GRANTED_ROLES:
            expected = {u.id for u in users if any(g.covers(place) for g in u.grants_for(role))}
            assert {u.id for u in staff_for(role, place)} == expected, (place, role)
    assert db.session.scalar(select(func.count(RoleGrant.id))) > 0


def test_queue_pages_follow_the_deadline_without_gaps_or_repeats(client, demo, login_as, ctx):
    for i in range(45):
        data = intake.ReportAnswers(
            category_id=category("garbage").id,
            grid_id=grid(f"G0{i % 6 + 1}").id,
            description=f"第{i}件事需要处理",
            address="门口",
        )
        intake.submit_report(f"bulk-{i}", data)
    login_as(DISPATCHER)
    seen, later = walk(client, "/reports/queue", r'href="/reports/(\d{12})"')
    assert len(later) == 1
    assert len(seen) == 45
    assert len(set(seen)) == 45
    deadlines = [report(ref).deadline_at for ref in seen]
    assert deadlines == sorted(deadlines)
    refuses_forged_keys(client, "/reports/queue")
    login_as(GRID_WORKER)
    refuses_forged_keys(client, "/reports/tasks")


def test_the_queue_shows_each_dispatcher_the_cases_of_their_places(
    client, demo, ctx, login_as, create_user
):
    refs_in = {}
    for code in ("G01", "G02", "G04", "G06"):
        data = intake.ReportAnswers(
            category_id=category("garbage").id,
            grid_id=grid(code).id,
            description=f"{code}的垃圾没清",
            address="门口",
        )
        refs_in[code] = intake.submit_report(f"place-{code}", data).ref
    c01, c02 = (
        db.session.scalar(select(Community).where(Community.code == c)) for c in ("C01", "C02")
    )
    department = db.session.scalar(select(Department).where(Department.code == "D01"))
    people = {
        "13900000101": [(Role.DISPATCHER, c01)],
        "13900000102": [(Role.DISPATCHER, grid("G04"))],
        "13900000103": [(Role.DISPATCHER, grid("G01")), (Role.DISPATCHER, c02)],
        "13900000104": [(Role.DISPATCHER, department)],
        "13900000105": [(Role.ADMIN, None)],
    }
    for phone, roles in people.items():
        create_user(phone, roles=roles)
    expected = {
        "13900000101": {"G01", "G02"},
        "13900000102": {"G04"},
        "13900000103": {"G01", "G04", "G06"},
        "13900000104": set(),
        "13900000105": {"G01", "G02", "G04", "G06"},
        DISPATCHER: {"G01", "G02", "G04", "G06"},  # the demo's street dispatcher
    }
    for phone, codes in expected.items():
        client.post("/auth/logout", data={})
        login_as(phone)
        html = client.get("/reports/queue").get_data(as_text=True)
        shown = set(re.findall(r'href="/reports/(\d{12})"', html))
        assert shown == {refs_in[c] for c in codes}, phone
        # A filter narrows within the person's places, never beyond them.
        narrowed = client.get(f"/reports/queue?grid={grid('G04').id}").get_data(as_text=True)
        shown = set(re.findall(r'href="/reports/(\d{12})"', narrowed))
        assert shown == ({refs_in["G04"]} if "G04" in codes else set()), phone


def test_case_page_queries_do_not_grow_with_staff(client, filed, login_as, create_user, app):
    from sqlalchemy import event

    def queries_for_page():
        count = [0]

        def tick(*args):
            count[0] += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", tick)
        try:
            assert client.get(f"/reports/{filed}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", tick)
        return count[0]

    as_user(client, login_as, DISPATCHER)
    before = queries_for_page()
    for n in range(15):
        create_user(f"1370000{n:04d}", roles=[("grid_worker", grid("G01"))])
    assert queries_for_page() <= before + 1


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("dispatch", {"assignee": "user:99999"}, "请选择本网格的网格员"),
        ("dispatch", {"assignee": "user:OTHER_GRID_WORKER"}, "请选择本网格的网格员"),
        ("dispatch", {"assignee": "dept:99999"}, "请选择本街道的部门"),
        ("dispatch", {"assignee": "nonsense"}, "请选择交给谁处理"),
        ("merge", {"target": "000000000000"}, "没有找到可以并入的案件"),
        ("merge", {"target": "SELF"}, "没有找到可以并入的案件"),
    ],
)
def test_forged_assignees_and_targets_are_refused(client, filed, login_as, action, data, message):
    as_user(client, login_as, DISPATCHER)
    act(client, filed, "accept", urgency="normal")
    other = staff_for("grid_worker", grid("G04"))[0]
    data = {
        k: v.replace("OTHER_GRID_WORKER", str(other.id)).replace("SELF", filed)
        for k, v in data.items()
    }
    response = act(client, filed, action, **data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    r = report(filed)
    assert r.state == "accepted"
    assert r.assignee_id is None
    assert r.department_id is None
    assert [e.action for e in r.events] == ["submit", "accept"]


def test_stored_messages_are_read_in_the_readers_language(client, filed, login_as):
    worker = dispatch_to_worker(client, login_as, filed)
    english = {"Accept-Language": "en"}
    case = client.get(f"/reports/{filed}", headers=english).get_data(as_text=True)
    assert f"Dispatched to: {worker.display_name}" in case
    assert "交给" not in case
    as_user(client, login_as, GRID_WORKER)
    inbox = client.get("/notices/", headers=english).get_data(as_text=True)
    assert f"New task {filed}" in inbox
    assert "新任务" not in inbox
    assert f"新任务 {filed}，请签收" in client.get("/notices/").get_data(as_text=True)


def test_a_forged_version_is_a_conflict_not_a_crash(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    response = act(client, filed, "accept", urgency="normal", version="abc")
    assert response.status_code == 409
    assert report(filed).state == "submitted"


def test_urge_before_the_deadline_supervise_after(client, filed, login_as):
    worker = dispatch_to_worker(client, login_as, filed)
    page = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert "催办" in page
    assert "督办</button>" not in page
    early = act(client, filed, "supervise", note="快办")
    assert early.status_code == 422
    assert "还没到时限" in early.get_data(as_text=True)
    assert act(client, filed, "urge").status_code == 303
    assert (
        db.session.scalar(
            select(func.count(Notice.id)).where(
                Notice.user_id == worker.id, Notice.text.contains("抓紧")
            )
        )
        == 1
    )
    from datetime import timedelta

    r = report(filed)
    r.deadline_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert act(client, filed, "urge").status_code == 422
    assert act(client, filed, "supervise", note="请今天办完").status_code == 303
    assert report(filed).supervised


def test_departments_read_in_english_on_english_pages(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    act(client, filed, "accept", urgency="normal")
    english = client.get(f"/reports/{filed}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "City management squad" in english
    assert "城管执法中队" not in english
    assert "城管执法中队" in client.get(f"/reports/{filed}").get_data(as_text=True)


def test_a_me_too_does_not_make_the_dispatchers_form_stale(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    version = str(report(filed).version)
    neighbour = client.application.test_client()
    assert neighbour.post(f"/reports/{filed}/metoo", data={}).status_code == 303
    assert report(filed).metoo_count == 1
    assert act(client, filed, "accept", urgency="normal", version=version).status_code == 303
    assert report(filed).state == "accepted"


def test_a_categorys_extra_questions_are_asked_checked_and_shown(client, demo, login_as, ctx):
    client.post("/reports/new", data={"category": str(category("fire_lane").id)})
    page = client.get("/reports/new/details").get_data(as_text=True)
    assert "被什么堵住了" in page
    assert 'name="attribute[blocked_by]"' in page
    base = {"description": "消防通道被堵住了", "grid": str(grid("G02").id), "address": "2栋后面"}
    missing = client.post("/reports/new/details", data=dict(base))
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert "请回答这个问题" in html
    assert "消防通道被堵住了" in html
    forged = client.post("/reports/new/details", data={**base, "attribute[blocked_by]": "tank"})
    assert forged.status_code == 422
    done = client.post("/reports/new/details", data={**base, "attribute[blocked_by]": "ebike"})
    assert done.status_code == 303
    key = re.search(
        r'name="key" value="([^"]+)"', client.get("/reports/new/check").get_data(as_text=True)
    ).group(1)
    ref = re.search(
        r"/reports/(\d{12})",
        client.post("/reports/new/check", data={"key": key, "phone": "13912345678"}).headers[
            "Location"
        ],
    ).group(1)
    assert json.loads(report(ref).attributes) == {"blocked_by": "ebike"}
    login_as(DISPATCHER)
    case = client.get(f"/reports/{ref}").get_data(as_text=True)
    assert "<dt>被什么堵住了</dt><dd>电动车</dd>" in case


def test_a_number_question_wants_a_number(client, demo, ctx):
    client.post("/reports/new", data={"category": str(category("streetlight").id)})
    base = {"description": "路灯不亮了好几天", "grid": str(grid("G01").id), "address": "5栋"}
    bad = client.post("/reports/new/details", data={**base, "attribute[lights]": "三盏"})
    assert bad.status_code == 422
    assert "请填一个数字" in bad.get_data(as_text=True)
    assert (
        client.post("/reports/new/details", data={**base, "attribute[lights]": "3"}).status_code
        == 303
    )


def test_helper_departments_are_told_and_may_open_the_case(client, filed, login_as, create_user):
    from blueprints.places.models import Street

    as_user(client, login_as, DISPATCHER)
    act(client, filed, "accept", urgency="normal")
    lead, helper = (
        db.session.scalar(select(Department).where(Department.code == c)) for c in ("D02", "D01")
    )
    elsewhere = Street(code="S99", name="别的街道")
    foreign = Department(code="D99", name="别处的部门", street=elsewhere)
    db.session.add_all([elsewhere, foreign])
    db.session.commit()
    response = act(
        client,
        filed,
        "dispatch",
        assignee=f"dept:{lead.id}",
        helpers=[str(helper.id), str(foreign.id), "nonsense", str(lead.id)],
    )
    assert response.status_code == 303
    r = report(filed)
    assert [d.code for d in r.helper_departments] == ["D01"], "foreign, forged and lead ids ignored"
    assert "协办：城管执法中队" in client.get(f"/reports/{filed}").get_data(as_text=True)
    as_user(client, login_as, HANDLER)  # a handler of D01, the helper
    inbox = client.get("/notices/").get_data(as_text=True)
    assert f"请协助处理 {filed}" in inbox
    assert client.get(f"/reports/{filed}").status_code == 200
    act(client, filed, "sign")
    assert report(filed).state == "dispatched", "helpers see the case; the lead signs for it"


@pytest.mark.parametrize(("reporter_lang", "staff_lang"), [("zh_Hans", "en"), ("en", "zh_Hans")])
def test_the_reporter_is_texted_in_their_own_language(
    client, demo, login_as, sms, ctx, reporter_lang, staff_lang
):
    client.set_cookie("lang", reporter_lang)
    ref, _key = file_report(client)
    receipt = sms[-1][1]
    assert ("已收到您的反映" in receipt) == (reporter_lang == "zh_Hans"), receipt
    assert report(ref).reporter_locale == reporter_lang
    client.set_cookie("lang", staff_lang)
    as_user(client, login_as, DISPATCHER)
    act(client, ref, "accept", urgency="normal")
    worker = staff_for("grid_worker", grid("G01"))[0]
    act(client, ref, "dispatch", assignee=f"user:{worker.id}")
    as_user(client, login_as, GRID_WORKER)
    for action, data in [("sign", {}), ("handle", {"note": "换了灯泡"})]:
        assert act(client, ref, action, **data).status_code == 303
    as_user(client, login_as, DISPATCHER)
    assert act(client, ref, "verify").status_code == 303
    phone, text = sms[-1]
    assert phone == "13912345678"
    if reporter_lang == "zh_Hans":
        assert "已处理好" in text
        assert "handled" not in text
    else:
        assert "handled" in text.lower()
        assert "已处理好" not in text

"""The screens of the reporting loop as staff and residents use them: one obvious next step on the
case page, tasks grouped by what to do next, time left, what happens next, the check page, and
location links."""

import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blueprints.reports import photos
from blueprints.reports.models import Report, ReportEvent, ReportPhoto, ReportState
from blueprints.util.times import utcnow
from extensions import db
from tests.people import C02_GRID_WORKER, DISPATCHER, GRID_WORKER, RESIDENT
from tests.test_reports import (
    act,
    as_user,
    category,
    dispatch_to_worker,
    file_report,
    grid,
    jpeg,
    report,
)


@pytest.fixture
def filed(client, demo, ctx):
    return file_report(client)[0]


def actions_area(page):
    """The staff actions area: the primary form before the fold, and the folded ones."""
    area = page.split("<h2>现在可以做</h2>", 1)[1].split("<h2>办理经过</h2>", 1)[0]
    before, _sep, folded = area.partition('<details class="more-actions"')
    return before, folded


def buttons(html):
    return re.findall(r'<button class="btn[^"]*">([^<]+)</button>', html)


# ---- one obvious next step ------------------------------------------------------------


def test_the_case_page_leads_with_the_one_primary_action(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    lead, folded = actions_area(client.get(f"/reports/{filed}").get_data(as_text=True))
    assert buttons(lead) == ["受理"]
    assert "btn-primary" in lead
    assert "退回" in buttons(folded)
    assert "并案" in buttons(folded)
    act(client, filed, "accept", urgency="normal")
    lead, folded = actions_area(client.get(f"/reports/{filed}").get_data(as_text=True))
    assert buttons(lead) == ["派遣"]
    assert "并案" in buttons(folded)


def test_urge_is_offered_only_when_someone_is_assigned(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    act(client, filed, "accept", urgency="normal")
    page = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert "催办</button>" not in page
    dispatch_to_worker(client, login_as, filed)
    page = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert "催办</button>" in page


def test_a_grid_worker_signs_and_starts_in_one_action(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed)
    as_user(client, login_as, GRID_WORKER)
    lead, folded = actions_area(client.get(f"/reports/{filed}").get_data(as_text=True))
    assert buttons(lead) == ["签收并开始处置"]
    assert "签收" in buttons(folded)
    assert "退单" in buttons(folded)
    done = act(client, filed, "sign_start")
    assert done.status_code == 303
    case = report(filed)
    assert case.state == ReportState.IN_PROGRESS
    # The handling clock runs, and one clear event says what happened.
    assert case.deadline_at > utcnow() + timedelta(hours=60)
    last = db.session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == case.id).order_by(ReportEvent.id.desc())
    ).first()
    assert (last.action, last.from_state, last.to_state) == (
        "sign_start",
        ReportState.DISPATCHED,
        ReportState.IN_PROGRESS,
    )
    page = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert "已完成：签收并开始处置" in page
    lead, _folded = actions_area(page)
    assert buttons(lead) == ["办结"]


def test_a_grid_worker_handles_straight_from_signed(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed, upto="sign")
    lead, folded = actions_area(client.get(f"/reports/{filed}").get_data(as_text=True))
    assert buttons(lead) == ["办结"]
    assert "开始处置" in buttons(folded)
    assert act(client, filed, "handle", note="灯已修好").status_code == 303
    assert report(filed).state == ReportState.HANDLED


def test_nobody_else_may_sign_and_start(client, demo, login_as, ctx):
    ref, _key = file_report(client, phone=RESIDENT)
    dispatch_to_worker(client, login_as, ref)
    for who in (C02_GRID_WORKER, RESIDENT, DISPATCHER):
        as_user(client, login_as, who)
        refused = act(client, ref, "sign_start")
        assert refused.status_code in (403, 422), who
        assert "签收并开始处置</button>" not in client.get(f"/reports/{ref}").get_data(as_text=True)
    client.post("/auth/logout", data={})
    assert act(client, ref, "sign_start").status_code in (403, 422)
    assert report(ref).state == ReportState.DISPATCHED


def test_an_error_on_a_folded_step_opens_the_fold(client, filed, login_as):
    as_user(client, login_as, DISPATCHER)
    page = act(client, filed, "return", reason="").get_data(as_text=True)
    assert '<details class="more-actions" open>' in page
    assert "请写明原因" in page


# ---- tasks grouped by what to do next ---------------------------------------------------


def test_tasks_are_grouped_with_first_line_address_and_time_left(
    client, demo, login_as, ctx, create_user
):
    refs = [file_report(client)[0] for _ in range(3)]
    for ref in refs:
        dispatch_to_worker(client, login_as, ref)
    as_user(client, login_as, GRID_WORKER)
    act(client, refs[1], "sign_start")
    act(client, refs[2], "sign_start")
    act(client, refs[2], "handle", note="好了")
    case = report(refs[0])
    case.description = "路灯不亮已经三天了\n第二行不在列表里"
    case.deadline_at = utcnow() + timedelta(hours=4, minutes=30)
    db.session.commit()
    page = client.get("/reports/tasks").get_data(as_text=True)
    sign, work = page.split('id="tasks-sign"')[1], page.split('id="tasks-work"')[1]
    assert "待签收（1）" in page
    assert "处置中（1）" in page
    assert report(refs[0]).grouped_ref in sign.split('id="tasks-work"')[0]
    assert report(refs[1]).grouped_ref in work
    assert "路灯不亮已经三天了" in sign
    assert "第二行不在列表里" not in page
    assert "5栋门口" in sign
    assert "剩余 5 小时" in sign
    # The handled one waits for another grid worker's check, not this one's.
    assert "待核查" not in page
    assert report(refs[2]).grouped_ref not in page
    create_user("13700009999", roles=[("grid_worker", grid("G01"))])
    as_user(client, login_as, "13700009999")
    other = client.get("/reports/tasks").get_data(as_text=True)
    assert "待核查（1）" in other
    assert report(refs[2]).grouped_ref in other


def test_overdue_rows_say_so_in_red(client, filed, login_as):
    dispatch_to_worker(client, login_as, filed)
    case = report(filed)
    case.deadline_at = utcnow() - timedelta(hours=3, minutes=10)
    db.session.commit()
    page = client.get("/reports/queue").get_data(as_text=True)
    assert '<strong class="left late">已超时 4 小时</strong>' in page
    assert "时限 " not in page


# ---- what happens next, and when ------------------------------------------------------


def shown_time(app, moment):
    with app.test_request_context():
        return app.jinja_env.filters["when"](moment)


def test_the_confirmation_says_what_happens_next_and_when(client, demo, ctx, app):
    ref, _key = file_report(client)
    page = client.get(f"/reports/{ref}?new=1").get_data(as_text=True)
    assert "接下来会怎样" in page
    assert "指挥中心会在 4 小时内看您的反映" in page
    case = report(ref)
    # Accept within 4 hours, sign within 4 more, handle within 72: the streetlight's limits.
    expected = case.deadline_at + timedelta(hours=76)
    assert f"预计 {shown_time(app, expected)} 前处理好" in page
    assert "网格员会到现场核查" in page
    # The case page without the receipt keeps the expected date, not the panel.
    again = client.get(f"/reports/{ref}").get_data(as_text=True)
    assert "接下来会怎样" not in again
    assert f"预计 {shown_time(app, expected)} 前处理好" in again


def test_the_expected_date_follows_the_case(client, filed, login_as, app):
    dispatch_to_worker(client, login_as, filed)
    as_user(client, login_as, GRID_WORKER)
    act(client, filed, "sign_start")
    case = report(filed)
    client.post("/auth/logout", data={})
    # In progress: the handling deadline is the expected date the resident reads.
    public = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert f"预计 {shown_time(app, case.deadline_at)} 前处理好" in public
    as_user(client, login_as, DISPATCHER)
    staff = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert '<strong class="left">剩余 3 天</strong>' in staff  # 72 hours: counted in days
    assert shown_time(app, case.deadline_at) in staff
    act(client, filed, "urge")
    as_user(client, login_as, GRID_WORKER)
    act(client, filed, "handle", note="修好了")
    client.post("/auth/logout", data={})
    assert "预计" not in client.get(f"/reports/{filed}").get_data(as_text=True)


def test_time_left_reads_in_minutes_hours_and_days(app):
    from blueprints.reports.deadlines import time_left

    now = utcnow()
    with app.test_request_context():
        assert time_left(now + timedelta(minutes=20), now) == ("剩余 20 分钟", False)
        assert time_left(now + timedelta(hours=4, minutes=1), now) == ("剩余 5 小时", False)
        assert time_left(now + timedelta(hours=47), now) == ("剩余 47 小时", False)
        assert time_left(now + timedelta(hours=73), now) == ("剩余 4 天", False)
        assert time_left(now - timedelta(minutes=5), now) == ("已超时 5 分钟", True)
        assert time_left(now - timedelta(hours=30), now) == ("已超时 30 小时", True)
        assert time_left(None, now) == ("", False)


# ---- check your answers --------------------------------------------------------------


def start_draft(client, code="streetlight", answers=None, n_photos=0):
    with client.application.app_context():
        cat_id, grid_id = category(code).id, grid("G01").id
    client.post("/reports/new", data={"category": str(cat_id)})
    details = client.post(
        "/reports/new/details",
        data={
            "description": "路灯不亮已经三天了",
            "grid": str(grid_id),
            "address": "5栋",
            **(answers or {}),
        },
    )
    assert details.status_code == 303
    for _n in range(n_photos):
        client.post(
            "/reports/new/photos",
            data={"photos": (jpeg(), "p.jpg")},
            content_type="multipart/form-data",
        )
    return client.get("/reports/new/check").get_data(as_text=True)


def draft_key_of(page):
    return re.search(r'name="key" value="([^"]+)"', page).group(1)


def draft_photo_ids(page):
    return [int(n) for n in re.findall(r"/reports/new/photos/(\d+)/remove", page)]


def test_check_shows_everything_the_person_typed(client, demo, ctx):
    page = start_draft(client, answers={"attribute[lights]": "3"}, n_photos=2)
    assert "<dt>有几盏灯不亮</dt><dd>3 " in page
    assert "5栋" in page
    assert "路灯不亮已经三天了" in page
    assert page.count('size=thumb"') == 2
    assert len(draft_photo_ids(page)) == 2


def test_a_choice_answer_reads_by_its_name(client, demo, ctx):
    page = start_draft(client, code="fire_lane", answers={"attribute[blocked_by]": "ebike"})
    assert "<dt>被什么堵住了</dt><dd>电动车 " in page


def test_the_last_page_asks_how_to_reach_the_reporter_and_keeps_a_wrong_phone(client, demo, ctx):
    before = db.session.scalar(select(func.count()).select_from(Report))
    page = start_draft(client)
    assert "怎么联系您" in page
    assert "第 4 步，共 4 步" in page
    typed = {"key": draft_key_of(page), "phone": "1391234", "name": "王大爷<script>"}
    answer = client.post("/reports/new/check", data=typed)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "请检查以下内容" in html
    assert 'value="1391234"' in html
    assert "王大爷&lt;script&gt;" in html
    assert db.session.scalar(select(func.count()).select_from(Report)) == before
    done = client.post("/reports/new/check", data={**typed, "phone": "139 1234 5678"})
    assert done.status_code == 303
    stored = db.session.scalar(select(Report).order_by(Report.id.desc()))
    assert (stored.reporter_phone, stored.reporter_name) == ("13912345678", "王大爷<script>")


def test_a_grid_worker_filing_for_a_resident_must_give_their_phone(client, demo, ctx, login_as):
    login_as(GRID_WORKER)
    before = db.session.scalar(select(func.count()).select_from(Report))
    page = start_draft(client)
    assert "替居民反映（代办）" in page
    key = draft_key_of(page)
    missing = client.post("/reports/new/check", data={"key": key, "mode": "resident"})
    assert missing.status_code == 422
    assert "替居民反映时，请填写居民的手机号" in missing.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Report)) == before
    resident = {"key": key, "mode": "resident", "phone": RESIDENT, "name": "张阿姨"}
    assert client.post("/reports/new/check", data=resident).status_code == 303
    stored = db.session.scalar(select(Report).order_by(Report.id.desc()))
    assert stored.source == "assisted"
    assert stored.reporter.phone == RESIDENT


def test_a_draft_photo_is_removed_from_the_check_page(client, demo, ctx, app):
    page = start_draft(client, n_photos=2)
    first, second = draft_photo_ids(page)
    filename = db.session.get(ReportPhoto, first).filename
    gone = client.post(f"/reports/new/photos/{first}/remove", data={"back": "check"})
    assert gone.status_code == 303
    assert gone.headers["Location"].endswith("/reports/new/check")
    db.session.expire_all()
    assert db.session.get(ReportPhoto, first) is None
    assert not os.path.exists(photos.path_of(filename))
    page = client.get("/reports/new/check").get_data(as_text=True)
    assert draft_photo_ids(page) == [second]
    assert "1 张" in page
    back = client.post(f"/reports/new/photos/{second}/remove", data={"back": "photos"})
    assert back.headers["Location"].endswith("/reports/new/photos")


def test_nobody_removes_another_drafts_photo_or_a_sent_one(client, demo, ctx, app):
    page = start_draft(client, n_photos=1)
    (theirs,) = draft_photo_ids(page)
    stranger = app.test_client()
    start_draft(stranger)
    for photo_id in (theirs, 999999, 0):
        refused = stranger.post(f"/reports/new/photos/{photo_id}/remove", data={})
        assert refused.status_code in (303, 404)
    assert db.session.get(ReportPhoto, theirs) is not None
    # No CSRF token, no removal.
    assert (
        client.post(f"/reports/new/photos/{theirs}/remove", data={}, csrf=False).status_code == 400
    )
    # Once sent with the report, the photo is no longer the draft's to remove.
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    client.post("/reports/new/check", data={"key": key})
    client.post(f"/reports/new/photos/{theirs}/remove", data={})
    db.session.expire_all()
    assert db.session.get(ReportPhoto, theirs).report_id is not None


# ---- location that helps ---------------------------------------------------------------


def test_gcj02_matches_known_reference_points_and_leaves_the_rest_alone():
    from blueprints.util.geo import wgs84_to_gcj02

    lat, lng = wgs84_to_gcj02(39.9087, 116.3975)  # Tiananmen, Beijing
    assert abs(lat - 39.9101) < 0.0003
    assert abs(lng - 116.4037) < 0.0003
    lat, lng = wgs84_to_gcj02(31.2304, 121.4737)  # People's Square, Shanghai
    assert abs(lat - 31.2285) < 0.0003
    assert abs(lng - 121.4782) < 0.0003
    for outside in ((51.5007, -0.1246), (35.6812, 139.7671), (-33.8568, 151.2153)):
        assert wgs84_to_gcj02(*outside) == outside


def test_the_phones_location_picks_the_nearest_grid_and_names_it(client, demo, ctx):
    g01 = grid("G01")
    found = client.get(f"/reports/new/nearest?lat={g01.lat + 0.0002}&lng={g01.lng}")
    assert found.status_code == 200
    assert found.json["grid"] == g01.id
    assert f"已按您的位置选了“{g01}”" in found.json["text"]
    assert "改选" in found.json["text"]
    for bad in ("lat=nan&lng=1", "lat=91&lng=1", "lat=abc&lng=1", "lng=112"):
        refused = client.get(f"/reports/new/nearest?{bad}")
        assert refused.status_code == 422
        assert refused.json["grid"] is None


def test_open311_and_the_form_share_one_nearest_grid_rule():
    from blueprints.open311 import services as open311
    from blueprints.places import services as places

    assert open311.nearest_grid is places.nearest_grid


def test_the_details_step_offers_location_and_keeps_the_select(client, demo, ctx):
    client.post("/reports/new", data={"category": str(category("streetlight").id)})
    page = client.get("/reports/new/details").get_data(as_text=True)
    assert 'id="locate" data-nearest="/reports/new/nearest"' in page
    assert re.search(r'<select[^>]* id="grid"', page)
    assert 'id="located" role="status"' in page


def file_located(client, lat, lng):
    client.post("/reports/new", data={"category": str(category("streetlight").id)})
    client.post(
        "/reports/new/details",
        data={
            "description": "路灯不亮已经三天了",
            "grid": str(grid("G01").id),
            "address": "5栋门口",
            "lat": str(lat),
            "lng": str(lng),
        },
    )
    page = client.get("/reports/new/check").get_data(as_text=True)
    assert "已定位" in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    done = client.post("/reports/new/check", data={"key": key, "phone": "", "name": ""})
    return re.search(r"/reports/(\d{12})", done.headers["Location"]).group(1)


def test_staff_open_the_place_in_the_phones_map_apps(client, demo, ctx, login_as):
    ref = file_located(client, 28.2051, 112.976)
    public = client.get(f"/reports/{ref}").get_data(as_text=True)
    assert "28.205100" not in public
    assert "geo:" not in public
    assert "amap" not in public
    as_user(client, login_as, DISPATCHER)
    page = client.get(f"/reports/{ref}").get_data(as_text=True)
    assert "28.205100, 112.976000" in page
    assert (
        'href="geo:28.205100,112.976000?q=28.205100,112.976000(5%E6%A0%8B%E9%97%A8%E5%8F%A3)"'
        in page
    )
    amap = re.search(r'href="(https://uri\.amap\.com/marker\?[^"]+)"', page).group(1)
    position = re.search(r"position=([\d.]+),([\d.]+)", amap)
    lng, lat = float(position.group(1)), float(position.group(2))
    # Changsha: the GCJ-02 point Amap draws sits about 350 m south-east of the GPS one.
    assert abs(lat - 28.2017) < 0.0003
    assert abs(lng - 112.9816) < 0.0003
    assert "coordinate=gaode" in amap
    assert "<img" not in page.split("定位：")[1].split("</div>")[0]


# ---- small things ----------------------------------------------------------------------


def switch_keeping(client, step, data):
    """A switch tapped on a step's page without JavaScript: the step's form goes to be kept,
    then, as the same POST (307), to the switch itself, which returns to the step."""
    kept = client.post(f"/reports/new/{step}/keep", data=dict(data))
    assert kept.status_code == 307
    switched = client.post(kept.headers["Location"], data=dict(data))
    assert switched.status_code == 303
    assert switched.headers["Location"].endswith(f"/reports/new/{step}")
    return client.get(f"/reports/new/{step}").get_data(as_text=True)


def test_without_js_the_switches_keep_what_was_typed(client, demo, ctx):
    client.post("/reports/new", data={"category": str(category("streetlight").id)})
    page = client.get("/reports/new/details").get_data(as_text=True)
    assert 'form="step-form" formaction="/reports/new/details/keep" data-keep>大字' in page
    typed = {"description": "楼下的路灯坏了", "address": "3栋北边", "grid": str(grid("G01").id)}
    page = switch_keeping(client, "details", {**typed, "size": "large"})
    assert 'class="large"' in page
    assert "楼下的路灯坏了" in page
    assert "3栋北边" in page
    # Typed, not answered: the later steps still wait for the details.
    assert client.get("/reports/new/photos").headers["Location"].endswith("/reports/new/details")
    page = switch_keeping(client, "details", {**typed, "lang": "en"})
    assert 'lang="en"' in page
    assert "楼下的路灯坏了" in page


def test_the_contact_switch_keeps_the_phone_and_name(client, demo, ctx):
    start_draft(client)
    page = switch_keeping(
        client, "check", {"phone": "13911112222", "name": "李阿姨", "size": "large"}
    )
    assert 'value="13911112222"' in page
    assert 'value="李阿姨"' in page
    # Sent, the answer is what the report keeps.
    typed = {"key": draft_key_of(page), "phone": "13933334444", "name": "李阿姨"}
    assert client.post("/reports/new/check", data=typed).status_code == 303
    stored = db.session.scalar(select(Report).order_by(Report.id.desc()))
    assert stored.reporter_phone == "13933334444"


def test_the_tracking_forms_limit_does_not_speak_of_accounts(client, demo):
    statuses = [
        client.post("/reports/track", data={"ref": "2612 0000 0000", "code": "1"}).status_code
        for _n in range(11)
    ]
    assert statuses[-1] == 429
    limited = client.post("/reports/track", data={"ref": "2612 0000 0000", "code": "1"})
    text = limited.get_data(as_text=True)
    assert limited.status_code == 429
    assert "您试了太多次" in text
    assert "账号安全" not in text


def test_the_login_limit_still_speaks_of_the_account(client, demo):
    for _n in range(6):
        limited = client.post("/auth/login", data={"phone": RESIDENT, "password": "wrong"})
    assert limited.status_code == 429
    assert "为了账号安全" in limited.get_data(as_text=True)

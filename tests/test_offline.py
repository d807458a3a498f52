"""The one-page report form: a whole report in one POST, with or without JavaScript, and what the
phone's offline queue sends later (with its submission key, and a fresh form token); the offline
page and the service worker that keeps them on the phone."""

import os
import re
import uuid

import pytest
from sqlalchemy import func, select

from blueprints.reports.models import Report, ReportPhoto
from extensions import db
from tests.conftest import TOKEN, login
from tests.people import GRID_WORKER, HANDLER, RESIDENT
from tests.test_reports import category, grid, jpeg

JSON = {"Accept": "application/json"}


def quick_form(**changes):
    data = {
        "key": uuid.uuid4().hex,
        "category": str(category("garbage").id),
        "description": "垃圾堆了好几天没人清",
        "grid": str(grid("G01").id),
        "address": "菜场东门",
        "phone": "13912345678",
        "name": "王大爷",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def reports():
    db.session.expire_all()
    return db.session.scalars(select(Report)).all()


def photo_rows():
    return db.session.scalar(select(func.count(ReportPhoto.id)))


def test_the_page_renders_without_javascript(client, demo, ctx):
    page = client.get("/reports/quick")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for label in ("问题分类", "遇到了什么问题", "在哪个网格", "具体位置", "照片", "联系电话"):
        assert label in html
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'name="key" type="hidden" value="[A-Za-z0-9_-]{16,40}"', html)


def test_a_whole_report_with_photos_in_one_post(client, demo, ctx, app, sms):
    data = quick_form(photos=[(jpeg(), "a.jpg"), (jpeg(exif_gps=True), "b.jpg")])
    response = client.post("/reports/quick", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    [report] = reports()
    assert response.headers["Location"] == f"/reports/{report.ref}?new=1"
    assert report.category.code == "garbage"
    assert report.grid.code == "G01"
    assert report.description == "垃圾堆了好几天没人清"
    assert report.address == "菜场东门"
    assert report.reporter_phone == "13912345678"
    assert report.reporter_name == "王大爷"
    assert report.source == "web"
    assert report.state == "submitted"
    assert len(report.photos) == 2
    for p in report.photos:
        assert os.path.exists(os.path.join(app.config["UPLOAD_FOLDER"], p.filename + ".jpg"))
    # The receipt, as the wizard's last step gives it: on the page and by SMS.
    page = re.sub(r"<[^>]+>", "", client.get(response.headers["Location"]).get_data(as_text=True))
    code = re.search(r"/reports/t/(\d{16})", next(t for _p, t in sms if "查询码" in t))[1]
    assert " ".join(code[i : i + 4] for i in range(0, 16, 4)) in page


def test_errors_keep_what_was_typed_with_the_wizards_messages(client, demo, ctx):
    data = quick_form(description="太脏", address="", grid="0")
    response = client.post("/reports/quick", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请多写几个字，至少5个字" in html
    assert "请写一下具体位置，例如楼栋、路口或附近的店" in html
    assert "请选择网格" in html
    assert re.search(r">\s*太脏</textarea>", html)
    assert 'value="王大爷"' in html
    assert f'value="{data["key"]}"' in html  # sent again, it is still the same submission
    assert reports() == []


def test_the_same_key_sent_again_returns_the_same_report(client, demo, ctx, sms):
    data = quick_form()
    first = client.post("/reports/quick", data={**data, "photos": (jpeg(), "a.jpg")})
    again = client.post("/reports/quick", data={**data, "photos": (jpeg(), "a.jpg")})
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(reports()) == 1
    assert photo_rows() == 1
    assert len([t for _p, t in sms if "查询码" in t]) == 1  # one receipt


def test_the_queue_gets_json(client, demo, ctx):
    data = quick_form()
    response = client.post("/reports/quick", data=data, headers=JSON)
    [report] = reports()
    assert response.status_code == 200
    assert response.json == {"ref": report.ref, "url": f"/reports/{report.ref}?new=1"}
    assert client.post("/reports/quick", data=data, headers=JSON).json["ref"] == report.ref


@pytest.mark.parametrize("key", ["", "short", "x" * 41, "../../etc/passwd+abcdefgh"])
def test_a_key_that_is_not_a_key_is_refused(client, demo, ctx, key):
    assert client.post("/reports/quick", data=quick_form(key=key)).status_code == 400
    assert reports() == []


def test_more_than_three_photos_are_refused_and_nothing_is_kept(client, demo, ctx, app):
    data = quick_form(photos=[(jpeg(), f"{i}.jpg") for i in range(4)])
    response = client.post("/reports/quick", data=data)
    assert response.status_code == 422
    assert "最多只能上传3张照片" in response.get_data(as_text=True)
    assert reports() == []
    assert photo_rows() == 0


def test_a_bad_photo_leaves_no_files_behind(client, demo, ctx, app):
    folder = app.config["UPLOAD_FOLDER"]
    before = set(os.listdir(folder)) if os.path.isdir(folder) else set()
    photos = [
        (jpeg(), "good.jpg"),
        (jpeg(), "good2.jpg"),
        (__import__("io").BytesIO(b"%PDF"), "x.jpg"),
    ]
    response = client.post("/reports/quick", data=quick_form(photos=photos))
    assert response.status_code == 422
    assert "只能上传照片" in response.get_data(as_text=True)
    assert set(os.listdir(folder)) == before
    assert reports() == []


def test_a_category_question_is_asked_on_the_same_page(client, demo, ctx):
    fire_lane = str(category("fire_lane").id)
    html = client.get("/reports/quick").get_data(as_text=True)
    assert "被什么堵住了" in html
    missing = client.post("/reports/quick", data=quick_form(category=fire_lane))
    assert missing.status_code == 422
    assert "请回答这个问题" in missing.get_data(as_text=True)
    # Another category's question is not asked of a garbage report.
    assert client.post("/reports/quick", data=quick_form()).status_code == 303
    answered = client.post(
        "/reports/quick", data=quick_form(category=fire_lane, **{"attribute[blocked_by]": "car"})
    )
    assert answered.status_code == 303
    assert [r.answers for r in reports() if r.category.code == "fire_lane"] == [
        [("被什么堵住了", "汽车")]
    ]


def test_a_grid_worker_files_for_a_resident_or_from_patrol(client, demo, ctx):
    login(client, GRID_WORKER)
    assert 'name="mode"' in client.get("/reports/quick").get_data(as_text=True)
    no_phone = client.post("/reports/quick", data=quick_form(mode="resident", phone=""))
    assert no_phone.status_code == 422
    assert "替居民反映时，请填写居民的手机号" in no_phone.get_data(as_text=True)
    assert (
        client.post("/reports/quick", data=quick_form(mode="patrol", phone="")).status_code == 303
    )
    [report] = reports()
    assert report.source == "patrol"
    assert report.proxy.phone == GRID_WORKER


def test_a_queued_report_gets_a_fresh_token_after_its_session_is_gone(app, demo, ctx):
    typed_on = app.test_client()
    old_token = TOKEN.search(typed_on.get("/reports/quick").get_data(as_text=True))[1]
    later = app.test_client()  # the browser was closed: the session cookie went with it
    data = quick_form()
    stale = later.post("/reports/quick", data={**data, "csrf_token": old_token})
    assert stale.status_code == 400
    assert "页面放置太久" in stale.get_data(as_text=True)
    token = later.get("/reports/quick/token")
    assert token.headers["Cache-Control"] == "no-store"
    sent = later.post("/reports/quick", data={**data, "csrf_token": token.json["token"]})
    assert sent.status_code == 303
    assert len(reports()) == 1


def test_sending_is_rate_limited_like_the_wizard(client, demo, ctx):
    answers = [client.post("/reports/quick", data=quick_form()).status_code for _ in range(11)]
    assert answers == [303] * 10 + [429]


def test_the_service_worker_gets_nobodys_copy(client, demo, ctx):
    login(client, RESIDENT)
    assert "张阿姨" in client.get("/reports/quick").get_data(as_text=True)
    shell = client.get("/reports/quick", headers={"X-Linli-Shell": "1"}).get_data(as_text=True)
    assert "张阿姨" not in shell
    assert "退出登录" not in shell
    offline = client.get("/reports/offline", headers={"X-Linli-Shell": "1"})
    assert offline.status_code == 200
    assert "张阿姨" not in offline.get_data(as_text=True)


def test_the_service_worker_keeps_what_the_form_needs(client, demo):
    response = client.get("/reports/sw.js")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "max-age=86400"
    page = client.get("/reports/quick").get_data(as_text=True)
    needed = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert needed
    assert all(f'"{url}"' in body for url in needed)
    assert '"/reports/quick"' in body
    assert '"/reports/offline"' in body


def test_only_a_grid_workers_task_list_is_kept_offline(client, demo):
    login(client, GRID_WORKER)
    assert "data-offline" in client.get("/reports/tasks").get_data(as_text=True)
    client.post("/auth/logout", data={})
    login(client, HANDLER)  # a department handler
    assert "data-offline" not in client.get("/reports/tasks").get_data(as_text=True)


def test_pages_carry_the_status_line_words_in_their_language(client, demo):
    zh = client.get("/").get_data(as_text=True)
    assert "data-saved" not in zh
    assert 'data-waiting="还有 {n} 件没发出去"' in zh
    en = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-waiting="{n} report(s) not sent yet"' in en
    assert 'data-up="Uploading: {n}%, about {s} seconds left"' in en


@pytest.mark.slow
def test_copies_of_one_submission_sent_at_once_make_one_report(tmp_path):
    """The page's own try and the service worker's, arriving together at different workers of a
    real gunicorn: one report, one photo, and no file left over from the copy that lost."""
    from sqlalchemy import create_engine, text

    from tests.live import at_once, browser, live_gunicorn

    with live_gunicorn(tmp_path, workers=4) as server:
        page = requests_page(server)
        fields = {
            "key": uuid.uuid4().hex,
            "category": re.search(r'<option value="([1-9]\d*)"', page.split('name="category"')[1])[
                1
            ],
            "grid": re.search(r'<option value="([1-9]\d*)"', page.split('name="grid"')[1])[1],
            "description": "楼道灯坏了一个星期",
            "address": "3栋2单元",
        }
        phones = [browser(server) for _ in range(4)]

        def send(i):
            picture = jpeg().getvalue()
            return phones[i].post(
                server.url + "/reports/quick",
                data={**fields, "csrf_token": phones[i].token},
                files={"photos": ("p.jpg", picture, "image/jpeg")},
                headers=JSON,
                timeout=30,
            )

        answers = at_once(4, send)
        assert [a.status_code for a in answers] == [200] * 4
        assert len({a.json()["ref"] for a in answers}) == 1
        engine = create_engine(server.database)
        with engine.connect() as conn:
            made = conn.execute(
                text("SELECT id FROM report WHERE submission_key = :k"), {"k": fields["key"]}
            ).all()
            photos = conn.execute(text("SELECT filename FROM report_photo")).scalars().all()
        engine.dispose()
        assert len(made) == 1
        assert len(photos) == 1
        assert sorted(os.listdir(tmp_path / "uploads")) == sorted(
            [f"{photos[0]}.jpg", f"{photos[0]}.t.jpg"]
        )


def requests_page(server):
    import requests

    return requests.get(server.url + "/reports/quick", timeout=10).text

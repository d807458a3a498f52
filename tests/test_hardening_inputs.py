"""Issue 22: uploads that cannot starve the server (item 6) and bad input that never answers a
500 (item 12)."""

import importlib
import io
import os
import pkgutil
import threading
from datetime import timedelta

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms.fields.core import UnboundField

import blueprints
from blueprints.orgs import services
from blueprints.places.models import Community
from blueprints.util.times import utcnow
from blueprints.volunteers.models import Activity, VolunteerProfile
from extensions import db
from tests.conftest import login
from tests.people import ADMIN, DISPATCHER, GRID_WORKER, RESIDENT
from tests.test_every_route import fill, rules, token_of
from tests.test_orgs import start, stored
from tests.test_photos import png_claiming

# ---- item 12: ids past an INTEGER and dates at the ends of time ---------------------------------

PAST_INTEGER = [str(2**31), "99999999999"]
ENDS_OF_TIME = ["0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01", "9999-12-31"]
OUT_OF_TIME = "请填写1900年到2100年之间的日期"


def field_names():
    """The name of every field of every form the app defines, and the lists' filters."""
    for module in pkgutil.walk_packages(blueprints.__path__, "blueprints."):
        importlib.import_module(module.name)
    names, forms = set(), [FlaskForm]
    while forms:
        form = forms.pop()
        forms.extend(form.__subclasses__())
        names |= {n for n in vars(form) if isinstance(vars(form)[n], UnboundField)}
    return sorted(names | {"community", "grid", "category", "org", "room", "start", "end", "month"})


@pytest.mark.parametrize(("rule", "method"), rules())
def test_no_route_fails_on_ids_past_an_integer_or_dates_at_the_ends_of_time(
    app, demo, rule, method
):
    stranger = app.test_client()
    admin = app.test_client()
    login(admin, ADMIN)
    clients = (stranger,) if rule == "/auth/logout" else (stranger, admin)
    tokens = {client: token_of(client) for client in clients}
    names = field_names()
    failures = []
    for i, value in enumerate(PAST_INTEGER[:1] + ENDS_OF_TIME):
        path = fill(rule, PAST_INTEGER[i % 2], value)
        values = dict.fromkeys(names, value)
        for client in clients:
            if method == "GET":
                response = client.get(path, query_string=values)
            else:
                form = {**values, "csrf_token": tokens[client]}
                response = client.post(path, data=form, csrf=False)
            if response.status_code >= 500:
                failures.append((method, path, value, response.status_code))
            response.close()
    assert failures == []


@pytest.mark.parametrize("number", PAST_INTEGER)
def test_an_id_past_an_integer_is_no_row(client, demo, number):
    assert client.get(f"/volunteers/?community={number}").status_code == 200
    assert client.get(f"/volunteers/activities/{number}").status_code == 404
    login(client, DISPATCHER)
    assert client.get(f"/reports/queue?grid={number}&category={number}").status_code == 200


def activity_form():
    start = (utcnow() + timedelta(days=6)).replace(microsecond=0) + timedelta(hours=8)
    return {
        "title": "河边清理",
        "place": "柳塘河边",
        "community_id": str(db.session.scalar(select(Community.id).where(Community.code == "C01"))),
        "signup_deadline": (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "cancel_hours": "24",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "5",
        "min_age": "14",
    }


@pytest.mark.parametrize("when", ENDS_OF_TIME[:2])
@pytest.mark.parametrize("field", ["signup_deadline", "starts_at", "ends_at"])
def test_an_activity_at_the_ends_of_time_is_refused_politely(client, demo, ctx, field, when):
    login(client, GRID_WORKER)
    response = client.post("/volunteers/activities/new", data={**activity_form(), field: when})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert OUT_OF_TIME in page
    assert 'value="河边清理"' in page
    assert db.session.scalar(select(func.count(Activity.id))) == 0


@pytest.mark.parametrize("when", ENDS_OF_TIME[2:])
def test_dates_at_the_ends_of_time_are_refused_or_ignored(client, demo, ctx, when):
    assert client.get(f"/volunteers/?day={when}").status_code == 200
    login(client, RESIDENT)
    profile = {"real_name": "张桂兰", "birth_date": when, "community_id": "1", "rules": "y"}
    response = client.post("/volunteers/profile", data=profile)
    assert response.status_code == 422
    assert OUT_OF_TIME in response.get_data(as_text=True)
    assert db.session.scalar(select(VolunteerProfile)) is None
    login(client, ADMIN)
    assert client.get(f"/figures/?start={when}&end={when}").status_code in (200, 303)
    assert client.get(f"/figures/?month={when[:7]}").status_code in (200, 303)
    calendar = client.post("/calendar/", data={"day": when, "kind": "workday"})
    assert calendar.status_code == 422


# ---- item 6: uploads ----------------------------------------------------------------------------


def post_charter(client, fid, data, name="charter.pdf"):
    return client.post(
        f"/orgs/f/{fid}/charter",
        data={"mode": "upload", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def charter_files(app):
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "charters")
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def pdf(text):
    return b"%PDF-1.4\n" + text.encode() + b"\n%%EOF\n"


def test_a_charter_claiming_too_many_pixels_is_refused_before_decoding(
    client, demo, ctx, login_as, app
):
    """6000×6000 is 36 Mpx (108 MB decoded) in a file of a hundred bytes: more than the 24 Mpx
    every upload may hold."""
    login_as(RESIDENT)
    fid = start(client)
    bomb = png_claiming(6000, 6000)
    assert len(bomb) < 120
    before = charter_files(app)
    response = post_charter(client, fid, bomb, "charter.png")
    assert response.status_code == 422
    assert "照片的像素太多了" in response.get_data(as_text=True)
    assert stored(fid).charter_file == ""
    assert charter_files(app) == before


def test_a_replaced_or_dropped_charter_leaves_the_disk(client, demo, ctx, login_as, app):
    login_as(RESIDENT)
    fid = start(client)
    assert post_charter(client, fid, pdf("first")).status_code == 303
    first = stored(fid).charter_file
    assert first in charter_files(app)
    assert post_charter(client, fid, pdf("second")).status_code == 303
    second = stored(fid).charter_file
    assert first not in charter_files(app)
    assert second in charter_files(app)
    blanks = {"mode": "model", "aim": "唱歌", "duties": "按时排练", "rules": "大家商量"}
    assert client.post(f"/orgs/f/{fid}/charter", data=blanks).status_code == 303
    assert stored(fid).charter_file == ""
    assert second not in charter_files(app)
    assert post_charter(client, fid, pdf("third")).status_code == 303
    third = stored(fid).charter_file
    discarded = client.post(
        f"/orgs/f/{fid}/act/discard", data={"version": stored(fid).version, "confirm": "y"}
    )
    assert discarded.status_code == 303
    assert stored(fid).state == "withdrawn"
    assert third not in charter_files(app)


def test_a_deleted_application_takes_its_charter_file_with_it(client, demo, ctx, login_as, app):
    login_as(RESIDENT)
    fid = start(client)
    post_charter(client, fid, pdf("kept until deleted"))
    name = stored(fid).charter_file
    db.session.delete(stored(fid))
    db.session.rollback()
    assert name in charter_files(app)
    db.session.delete(stored(fid))
    db.session.commit()
    assert name not in charter_files(app)


SINGING = "组织社区老人每周排练合唱，参加社区文艺活动。"
DANCING = "组织社区居民每周跳广场舞，参加街道文艺汇演。"


def test_two_saves_of_one_draft_at_once_give_one_409(client, demo, ctx, login_as, app, monkeypatch):
    """Both requests read the draft before either writes (a barrier holds them there): the
    second to write finds the version moved on and is told so politely, never a 500."""
    login_as(RESIDENT)
    fid = start(client)
    cookie = client.get_cookie("session")
    barrier = threading.Barrier(2, timeout=10)
    checked = services.editable_by

    def both_read(filing, user):
        checked(filing, user)
        barrier.wait()

    monkeypatch.setattr(services, "editable_by", both_read)
    answers = {}

    def save(scope):
        twin = app.test_client()
        twin.set_cookie(cookie.key, cookie.value)
        try:
            response = twin.post(f"/orgs/f/{fid}/step/scope", data={"scope": scope})
            answers[scope] = (response.status_code, response.get_data(as_text=True))
        except Exception as e:  # the test client raises what would have been a 500
            answers[scope] = (500, repr(e))

    threads = [threading.Thread(target=save, args=(s,)) for s in (SINGING, DANCING)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in answers.values())
    assert statuses == [303, 409], answers
    lost = next(scope for scope, (status, _) in answers.items() if status == 409)
    assert "这件事刚被别人处理过" in answers[lost][1]
    assert lost in answers[lost][1]
    assert stored(fid).scope != lost


def test_a_pdf_charter_is_only_a_sandboxed_download(client, demo, ctx, login_as):
    login_as(RESIDENT)
    fid = start(client)
    post_charter(client, fid, pdf("<script>alert(1)</script>"))
    for headers in ({}, {"HX-Request": "true"}):
        download = client.get(f"/orgs/f/{fid}/charter/file", headers=headers)
        download.close()
        assert download.status_code == 200
        assert download.headers["Content-Type"] == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Security-Policy"] == "sandbox"

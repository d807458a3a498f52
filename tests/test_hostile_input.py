"""Hostile input: every bad value is a polite 4xx, never a 500, and nothing stored is corrupted."""

import json
import re
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from blueprints.reports.models import Category, Report, ReportState
from extensions import db
from tests.conftest import login
from tests.factories import create_report
from tests.people import ADMIN, DISPATCHER, GRID_WORKER, RESIDENT

HUGE = "99999999999999999999999"
DEMO_LOGIN = {"phone": RESIDENT, "password": "linli-demo"}

# ---- redirects stay on the site ----------------------------------------------------------

HOSTILE_TARGETS = [
    "/\t/evil.example/x",
    "/\r\n/evil.example/x",
    "/\n/evil.example/x",
    "/\r/evil.example/x",
    "//evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    "/\\/evil.example/x",
    "\t//evil.example/x",
    " //evil.example/x",
    "https://evil.example/x",
    "http:evil.example",
    "http:/\\evil.example",
    "javascript:alert(1)",
    "evil.example/x",
    "/\x0b/evil.example/x",
    "/\x85/evil.example/x",
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_login_never_redirects_off_the_site(client, demo, target):
    response = client.post("/auth/login", query_string={"next": target}, data=dict(DEMO_LOGIN))
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_language_switch_never_redirects_off_the_site(client, target):
    response = client.post("/prefs/language", data={"lang": "en", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/reports/mine", "/reports/queue?state=submitted&grid=1"])
def test_login_follows_a_same_site_next(client, demo, target):
    response = client.post("/auth/login", query_string={"next": target}, data=dict(DEMO_LOGIN))
    assert response.status_code == 303
    assert response.headers["Location"] == target


# ---- integers beyond 64 bits, Unicode digits ---------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/reports/photo/{HUGE}",
        f"/reports/photo/{2**63}",
        "/reports/photo/٣",
        f"/admin/grids/{HUGE}/edit",
        f"/admin/users/{HUGE}",
        f"/open311/keys/{HUGE}/revoke",
    ],
)
def test_ids_beyond_64_bits_are_404(client, demo, path):
    login(client, ADMIN)
    method = client.post if path.endswith("revoke") else client.get
    response = method(path, data={}) if method == client.post else method(path)
    assert response.status_code == 404
    assert "找不到这个页面" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        f"grid={HUGE}",
        f"category={HUGE}",
        "grid=²",
        "grid=٣",
        f"grid=-{HUGE}",
    ],
)
def test_queue_filters_ignore_numbers_that_are_not_ids(client, demo, query):
    login(client, DISPATCHER)
    response = client.get(f"/reports/queue?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "after",
    [
        f"2026-01-01T00:00:00_{HUGE}",
        "2026-01-01T00:00:00_²",
        "2026-01-01T00:00:00_٣",
        "9999-12-31T23:59:59_1",
        "0001-01-01T00:00:00_1",
        "nonsense",
        "_",
    ],
)
def test_queue_cursor_that_is_forged_is_a_polite_answer(client, demo, after):
    login(client, DISPATCHER)
    response = client.get("/reports/queue", query_string={"after": after})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "请求有误" in response.get_data(as_text=True)


@pytest.mark.parametrize("key", [HUGE, str(2**62), "²", "٣", "-5", "G01", "x" * 300])
def test_admin_lists_survive_any_page_key(client, demo, key):
    login(client, ADMIN)
    for kind in ("grids", "users"):
        response = client.get(f"/admin/{kind}", query_string={"after": key})
        assert response.status_code in (200, 400)
        if response.status_code == 400:
            assert "请求有误" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["user:²", f"user:{HUGE}", "dept:²", f"dept:{HUGE}", "user:٣"])
def test_dispatch_to_a_forged_assignee_is_refused_politely(client, demo, ctx, value):
    report = create_report(ReportState.ACCEPTED)
    ref = report.ref
    login(client, DISPATCHER)
    response = client.post(
        f"/reports/{ref}/act/dispatch", data={"assignee": value, "version": str(report.version)}
    )
    assert response.status_code in (303, 422)
    db.session.expire_all()
    assert db.session.scalar(select(Report).where(Report.ref == ref)).state == "accepted"


@pytest.mark.parametrize("hours", ["²", HUGE, "٣"])
def test_extension_hours_that_are_not_numbers_are_refused(client, demo, ctx, login_as, hours):
    from tests.test_reports import act, report

    ref = create_report(ReportState.SIGNED).ref
    login_as(GRID_WORKER)
    response = act(client, ref, "ask_extension", hours=hours, reason="需要等配件")
    assert response.status_code == 422
    assert "延长的小时数要在1到720之间" in response.get_data(as_text=True)
    assert not report(ref).extension_hours


# ---- dates, coordinates, questions -------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "start_date=0001-01-01T00:00:00Z",
        "end_date=0001-01-01T00:00:00Z",
        "end_date=0001-01-01T00:00:00%2B14:00",
        "start_date=9999-12-31T23:59:59%2B14:00",
        "start_date=9999-12-31T23:59:59-14:00",
        "end_date=9999-12-31T23:59:59-14:00",
        "start_date=0001-01-01T00:00:00Z&end_date=0001-02-01T00:00:00Z",
    ],
)
@pytest.mark.parametrize("path", ["requests", "servicerequestupdates"])
def test_open311_dates_at_the_ends_of_time_are_answered(client, demo, path, query):
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/{path}.{fmt}?{query}")
        assert response.status_code == 200, response.data[:300]


@pytest.mark.parametrize("value", ["", "²", "٣٣٣٣-01-01T00:00:00Z"])
def test_open311_dates_that_are_not_dates_are_400(client, value):
    response = client.get("/open311/v2/requests.json", query_string={"start_date": value})
    assert response.status_code == 400
    assert "start_date" in response.get_json()[0]["description"]


@pytest.mark.parametrize(
    ("lat", "lng"),
    [("91", "112.9"), ("-91", "112.9"), ("28.2", "181"), ("28.2", "-181"), ("nan", "1")],
)
def test_open311_post_outside_the_globe_is_400(client, demo, ctx, lat, lng):
    response = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": "linli-demo-key",
            "service_code": "garbage",
            "description": "小区门口垃圾没人清",
            "lat": lat,
            "long": lng,
        },
        csrf=False,
    )
    assert response.status_code == 400
    assert "lat" in response.get_json()[0]["description"]
    assert db.session.scalars(select(Report)).all() == []


def start_details(client):
    with client.application.app_context():
        cat = db.session.scalar(select(Category).where(Category.code == "streetlight"))
        from blueprints.places.models import Grid

        grid = db.session.scalar(select(Grid).where(Grid.code == "G01"))
        cat_id, grid_id = cat.id, grid.id
    assert client.post("/reports/new", data={"category": str(cat_id)}).status_code == 303
    return grid_id


@pytest.mark.parametrize(
    ("lat", "lng"), [("91", "112.9"), ("28.2", "181"), ("-91", "0"), ("0", "-181"), ("nan", "inf")]
)
def test_web_intake_refuses_a_location_outside_the_globe(client, demo, lat, lng):
    grid_id = start_details(client)
    response = client.post(
        "/reports/new/details",
        data={
            "description": "路灯不亮已经三天了",
            "grid": str(grid_id),
            "address": "5栋门口",
            "lat": lat,
            "lng": lng,
        },
    )
    assert response.status_code == 422
    assert "定位" in response.get_data(as_text=True)


def test_web_intake_keeps_a_real_location(client, demo, ctx):
    from blueprints.reports.intake import load_draft

    grid_id = start_details(client)
    response = client.post(
        "/reports/new/details",
        data={
            "description": "路灯不亮已经三天了",
            "grid": str(grid_id),
            "address": "5栋门口",
            "lat": "28.2052",
            "lng": "-112.9761",
        },
    )
    assert response.status_code == 303
    with client.session_transaction() as session:
        draft = load_draft(session["draft"])
    assert draft["lat"] == pytest.approx(28.2052)
    assert draft["lng"] == pytest.approx(-112.9761)


MALFORMED_QUESTIONS = [
    "[" * 4000,
    '[{"code": "a", "datatype": [], "description": "x"}]',
    '[{"code": "a", "datatype": {}, "description": "x"}]',
    '[{"code": "a", "datatype": "singlevaluelist", "description": "x", "values": 5}]',
    '[{"code": "a", "datatype": "singlevaluelist", "description": "x", "values": [{"key": {}, '
    '"name": "n"}]}]',
    '[{"code": "a", "datatype": "singlevaluelist", "description": "x", "values": [[1]]}]',
    '[{"code": 5, "datatype": "string", "description": "x"}]',
    '[{"code": "a", "datatype": "string", "description": ["x"]}]',
    '[{"code": "a", "datatype": "string", "description": "x", "datatype_description": {}}]',
    '[{"code": "a", "datatype": "string", "description": "x", "required": "no"}]',
    '[{"code": "a", "datatype": "number", "description": NaN}]',
    '{"code": "a"}',
    "null",
    "[null]",
]


@pytest.mark.parametrize("questions", MALFORMED_QUESTIONS)
def test_malformed_category_questions_are_refused_with_a_message(client, demo, ctx, questions):
    login(client, ADMIN)
    category = db.session.scalar(select(Category).where(Category.code == "garbage"))
    before = category.questions
    page = client.get(f"/admin/categories/{category.id}/edit").get_data(as_text=True)
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page))
    fields.pop("csrf_token", None)
    fields.update(
        {
            "group": category.group,
            "needs_verification": "y",
            "questions": questions,
        }
    )
    response = client.post(f"/admin/categories/{category.id}/edit", data=fields)
    assert response.status_code == 422
    assert "附加问题" in response.get_data(as_text=True) or "问题" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Category, category.id).questions == before


def test_well_formed_category_questions_are_saved(client, demo, ctx):
    login(client, ADMIN)
    category = db.session.scalar(select(Category).where(Category.code == "garbage"))
    page = client.get(f"/admin/categories/{category.id}/edit").get_data(as_text=True)
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page))
    fields.pop("csrf_token", None)
    questions = [
        {
            "code": "bins",
            "datatype": "singlevaluelist",
            "description": "几个桶",
            "required": True,
            "values": [{"key": "one", "name": "一个"}],
        }
    ]
    fields.update(
        {"group": category.group, "needs_verification": "y", "questions": json.dumps(questions)}
    )
    response = client.post(f"/admin/categories/{category.id}/edit", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Category, category.id).question_list == questions


# ---- control characters ------------------------------------------------------------------

CONTROLS = "\x01\x02\x07\x08\x0b\x0c\x1b\x1f\x7f\x80\x85\x9f\ufffe\uffff"


def test_control_characters_are_stripped_on_the_way_in(client, demo, ctx):
    grid_id = start_details(client)
    dirty = "路灯\x01不亮\x0b已经\x1b三天\x85了\t，\r\n真的" + CONTROLS
    response = client.post(
        "/reports/new/details",
        data={"description": dirty, "grid": str(grid_id), "address": "5栋\x07门口"},
    )
    assert response.status_code == 303
    from blueprints.reports.intake import load_draft

    with client.session_transaction() as session:
        draft = load_draft(session["draft"])
    assert not any(c in draft["description"] + draft["address"] for c in CONTROLS)
    assert draft["description"].startswith("路灯不亮已经三天了")
    assert draft["address"] == "5栋门口"


def test_open311_xml_stays_well_formed_with_any_stored_text(client, demo, ctx):
    created = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": "linli-demo-key",
            "service_code": "garbage",
            "description": "垃圾\x01没人\x0b清理\x1b了",
            "address_id": "G01",
        },
        csrf=False,
    )
    ref = created.get_json()[0]["service_request_id"]
    report = db.session.scalar(select(Report).where(Report.ref == ref))
    assert report.description == "垃圾没人清理了"
    # Data stored before the inbound filter existed may still hold them.
    report.description = "旧数据\x01\x0c\ufffe还在\x85"
    report.address = "\x1b[31m红字"
    db.session.commit()
    for path in ("requests.xml", f"requests/{ref}.xml"):
        root = ET.fromstring(client.get(f"/open311/v2/{path}").data)
        texts = [r.findtext("description") for r in root]
        assert "旧数据还在" in texts

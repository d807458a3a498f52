"""Open311 GeoReport v2: every endpoint in JSON and XML, errors, privacy, and a property-based run."""

import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from blueprints.reports.models import Report
from blueprints.util.times import utcnow
from extensions import db, limiter
from tests.people import ADMIN, DISPATCHER

BASE = "/open311/v2"
KEY = "linli-demo-key"
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def post(client, fmt="json", **fields):
    data = {
        "api_key": KEY,
        "service_code": "garbage",
        "description": "小区门口垃圾没人清",
        "address_id": "G01",
    }
    data.update(fields)
    return client.post(
        f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None}, csrf=False
    )


def xml(response):
    assert response.mimetype == "text/xml"
    assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.data)


def test_discovery_in_both_formats(client):
    doc = client.get("/open311/discovery.json").get_json()
    assert doc["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert doc["endpoints"][0]["url"].endswith("/open311/v2")
    root = xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml",
        "application/json",
    ]


def test_services_list_only_public_categories(client, demo):
    services = client.get(f"{BASE}/services.json").get_json()
    assert isinstance(services, list)
    assert services
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert isinstance(service["metadata"], bool)
        assert service["type"] == "realtime"
    codes = {s["service_code"] for s in services}
    assert "garbage" in codes
    assert "neighbour" not in codes
    assert "safety_tip" not in codes
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert {c.tag for c in root} == {"service"}
    assert {e.tag for e in root[0]} == SERVICE_FIELDS
    assert {s.findtext("service_code") for s in root} == codes


def test_service_definition_has_the_questions(client, demo):
    definition = client.get(f"{BASE}/services/fire_lane.json").get_json()
    attribute = definition["attributes"][0]
    assert definition["service_code"] == "fire_lane"
    assert attribute["code"] == "blocked_by"
    assert attribute["datatype"] == "singlevaluelist"
    assert attribute["required"] is True
    assert attribute["order"] == 1
    assert {v["key"] for v in attribute["values"]} == {"car", "ebike", "goods"}
    root = xml(client.get(f"{BASE}/services/fire_lane.xml"))
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key").text == "car"
    assert root.find("attributes/attribute/required").text == "true"


def test_sensitive_or_unknown_service_is_404_in_the_asked_format(client, demo):
    response = client.get(f"{BASE}/services/neighbour.json")
    assert response.status_code == 404
    assert response.get_json()[0]["code"] == 404
    root = xml(client.get(f"{BASE}/services/nope.xml"))
    assert root.tag == "errors"
    assert root.find("error/code").text == "404"


def test_post_creates_a_submitted_report_and_get_reads_it_back(client, demo, ctx):
    created = post(
        client, phone="13912345678", first_name="王", email="w@example.com", device_id="dev-1"
    )
    assert created.status_code == 200
    body = created.get_json()
    assert isinstance(body, list)
    assert set(body[0]) == {
        "service_request_id",
        "token",
        "service_notice",
        "account_id",
    }
    ref = body[0]["service_request_id"]
    report = db.session.scalar(select(Report).where(Report.ref == ref))
    assert report.state == "submitted"
    assert report.source == "open311"
    assert report.grid.code == "G01"
    assert report.reporter_phone == "13912345678"
    one = client.get(f"{BASE}/requests/{ref}.json").get_json()
    assert len(one) == 1
    assert set(one[0]) == REQUEST_FIELDS
    item = one[0]
    assert item["status"] == "open"
    assert item["service_code"] == "garbage"
    assert item["address_id"] == "G01"
    assert item["requested_datetime"].endswith("+08:00")
    assert item["expected_datetime"].endswith("+08:00")
    assert item["media_url"] is None
    text = json.dumps(one, ensure_ascii=False)
    assert "13912345678" not in text
    assert "王" not in text
    assert "w@example.com" not in text
    assert "dev-1" not in text
    root = xml(client.get(f"{BASE}/requests/{ref}.xml"))
    assert root.tag == "service_requests"
    assert root[0].tag == "request"
    assert {e.tag for e in root[0]} == REQUEST_FIELDS
    assert root[0].findtext("service_request_id") == ref
    token = client.get(f"{BASE}/tokens/{body[0]['token']}.json").get_json()
    assert token == [{"service_request_id": ref, "token": body[0]["token"]}]


def test_post_in_xml(client, demo):
    root = xml(post(client, "xml"))
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text


def test_the_same_post_twice_makes_one_report(client, demo, ctx):
    first = post(client).get_json()[0]["service_request_id"]
    second = post(client).get_json()[0]["service_request_id"]
    assert first == second
    assert len(db.session.scalars(select(Report)).all()) == 1


def test_post_by_lat_long_finds_the_nearest_grid(client, demo, ctx):
    ref = post(client, address_id=None, lat="28.2052", long="112.9761").get_json()[0][
        "service_request_id"
    ]
    report = db.session.scalar(select(Report).where(Report.ref == ref))
    assert report.grid.code == "G06"
    assert report.lat == pytest.approx(28.2052)


def test_post_by_address_string_naming_community_and_grid(client, demo, ctx):
    response = post(client, address_id=None, address_string="柳塘社区第二网格 8栋楼下")
    ref = response.get_json()[0]["service_request_id"]
    assert db.session.scalar(select(Report).where(Report.ref == ref)).grid.code == "G05"


def test_required_attribute_is_enforced_and_stored(client, demo, ctx):
    missing = post(client, service_code="fire_lane", description="消防通道被堵死了")
    assert missing.status_code == 400
    assert "blocked_by" in missing.get_json()[0]["description"]
    bad = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": KEY,
            "service_code": "fire_lane",
            "description": "消防通道被堵死了",
            "address_id": "G02",
            "attribute[blocked_by]": "tank",
        },
        csrf=False,
    )
    assert bad.status_code == 400
    good = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": KEY,
            "service_code": "fire_lane",
            "description": "消防通道被堵死了",
            "address_id": "G02",
            "attribute[blocked_by]": "ebike",
        },
        csrf=False,
    )
    ref = good.get_json()[0]["service_request_id"]
    stored = db.session.scalar(select(Report).where(Report.ref == ref))
    assert json.loads(stored.attributes) == {"blocked_by": "ebike"}


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"api_key": None}, 403),
        ({"api_key": "wrong"}, 403),
        ({"service_code": "nope"}, 400),
        ({"service_code": "neighbour"}, 400),
        ({"description": "短"}, 400),
        ({"description": "长" * 1001}, 400),
        ({"address_id": None}, 400),
        ({"address_id": "G99"}, 400),
        ({"address_id": None, "lat": "abc", "long": "1"}, 400),
        ({"address_id": None, "lat": "95", "long": "1"}, 400),
        ({"phone": "12345"}, 400),
        ({"jurisdiction_id": "elsewhere"}, 404),
    ],
)
def test_post_errors(client, demo, ctx, fields, status):
    for fmt in ("json", "xml"):
        response = post(client, fmt, **fields)
        assert response.status_code == status
        if fmt == "json":
            error = response.get_json()[0]
            assert error["code"] == status
            assert error["description"]
        else:
            assert xml(response).find("error/code").text == str(status)
    assert db.session.scalars(select(Report)).all() == []


def test_revoked_key_is_refused(client, demo, login_as, ctx):
    from blueprints.open311.models import ApiKey

    login_as(ADMIN)
    key = db.session.scalar(select(ApiKey))
    assert client.post(f"/open311/keys/{key.id}/revoke", data={}).status_code == 303
    assert post(client).status_code == 200, "not revoked without the tick"
    assert client.post(f"/open311/keys/{key.id}/revoke", data={"sure": "yes"}).status_code == 303
    assert post(client, description="另一件事：路灯坏了").status_code == 403


def test_admin_issues_a_key_shown_once_and_stored_hashed(client, demo, login_as, ctx):
    from blueprints.open311.models import ApiKey, hash_key

    login_as(ADMIN)
    page = client.post("/open311/keys", data={"name": "12345热线"}).get_data(as_text=True)
    raw = page.split('<p class="code">')[1].split("<")[0]
    stored = db.session.scalar(select(ApiKey).where(ApiKey.name == "12345热线"))
    assert stored.key_hash == hash_key(raw)
    assert raw not in stored.key_hash
    assert raw not in client.get("/open311/keys").get_data(as_text=True)
    client.post("/auth/logout", data={})
    assert post(client, api_key=raw).status_code == 200


def test_keys_page_is_for_admins_only(client, demo, login_as):
    login_as(DISPATCHER)
    assert client.get("/open311/keys").status_code == 403


def test_get_requests_filters(client, demo, ctx):
    refs = [
        post(client, description=f"第{i}件：垃圾没人清理").get_json()[0]["service_request_id"]
        for i in range(3)
    ]
    listed = client.get(f"{BASE}/requests.json").get_json()
    assert {r["service_request_id"] for r in listed} == set(refs)
    picked = client.get(f"{BASE}/requests.json?service_request_id={refs[0]},{refs[2]}").get_json()
    assert {r["service_request_id"] for r in picked} == {refs[0], refs[2]}
    assert client.get(f"{BASE}/requests.json?status=closed").get_json() == []
    assert len(client.get(f"{BASE}/requests.json?status=open&service_code=garbage").get_json()) == 3
    assert client.get(f"{BASE}/requests.json?service_code=streetlight").get_json() == []
    old = (utcnow() - timedelta(days=200)).isoformat() + "Z"
    assert client.get(f"{BASE}/requests.json?end_date={old}").get_json() == []
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    assert len(root) == 3


def test_sensitive_reports_never_leave(client, demo, ctx):
    from tests.test_reports import file_report

    ref, _ = file_report(client.application.test_client(), code="neighbour")
    assert client.get(f"{BASE}/requests/{ref}.json").status_code == 404
    assert ref not in client.get(f"{BASE}/requests.json").get_data(as_text=True)
    assert ref not in client.get(f"{BASE}/servicerequestupdates.json").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
        "start_date=yesterday",
        "end_date=2026-01-01T00:00:00Z&start_date=2026-02-01T00:00:00Z",
        "status=pending",
    ],
)
def test_bad_date_windows_and_status_are_400(client, query):
    assert client.get(f"{BASE}/requests.json?{query}").status_code == 400
    assert xml(client.get(f"{BASE}/requests.xml?{query}")).tag == "errors"


def test_unknown_request_is_404(client):
    assert client.get(f"{BASE}/requests/000000000000.json").status_code == 404
    assert xml(client.get(f"{BASE}/tokens/nope.xml")).find("error/code").text == "404"


def test_service_request_updates(client, demo, login_as, ctx):
    ref = post(client).get_json()[0]["service_request_id"]
    login_as(DISPATCHER)
    report = db.session.scalar(select(Report).where(Report.ref == ref))
    client.post(
        f"/reports/{ref}/act/accept", data={"urgency": "normal", "version": str(report.version)}
    )
    updates = client.get(f"{BASE}/servicerequestupdates.json").get_json()
    mine = [u for u in updates if u["service_request_id"] == ref]
    assert [u["status"] for u in mine] == ["open", "open"]
    assert set(mine[0]) == {
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    }
    root = xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    assert root[0].tag == "request_update"


def test_openapi_document_lists_every_endpoint(client, app):
    doc = client.get("/open311/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("open311.") and "fmt" in rule.arguments:
            path = rule.rule.replace("/open311", "", 1).replace("<any(json,xml):fmt>", "{fmt}")
            path = (
                path.replace("<code>", "{service_code}")
                .replace("<ref>", "{service_request_id}")
                .replace("<token>", "{token}")
            )
            assert path in documented, path


# ---- property-based: no input gives a server error -------------------------------------------

texts = st.text(max_size=40)
params = st.dictionaries(
    st.sampled_from(
        [
            "service_request_id",
            "service_code",
            "start_date",
            "end_date",
            "status",
            "jurisdiction_id",
        ]
    ),
    texts,
)
fields = st.dictionaries(
    st.sampled_from(
        [
            "api_key",
            "service_code",
            "lat",
            "long",
            "address_string",
            "address_id",
            "description",
            "phone",
            "first_name",
            "attribute[blocked_by]",
            "attribute[lights]",
            "jurisdiction_id",
        ]
    ),
    st.one_of(
        texts, st.sampled_from([KEY, "garbage", "fire_lane", "G01", "28.2", "nan", "inf", "-1e400"])
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["requests", "servicerequestupdates", "services"]),
    fmt=st.sampled_from(["json", "xml"]),
    query=params,
)
def test_any_query_gives_no_server_error(client, demo, path, fmt, query):
    limiter.reset()  # many examples from one address: each starts with a fresh read budget
    response = client.get(f"{BASE}/{path}.{fmt}", query_string=query)
    assert response.status_code in (200, 400, 404), (query, response.data[:200])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fmt=st.sampled_from(["json", "xml"]), data=fields)
def test_any_post_gives_no_server_error(client, demo, fmt, data):
    response = client.post(f"{BASE}/requests.{fmt}", data=data, csrf=False)
    assert response.status_code in (200, 400, 403, 404, 429), (data, response.data[:200])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(code=texts, fmt=st.sampled_from(["json", "xml"]))
def test_any_service_code_or_id_gives_no_server_error(client, code, fmt):
    limiter.reset()
    for path in (f"services/{code}", f"requests/{code}", f"tokens/{code}"):
        response = client.get(f"{BASE}/{path}.{fmt}")
        # 308: Werkzeug merges doubled slashes ("services//x") with a redirect.
        assert response.status_code in (200, 308, 400, 404), (path, response.data[:200])


# ---- CSRF: the admin's key pages are forms like any other; the API itself is not --------------


def test_key_pages_refuse_a_post_without_a_csrf_token(client, demo, login_as, ctx):
    from blueprints.open311.models import ApiKey

    login_as(ADMIN)
    before = db.session.scalars(select(ApiKey)).all()
    issued = client.post("/open311/keys", data={"name": "跨站"}, csrf=False)
    assert issued.status_code == 400
    assert "页面放置太久" in issued.get_data(as_text=True)
    key = before[0]
    revoked = client.post(f"/open311/keys/{key.id}/revoke", data={"sure": "yes"}, csrf=False)
    assert revoked.status_code == 400
    assert "页面放置太久" in revoked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(ApiKey).where(ApiKey.name == "跨站")) is None
    assert db.session.get(ApiKey, key.id).revoked_at is None


def test_key_pages_work_with_a_csrf_token(client, demo, login_as, ctx):
    from blueprints.open311.models import ApiKey

    login_as(ADMIN)
    assert client.post("/open311/keys", data={"name": "热线"}).status_code == 200
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == "热线"))
    response = client.post(f"/open311/keys/{key.id}/revoke", data={"sure": "yes"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).revoked_at is not None


def test_the_api_post_needs_no_csrf_token_even_from_a_signed_in_browser(client, demo, login_as):
    login_as(ADMIN)
    assert post(client).status_code == 200


# ---- discovery names the configured address, whatever the Host header says -------------------


def test_discovery_uses_the_configured_base_url_not_the_host_header(app, client):
    configured = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = "https://linli.example.cn"
    try:
        forged = client.get("/open311/discovery.json", headers={"Host": "evil.example"})
        doc = forged.get_json()
        assert doc["endpoints"][0]["url"] == "https://linli.example.cn/open311/v2"
        assert doc["key_service"] == "https://linli.example.cn/open311/keys"
        root = xml(client.get("/open311/discovery.xml", headers={"Host": "evil.example"}))
        assert root.findtext("endpoints/endpoint/url") == "https://linli.example.cn/open311/v2"
        spec = client.get("/open311/openapi.json", headers={"Host": "evil.example"}).get_json()
        assert spec["servers"] == [{"url": "https://linli.example.cn/open311"}]
    finally:
        app.config["PUBLIC_BASE_URL"] = configured


# ---- every answer under /open311/v2/ is in the asked format, errors included -----------------


@pytest.mark.parametrize("path", [f"{BASE}/nothing.json", f"{BASE}/nothing", f"{BASE}/a/b/c.json"])
def test_unknown_api_paths_are_json_404s(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()[0]["code"] == 404


def test_unknown_api_path_in_xml_is_an_xml_404(client):
    response = client.get(f"{BASE}/nothing.xml")
    assert response.status_code == 404
    assert xml(response).find("error/code").text == "404"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE"])
def test_undeclared_methods_are_405_with_allow_in_the_asked_format(client, method):
    response = client.open(f"{BASE}/services.json", method=method)
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert response.get_json()[0]["code"] == 405
    response = client.open(f"{BASE}/requests.xml", method=method)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert xml(response).find("error/code").text == "405"


def test_a_body_too_large_is_413_in_the_asked_format(client):
    for fmt in ("json", "xml"):
        response = client.post(
            f"{BASE}/requests.{fmt}", data={"description": "长" * (12 * 1024 * 1024)}, csrf=False
        )
        assert response.status_code == 413
        if fmt == "json":
            assert response.get_json()[0]["code"] == 413
        else:
            assert xml(response).find("error/code").text == "413"


def test_too_many_posts_are_429_in_the_asked_format(client, demo):
    statuses = [post(client, description=f"第{i}件：垃圾没人清理").status_code for i in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    limited = post(client, "xml", description="又一件：垃圾没人清理")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert xml(limited).find("error/code").text == "429"
    assert post(client, description="再一件：垃圾没人清理").get_json()[0]["code"] == 429


def test_every_documented_error_names_both_formats(client):
    doc = client.get("/open311/openapi.json").get_json()
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            for code, answer in operation["responses"].items():
                assert set(answer["content"]) == {"application/json", "text/xml"}, (path, code)
    post_codes = set(doc["paths"]["/v2/requests.{fmt}"]["post"]["responses"])
    assert post_codes == {"200", "400", "403", "404", "413", "429"}

"""Open311 lists in keyset pages, and the public reads' rate limit per client address."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from blueprints.open311 import lists
from blueprints.reports.models import Report, ReportEvent
from blueprints.util.times import utcnow
from extensions import db
from tests.factories import create_report
from tests.test_open311 import BASE, xml
from tests.test_speed import plan, statements

LINK = re.compile(r'^<([^>]+)>; rel="next"$')


def make_reports(app, n, step=timedelta(minutes=7), **given):
    """n reports, newest first one `step` apart; a few share a time, to test the id tiebreak."""
    with app.app_context():
        now = utcnow()
        refs = []
        for i in range(n):
            report = create_report(**given)
            at = now - step * (i // 3 * 3 if i % 5 == 0 else i)
            db.session.execute(update(Report).where(Report.id == report.id).values(created_at=at))
            refs.append(report.ref)
        db.session.commit()
        return refs


def newest_first(app):
    with app.app_context():
        rows = db.session.execute(
            select(Report.ref).order_by(Report.created_at.desc(), Report.id.desc())
        )
        return [ref for (ref,) in rows]


def next_url(response):
    link = response.headers.get("Link")
    if link is None:
        return None
    url = LINK.match(link).group(1)
    assert url.startswith("http://open311.example.test/open311/v2/")
    return url.removeprefix("http://open311.example.test")


def walk(client, url):
    """Every page from url on: (the refs in order, the number of pages)."""
    refs, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.data[:300]
        refs += [r["service_request_id"] for r in response.get_json()]
        pages += 1
        url = next_url(response)
    return refs, pages


@pytest.fixture
def public_base(app):
    before = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = "http://open311.example.test"
    yield
    app.config["PUBLIC_BASE_URL"] = before


def test_walking_the_pages_gives_every_report_once_newest_first(app, client, demo, public_base):
    make_reports(app, 23)
    expected = newest_first(app)
    refs, pages = walk(client, f"{BASE}/requests.json?page_size=5")
    assert refs == expected
    assert pages == 5


def test_reports_added_between_pages_are_not_repeated_or_skipped(app, client, demo, public_base):
    make_reports(app, 12)
    before = newest_first(app)
    first = client.get(f"{BASE}/requests.json?page_size=5")
    make_reports(app, 4, step=timedelta(seconds=1))  # newer than all: not in this walk
    refs = [r["service_request_id"] for r in first.get_json()]
    rest, _pages = walk(client, next_url(first))
    assert refs + rest == before


def test_the_next_link_keeps_the_filters_and_the_window(app, client, demo, public_base):
    make_reports(app, 8, category="garbage")
    make_reports(app, 8)
    start = (utcnow() - timedelta(days=2)).isoformat()
    first = client.get(
        f"{BASE}/requests.json",
        query_string={"service_code": "garbage", "start_date": start, "page_size": "3"},
    )
    url = next_url(first)
    query = parse_qs(urlsplit(url).query)
    assert set(query) == {"after", "page_size"}
    refs = [r["service_request_id"] for r in first.get_json()]
    rest, pages = walk(client, url)
    codes = {r["service_code"] for r in client.get(f"{BASE}/requests.json").get_json()}
    assert codes == {"garbage", "streetlight"}
    assert len(refs + rest) == len(set(refs + rest)) == 8
    assert pages == 2
    # The filters may be repeated beside the cursor, as long as they are the same ones.
    same = client.get(url + "&service_code=garbage&start_date=" + start.replace("+", "%2B"))
    assert same.status_code == 200
    other = client.get(url + "&service_code=streetlight")
    assert other.status_code == 400
    assert "service_code" in other.get_json()[0]["description"]


def test_the_last_page_has_no_link(app, client, demo, public_base):
    make_reports(app, 4)
    assert "Link" not in client.get(f"{BASE}/requests.json?page_size=4").headers
    assert "Link" not in client.get(f"{BASE}/requests.json").headers
    assert "Link" in client.get(f"{BASE}/requests.json?page_size=3").headers


def test_xml_pages_are_the_specs_element_list_with_the_same_link(app, client, demo, public_base):
    make_reports(app, 5)
    response = client.get(f"{BASE}/requests.xml?page_size=2")
    root = xml(response)
    assert root.tag == "service_requests"
    assert len(root.findall("request")) == 2
    assert urlsplit(next_url(response)).path == f"{BASE}/requests.xml"


def test_the_link_is_built_on_the_public_address_not_the_host_header(
    app, client, demo, public_base
):
    make_reports(app, 3)
    response = client.get(
        f"{BASE}/requests.json?page_size=1",
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert response.headers["Link"].startswith("<http://open311.example.test/")


@pytest.mark.parametrize("size", ["0", "-1", "1001", "ten", "", "1e3", "99999999999999999999"])
def test_page_size_out_of_bounds_is_400(client, demo, size):
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests.{fmt}", query_string={"page_size": size})
        assert response.status_code == 400
        description = (
            response.get_json()[0]["description"]
            if fmt == "json"
            else xml(response).find("error/description").text
        )
        assert "page_size" in description


def test_page_size_has_a_default_and_a_cap(app, client, demo):
    make_reports(app, lists.PAGE_SIZE + 1, step=timedelta(seconds=30))
    assert len(client.get(f"{BASE}/requests.json").get_json()) == lists.PAGE_SIZE
    assert client.get(f"{BASE}/requests.json?page_size=1000").status_code == 200
    assert len(client.get(f"{BASE}/requests.json?page_size=1000").get_json()) == 101


@pytest.mark.parametrize(
    "after",
    [
        "garbled",
        "eyJmIjp7fX0.forged",
        "",
        "x" * 5000,
    ],
)
def test_a_forged_or_garbled_cursor_is_400_in_the_api_format(app, client, demo, after):
    for path in ("requests", "servicerequestupdates"):
        response = client.get(f"{BASE}/{path}.json", query_string={"after": after})
        if after == "":
            assert response.status_code == 200  # no cursor at all: the first page
            continue
        assert response.status_code == 400
        assert response.get_json()[0]["code"] == 400
        assert xml(client.get(f"{BASE}/{path}.xml", query_string={"after": after})).tag == "errors"


def test_a_cursor_signed_with_our_key_but_for_another_list_or_shape_is_400(app, client, demo):
    with app.test_request_context():
        window = (utcnow() - timedelta(days=1), utcnow())
        updates_cursor = lists.make_cursor("updates", {}, window, 5)
        bad_key = lists.make_cursor("requests", {}, window, ["not a time", 5])
        bad_id = lists.make_cursor("requests", {}, window, [utcnow().isoformat(), "5"])
        bad_window = lists.signer("requests").dumps({"f": {}, "w": ["x"], "k": None})
    for cursor in (updates_cursor, bad_key, bad_id, bad_window):
        response = client.get(f"{BASE}/requests.json", query_string={"after": cursor})
        assert response.status_code == 400, cursor


def add_public_events(app, n):
    with app.app_context():
        reports = db.session.scalars(select(Report)).all()
        for i in range(n):
            db.session.add(
                ReportEvent(report=reports[i % len(reports)], action="note", note=f"第{i}条")
            )
        db.session.commit()
        return db.session.scalars(
            select(ReportEvent.id).where(ReportEvent.public.is_(True)).order_by(ReportEvent.id)
        ).all()


def test_updates_walk_every_event_once_by_id(app, client, demo, public_base):
    make_reports(app, 3)
    ids = add_public_events(app, 7)
    seen, url, pages = [], f"{BASE}/servicerequestupdates.json?page_size=4", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [int(u["update_id"]) for u in response.get_json()]
        url = next_url(response)
        pages += 1
        if pages == 1:
            later = add_public_events(app, 2)[-2:]
    # The walk is the window its first page asked for ("now" then); the next poll has the rest.
    assert seen == ids
    assert pages == 3
    again = client.get(f"{BASE}/servicerequestupdates.json?page_size=1000").get_json()
    assert [int(u["update_id"]) for u in again][-2:] == later


def page_plans(app, client, url, marker):
    """The plans of the list statement (the one containing marker) of url's first two pages,
    and the database's name."""
    with statements(app) as seen:
        first = client.get(url)
        client.get(next_url_of(first))
    listed = [(s, p) for s, p in seen if marker in s]
    assert len(listed) == 2
    assert all("LIMIT" in s for s, _p in listed)
    with app.app_context():
        plans = [plan(s, p) for s, p in listed]
        backend = db.engine.dialect.name
    for found in plans:
        assert "temp b-tree" not in found, found
        assert "sort" not in found, found
    return plans, backend


def test_the_list_reads_the_index_in_order_and_stops_at_the_page(app, client, demo):
    make_reports(app, 6)
    url = f"{BASE}/requests.json?page_size=2"
    (first, second), backend = page_plans(app, client, url, "FROM report JOIN category")
    if backend == "sqlite":
        # The created_at index (its rowid is the id), from the window's end or the cursor down.
        assert "search report using index ix_report_created" in first, first
        assert "created_at<?" in second, second
    else:
        assert "index scan backward using ix_report_created_id" in first, first
        assert "(created_at, id) <" in second.split("filter")[0], second


def next_url_of(response):
    link = response.headers["Link"]
    return urlsplit(LINK.match(link).group(1))._replace(scheme="", netloc="").geturl()


def test_reads_are_limited_per_address_with_a_429_in_the_api_format(app, client, demo):
    limit = app.config["OPEN311_READ_LIMIT"]
    per_minute = int(limit.split("/")[0])
    here = {"REMOTE_ADDR": "203.0.113.7"}
    paths = [f"{BASE}/requests.json", f"{BASE}/services.json", f"{BASE}/servicerequestupdates.xml"]
    statuses = [client.get(paths[i % 3], environ_base=here).status_code for i in range(per_minute)]
    assert statuses == [200] * per_minute
    for fmt in ("json", "xml"):
        limited = client.get(f"{BASE}/requests.{fmt}", environ_base=here)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        code = (
            limited.get_json()[0]["code"]
            if fmt == "json"
            else int(xml(limited).find("error/code").text)
        )
        assert code == 429
    elsewhere = client.get(f"{BASE}/requests.json", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert elsewhere.status_code == 200


def test_updates_read_the_time_index_in_order_from_the_cursor(app, client, demo):
    make_reports(app, 3)
    add_public_events(app, 4)
    url = f"{BASE}/servicerequestupdates.json?page_size=2"
    plans, _backend = page_plans(app, client, url, "FROM report_event JOIN report")
    for found in plans:
        assert "ix_report_event_at_id" in found, found

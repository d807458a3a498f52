"""A "me too" counts people, not cookies; the public timeline names offices, not staff; photos
and revealed phone numbers are never cached."""

import re

import pytest
from sqlalchemy import select

from blueprints.auth.people import staff_for
from blueprints.places.models import Department
from blueprints.reports import intake
from extensions import db
from tests.conftest import login
from tests.people import DISPATCHER, GRID_WORKER, RESIDENT
from tests.test_reports import act, category, file_report, grid, jpeg, report

WORKER_NAME = "李网格"


@pytest.fixture
def filed(client, demo, ctx):
    ref, _ = file_report(client)
    return ref


@pytest.fixture
def staff(app):
    """A second browser, for the staff member who works the case."""
    return app.test_client()


def me_too(client, ref):
    response = client.post(f"/reports/{ref}/metoo", data={})
    assert response.status_code in (303, 429), response.status_code
    return response


def test_thirty_fresh_browsers_from_one_network_count_at_most_the_limit(app, filed):
    browsers = [app.test_client() for _ in range(30)]
    for browser in browsers:
        me_too(browser, filed)
    assert report(filed).metoo_count == intake.METOO_PER_NETWORK
    told = browsers[intake.METOO_PER_NETWORK]
    page = told.get(f"/reports/{filed}").get_data(as_text=True)
    assert "今天从您这里的网络已经记下好几位居民了" in page
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    me_too(elsewhere, filed)
    signed_in = app.test_client()  # the same /24 (its own address, so its own hourly budget)
    signed_in.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    login(signed_in, RESIDENT)
    me_too(signed_in, filed)
    assert report(filed).metoo_count == intake.METOO_PER_NETWORK + 2


def test_a_browser_counts_once_even_with_a_new_session(app, filed):
    browser = app.test_client()
    me_too(browser, filed)
    browser.delete_cookie("session")
    again = browser.post(f"/reports/{filed}/metoo", data={}, follow_redirects=True)
    assert "您已经说过“我也遇到”了" in again.get_data(as_text=True)
    assert report(filed).metoo_count == 1


def test_one_account_counts_once_from_two_phones(app, filed):
    for _ in range(2):
        phone = app.test_client()
        login(phone, RESIDENT)
        me_too(phone, filed)
    assert report(filed).metoo_count == 1


def timeline(html):
    return html.split('class="timeline"', 1)[1]


def test_the_public_timeline_names_the_office_never_the_person(app, client, filed, staff):
    login(staff, DISPATCHER)
    worker = staff_for("grid_worker", grid("G01"))[0]
    assert worker.name == WORKER_NAME
    act(staff, filed, "accept", urgency="normal")
    act(staff, filed, "dispatch", assignee=f"user:{worker.id}")
    for reader in (client, app.test_client()):  # the reporter (tracking it), and anyone
        html = reader.get(f"/reports/{filed}").get_data(as_text=True)
        assert WORKER_NAME not in html
        assert "交给：网格员" in timeline(html)
    assert WORKER_NAME in timeline(staff.get(f"/reports/{filed}").get_data(as_text=True))

    department = db.session.scalar(select(Department).where(Department.code == "D01"))
    act(staff, filed, "transfer", assignee=f"dept:{department.id}")
    html = app.test_client().get(f"/reports/{filed}").get_data(as_text=True)
    assert f"交给：{department.name}" in timeline(html)
    assert WORKER_NAME not in html
    client.set_cookie("lang", "en")
    english = client.get(f"/reports/{filed}").get_data(as_text=True)
    assert department.name_en in timeline(english)
    assert WORKER_NAME not in english


def test_a_resident_filed_for_by_a_grid_worker_reads_the_office(app, client, demo, ctx):
    login(client, GRID_WORKER)
    client.post("/reports/new", data={"category": str(category("garbage").id)})
    client.post(
        "/reports/new/details",
        data={"description": "楼道堆了很多杂物", "grid": str(grid("G01").id), "address": "3栋"},
    )
    page = client.get("/reports/new/check").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    done = client.post(
        "/reports/new/check", data={"key": key, "mode": "resident", "phone": RESIDENT}
    )
    ref = re.search(r"/reports/(\d{12})", done.headers["Location"]).group(1)
    resident = app.test_client()
    login(resident, RESIDENT)
    html = resident.get(f"/reports/{ref}").get_data(as_text=True)
    assert "由网格员代为反映" in timeline(html)
    assert WORKER_NAME not in html


def test_photos_and_a_revealed_phone_are_never_cached(client, demo, ctx, staff):
    ref, _ = file_report(client, photo=jpeg())
    photo = report(ref).photos[0]
    for size in ("", "?size=thumb"):
        response = client.get(f"/reports/photo/{photo.id}{size}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        response.close()
    login(staff, DISPATCHER)
    revealed = staff.post(f"/reports/{ref}/phone", data={})
    assert revealed.status_code == 200
    assert "13912345678" in revealed.get_data(as_text=True)
    assert revealed.headers["Cache-Control"] == "no-store"

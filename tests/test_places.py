"""Places, role scopes, the per-grid QR page and the demo data."""

from sqlalchemy import func, select

from blueprints.auth.models import RoleGrant, User
from blueprints.core.access import can
from blueprints.main.cli import load_demo
from blueprints.places.models import Community, Department, Grid, Street
from blueprints.reports.models import GROUPS, Category, Report
from extensions import db
from tests.people import (
    ADMIN,
    COMMUNITY_REVIEWER,
    DISPATCHER,
    GRID_WORKER,
    HANDLER,
    RESIDENT,
    person,
)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def grid(code):
    return db.session.scalar(select(Grid).where(Grid.code == code))


def test_demo_load_is_idempotent(runner, ctx):
    for _ in range(2):
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    assert count(Street) == 1
    assert count(Community) == 2
    assert count(Grid) == 6
    assert count(Category) >= 12
    assert {c.group for c in db.session.scalars(select(Category))} == set(GROUPS)
    phones = {u.phone for u in db.session.scalars(select(User))}
    assert {f"1380000000{n}" for n in (1, 2, 3, 4, 5, 6, 7, 9)} <= phones
    assert count(RoleGrant) == 12
    assert person(ADMIN).roles == {"resident", "admin"}


def test_demo_load_is_refused_in_production(app, runner, ctx):
    app.config["ENV_NAME"] = "production"
    try:
        result = runner.invoke(args=["demo", "load"])
    finally:
        app.config["ENV_NAME"] = "development"
    assert result.exit_code != 0
    assert "never loaded" in result.output
    assert count(User) == 0


def test_grants_reach_down_the_place_tree(demo, ctx):
    worker, dispatcher = person(GRID_WORKER), person(DISPATCHER)
    reviewer, handler = person(COMMUNITY_REVIEWER), person(HANDLER)
    g01, g04 = grid("G01"), grid("G04")
    assert can(g01, "grid_worker", user=worker)
    assert not can(g04, "grid_worker", user=worker)
    assert can(g01, "dispatcher", user=dispatcher)
    assert can(g04, "dispatcher", user=dispatcher)
    assert can(g01.community, "community_reviewer", user=reviewer)
    assert not can(g04.community, "community_reviewer", user=reviewer)
    assert not can(g01, "dispatcher", user=worker)
    department = db.session.scalar(select(Department).where(Department.code == "D01"))
    assert can(department, "handler", user=handler)
    assert can(g04, "admin", user=person(ADMIN))


def test_grid_page_shows_a_qr_code_of_the_pick_link(app, client, demo, login_as):
    login_as(GRID_WORKER)
    response = client.get("/places/grids/G01")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in html
    assert app.config["PUBLIC_BASE_URL"] + "/places/g/G01" in html
    assert "138****0001" in html
    assert RESIDENT not in html


def test_grid_worker_sees_only_their_grids(client, demo, login_as):
    login_as(GRID_WORKER)
    assert client.get("/places/grids/G04").status_code == 403
    assert client.get("/places/grids/NOPE").status_code == 404


def test_dispatcher_sees_every_grid_of_the_street(client, demo, login_as):
    login_as(DISPATCHER)
    assert client.get("/places/grids/G04").status_code == 200


def test_anonymous_visitors_are_sent_to_login(client, demo):
    response = client.get("/places/grids/G01")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_the_qr_link_preselects_the_grid(client, demo):
    response = client.get("/places/g/G02")
    assert response.status_code == 303
    assert "您所在的网格：桃花社区 · 第二网格" in client.get("/").get_data(as_text=True)


def test_an_inactive_grid_link_is_gone(client, demo, ctx):
    grid("G02").active = False
    db.session.commit()
    assert client.get("/places/g/G02").status_code == 404


def test_home_page_is_role_aware(client, demo, login_as):
    anonymous = client.get("/").get_data(as_text=True)
    assert "/auth/signup" in anonymous
    assert "/admin/" not in anonymous
    login_as(ADMIN)
    admin = client.get("/").get_data(as_text=True)
    assert "/admin/users" in admin
    assert "/admin/categories" in admin
    client.post("/auth/logout", data={})
    login_as(GRID_WORKER)
    worker = client.get("/").get_data(as_text=True)
    assert "/places/grids/G01" in worker
    assert "/places/grids/G02" in worker
    assert "/admin/" not in worker
    client.post("/auth/logout", data={})
    login_as(DISPATCHER)
    assert "指挥中心 · 桃花街道" in client.get("/").get_data(as_text=True)


def test_every_linked_page_exists(client, demo, login_as):
    """No link to a page that does not exist yet."""
    import re

    for phone in (None, RESIDENT, GRID_WORKER, ADMIN):
        if phone:
            login_as(phone)
        html = client.get("/").get_data(as_text=True)
        for href in set(re.findall(r'href="(/[^"]*)"', html)):
            response = client.get(href)
            assert response.status_code in (200, 301), (phone, href, response.status_code)
            response.close()
        if phone:
            client.post("/auth/logout", data={})


def test_load_demo_twice_in_one_session_adds_nothing(ctx):
    load_demo()
    before = count(RoleGrant), count(User), count(Report)
    load_demo()
    assert (count(RoleGrant), count(User), count(Report)) == before


def test_demo_reports_cover_every_state_grid_and_category(ctx):
    load_demo()
    reports = db.session.scalars(select(Report)).all()
    assert len(reports) >= 40
    states = {r.state for r in reports}
    assert states >= {
        "submitted",
        "accepted",
        "returned",
        "withdrawn",
        "dispatched",
        "signed",
        "in_progress",
        "verified",
        "reopened",
        "closed",
        "merged",
    }
    assert {r.grid_id for r in reports} == {g.id for g in db.session.scalars(select(Grid))}
    assert {r.category_id for r in reports} == {c.id for c in db.session.scalars(select(Category))}

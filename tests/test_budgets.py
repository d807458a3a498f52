"""Byte budgets of docs/design.md §6, gzipped as on the wire: HTML ≤14 KB, CSS ≤10 KB, all JS ≤20 KB."""

import gzip
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from blueprints.auth.models import User
from blueprints.orgs.demo import load_demo_orgs
from blueprints.orgs.models import Filing, FilingPerson, Org
from blueprints.places.models import Grid
from blueprints.reports.demo import load_demo_reports
from blueprints.reports.models import Category, Report, ReportEvent
from extensions import db
from tests.people import (
    ADMIN,
    COMMUNITY_REVIEWER,
    DISPATCHER,
    GRID_WORKER,
    ORG_OFFICER,
    RESIDENT,
    VOLUNTEER,
)

ROOT = Path(__file__).resolve().parent.parent
KB = 1024

# (who is signed in, page). Every GET page of the app must be listed: see the last test.
PAGES = [
    (None, "/"),
    (None, "/auth/login"),
    (None, "/auth/signup"),
    (None, "/auth/reset"),
    (None, "/no-such-page"),
    (RESIDENT, "/"),
    (RESIDENT, "/auth/account"),
    (RESIDENT, "/auth/password"),
    (GRID_WORKER, "/"),
    (GRID_WORKER, "/auth/assist-reset"),
    (GRID_WORKER, "/places/grids/G01"),
    (DISPATCHER, "/"),
    (DISPATCHER, "/auth/resets"),
    (ADMIN, "/"),
    (ADMIN, "/admin/"),
    (ADMIN, "/admin/users"),
    (ADMIN, "/admin/users/USER"),
    (ADMIN, "/admin/grids"),
    (ADMIN, "/admin/grids/GRID/edit"),
    (ADMIN, "/admin/categories/new"),
    (ADMIN, "/reports/reveals"),
    (ADMIN, "/open311/keys"),
    (ADMIN, "/calendar/"),
    (ADMIN, "/notices/outbox"),
    (None, "/reports/new"),
    (None, "/reports/track"),
    (None, "/reports/quick"),
    (GRID_WORKER, "/reports/quick"),
    (None, "/reports/offline"),
    (RESIDENT, "/reports/mine"),
    (RESIDENT, "/notices/"),
    (RESIDENT, "/auth/phone"),
    (RESIDENT, "/reports/claim"),
    (GRID_WORKER, "/reports/tasks"),
    (DISPATCHER, "/reports/queue"),
    (DISPATCHER, "/reports/REF"),
    (None, "/reports/REF"),
    (None, "/orgs/"),
    (None, "/orgs/ORG"),
    (None, "/orgs/verify/NUMBER"),
    (ORG_OFFICER, "/orgs/ORG"),
    (ORG_OFFICER, "/orgs/ORG/certificate"),
    (RESIDENT, "/orgs/mine"),
    (RESIDENT, "/orgs/apply"),
    (RESIDENT, "/orgs/f/FILING"),
    (RESIDENT, "/orgs/f/FILING/step/name"),
    (RESIDENT, "/orgs/f/FILING/people"),
    (RESIDENT, "/orgs/f/FILING/charter"),
    (RESIDENT, "/orgs/listed/PERSON"),
    (COMMUNITY_REVIEWER, "/orgs/f/FILING"),
    (COMMUNITY_REVIEWER, "/orgs/queue"),
    (None, "/volunteers/"),
    (None, "/volunteers/activities/ACTIVITY"),
    (None, "/volunteers/verify"),
    (None, "/volunteers/guardian/TOKEN"),
    (None, "/volunteers/c/CONFIRM"),
    (VOLUNTEER, "/volunteers/mine"),
    (VOLUNTEER, "/volunteers/profile"),
    (VOLUNTEER, "/volunteers/pass"),
    (VOLUNTEER, "/volunteers/signups/SIGNUP"),
    (VOLUNTEER, "/volunteers/hours/RECORD"),
    (VOLUNTEER, "/volunteers/shifts/SHIFT/check-in"),
    (VOLUNTEER, "/volunteers/certificates/CERT"),
    (GRID_WORKER, "/volunteers/organize"),
    (GRID_WORKER, "/volunteers/activities/new"),
    (GRID_WORKER, "/volunteers/activities/ACTIVITY/shifts/new"),
    (GRID_WORKER, "/volunteers/shifts/SHIFT"),
    (None, "/rooms/"),
    (None, "/rooms/ROOM"),
    (ORG_OFFICER, "/rooms/ROOM/book"),
    (ORG_OFFICER, "/rooms/bookings/BOOKING"),
    (ORG_OFFICER, "/rooms/mine"),
    (COMMUNITY_REVIEWER, "/rooms/queue"),
    (COMMUNITY_REVIEWER, "/rooms/new"),
    (COMMUNITY_REVIEWER, "/rooms/ROOM/edit"),
    (DISPATCHER, "/figures/grid/GRID"),
    (DISPATCHER, "/figures/grid/GRID/cases"),
    (None, "/figures/open"),
    (RESIDENT, "/mydata/"),
    (RESIDENT, "/mydata/delete"),
]
# Not pages (redirects, files, health), or pages measured in their own tests below.
NOT_PAGES = {
    "static",
    "main.healthz",
    "status.readyz",
    "main.favicon",
    "places.pick",
    "auth.reset_confirm",
    "reports.photo",
    "reports.follow",
    "reports.act",
    "volunteers.act",
    "volunteers.hours_act",
    "volunteers.confirm_act",
    "reports.nearest",
    "reports.details",
    "reports.similar",
    "reports.add_photos",
    "reports.contact",
    "reports.check",
    "reports.quick_token",
    "reports.service_worker",
    "open311.discovery",
    "open311.services_list",
    "open311.service_definition",
    "open311.requests_list",
    "open311.request_one",
    "open311.token",
    "open311.updates",
    "open311.openapi",
    "orgs.charter_file",
    "orgs.act",
    "rooms.act",
    "volunteers.export",
    "volunteers.ics",
    "volunteers.verify_one",
    "rooms.ics",
    "figures.index",
    "figures.open_csv",
    "figures.open_json",
    "figures.assessment",  # measured in tests/test_figures.py, with the street's id
    "figures.assessment_csv",
    "mydata.download",
}


def busiest_report(public):
    """The demo report with the longest timeline (one anyone may open when public): the
    heaviest tracking page."""
    load_demo_reports()
    query = select(Report.ref).join(ReportEvent).join(Category)
    if public:
        query = query.where(Category.sensitive.is_(False))
    return db.session.scalar(
        query.group_by(Report.id).order_by(func.count(ReportEvent.id).desc()).limit(1)
    )


def with_demo_orgs(url):
    """The heaviest organization pages: the choir with its ten members, the returned
    application with its reasons, and the resident's listing on the choir's application."""
    load_demo_orgs()
    choir = db.session.scalar(select(Org).where(Org.name == "桃花社区夕阳红合唱队"))
    returned = db.session.scalar(select(Filing).where(Filing.state == "returned"))
    listing = db.session.scalar(
        select(FilingPerson)
        .join(User, FilingPerson.user_id == User.id)
        .where(User.phone == RESIDENT)
    )
    for word, value in (
        ("ORG", choir.id),
        ("NUMBER", choir.number),
        ("FILING", returned.id),
        ("PERSON", listing.id),
    ):
        url = url.replace(word, str(value))
    return url


def volunteer_url(url):
    """The demo's busiest volunteer pages: the full shift with its waitlist, a record with its
    timeline, the demo certificate."""
    from blueprints.volunteers.demo import load_demo_volunteers
    from blueprints.volunteers.messages import confirm_token
    from blueprints.volunteers.models import (
        Activity,
        Certificate,
        HoursRecord,
        Signup,
        VolunteerProfile,
    )
    from blueprints.volunteers.profiles import make_token

    load_demo_volunteers()
    activity = db.session.scalar(select(Activity).where(Activity.title == "社区助老送餐"))
    shift = activity.shifts[0]
    wang = db.session.scalar(
        select(VolunteerProfile)
        .join(User, User.id == VolunteerProfile.user_id)
        .where(User.phone == VOLUNTEER)
    )
    signup = db.session.scalar(
        select(Signup).where(Signup.shift_id == shift.id, Signup.profile_id == wang.id)
    )
    minor = db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.guardian_phone != ""))
    values = {
        "ACTIVITY": activity.id,
        "SHIFT": shift.id,
        "SIGNUP": signup.id,
        "RECORD": db.session.scalar(
            select(HoursRecord.id).where(HoursRecord.profile_id == wang.id).limit(1)
        ),
        "CERT": db.session.scalar(
            select(Certificate.number).where(Certificate.profile_id == wang.id)
        ),
        "CONFIRM": confirm_token(signup),
        "TOKEN": make_token("guardian", minor.id, minor.guardian_phone),
    }
    for key, value in values.items():
        url = url.replace(key, str(value))
    return url


def room_url(url):
    """The demo's activity room, with its week of bookings; the booking with the longest
    timeline."""
    from blueprints.rooms.demo import ACTIVITY_ROOM, load_demo_rooms
    from blueprints.rooms.models import Booking, BookingEvent, Room

    load_demo_orgs()
    load_demo_rooms()
    room = db.session.scalar(select(Room).where(Room.name == ACTIVITY_ROOM))
    booking = db.session.scalar(
        select(Booking.id)
        .join(BookingEvent)
        .group_by(Booking.id)
        .order_by(func.count(BookingEvent.id).desc())
        .limit(1)
    )
    return url.replace("ROOM", str(room.id)).replace("BOOKING", str(booking))


def gzipped_size(data):
    return len(gzip.compress(data, 6))


@pytest.mark.parametrize(("phone", "url"), PAGES)
def test_html_fits_one_round_trip(client, demo, ctx, login_as, phone, url):
    if "REF" in url:
        url = url.replace("REF", busiest_report(public=phone is None))
    # Real ids: on PostgreSQL the ids keep counting up from test to test.
    if "USER" in url:
        url = url.replace(
            "USER", str(db.session.scalar(select(User.id).where(User.phone == GRID_WORKER)))
        )
    if "GRID" in url:
        url = url.replace("GRID", str(db.session.scalar(select(Grid.id).where(Grid.code == "G01"))))
    if url.startswith("/orgs/") and any(w in url for w in ("ORG", "NUMBER", "FILING", "PERSON")):
        url = with_demo_orgs(url)
    if url.startswith("/volunteers/") and url != "/volunteers/":
        url = volunteer_url(url)
    if url.startswith("/rooms/"):
        url = room_url(url)
    if phone:
        login_as(phone)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == (404 if url == "/no-such-page" else 200)
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) <= 14 * KB, f"{url}: {len(response.data)} bytes gzipped"


def test_reset_code_page_fits(client, demo):
    client.post("/auth/reset", data={"phone": RESIDENT})
    response = client.get("/auth/reset/code", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.data) <= 14 * KB


def test_css_budget():
    css = list((ROOT / "static").rglob("*.css"))
    assert css == [ROOT / "static/css/app.css"], "one CSS file"
    assert gzipped_size(css[0].read_bytes()) <= 10 * KB


def test_js_budget_includes_htmx(client):
    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="(/static/[^"?]+)', html)
    assert "/static/vendor/htmx-4.0.1.min.js" in scripts
    total = sum(gzipped_size((ROOT / s.lstrip("/")).read_bytes()) for s in scripts)
    every_js = sum(gzipped_size(p.read_bytes()) for p in (ROOT / "static").rglob("*.js"))
    worker = ROOT / "static/js/sw.js"
    assert total + gzipped_size(worker.read_bytes()) == every_js, "every JS file is on the budget"
    # The service worker is no page's script, but its bytes (as served) cross the same link.
    total += gzipped_size(client.get("/reports/sw.js").get_data())
    assert total <= 20 * KB, f"{total} bytes of JS gzipped"


def test_every_page_is_on_the_budget_list(app):
    listed = {url for _, url in PAGES}
    missing = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        pattern = re.sub(r"<[^>]+>", "[^/]+", rule.rule)
        if not any(re.fullmatch(pattern, url) for url in listed):
            missing.append(rule.rule)
    assert missing == []


def test_every_intake_step_fits(client, demo, ctx):
    from tests.test_reports import category, grid

    gz = {"Accept-Encoding": "gzip"}
    client.get("/places/g/G01")
    client.post("/reports/new", data={"category": str(category("garbage").id)})
    sizes = {"/reports/new/details": len(client.get("/reports/new/details", headers=gz).data)}
    client.post(
        "/reports/new/details",
        data={"description": "垃圾堆了很多天", "grid": str(grid("G01").id), "address": "菜场"},
    )
    for url in ("/reports/new/photos", "/reports/new/check"):
        response = client.get(url, headers=gz)
        assert response.status_code == 200, url
        sizes[url] = len(response.data)
    assert all(size <= 14 * KB for size in sizes.values()), sizes


def test_the_loops_screens_fit_at_their_fullest(client, demo, ctx, login_as):
    """The check page with three photos and every answer, the confirmation with its next-steps
    panel, and a grid worker's grouped task list with many rows."""
    from tests.test_case_screens import start_draft
    from tests.test_reports import act, as_user, dispatch_to_worker, file_report

    gz = {"Accept-Encoding": "gzip"}
    start_draft(client, answers={"attribute[lights]": "3"}, n_photos=3)
    sizes = {"check": len(client.get("/reports/new/check", headers=gz).data)}
    ref, _key = file_report(client)
    sizes["receipt"] = len(client.get(f"/reports/{ref}?new=1", headers=gz).data)
    refs = [file_report(client)[0] for _n in range(8)]
    worker = dispatch_to_worker(client, login_as, refs[0])
    for case in refs[1:]:
        act(client, case, "accept", urgency="normal")
        act(client, case, "dispatch", assignee=f"user:{worker.id}")
    as_user(client, login_as, GRID_WORKER)
    for case in refs[1::2]:
        act(client, case, "sign_start")
    sizes["tasks"] = len(client.get("/reports/tasks", headers=gz).data)
    sizes["case"] = len(client.get(f"/reports/{refs[0]}", headers=gz).data)
    assert all(size <= 14 * KB for size in sizes.values()), sizes

"""Every GET page of the app, found from the URL map and filled from the demo data, as each demo
role opens it. tests/test_budgets_everywhere.py holds them to the byte budgets and
tests/browser/test_elderly_modes.py to the elderly modes, so a new page is measured without
anyone listing it.

    with app.app_context():
        prepare_demo()                 # the full demo, plus one camera photo on a public case
        found, unfilled = find_pages(app)

A rule's URL arguments are filled by FILLERS, keyed by "endpoint:argument" or, for a name that
means one thing everywhere, by the argument alone. A rule with an argument no filler knows is
returned in `unfilled` (the tests fail on it, naming the filler to add) rather than skipped.
A page that shows something only after an earlier step (the report form's later steps, the reset
code page) gets that step from PREPARE before it is opened."""

import gzip
import io
import random
import re
from dataclasses import dataclass, field
from html import unescape

from PIL import Image
from sqlalchemy import func, select

from blueprints.auth.demo import ACCOUNTS
from blueprints.auth.models import User
from blueprints.main.cli import load_demo
from extensions import db, limiter
from tests.conftest import FormClient, login
from tests.people import VOLUNTEER, person

# What each demo role's account is: the first demo account holding the role, a resident
# (the account without a role), and the volunteer whose hours and certificate the demo holds.
ROLES = ["anonymous", "resident"]
ROLES += list(dict.fromkeys(role for _phone, _name, role, _kind, _code in ACCOUNTS if role))
ROLES += ["volunteer"]

# Rules whose whole job is to send the browser elsewhere: they never answer a page.
REDIRECTS = {
    "main.favicon",
    "places.pick",
    "reports.follow",
    "volunteers.verify_one",
    "notices.show",
    "figures.index",
    "reports.contact",
    # A step's URL opened with GET (a reload after a refusal): the object's page.
    "reports.act",
    "orgs.act",
    "rooms.act",
    "volunteers.act",
    "volunteers.hours_act",
    "volunteers.confirm_act",
}
# Argument names that mean different things on different rules: filled per endpoint only.
AMBIGUOUS = {"code", "id", "kind", "number", "token", "ref", "fmt", "filename"}


def phone_of(role):
    if role == "anonymous":
        return None
    if role == "volunteer":
        return VOLUNTEER
    if role == "resident":
        return next(phone for phone, _n, r, _k, _c in ACCOUNTS if r is None)
    return next(phone for phone, _n, r, _k, _c in ACCOUNTS if r == role)


@dataclass(frozen=True)
class Page:
    endpoint: str
    url: str

    @property
    def prepare(self):
        return PREPARE.get(self.endpoint)


# ---- the demo data ---------------------------------------------------------------------------


def prepare_demo():
    """The full demo (reports, organizations, volunteers), one camera-sized photo on the
    busiest public case, marked fit for the public by the dispatcher (thumbnails need one), and
    an uploaded charter on the returned application (its download needs one)."""
    from blueprints.orgs import services as orgs
    from blueprints.orgs.models import Filing
    from blueprints.reports import photos, privacy
    from blueprints.reports.models import ReportPhoto

    load_demo()
    returned = db.session.scalar(select(Filing).where(Filing.state == "returned"))
    if not returned.charter_file:
        orgs.save_charter(returned, returned.applicant, io.BytesIO(CHARTER_PDF))
    report = busiest_report(public=True)
    if report.photos:
        return
    name, size = photos.save_photo(io.BytesIO(camera_photo()))
    photo = ReportPhoto(report=report, filename=name, thumb_bytes=size)
    db.session.add(photo)
    db.session.commit()
    privacy.mark_photo_public(photo, person(phone_of("dispatcher")))


CHARTER_PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def camera_photo(width=4000, height=3000, seed=14):
    """A 4000×3000 JPEG as a phone takes it: noisy detail over broad shapes (the worst case for
    a thumbnail's size), about 3 MB."""
    rng = random.Random(seed)
    small = Image.new("RGB", (width // 16, height // 16))
    small.putdata(
        [
            (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            for _ in range((width // 16) * (height // 16))
        ]
    )
    image = small.resize((width, height), Image.Resampling.BILINEAR)
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def busiest_report(public):
    """The demo report with the longest timeline (one anyone may open, when public)."""
    from blueprints.reports.models import Category, Report, ReportEvent

    query = select(Report).join(ReportEvent).join(Category)
    if public:
        query = query.where(Category.sensitive.is_(False))
    return db.session.scalar(
        query.group_by(Report.id).order_by(func.count(ReportEvent.id).desc(), Report.id).limit(1)
    )


def report_refs(endpoint, filled):
    refs = [busiest_report(public=True).ref]
    if endpoint == "reports.show":
        refs.append(busiest_report(public=False).ref)  # a sensitive case: staff only
    return list(dict.fromkeys(refs))


# A step of each flow's action URL (a GET answers the same whichever it is).
STEP_OF = {"reports.act": "accept", "orgs.act": "pass", "rooms.act": "approve"}


def a_step(endpoint, filled):
    return [STEP_OF[endpoint]]


def tracking_code(endpoint, filled):
    from blueprints.reports.models import Report
    from blueprints.reports.refs import tracking_code as code_of

    anonymous = db.session.scalar(
        select(Report).where(Report.reporter_id.is_(None)).order_by(Report.id).limit(1)
    )
    return [code_of(anonymous.submission_key)]


def open311_token(endpoint, filled):
    from blueprints.open311.services import public_reports

    return [db.session.scalar(public_reports().limit(1)).submission_key]


def category_code(endpoint, filled):
    return ["fire_lane"]  # the demo category with a required extra question


def grid_code(endpoint, filled):
    return ["G01"]


def admin_kinds(endpoint, filled):
    from blueprints.admin.routes import KINDS

    return [*KINDS, "users"] if endpoint == "admin.index" else list(KINDS)


def admin_row(endpoint, filled):
    from blueprints.admin.routes import KINDS

    model = KINDS[filled["kind"]].model
    return [db.session.scalar(select(model.id).order_by(model.id).limit(1))]


def grid_worker_id(endpoint, filled):
    return [person(phone_of("grid_worker")).id]


def any_format(endpoint, filled, converter):
    return sorted(converter.items)


def static_files(endpoint, filled):
    from flask import current_app

    html = current_app.test_client().get("/").get_data(as_text=True)
    return sorted(set(re.findall(r'(?:href|src)="/static/([^"?]+)', html)))


def choir(endpoint, filled):
    from blueprints.orgs.models import Org

    return [db.session.scalar(select(Org.id).where(Org.name == "桃花社区夕阳红合唱队"))]


def org_number(endpoint, filled):
    from blueprints.orgs.models import Org

    return [db.session.scalar(select(Org.number).where(Org.name == "桃花社区夕阳红合唱队"))]


def filings(endpoint, filled):
    """The returned application (its applicant edits it, with the reasons in place) and the
    one under community review (its reviewer's page)."""
    from blueprints.orgs.models import Filing

    return [
        db.session.scalar(select(Filing.id).where(Filing.state == state).order_by(Filing.id))
        for state in ("returned", "community_review")
    ]


def charter_filing(endpoint, filled):
    from blueprints.orgs.models import Filing

    return [db.session.scalar(select(Filing.id).where(Filing.charter_file != ""))]


def filing_parts(endpoint, filled):
    from blueprints.orgs.forms import STEP_FORMS, STEPS
    from blueprints.orgs.models import Filing

    filing = db.session.get(Filing, filled["filing_id"])
    return [part for part in STEPS[filing.purpose] if part in STEP_FORMS]


def resident_listing(endpoint, filled):
    from blueprints.orgs.models import FilingPerson

    return [
        db.session.scalar(
            select(FilingPerson.id)
            .join(User, FilingPerson.user_id == User.id)
            .where(User.phone == phone_of("resident"))
            .order_by(FilingPerson.id)
        )
    ]


def volunteer_demo():
    from blueprints.volunteers.models import Activity, Signup, VolunteerProfile

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
    return activity, shift, wang, signup


def busiest_activity(endpoint, filled):
    return [volunteer_demo()[0].id]


def full_shift(endpoint, filled):
    return [volunteer_demo()[1].id]


def volunteer_signup(endpoint, filled):
    return [volunteer_demo()[3].id]


def volunteer_record(endpoint, filled):
    from blueprints.volunteers.models import HoursRecord

    wang = volunteer_demo()[2]
    return [
        db.session.scalar(
            select(HoursRecord.id).where(HoursRecord.profile_id == wang.id).order_by(HoursRecord.id)
        )
    ]


def certificate_number(endpoint, filled):
    from blueprints.volunteers.models import Certificate

    wang = volunteer_demo()[2]
    return [db.session.scalar(select(Certificate.number).where(Certificate.profile_id == wang.id))]


def confirm_token(endpoint, filled):
    from blueprints.volunteers import messages

    return [messages.confirm_token(volunteer_demo()[3])]


def volunteer_step(endpoint, filled):
    """A step of each volunteer action URL, opened with GET: the object's page."""
    return {
        "volunteers.act": ["cancel"],
        "volunteers.hours_act": ["approve"],
        "volunteers.confirm_act": ["confirm_coming"],
    }[endpoint]


def guardian_token(endpoint, filled):
    from blueprints.volunteers.models import VolunteerProfile
    from blueprints.volunteers.profiles import make_token

    minor = db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.guardian_phone != ""))
    return [make_token("guardian", minor.id, minor.guardian_phone)]


def public_photo(endpoint, filled):
    from blueprints.reports.models import ReportPhoto

    return [db.session.scalar(select(ReportPhoto.id).where(ReportPhoto.fit_for_public))]


def place_of_kind(endpoint, filled):
    """The demo's first place of the kind the rule's earlier argument names."""
    from blueprints.places.models import Community, Department, Grid, Street

    model = {"street": Street, "community": Community, "grid": Grid, "department": Department}
    kind = model[filled["kind"]]
    return [db.session.scalar(select(kind.id).order_by(kind.code).limit(1))]


def resident_notice(endpoint, filled):
    from blueprints.notices.models import Notice

    resident = person(phone_of("resident"))
    return [
        db.session.scalar(
            select(Notice.id).where(Notice.user_id == resident.id).order_by(Notice.id).limit(1)
        )
    ]


def busiest_room(endpoint, filled):
    from blueprints.rooms.models import Booking, Room

    return [
        db.session.scalar(
            select(Room.id)
            .outerjoin(Booking, Booking.room_id == Room.id)
            .group_by(Room.id)
            .order_by(func.count(Booking.id).desc(), Room.id)
            .limit(1)
        )
    ]


def a_booking(endpoint, filled):
    from blueprints.rooms.models import Booking

    return [db.session.scalar(select(Booking.id).order_by(Booking.id).limit(1))]


FILLERS = {
    "static:filename": static_files,
    "admin.index:kind": admin_kinds,
    "admin.new:kind": admin_kinds,
    "admin.edit:kind": admin_kinds,
    "admin.edit:id": admin_row,
    "admin.show_user:id": grid_worker_id,
    "places.grid:code": grid_code,
    "places.pick:code": grid_code,
    "reports.show:ref": report_refs,
    "reports.act:ref": report_refs,
    "reports.act:action": a_step,
    "orgs.act:action": a_step,
    "rooms.act:action": a_step,
    "reports.follow:code": tracking_code,
    "reports.photo:photo_id": public_photo,
    "open311.request_one:ref": report_refs,
    "open311.service_definition:code": category_code,
    "open311.token:token": open311_token,
    "org_id": choir,
    "orgs.verify:number": org_number,
    "filing_id": filings,
    "orgs.charter_file:filing_id": charter_filing,
    "orgs.step:part": filing_parts,
    "person_id": resident_listing,
    "activity_id": busiest_activity,
    "shift_id": full_shift,
    "signup_id": volunteer_signup,
    "record_id": volunteer_record,
    "volunteers.certificate:number": certificate_number,
    "volunteers.verify_one:number": certificate_number,
    "volunteers.confirm:token": confirm_token,
    "volunteers.confirm_act:token": confirm_token,
    "volunteers.act:action": volunteer_step,
    "volunteers.hours_act:action": volunteer_step,
    "volunteers.confirm_act:action": volunteer_step,
    "volunteers.guardian:token": guardian_token,
    "ident": place_of_kind,
    "notice_id": resident_notice,
    "room_id": busiest_room,
    "booking_id": a_booking,
}


def grid_centre(endpoint):
    from blueprints.places.models import Grid

    grid = db.session.scalar(select(Grid).where(Grid.code == "G01"))
    return {"lat": grid.lat, "lng": grid.lng}


# Rules that answer only with a query string: what a real request sends them.
QUERIES = {"reports.nearest": grid_centre}


def argument_names(rule):
    """In the order they appear in the path: a later one may depend on an earlier one (an
    admin row's id on its kind)."""
    return re.findall(r"<(?:[^:>]+:)?(\w+)>", rule.rule)


def filler_for(rule, name):
    from werkzeug.routing import AnyConverter

    converter = rule._converters.get(name)
    if isinstance(converter, AnyConverter):
        return lambda endpoint, filled: any_format(endpoint, filled, converter)
    found = FILLERS.get(f"{rule.endpoint}:{name}")
    if found is None and name not in AMBIGUOUS:
        found = FILLERS.get(name)
    return found


def find_pages(app):
    """(pages, unfilled): a Page for every filled URL of every GET rule; unfilled lists
    "endpoint:argument" for each argument that no filler knows."""
    pages, unfilled = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if "GET" not in rule.methods:
            continue
        names = argument_names(rule)
        missing = [n for n in names if filler_for(rule, n) is None]
        if missing:
            unfilled += [f"{rule.endpoint}:{n}" for n in missing]
            continue
        choices = [{}]
        for name in names:
            fill = filler_for(rule, name)
            choices = [
                {**filled, name: value}
                for filled in choices
                for value in fill(rule.endpoint, filled)
            ]
        for values in choices:
            if any(v is None for v in values.values()):
                unfilled.append(f"{rule.endpoint}: the demo has no value for {values}")
                continue
            with app.test_request_context():
                from flask import url_for

                query = QUERIES[rule.endpoint](rule.endpoint) if rule.endpoint in QUERIES else {}
                url = url_for(rule.endpoint, **values, **query)
            pages.append(Page(rule.endpoint, url))
    return list(dict.fromkeys(pages)), unfilled


# ---- the crawl -------------------------------------------------------------------------------

GZ = {"Accept-Encoding": "gzip"}
DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src|img [^>]*?src)="([^"]+)"', re.I)


@dataclass
class Answer:
    role: str
    endpoint: str
    url: str
    status: int
    html: bool
    wire: int  # body bytes as sent (gzipped when the server gzips)
    assets: dict = field(default_factory=dict)  # url → (kind, gzipped bytes)
    description: str | None = None  # <meta name="description">, when the page has one


def gzipped(response):
    """Bytes on the wire: the body as sent when gzipped, else what gzip would make of it (a
    thumbnail is JPEG already; gzip gains it nothing, so its size is its length)."""
    if response.headers.get("Content-Encoding") == "gzip":
        return len(response.data)
    if response.mimetype.startswith("image/"):
        return len(response.data)
    return len(gzip.compress(response.data, 6))


def kind_of(tag_url, html):
    if re.search(rf'<link rel="stylesheet" href="{re.escape(tag_url)}"', html):
        return "css"
    if re.search(rf'<script src="{re.escape(tag_url)}"', html):
        return "js"
    return "img"


def body_text(response):
    data = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return data.decode("utf-8", "replace")


def visit_as(app, role, pages, cookies=None):
    """Opens every page as the role, in the test client: its Answers, each with the stylesheets,
    scripts and images the page links and their gzipped sizes."""
    client = FormClient(app, app.response_class)
    for name, value in (cookies or {}).items():
        client.set_cookie(name, value)
    limiter.reset()
    if phone := phone_of(role):
        login(client, phone)
    answers, sizes = [], {}
    for page in pages:
        if page.prepare:
            page.prepare(client)
        response = client.get(page.url, headers=GZ)
        html = response.mimetype == "text/html"
        answer = Answer(
            role, page.endpoint, page.url, response.status_code, html, gzipped(response)
        )
        if html:
            text = body_text(response)
            if found := DESCRIPTION.search(text):
                answer.description = unescape(found.group(1))
            for src in dict.fromkeys(unescape(u) for u in ASSET.findall(text)):
                if src.startswith("data:"):
                    continue
                if src not in sizes:
                    asset = client.get(src, headers=GZ)
                    sizes[src] = gzipped(asset)
                    asset.close()
                answer.assets[src] = (kind_of(src.replace("&", "&amp;"), text), sizes[src])
        response.close()
        answers.append(answer)
    return answers


# ---- steps before a page ---------------------------------------------------------------------


def report_draft(client):
    """A report draft with a category, a grid and a description, as the first two steps of the
    form leave it: on a grid and category where the demo has open cases, so "similar" shows."""
    from blueprints.reports import intake
    from blueprints.reports.models import OPEN_STATES, Category, Report

    with client.application.app_context():
        cases = db.session.scalars(
            select(Report)
            .join(Category)
            .where(Report.state.in_(OPEN_STATES), Category.sensitive.is_(False))
            .order_by(Report.id)
        )
        case = next(c for c in cases if intake.similar_reports(c.grid_id, c.category_id))
        key = intake.new_draft_key()
        intake.save_draft(
            key,
            category_id=case.category_id,
            grid_id=case.grid_id,
            description="楼下垃圾又堆起来了，好几天没人清。",
            address="3栋门口",
        )
    with client.session_transaction() as session:
        session["draft"] = key


def reset_requested(client):
    """The reset code page follows a reset request for the resident's phone."""
    client.post("/auth/reset", data={"phone": phone_of("resident")})


PREPARE = {
    "reports.details": report_draft,
    "reports.similar": report_draft,
    "reports.add_photos": report_draft,
    "reports.check": report_draft,
    "auth.reset_confirm": reset_requested,
}

"""Factories: cases of every feature made through the services and flows the pages call, in any
state their flow can reach (as Indico's testing fixtures do). The demo must be loaded (the `demo`
fixture): the factories act as the demo's people (tests/people.py).

A test that is about one step starts from an object already in the state before it, made the way
the app makes it, instead of walking the HTTP forms; each factory reaches its state through the
flow's own steps, so it never builds a row no user could. A few tests still walk the real forms
end to end (test_reports.py, test_orgs.py's whole way, the browser tests)."""

import uuid
from datetime import date, time, timedelta

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.auth.people import staff_for
from blueprints.core.roles import Role
from blueprints.orgs import lifecycle
from blueprints.orgs import services as orgs
from blueprints.orgs.models import Org
from blueprints.orgs.workflow import FLOW as filing_flow
from blueprints.places.models import Department, Grid
from blueprints.reports import intake, workflow
from blueprints.reports.models import Category, Report, ReportState
from blueprints.reports.steps import Assignee
from blueprints.rooms import bookings, directory
from blueprints.rooms.models import BookingState
from blueprints.rooms.workflow import FLOW as booking_flow
from blueprints.util.times import local, utcnow
from blueprints.volunteers import activities, profiles, signups
from extensions import db
from tests.people import GRID_WORKER, ORG_OFFICER, RESIDENT, community, person

S = ReportState
# The shortest way the workflow reaches each state, step by step from "submitted".
PATHS = {
    S.SUBMITTED: [],
    S.ACCEPTED: ["accept"],
    S.RETURNED: ["return"],
    S.WITHDRAWN: ["withdraw"],
    S.DISPATCHED: ["accept", "dispatch"],
    S.SIGNED: ["accept", "dispatch", "sign"],
    S.IN_PROGRESS: ["accept", "dispatch", "sign", "start"],
    S.HANDLED: ["accept", "dispatch", "sign", "start", "handle"],
    S.VERIFIED: ["accept", "dispatch", "sign", "start", "handle", "verify"],
    S.CLOSED: ["accept", "dispatch", "sign", "start", "handle", "verify", "rate_good"],
    S.REOPENED: ["accept", "dispatch", "sign", "start", "handle", "verify", "rate_bad"],
}


def create_category(code="streetlight", **values):
    """A demo category by code, or a new one with these values."""
    found = db.session.scalar(select(Category).where(Category.code == code))
    if found is not None and not values:
        return found
    category = Category(
        code=code,
        name_zh=values.pop("name_zh", code),
        name_en=values.pop("name_en", code),
        group=values.pop("group", "facility"),
        **values,
    )
    db.session.add(category)
    db.session.commit()
    return category


def create_report(
    state=S.SUBMITTED,
    category="streetlight",
    grid="G01",
    reporter=None,
    phone="13912345678",
    to_department=False,
    description="路灯不亮了，晚上很黑",
):
    """A report made by intake and taken to `state` by the workflow's own steps (the demo data
    must be loaded). reporter: a User, or None for an anonymous resident with this phone."""
    place = db.session.scalar(select(Grid).where(Grid.code == grid))
    kind = create_category(category) if isinstance(category, str) else category
    answers = intake.ReportAnswers(
        category_id=kind.id,
        grid_id=place.id,
        description=description,
        address="3栋门口",
        phone="" if reporter else phone,
    )
    key = f"factory-{db.session.scalar(select(db.func.count(Report.id))) + 1}"
    report = intake.submit_report(key, answers, reporter=reporter)
    dispatcher = staff_for(Role.DISPATCHER, place)[0]
    worker = staff_for(Role.GRID_WORKER, place)[0]
    department = db.session.scalar(select(Department).where(Department.code == "D01"))
    handler = staff_for(Role.HANDLER, department)[0] if to_department else worker
    resident = reporter or AnonymousUserMixin()
    assignee = (
        Assignee(Assignee.DEPARTMENT, department.id)
        if to_department
        else Assignee(Assignee.WORKER, worker.id)
    )
    steps = {
        "accept": (dispatcher, {"urgency": "normal"}),
        "return": (dispatcher, {"reason": "不属于本街道管辖。"}),
        "withdraw": (resident, {"confirm": "yes"}),
        "dispatch": (dispatcher, {"assignee": assignee}),
        "sign": (handler, {}),
        "start": (handler, {}),
        "handle": (handler, {"note": "已换好灯泡。"}),
        "verify": (worker if to_department else dispatcher, {}),  # never the one who handled it
        "rate_good": (resident, {"rating": "satisfied", "comment": "谢谢"}),
        "rate_bad": (resident, {"rating": "unsatisfied", "comment": "还是不亮"}),
    }
    for name in PATHS[state]:
        actor, given = steps[name]
        action = "rate" if name.startswith("rate") else name
        workflow.apply(report, action, actor, tracker=reporter is None, **given)
    return report


# ---- organizations: a filing through its steps, an organization once approved ------------------

ORG_NAME = "桃花社区夕阳红合唱队"
# The shortest way the filing flow reaches each state from a complete draft.
FILING_PATHS = {
    "draft": [],
    "community_review": ["submit"],
    "returned": ["submit", "return"],
    "refused": ["submit", "refuse"],
    "withdrawn": ["submit", "withdraw"],
    "street_review": ["submit", "pass"],
    "approved": ["submit", "pass", "approve"],
}


def create_filing(
    state="community_review", name=ORG_NAME, code="C01", applicant=ORG_OFFICER, people=10
):
    """A complete application for a new culture group in community `code`, written through the
    services its pages call (the applicant leads it; `people` listed, two of them founders, each
    with a phone 1390000xxxx), and taken to `state` by the filing flow."""
    who, place = person(applicant), community(code)
    filing = orgs.start_filing(who, place, name)
    orgs.save_answers(
        filing,
        who,
        kind="culture",
        scope="组织社区老人每周排练合唱，参加社区文艺活动。",
        leader_name=who.name,
        leader_phone=who.phone,
        venue=f"{place.name}党群服务中心二楼活动室",
        venue_shared=True,
        funds="每年约2000元",
        fund_sources="成员自愿缴纳",
    )
    for i in range(people):
        role = "founder" if i < 2 else "member"
        orgs.add_person(filing, who, role, f"成员{i:02d}", f"1390000{i:04d}", staff=False)
    orgs.save_model_charter(filing, who, aim="唱歌健身", duties="按时参加排练", rules="大家商量")
    # Who takes each step, and what they give (the reviewers are looked up when needed).
    steps = {
        "submit": (None, {}),
        "withdraw": (None, {"confirm": "yes"}),
        "return": (
            Role.COMMUNITY_REVIEWER,
            {"reasons": {"people": "成员名单里有两位不是本社区居民。"}},
        ),
        "refuse": (Role.COMMUNITY_REVIEWER, {"reason": "活动内容不属于社区社会组织"}),
        "pass": (Role.COMMUNITY_REVIEWER, {}),
        "approve": (Role.STREET_REVIEWER, {}),
    }
    for action in FILING_PATHS[state]:
        role, given = steps[action]
        actor = staff_for(role, place)[0] if role else who
        filing_flow.apply(filing, action, actor, **given)
    return filing


def create_org(state="active", name=ORG_NAME, code="C01", officer=ORG_OFFICER):
    """An organization its filing's approval made, run by `officer`; "expired" once the clock
    has passed its end, "deregistered" by its officer."""
    org = create_filing("approved", name, code, officer).org
    if state == "expired":
        org.valid_until = utcnow() - timedelta(days=1)
        db.session.commit()
        lifecycle.expiry_tick()
    elif state == "deregistered":
        lifecycle.deregister(org, org.officer, "成员大多搬离了社区。")
    return org


# ---- rooms and their bookings ----------------------------------------------------------------

OPEN_DAYS = range(6)  # Monday to Saturday


def create_room(code="C01", name="活动室", capacity=40):
    """A room saved by the community's reviewer: open 08:30–21:30 Monday to Saturday, closed on
    Sundays and holidays, its bookings approved by the community."""
    place = community(code)
    data = {
        "community_id": place.id,
        "name": name,
        "capacity": capacity,
        "facilities": ["tables", "sound"],
        "needs_approval": True,
        "closed_on_holidays": True,
        "hours": {day: (time(8, 30), time(21, 30)) for day in OPEN_DAYS},
    }
    return directory.save_room(staff_for(Role.COMMUNITY_REVIEWER, place)[0], None, data)


# The booking flow's way from a request (a room that needs approval) to each state.
BOOKING_PATHS = {
    BookingState.REQUESTED: [],
    BookingState.APPROVED: ["approve"],
    BookingState.DECLINED: ["decline"],
    BookingState.CANCELLED: ["cancel"],
}


def create_booking(
    room_id, day, starts, ends, state=BookingState.APPROVED, org=None, purpose="排练", head_count=10
):
    """One booking of the room on `day` (a Beijing date in the future) from `starts` to `ends`,
    asked for by `org`'s officer (the choir, create_org's default, unless given) and taken to
    `state` by the room's reviewer or the booker."""
    org = org or db.session.scalar(select(Org).where(Org.name == ORG_NAME))
    booker = org.officer
    data = {
        "key": uuid.uuid4().hex,
        "for_whom": f"org:{org.id}",
        "day": day,
        "starts": starts,
        "ends": ends,
        "purpose": purpose,
        "head_count": head_count,
        "weeks": 1,
        "mode": "all",
    }
    room = directory.get_room(room_id)
    (booking,), _skipped = bookings.book(room, booker, data)
    given = {"decline": {"reason": "那天社区要用这间屋子。"}}
    for action in BOOKING_PATHS[state]:
        actor = (
            booker if action == "cancel" else staff_for(Role.COMMUNITY_REVIEWER, room.community)[0]
        )
        booking_flow.apply(booking, action, actor, **given.get(action, {}))
    return booking


# ---- volunteers: profiles, activities and their shifts, sign-ups -------------------------------

GUARDIAN = "13912340000"  # a minor's guardian, unless one is given: no account


def create_profile(
    phone, name="志愿者", born=date(1960, 1, 1), proxy=False, guardian=None, consented=False, **more
):
    """A volunteer profile saved through the profile page's service, for the account with this
    phone (made, with its phone proven, when there is none). A minor names a guardian (GUARDIAN
    unless given), who consents when `consented`. more: the form's other answers (id_number,
    skills, availability)."""
    user = person(phone)
    if user is None:
        user = User(phone=phone, name=name, grid=person(RESIDENT).grid, phone_verified_at=utcnow())
        user.set_password("x" * 10)
        db.session.add(user)
        db.session.commit()
    data = {
        "community_id": community().id,
        "real_name": name,
        "birth_date": born,
        "proxy_consent": proxy,
        "guardian_phone": guardian or GUARDIAN,
        "guardian_name": "监护人",
        **more,
    }
    profile = profiles.save_profile(user, data)
    if consented:
        profiles.record_guardian_consent(profile)
    return profile


def as_typed(moment):
    """A stored UTC time as a form sends it: Beijing time, naive."""
    return local(moment).replace(tzinfo=None)


def create_activity(
    title="助老送餐",
    start=None,
    hours_long=3,
    capacity=2,
    cancel_hours=24,
    min_age=14,
    deadline=None,
):
    """An activity of community C01 posted by its grid worker, with one shift from `start`
    (stored UTC; in three days unless given) for `hours_long` hours; sign-ups close at `deadline`
    (an hour before the start unless given)."""
    start = start or utcnow().replace(microsecond=0) + timedelta(days=3)
    data = {
        "title": title,
        "place": "桃花社区食堂",
        "community_id": community().id,
        "signup_deadline": as_typed(deadline or start - timedelta(hours=1)),
        "cancel_hours": cancel_hours,
        "starts_at": as_typed(start),
        "ends_at": as_typed(start + timedelta(hours=hours_long)),
        "capacity": capacity,
        "min_age": min_age,
    }
    return activities.post_activity(person(GRID_WORKER), data)


def create_shift(start=None, **given):
    """The one shift of a new activity (create_activity's arguments)."""
    return create_activity(start=start, **given).shifts[0]


# The sign-up flow's way to each state. Waiting states queue behind someone holding the one seat
# (who then leaves, for an offer); attendance states are on a shift that starts in half an hour.
SIGNUP_PATHS = {
    "confirmed": [],
    "cancelled": ["cancel"],
    "waitlisted": [],
    "offered": ["leave"],
    "declined": ["leave", "decline"],
    "expired": ["leave", "expire"],
    "checked_in": ["mark_present"],
    "absent": ["mark_absent"],
    "attended": ["mark_present", "check_out"],
}
WAITING = ("waitlisted", "offered", "declined", "expired")
ATTENDING = ("checked_in", "absent", "attended")


def create_signup(state="confirmed", profile=None, shift=None):
    """A sign-up of `profile` (a new adult volunteer unless given) for `shift` (a new one unless
    given; for a waiting state, with one seat left), joined as the volunteer and taken to `state`
    by the sign-up flow: the organizer marks attendance, the clock lets an offer run out."""
    if shift is None:
        start = utcnow().replace(microsecond=0) + timedelta(minutes=30)
        soon = dict(start=start, cancel_hours=0, deadline=start) if state in ATTENDING else {}
        shift = create_shift(capacity=1 if state in WAITING else 2, **soon)
    profile = profile or create_profile(f"1391111{shift.id % 10000:04d}", name="报名人")
    holder = None
    if state in WAITING:
        first = create_profile(f"1392222{shift.id % 10000:04d}", name="先来的人")
        holder = signups.join_shift(shift, first, first.user)
    signup = signups.join_shift(shift, profile, profile.user)
    organizer = person(GRID_WORKER)
    steps = {
        "cancel": lambda: signups.act(signup, "cancel", profile.user),
        "leave": lambda: signups.act(holder, "cancel", holder.profile.user),
        "decline": lambda: signups.act(signup, "decline", profile.user),
        "expire": lambda: signups.expire_offer(signup),
        "mark_present": lambda: signups.act(signup, "mark_present", organizer),
        "mark_absent": lambda: signups.act(signup, "mark_absent", organizer),
        "check_out": lambda: signups.act(signup, "check_out", organizer),
    }
    for action in SIGNUP_PATHS[state]:
        steps[action]()
    return signup

"""Factories: the demo's people by role, and reports made through the workflow in any state.

A test that is about one step starts from a case already in the state before it, made the way
the app makes it (intake, then the workflow's own steps), instead of walking the HTTP forms.
A few tests in test_reports.py still walk the real intake end to end."""

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.auth.people import staff_for
from blueprints.core.roles import Role
from blueprints.places.models import Department, Grid
from blueprints.reports import intake, workflow
from blueprints.reports.models import Category, Report, ReportState
from blueprints.reports.steps import Assignee
from extensions import db

# The demo accounts (blueprints/auth/demo.py ACCOUNTS), by what they do; password DEMO_PASSWORD.
RESIDENT = "13800000001"
GRID_WORKER = "13800000002"  # grids G01 and G02
DISPATCHER = "13800000003"  # street S01
HANDLER = "13800000004"  # department D01
ORG_OFFICER = "13800000005"
COMMUNITY_REVIEWER = "13800000006"
STREET_REVIEWER = "13800000007"
ADMIN = "13800000009"
OTHER_GRID_WORKER = "13800000012"  # grid G03

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


def person(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


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

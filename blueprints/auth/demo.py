"""The demo accounts, one for each role, all with the password DEMO_PASSWORD (`flask demo load`,
after the places)."""

from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.auth.people import new_grant
from blueprints.core.roles import Role
from blueprints.places.demo import place_by_code
from blueprints.util.times import utcnow
from extensions import db

DEMO_PASSWORD = "linli-demo"

# phone, name, role, place kind, place code
ACCOUNTS = [
    ("13800000001", "张阿姨", None, None, None),
    ("13800000002", "李网格", Role.GRID_WORKER, "grid", "G01"),
    ("13800000003", "王调度", Role.DISPATCHER, "street", "S01"),
    ("13800000004", "赵城管", Role.HANDLER, "department", "D01"),
    ("13800000005", "陈会长", Role.ORG_OFFICER, "community", "C01"),
    ("13800000006", "刘初审", Role.COMMUNITY_REVIEWER, "community", "C01"),
    ("13800000007", "周审核", Role.STREET_REVIEWER, "street", "S01"),
    ("13800000009", "孙管理", Role.ADMIN, None, None),
    ("13800000012", "吴网格", Role.GRID_WORKER, "grid", "G03"),
    ("13800000013", "郑网格", Role.GRID_WORKER, "grid", "G04"),
    ("13800000014", "冯网格", Role.GRID_WORKER, "grid", "G05"),
]
EXTRA_GRANTS = [
    ("13800000002", Role.GRID_WORKER, "grid", "G02"),
    ("13800000014", Role.GRID_WORKER, "grid", "G06"),
]


def load_demo_accounts():
    users = {}
    for phone, name, role, kind, code in ACCOUNTS:
        user = db.session.scalar(select(User).where(User.phone == phone))
        if user is None:
            # The demo's people hold their phones (as if each had typed the code texted to it).
            user = User(phone=phone, name=name, phone_verified_at=utcnow())
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        users[phone] = user
        if role:
            grant(user, role, place_by_code(kind, code) if kind else None)
    users["13800000001"].grid = place_by_code("grid", "G01")
    for phone, role, kind, code in EXTRA_GRANTS:
        grant(users[phone], role, place_by_code(kind, code))
    db.session.commit()


def grant(user, role, place):
    for existing in user.grants:
        if existing.role == role and (existing.place is place):
            return
    user.grants.append(new_grant(role, place))

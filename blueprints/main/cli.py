"""flask demo load: the demo street, places, accounts and categories. Safe to run again."""

import json

import click
from flask import current_app
from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.auth.people import new_grant
from blueprints.core.features import demo_loaders
from blueprints.core.roles import Role
from blueprints.open311.models import ApiKey, hash_key
from blueprints.places.models import Community, Department, Grid, Street
from blueprints.reports.models import Category
from blueprints.util.times import utcnow
from extensions import db

DEMO_PASSWORD = "linli-demo"

STREET = ("S01", "桃花街道")
COMMUNITIES = [("C01", "桃花社区"), ("C02", "柳塘社区")]
# code, community, name, households, centre (lat, lng)
GRIDS = [
    ("G01", "C01", "第一网格", 310, (28.1951, 112.9712)),
    ("G02", "C01", "第二网格", 285, (28.1968, 112.9745)),
    ("G03", "C01", "第三网格", 322, (28.1932, 112.9771)),
    ("G04", "C02", "第一网格", 298, (28.2010, 112.9690)),
    ("G05", "C02", "第二网格", 276, (28.2034, 112.9722)),
    ("G06", "C02", "第三网格", 305, (28.2051, 112.9760)),
]
# Extra questions (Open311 attributes) of some categories.
QUESTIONS = {
    "streetlight": [
        {"code": "lights", "datatype": "number", "required": False, "description": "有几盏灯不亮"}
    ],
    "fire_lane": [
        {
            "code": "blocked_by",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "被什么堵住了",
            "values": [
                {"key": "car", "name": "汽车"},
                {"key": "ebike", "name": "电动车"},
                {"key": "goods", "name": "杂物"},
            ],
        }
    ],
}
DEMO_API_KEY = "linli-demo-key"
# Categories whose handling is due in working days rather than hours.
HANDLE_WORKDAYS = {"road": 5, "property": 7, "welfare": 5}
DEPARTMENTS = [
    ("D01", "城管执法中队", "City management squad"),
    ("D02", "市政设施所", "Public works office"),
    ("D03", "综治中心", "Community safety centre"),
    ("D04", "民政办", "Civil affairs office"),
]
# code, zh, en, group, icon, hours (accept, sign, handle, verify), verify?, sensitive?
CATEGORIES = [
    (
        "garbage",
        "垃圾堆放",
        "Rubbish dumped",
        "environment",
        "🗑",
        (2, 2, 24, 24),
        True,
        False,
    ),
    (
        "vending",
        "占道经营",
        "Stalls blocking the road",
        "environment",
        "🛒",
        (2, 4, 24, 24),
        True,
        False,
    ),
    (
        "graffiti",
        "乱贴乱画",
        "Flyposting and graffiti",
        "environment",
        "🖌",
        (4, 4, 72, 24),
        False,
        False,
    ),
    (
        "streetlight",
        "路灯不亮",
        "Street light out",
        "facilities",
        "💡",
        (4, 4, 72, 24),
        True,
        False,
    ),
    (
        "road",
        "道路破损",
        "Damaged road or pavement",
        "facilities",
        "🚧",
        (4, 4, 120, 48),
        True,
        False,
    ),
    (
        "manhole",
        "井盖缺失",
        "Missing manhole cover",
        "facilities",
        "⚠",
        (1, 1, 8, 12),
        True,
        False,
    ),
    (
        "fire_lane",
        "消防通道堵塞",
        "Fire lane blocked",
        "safety",
        "🧯",
        (1, 2, 12, 12),
        True,
        False,
    ),
    (
        "safety_tip",
        "治安线索",
        "Safety tip-off",
        "safety",
        "🛡",
        (1, 2, 48, 24),
        False,
        True,
    ),
    (
        "neighbour",
        "邻里纠纷",
        "Dispute between neighbours",
        "disputes",
        "🤝",
        (4, 8, 120, 48),
        True,
        True,
    ),
    (
        "property",
        "物业纠纷",
        "Dispute with property management",
        "disputes",
        "🏢",
        (4, 8, 168, 48),
        True,
        True,
    ),
    (
        "elderly",
        "养老助餐",
        "Meals and care for the elderly",
        "services",
        "🍲",
        (4, 8, 72, 24),
        False,
        False,
    ),
    (
        "welfare",
        "困难救助",
        "Help for families in hardship",
        "services",
        "📋",
        (4, 8, 120, 48),
        False,
        False,
    ),
    (
        "noise",
        "噪音扰民",
        "Noise nuisance",
        "environment",
        "🔊",
        (2, 4, 48, 24),
        True,
        False,
    ),
    (
        "other",
        "其他问题",
        "Something else",
        "other",
        "✍",
        (4, 4, 120, 24),
        False,
        False,
    ),
]
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


@click.group(help="Demo data.")
def demo():
    pass


@demo.command("load")
def load():
    """Load the demo data (idempotent; refused in production)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is never loaded under the production config.")
    load_demo()
    click.echo("Demo data loaded. Demo accounts use the password linli-demo.")


def upsert(model, code, **values):
    row = db.session.scalar(select(model).where(model.code == code))
    if row is None:
        row = model(code=code, **values)
        db.session.add(row)
    return row


def load_demo(with_reports=True):
    places = demo_places()
    demo_categories()
    db.session.flush()
    demo_accounts(places)
    if not db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(DEMO_API_KEY))):
        db.session.add(ApiKey.issue("演示客户端", key=DEMO_API_KEY)[0])
    db.session.commit()
    # Each feature's own demo data (blueprints/core/features.py); the bulky ones on request.
    for loader in demo_loaders(full=with_reports):
        loader()


def demo_places():
    """The street, its communities, grids and departments, by (kind, code)."""
    street = upsert(Street, STREET[0], name=STREET[1])
    places = {("street", STREET[0]): street}
    for code, name in COMMUNITIES:
        places[("community", code)] = upsert(Community, code, name=name, street=street)
    for code, community, name, households, (lat, lng) in GRIDS:
        places[("grid", code)] = upsert(
            Grid,
            code,
            name=name,
            community=places[("community", community)],
            households=households,
            lat=lat,
            lng=lng,
        )
    for code, name, name_en in DEPARTMENTS:
        places[("department", code)] = upsert(
            Department, code, name=name, name_en=name_en, street=street
        )
    return places


def demo_categories():
    for code, zh, en, group, icon, hours, verify, sensitive in CATEGORIES:
        workdays = HANDLE_WORKDAYS.get(code, 0)
        accept, sign, handle, check = hours
        upsert(
            Category,
            code,
            name_zh=zh,
            name_en=en,
            group=group,
            icon=icon,
            hours_accept=accept,
            hours_sign=sign,
            hours_handle=handle,
            hours_verify=check,
            needs_verification=verify,
            sensitive=sensitive,
            questions=json.dumps(QUESTIONS.get(code, []), ensure_ascii=False),
            handle_workdays=workdays,
        )


def demo_accounts(places):
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
            grant(user, role, places.get((kind, code)))
    users["13800000001"].grid = places[("grid", "G01")]
    for phone, role, kind, code in EXTRA_GRANTS:
        grant(users[phone], role, places[(kind, code)])


def grant(user, role, place):
    for existing in user.grants:
        if existing.role == role and (existing.place is place):
            return
    user.grants.append(new_grant(role, place))

"""`flask demo load`: every feature's demo data, and the reports' categories. Safe to run again."""

import json

import click
from flask import current_app

from blueprints.core.features import demo_loaders
from blueprints.places.demo import upsert
from blueprints.reports.models import Category
from extensions import db

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
# Categories whose handling is due in working days rather than hours.
HANDLE_WORKDAYS = {"road": 5, "property": 7, "welfare": 5}
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


def load_demo(with_reports=True):
    """Each feature's own demo data (blueprints/core/features.py), in their order; the bulky
    ones on request."""
    for loader in demo_loaders(full=with_reports):
        loader()


def load_demo_categories():
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
    db.session.commit()

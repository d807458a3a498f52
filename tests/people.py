"""The demo's people, by what they do, and the places they work in: one name for each phone.

The accounts are blueprints/auth/demo.py ACCOUNTS (password DEMO_PASSWORD, every phone proven);
VOLUNTEER is blueprints/volunteers/demo.py's, there once the full demo is loaded. Tests import
these names rather than writing the numbers, so "who is this?" has one answer."""

from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.places.models import Community
from extensions import db

RESIDENT = "13800000001"  # 张阿姨 of grid G01; officer of the demo's 绿色环保志愿队
GRID_WORKER = "13800000002"  # grids G01 and G02 (community C01)
DISPATCHER = "13800000003"  # street S01
HANDLER = "13800000004"  # department D01
ORG_OFFICER = "13800000005"  # community C01; officer of the demo's 夕阳红合唱队
COMMUNITY_REVIEWER = "13800000006"  # community C01
STREET_REVIEWER = "13800000007"  # street S01
ADMIN = "13800000009"
OTHER_GRID_WORKER = "13800000012"  # grid G03 (community C01)
C02_GRID_WORKER = "13800000013"  # grid G04 (community C02)
VOLUNTEER = "13800000021"  # 王大伯, with approved hours (full demo only)


def person(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


def community(code="C01"):
    return db.session.scalar(select(Community).where(Community.code == code))

"""The demo street: its communities, grids and departments (`flask demo load`, first)."""

from sqlalchemy import select

from blueprints.places.models import Community, Department, Grid, Street
from extensions import db

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
DEPARTMENTS = [
    ("D01", "城管执法中队", "City management squad"),
    ("D02", "市政设施所", "Public works office"),
    ("D03", "综治中心", "Community safety centre"),
    ("D04", "民政办", "Civil affairs office"),
]
KINDS = {"street": Street, "community": Community, "grid": Grid, "department": Department}


def upsert(model, code, **values):
    """The row of `model` with this code, made with `values` when there is none (a demo loader
    runs again without adding twice)."""
    row = db.session.scalar(select(model).where(model.code == code))
    if row is None:
        row = model(code=code, **values)
        db.session.add(row)
    return row


def place_by_code(kind, code):
    """A demo place by its kind ("grid", ...) and code, for the loaders that come after."""
    return db.session.scalar(select(KINDS[kind]).where(KINDS[kind].code == code))


def load_demo_places():
    street = upsert(Street, STREET[0], name=STREET[1])
    communities = {
        code: upsert(Community, code, name=name, street=street) for code, name in COMMUNITIES
    }
    for code, community, name, households, (lat, lng) in GRIDS:
        upsert(
            Grid,
            code,
            name=name,
            community=communities[community],
            households=households,
            lat=lat,
            lng=lng,
        )
    for code, name, name_en in DEPARTMENTS:
        upsert(Department, code, name=name, name_en=name_en, street=street)
    db.session.commit()

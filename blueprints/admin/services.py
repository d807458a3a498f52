"""Admin use cases: places, categories, accounts and role grants. Each one commits and records
who did it: account changes in the account log (AccountEvent), the rest in the admin log."""

import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from blueprints.auth.models import AccountEvent, User
from blueprints.auth.people import new_grant
from blueprints.auth.services import end_other_sessions, record
from blueprints.core.errors import Refused
from blueprints.core.roles import GRANTED_ROLES, ROLES, Role
from blueprints.places.models import Community, Department, Grid, Street
from blueprints.reports.models import Category
from blueprints.web.inputs import parse_int
from extensions import db

log = logging.getLogger("linli.admin")

PAGE_SIZE = 50
EVERYWHERE = "all"

PLACE_KINDS = {
    "street": (Street, _l("街道")),
    "community": (Community, _l("社区")),
    "grid": (Grid, _l("网格")),
    "department": (Department, _l("部门")),
}

# Where each role may be granted; None is "everywhere", for admins only.
ROLE_PLACES = {
    Role.GRID_WORKER: ("grid",),
    Role.DISPATCHER: ("street",),
    Role.HANDLER: ("department",),
    Role.ORG_OFFICER: ("community",),
    Role.COMMUNITY_REVIEWER: ("community",),
    Role.STREET_REVIEWER: ("street",),
    Role.ADMIN: (None,),
}

ACTIONS = {
    "signed_up": _l("注册了账号"),
    "password_changed": _l("修改了密码"),
    "reset_code_sent": _l("发送了找回密码的验证码"),
    "password_reset_by_code": _l("用验证码重设了密码"),
    "password_reset_by_staff": _l("工作人员帮忙重设了密码"),
    "account_updated": _l("修改了自己的资料"),
    "profile_updated": _l("管理员修改了资料"),
    "activated": _l("启用了账号"),
    "deactivated": _l("停用了账号"),
    "grant_added": _l("添加了身份"),
    "grant_removed": _l("移除了身份"),
}
PROFILE_FIELDS = {"name": _l("称呼"), "grid": _l("所在网格")}


# Lists


def page_of(stmt, key, after):
    """One page of rows in the order of a unique key, from the first after `after` (None: from
    the start), and whether there is another after it. The database seeks to the key in its
    index, however far down the list the page is."""
    if after is not None:
        stmt = stmt.where(key > after)
    rows = db.session.scalars(stmt.order_by(key).limit(PAGE_SIZE + 1)).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def list_rows(model, after=None):
    return page_of(select(model), model.code, after)


def search_users(query, after=None):
    """By name, or by any run of phone digits."""
    stmt = select(User).options(selectinload(User.grants))
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        by_name = User.name.contains(query, autoescape=True)
        stmt = stmt.where(or_(by_name, User.phone.contains(digits)) if digits else by_name)
    return page_of(stmt, User.id, after)


def account_log(user, limit=50):
    return db.session.scalars(
        select(AccountEvent)
        .options(selectinload(AccountEvent.actor))
        .where(AccountEvent.user_id == user.id)
        .order_by(AccountEvent.id.desc())
        .limit(limit)
    ).all()


def joined(items):
    return _("、").join(str(item) for item in items)


def describe(event):
    """One line of the account log in the reader's language."""
    what = str(ACTIONS.get(event.action, event.action))
    if event.action in ("grant_added", "grant_removed") and event.detail:
        role, _sep, place = event.detail.partition(" ")
        parts = [str(ROLES.get(role, role))]
        if place:
            kind, _sep, code = place.partition(":")
            label = PLACE_KINDS[kind][1] if kind in PLACE_KINDS else kind
            parts.append(f"{label} {code}")
        return _("%(what)s：%(detail)s", what=what, detail=" · ".join(parts))
    if event.action == "profile_updated" and event.detail:
        fields = [str(PROFILE_FIELDS.get(f, f)) for f in event.detail.split(",")]
        return _("%(what)s：%(detail)s", what=what, detail=joined(fields))
    return what


# Choices for the select boxes: active rows, plus the current one even when it is switched off.


def _choices(model, current_id, label=str):
    rows = db.session.scalars(
        select(model).where(or_(model.active, model.id == current_id)).order_by(model.code)
    )
    return [
        SelectChoice(row.id, label(row) if row.active else _("%(name)s（已停用）", name=label(row)))
        for row in rows
    ]


def street_choices(current_id=None):
    return _choices(Street, current_id)


def community_choices(current_id=None):
    return _choices(Community, current_id, lambda c: f"{c.street.name} · {c.name}")


def grid_choices(current_id=None):
    return [SelectChoice(0, _("暂不选择")), *_choices(Grid, current_id)]


def place_choices():
    """Every active place as "kind:id", grouped by kind; EVERYWHERE for admins."""
    choices = [
        SelectChoice("", _("请选择")),
        SelectChoice(EVERYWHERE, _("所有地方（只用于管理员）"), optgroup=_("不限地方")),
    ]
    for kind, (model, label) in PLACE_KINDS.items():
        rows = db.session.scalars(select(model).where(model.active).order_by(model.code))
        choices += [SelectChoice(f"{kind}:{row.id}", str(row), optgroup=str(label)) for row in rows]
    return choices


def find_place(value):
    """The place a "kind:id" choice names, or None for EVERYWHERE."""
    kind, _sep, ident = value.partition(":")
    ident = parse_int(ident)
    if kind not in PLACE_KINDS or ident is None:
        return None
    return db.session.get(PLACE_KINDS[kind][0], ident)


# Places and categories


def save_row(row, values, actor):
    """Create or update a place or category. Codes are unique within their kind."""
    model = type(row)
    taken = select(model.id).where(model.code == values["code"])
    if row.id is not None:
        taken = taken.where(model.id != row.id)
    if db.session.scalar(taken) is not None:
        raise Refused(_("编号 %(code)s 已经有了，请换一个。", code=values["code"]), field="code")
    for name, value in values.items():
        setattr(row, name, value)
    created = row.id is None
    if created:
        db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        # Someone else took the code between the check and the commit.
        db.session.rollback()
        raise Refused(
            _("编号 %(code)s 已经有了，请换一个。", code=values["code"]), field="code"
        ) from None
    log.info(
        "%s %s %s by user %s",
        "created" if created else "updated",
        model.__tablename__,
        row.code,
        actor.id,
    )
    return row


def set_active(row, active, actor):
    row.active = active
    db.session.commit()
    log.info(
        "%s %s %s by user %s",
        "activated" if active else "deactivated",
        type(row).__tablename__,
        row.code,
        actor.id,
    )


# Accounts and roles


def update_user(user, name, grid_id, active, actor):
    if user.id == actor.id and not active:
        raise Refused(_("不能停用自己的账号。"), field="active")
    changed = [
        f
        for f, old, new in (("name", user.name, name), ("grid", user.grid_id, grid_id))
        if old != new
    ]
    user.name = name
    user.grid_id = grid_id
    if changed:
        record(user, "profile_updated", actor=actor, detail=",".join(changed))
    if user.active != active:
        user.active = active
        if not active:
            end_other_sessions(user)
        record(user, "activated" if active else "deactivated", actor=actor)
    db.session.commit()


def _grant_detail(role, place):
    if place is None:
        return role
    kind = type(place).__name__.lower()
    return f"{role} {kind}:{place.code}"


def add_grant(user, role, place, actor):
    if role not in GRANTED_ROLES:
        raise Refused(_("请从列表里选一项"), field="role")
    kind = type(place).__name__.lower() if place is not None else None
    if kind not in ROLE_PLACES[role]:
        if role == Role.ADMIN:
            raise Refused(_("管理员不分地方，请选“所有地方”。"), field="place")
        places = joined(PLACE_KINDS[k][1] for k in ROLE_PLACES[role])
        raise Refused(
            _("%(role)s要选一个%(places)s。", role=ROLES[role], places=places), field="place"
        )
    for grant in user.grants:
        if grant.role == role and grant.place is place:
            raise Refused(_("这个账号已经有这个身份了。"), field="role")
    grant = new_grant(role, place)
    user.grants.append(grant)
    record(user, "grant_added", actor=actor, detail=_grant_detail(role, place))
    db.session.commit()
    return grant


def remove_grant(grant, actor):
    user = grant.user
    if user.id == actor.id and grant.role == Role.ADMIN:
        raise Refused(_("不能移除自己的管理员身份。请让另一位管理员来操作。"), field=None)
    record(user, "grant_removed", actor=actor, detail=_grant_detail(grant.role, grant.place))
    user.grants.remove(grant)
    db.session.commit()


def site_counts():
    """The admin home's figures: accounts, and the active grids, communities and categories."""
    return {
        "users": db.session.scalar(select(func.count(User.id))),
        "grids": db.session.scalar(select(func.count(Grid.id)).where(Grid.active)),
        "communities": db.session.scalar(select(func.count(Community.id)).where(Community.active)),
        "categories": db.session.scalar(select(func.count(Category.id)).where(Category.active)),
    }

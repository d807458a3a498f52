"""Activities and their shifts: who may post them, posting, and the public lists."""

import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from blueprints.core.access import can
from blueprints.core.roles import Role
from blueprints.core.workflow import Refused
from blueprints.orgs.models import Org
from blueprints.places.models import Community
from blueprints.util.times import to_utc, utcnow
from blueprints.volunteers.models import Activity, Shift
from blueprints.web.pages import Keyset
from extensions import db

# Until organizations are merged in, an activity is posted by its community: a grid worker of one
# of its grids, an admin, or an org officer granted at the community.
ORGANIZER_ROLES = (Role.ADMIN, Role.ORG_OFFICER, Role.GRID_WORKER)


def may_organize(user, community):
    if not user.is_authenticated or community is None:
        return False
    if can(community, *ORGANIZER_ROLES, user=user):
        return True
    return any(
        g.grid is not None and g.grid.community_id == community.id
        for g in user.grants_for(Role.GRID_WORKER)
    )


def officer_orgs(user):
    """The approved, active organizations this person is the officer of."""
    if not user.is_authenticated:
        return []
    return db.session.scalars(
        select(Org).where(Org.officer_id == user.id, Org.state == "active").order_by(Org.name)
    ).all()


def may_run(user, activity):
    """Organizing one activity: its community's staff, or the officer of the group that posts it."""
    org = activity.org
    if org is not None and user.is_authenticated and org.officer_id == user.id:
        return org.state == "active" or may_organize(user, activity.community)
    return may_organize(user, activity.community)


def organized_communities(user):
    """The communities this user may post activities for (as staff, or as a group's officer)."""
    if not user.is_authenticated:
        return []
    communities = db.session.scalars(
        select(Community).where(Community.active).order_by(Community.code)
    ).all()
    groups = {org.community_id for org in officer_orgs(user)}
    return [c for c in communities if c.id in groups or may_organize(user, c)]


def new_code():
    return f"{secrets.randbelow(10**6):06d}"


def check_shift(starts, ends, capacity, signup_deadline=None):
    if ends <= starts:
        raise Refused(_("结束时间要晚于开始时间。"), field="ends_at")
    if ends - starts > timedelta(hours=24):
        raise Refused(_("一个班次不能超过24小时，请分成几个班次。"), field="ends_at")
    if starts <= utcnow():
        raise Refused(_("开始时间要在现在之后。"), field="starts_at")
    if not 1 <= capacity <= 500:
        raise Refused(_("人数要在1到500之间。"), field="capacity")
    if signup_deadline and signup_deadline > starts:
        raise Refused(_("报名截止时间要在活动开始之前。"), field="signup_deadline")


def post_activity(user, data):
    """An activity with its first shift. data: the form's values, times in Beijing time."""
    community = db.session.get(Community, data["community_id"] or 0)
    org = None
    if data.get("org_id"):
        org = next((o for o in officer_orgs(user) if o.id == data["org_id"]), None)
        if org is None:
            raise Refused(_("只有组织负责人能以组织的名义发布活动。"), field="org_id")
        if community is None or org.community_id != community.id:
            raise Refused(_("组织的活动要发布在组织所在的社区。"), field="community_id")
    elif not may_organize(user, community):
        raise Refused(_("您不能为这个社区发布活动。"), field="community_id")
    if data.get("risky") and not data.get("insured"):
        raise Refused(_("有风险的活动要先为志愿者买好保险，再发布。"), field="insured")
    starts, ends = to_utc(data["starts_at"]), to_utc(data["ends_at"])
    deadline = to_utc(data["signup_deadline"])
    check_shift(starts, ends, data["capacity"], deadline)
    activity = Activity(
        title=data["title"].strip(),
        description=(data.get("description") or "").strip(),
        place=data["place"].strip(),
        community_id=community.id,
        org=org,
        contact_name=(data.get("contact_name") or "").strip() or user.display_name,
        contact_phone=(data.get("contact_phone") or "").strip() or user.phone,
        signup_deadline=deadline,
        cancel_hours=data["cancel_hours"],
        risky=bool(data.get("risky")),
        insured=bool(data.get("insured")),
        created_by_id=user.id,
    )
    activity.shifts.append(new_shift(data, starts, ends))
    db.session.add(activity)
    db.session.commit()
    return activity


def new_shift(data, starts, ends):
    return Shift(
        starts_at=starts,
        ends_at=ends,
        capacity=data["capacity"],
        min_age=data["min_age"],
        skills=",".join(data.get("skills") or []),
        content=(data.get("content") or "").strip()[:200],
        person_in_charge=(data.get("person_in_charge") or "").strip()[:40],
        code=new_code(),
    )


def add_shift(user, activity, data):
    if not may_run(user, activity):
        raise Refused(_("您不能为这个社区发布活动。"))
    starts, ends = to_utc(data["starts_at"]), to_utc(data["ends_at"])
    check_shift(starts, ends, data["capacity"])
    shift = new_shift(data, starts, ends)
    activity.shifts.append(shift)
    db.session.commit()
    return shift


def activity_list(community_id=None, day=None, skill=None, past=False, org_id=None, size=20):
    """The public list, as a select and the Keyset that pages it: each activity with a shift
    still to come that matches (past=True: already over), and when its soonest such shift starts
    (past: its latest), in that order (past: latest first). Still to come is read from the
    index on when shifts end: the years of shifts already over are not read for it."""
    now = utcnow()
    shifts = [Shift.ends_at < now] if past else [Shift.ends_at >= now]
    if community_id:
        shifts.append(Activity.community_id == community_id)
    if org_id:
        shifts.append(Activity.org_id == org_id)
    if day:
        start = to_utc(datetime.combine(day, datetime.min.time()))
        shifts += [Shift.starts_at >= start, Shift.starts_at < start + timedelta(days=1)]
    if skill:
        shifts.append(
            or_(
                Shift.skills == skill,
                Shift.skills.like(f"{skill},%"),
                Shift.skills.like(f"%,{skill}"),
                Shift.skills.like(f"%,{skill},%"),
            )
        )
    shown = (func.max if past else func.min)(Shift.starts_at).label("shown")
    matching = (
        select(Shift.activity_id, shown)
        .join(Activity)
        .where(*shifts)
        .group_by(Shift.activity_id)
        .subquery()
    )
    query = (
        select(Activity, matching.c.shown)
        .join(matching, matching.c.activity_id == Activity.id)
        .options(selectinload(Activity.shifts), selectinload(Activity.community))
    )
    keyset = Keyset(
        matching.c.shown,
        Activity.id,
        newest_first=past,
        size=size,
        key=lambda row: (row.shown, row.Activity.id),
    )
    return query, keyset


def list_activities(community_id=None, org_id=None, size=60):
    """The first page of activities still to come: [(activity, when its next shift starts)]."""
    query, keyset = activity_list(community_id=community_id, org_id=org_id, size=size)
    rows, _more = keyset.page(query, None)
    return rows


def of_active_org(org):
    """The org page's section: an active group's activities still to come."""
    return list_activities(org_id=org.id) if org.state == "active" else []


def get_shift(shift_id):
    return db.session.get(Shift, shift_id) if shift_id else None


def grid_workers_community(user):
    """The grids this grid worker covers (for proxy sign-ups)."""
    grids = []
    for grant in user.grants_for(Role.GRID_WORKER):
        if grant.grid is not None:
            grids.append(grant.grid)
        elif grant.community is not None:
            grids.extend(grant.community.grids)
    return grids

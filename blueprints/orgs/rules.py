"""The local rules a filing must meet, and what approval puts into effect.

Rules: ≥2 founders; ≥10 people in all, founders included (a service-type group, 生活服务, may
instead have ≥3 staff); a venue; a charter; a named person in charge with a phone; a name that
no other group of the street holds or has under review."""

import json
import re

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from blueprints.auth.services import proven_holder
from blueprints.orgs.models import (
    REVIEW_STATES,
    VALID_YEARS,
    Filing,
    FilingCounter,
    Org,
    OrgMember,
)
from blueprints.places.models import Community
from blueprints.util.phones import mask_phone
from blueprints.util.times import utcnow
from extensions import db

MIN_FOUNDERS = 2
MIN_MEMBERS = 10
MIN_STAFF = 3
# The form word at the end of a group's name: 夕阳红合唱队 and 夕阳红合唱团 are one name.
FORM_WORDS = (
    "联合会",
    "俱乐部",
    "志愿队",
    "服务队",
    "服务站",
    "协会",
    "中心",
    "队",
    "团",
    "社",
    "会",
    "组",
    "站",
)
BRAND_CHARS = 3


def normal_name(name):
    return re.sub(r"\s+", "", name or "")


def core_of(name, community_names):
    """The brand and activity of a name: without its community and its form word."""
    core = normal_name(name)
    for prefix in sorted(community_names, key=len, reverse=True):
        if core.startswith(prefix):
            core = core[len(prefix) :]
            break
    for word in FORM_WORDS:
        if core.endswith(word) and len(core) > len(word):
            return core[: -len(word)]
    return core


def names_in_street(street_id, exclude_filing=None, exclude_org=None):
    """Names held in the street: groups on file (not deregistered) and applications under review."""
    communities = select(Community.id).where(Community.street_id == street_id)
    orgs = select(Org.name).where(Org.community_id.in_(communities), Org.state != "deregistered")
    if exclude_org:
        orgs = orgs.where(Org.id != exclude_org)
    filings = select(Filing.name).where(
        Filing.community_id.in_(communities), Filing.state.in_(REVIEW_STATES)
    )
    if exclude_filing:
        filings = filings.where(Filing.id != exclude_filing)
    return set(db.session.scalars(orgs)) | set(db.session.scalars(filings))


def name_check(name, community, filing=None):
    """(taken, similar): the same name is refused; names like it are only warned of."""
    taken = names_in_street(
        community.street_id,
        exclude_filing=filing.id if filing else None,
        exclude_org=filing.org_id if filing else None,
    )
    wanted = normal_name(name)
    if wanted in {normal_name(n) for n in taken}:
        return True, []
    places = [c.name for c in community.street.communities]
    mine = core_of(wanted, places)
    similar = []
    for other in sorted(taken):
        theirs = core_of(other, places)
        if theirs == mine or (
            len(mine) >= BRAND_CHARS and theirs[:BRAND_CHARS] == mine[:BRAND_CHARS]
        ):
            similar.append(other)
    return False, similar


# ---- what stands in the way of a submission ------------------------------------------------


def people_problem(filing):
    listed = [p for p in filing.people if p.counts]
    founders = sum(p.role == "founder" for p in listed)
    if founders < MIN_FOUNDERS:
        return _("发起人至少要%(min)s位，现在有%(n)s位。", min=MIN_FOUNDERS, n=founders)
    if filing.kind == "service":
        staff = sum(p.staff for p in listed)
        if staff < MIN_STAFF:
            return _(
                "生活服务类组织至少要有%(min)s位专职人员，现在有%(n)s位。", min=MIN_STAFF, n=staff
            )
    elif len(listed) < MIN_MEMBERS:
        return _("成员（含发起人）至少要%(min)s位，现在有%(n)s位。", min=MIN_MEMBERS, n=len(listed))
    return None


def problems(filing):
    """Every (part, message) still missing or wrong, in the order of the steps."""
    found = []
    if not filing.name or not filing.community:
        found.append(("name", _("请填写组织名称。")))
    elif name_check(filing.name, filing.community, filing)[0]:
        found.append(("name", _("街道里已经有叫这个名字的组织（或正在审核），请换一个名称。")))
    if filing.purpose == "renewal":
        return found
    new = filing.purpose == "new"
    checks = [
        ("kind", new and not filing.kind, _("请选择组织类型。")),
        ("scope", new and not filing.scope, _("请写一写宗旨和活动范围。")),
        (
            "leader",
            not filing.leader_name or not filing.leader_phone,
            _("请填写负责人的姓名和手机号。"),
        ),
        ("people", new and people_problem(filing), None),
        ("venue", not filing.venue, _("请填写活动场所。")),
        ("charter", new and not filing.has_charter, _("请上传章程，或填写章程范本。")),
    ]
    # A check that fails says why; people_problem() writes its own message.
    found += [(part, message or failed) for part, failed, message in checks if failed]
    return found


def first_problem(filing):
    found = problems(filing)
    return found[0] if found else None


def unconfirmed_on_paper(filing):
    waiting = [p for p in filing.people if not p.phone and p.status == "listed"]
    if waiting:
        return (
            "people",
            _("还有%(n)s位没有手机的人，需要社区确认书面签字后才能通过。", n=len(waiting)),
        )
    return None


def snapshot(filing):
    """The facts of an application as plain strings, to show what changed after a return."""
    charter = (
        filing.charter_file
        and _("已上传文件")
        or "；".join(v for v in filing.model_charter.values() if v)
    )
    return {
        "name": filing.name,
        "kind": filing.kind,
        "scope": filing.scope,
        "leader": f"{filing.leader_name} {mask_phone(filing.leader_phone)}".strip(),
        "people": "、".join(
            f"{p.name}{'*' if p.role == 'founder' else ''}" for p in filing.people if p.counts
        ),
        "venue": filing.venue + (" *" if filing.venue_shared else ""),
        "charter": f"{charter} {filing.charter_file}".strip(),
        "funds": f"{filing.funds} {filing.fund_sources}".strip(),
    }


def changes_since_return(filing):
    """part -> (as returned, as now), for the reviewer of a resubmission."""
    before = json.loads(filing.snapshot or "{}")
    if not before:
        return {}
    now = snapshot(filing)
    return {
        part: (before.get(part, ""), now[part]) for part in now if before.get(part, "") != now[part]
    }


# ---- approval ----------------------------------------------------------------------------


def three_years_after(moment):
    try:
        return moment.replace(year=moment.year + VALID_YEARS)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + VALID_YEARS, day=28)


def next_number(street, year):
    """S01-2026-0007: the street's own sequence for the year, counted in one UPDATE, so two
    approvals at once never get the same number (the row is locked until the commit)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(FilingCounter)
        .values(street_id=street.id, year=year, last=0)
        .on_conflict_do_nothing()
    )
    where = (FilingCounter.street_id == street.id, FilingCounter.year == year)
    db.session.execute(
        update(FilingCounter)
        .where(*where)
        .values(last=FilingCounter.last + 1)
        .execution_options(synchronize_session=False)
    )
    last = db.session.scalar(select(FilingCounter.last).where(*where))
    return f"{street.code}-{year}-{last:04d}"


def put_into_effect(filing, _actor):
    """What the street's approval does: a new organization, a change of its facts, or 3 more years."""
    now = utcnow()
    if filing.purpose == "new":
        org = Org(
            number=next_number(filing.community.street, now.year),
            community=filing.community,
            officer=filing.applicant,
            name=filing.name,
            kind=filing.kind,
            scope=filing.scope,
            approved_at=now,
            valid_from=now,
            valid_until=three_years_after(now),
        )
        db.session.add(org)
        for person in filing.people:
            if person.counts:
                org.members.append(
                    OrgMember(
                        user=person.user, role=person.role, name=person.name, phone=person.phone
                    )
                )
        filing.org = org
    org = filing.org
    if filing.purpose == "renewal":
        if org.valid_until < now:
            org.valid_from = now
        org.valid_until = three_years_after(max(org.valid_until, now))
        org.state = "active"
        org.renewal_reminded_for = ""
    else:
        # A new person in charge whose account proved that phone runs the organization from now
        # on (until they have one, the officer before does).
        successor = proven_holder(filing.leader_phone) if filing.purpose == "change" else None
        if successor is not None:
            org.officer = successor
        org.name = filing.name
        org.leader_name = filing.leader_name
        org.leader_phone = filing.leader_phone
        org.show_leader = filing.show_leader
        org.venue = filing.venue
        org.venue_shared = filing.venue_shared
    db.session.flush()
    return org

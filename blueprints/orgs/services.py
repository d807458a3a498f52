"""Organization filing use cases: the application's answers, its people and charter, who may see
what, the reviewers' queue and the public directory. Every state change goes through
workflow.FLOW.apply; the life of an approved organization is in orgs/lifecycle.py."""

import json

from flask_babel import gettext as _
from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm.exc import StaleDataError

from blueprints.auth.services import proven_holder
from blueprints.core.access import can
from blueprints.core.errors import Conflict, Refused
from blueprints.core.roles import Role
from blueprints.core.workflow import STALE
from blueprints.orgs import documents, messages, rules
from blueprints.orgs.models import (
    UNDECIDED_STATES,
    Filing,
    FilingPerson,
    MemberPhoneReveal,
    Org,
)
from blueprints.orgs.models import FilingState as S
from blueprints.orgs.workflow import FLOW
from blueprints.places.models import Community
from blueprints.util.words import N_
from blueprints.web.pages import Keyset
from extensions import db

REVIEWER_ROLES = (Role.COMMUNITY_REVIEWER, Role.STREET_REVIEWER, Role.ADMIN)
MAX_PEOPLE = 200
PAGE = 30
# A person's applications and the ones that list them, newest first (each its own ?…after=, as
# they share a page); the reviewers' queue, soonest deadline first.
MY_FILINGS = Keyset(Filing.id, newest_first=True, arg="filings_after")
LISTED_ON = Keyset(FilingPerson.id, newest_first=True, arg="listed_after")
REVIEWS = Keyset(Filing.deadline_at, Filing.id)


# ---- who may see an application ----------------------------------------------------------


def is_reviewer(filing, user):
    return bool(filing.community) and can(filing.community, *REVIEWER_ROLES, user=user)


def may_see(filing, user):
    return user.is_authenticated and (filing.applicant_id == user.id or is_reviewer(filing, user))


def find_filing(filing_id):
    return db.session.get(Filing, filing_id)


def my_filings(user, after=None):
    """A page of this person's applications, and whether there are more."""
    return MY_FILINGS.page(
        select(Filing).where(Filing.applicant_id == user.id, Filing.state != S.WITHDRAWN), after
    )


def listed_on(user, after=None):
    """A page of the applications that list this person (they may decline), and whether there
    are more."""
    return LISTED_ON.page(
        select(FilingPerson)
        .join(Filing)
        .where(FilingPerson.user_id == user.id, Filing.state.not_in((S.WITHDRAWN, S.REFUSED))),
        after,
    )


# ---- the answers, step by step (each saved at once: a dropped link loses nothing) --------------


def editable_by(filing, user):
    if filing.applicant_id != user.id or not filing.editable:
        raise Refused(_("这份申请现在不能修改。"))


def start_filing(applicant, community, name):
    """A new application, saved as a draft from its first answer. The same first answer sent
    again (a retried post on a flaky link) finds the draft it made."""
    filing = db.session.scalar(
        select(Filing).where(
            Filing.applicant_id == applicant.id,
            Filing.community_id == community.id,
            Filing.name == name,
            Filing.state == S.DRAFT,
        )
    )
    if filing is not None:
        return filing
    filing = Filing(applicant=applicant, community=community, name=name, purpose="new")
    db.session.add(filing)
    db.session.commit()
    return filing


def commit_draft(new_file=""):
    """Store a change to an application being written. When the same draft is saved twice at
    once, the later save finds its version moved on: it is refused (Conflict) and the file it
    brought is removed with it."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        documents.remove_charter(new_file)
        raise Conflict(STALE) from None


def save_answers(filing, user, **answers):
    editable_by(filing, user)
    if "community" in answers:
        filing.community = answers.pop("community")
    for name, value in answers.items():
        setattr(filing, name, value)
    commit_draft()
    return filing


def name_warnings(name, community, filing=None):
    """A Refused when the name is taken in the street; else the similar names to warn of."""
    taken, similar = rules.name_check(name, community, filing)
    if taken:
        raise Refused(
            _("街道里已经有叫“%(name)s”的组织（或正在审核），请换一个名称。", name=name),
            field="name",
        )
    return similar


def add_person(filing, user, role, name, phone, staff):
    editable_by(filing, user)
    if len(filing.people) >= MAX_PEOPLE:
        raise Refused(_("名单最多%(n)s人。", n=MAX_PEOPLE), field="name")
    if phone and any(p.phone == phone for p in filing.people):
        raise Refused(_("这个手机号已经在名单里了。"), field="phone")
    account = proven_holder(phone)
    person = FilingPerson(
        role=role, name=name, phone=phone or "", staff=staff, user=account, told=False
    )
    filing.people.append(person)
    db.session.commit()
    return person


def remove_person(filing, user, person_id):
    editable_by(filing, user)
    person = db.session.get(FilingPerson, person_id)
    if person is None or person.filing_id != filing.id:
        raise LookupError(person_id)
    filing.people.remove(person)
    db.session.commit()


def save_charter(filing, user, stream):
    """The uploaded charter takes the place of the one before, whose file is removed."""
    editable_by(filing, user)
    name, mime = documents.save_charter(stream)
    documents.remove_after_commit(filing.charter_file)
    filing.charter_file, filing.charter_type = name, mime
    commit_draft(new_file=name)


def save_model_charter(filing, user, **blanks):
    """The model charter's blanks; an uploaded charter, now not used, is removed with its file."""
    editable_by(filing, user)
    documents.remove_after_commit(filing.charter_file)
    filing.charter_fields = json.dumps(blanks, ensure_ascii=False)
    filing.charter_file = filing.charter_type = ""
    commit_draft()


def may_download_charter(filing, user):
    return bool(filing.charter_file) and may_see(filing, user)


# ---- listed people: decline, or be confirmed on paper ----------------------------------------


def still_open(filing):
    return filing.state in UNDECIDED_STATES


def decline_listing(person, user, reason):
    if person.user_id != user.id:
        raise Refused(_("您不能对这件事做这个操作。"))
    if person.status == "declined":
        return person
    filing = person.filing
    if not still_open(filing):
        raise Refused(_("这份申请已经办完了。如果不想留在组织里，可以在组织的页面上退出。"))
    person.status = "declined"
    person.phone = ""  # not listed, so not kept: the name stays on the timeline's record
    FLOW.record(filing, "decline", user, filing.state, filing.state, note=reason)
    messages.tell_declined(person, filing)
    db.session.commit()
    return person


def confirm_on_paper(person, reviewer):
    filing = person.filing
    if filing.state != S.COMMUNITY_REVIEW or not can(
        filing.community, Role.COMMUNITY_REVIEWER, user=reviewer
    ):
        raise Refused(_("您不能对这件事做这个操作。"))
    if person.phone or person.status != "listed":
        raise Refused(_("只有没有手机、还没确认的人需要书面确认。"))
    person.status = "paper"
    person.confirmed_by_id = reviewer.id
    FLOW.record(
        filing,
        "paper",
        reviewer,
        filing.state,
        filing.state,
        detail=(N_("%(person)s 已当面签字确认"), {"person": person.name}),
    )
    db.session.commit()


def reveal_person_phone(person, viewer):
    """A listed person's full number, for the applicant or a reviewer; every look is logged."""
    filing = person.filing
    if not person.phone or not (is_reviewer(filing, viewer) or filing.applicant_id == viewer.id):
        raise Refused(_("您不能对这件事做这个操作。"))
    db.session.add(MemberPhoneReveal(user_id=viewer.id, filing_id=filing.id, whose=person.name))
    db.session.commit()
    return person.phone


# ---- reviewers -------------------------------------------------------------------------------


def review_queue(user, after=None):
    """A page of the applications waiting for this reviewer, the soonest deadline first (every
    one under review has a deadline), and whether there are more."""
    places = communities()
    first = [c.id for c in places if can(c, Role.COMMUNITY_REVIEWER, user=user)]
    final = [c.id for c in places if can(c, Role.STREET_REVIEWER, user=user)]
    return REVIEWS.page(
        select(Filing).where(
            or_(
                (Filing.state == S.COMMUNITY_REVIEW) & Filing.community_id.in_(first),
                (Filing.state == S.STREET_REVIEW) & Filing.community_id.in_(final),
            )
        ),
        after,
    )


def public_events(filing, user):
    return [e for e in filing.events if e.public or is_reviewer(filing, user)]


# ---- the public directory -------------------------------------------------------------------


def directory(text="", kind="", community_id=None, after=None):
    """A page of active organizations by name (then id, as names may repeat), from the one
    after the Org `after` on; and whether there is another page."""
    query = select(Org).where(Org.state == "active")
    if text:
        query = query.where(Org.name.contains(text.strip()[:40], autoescape=True))
    if kind:
        query = query.where(Org.kind == kind)
    if community_id:
        query = query.where(Org.community_id == community_id)
    if after is not None:
        query = query.where(tuple_(Org.name, Org.id) > tuple_(after.name, after.id))
    rows = db.session.scalars(query.order_by(Org.name, Org.id).limit(PAGE + 1)).all()
    return rows[:PAGE], len(rows) > PAGE


def communities():
    return db.session.scalars(
        select(Community).where(Community.active).order_by(Community.code)
    ).all()


def find_org(org_id):
    return db.session.get(Org, org_id)


def find_by_number(number):
    return db.session.scalar(select(Org).where(Org.number == number))

"""An approved organization's life: its officer, members and join requests, changes of its filed
facts and renewals (applications the street decides), deregistration, expiry and reminders."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from blueprints.auth.people import staff_for
from blueprints.core.access import can
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.core.workflow import claim
from blueprints.notices.services import notify
from blueprints.orgs.models import (
    UNDECIDED_STATES,
    Filing,
    FilingEvent,
    MemberPhoneReveal,
    Org,
    OrgMember,
)
from blueprints.orgs.workflow import FLOW
from blueprints.util.times import utcnow
from blueprints.util.words import N_
from extensions import db

RENEWAL_NOTICE = timedelta(days=15)


def is_officer(org, user):
    return user.is_authenticated and org.officer_id == user.id


def is_reviewer(org, user):
    return user.is_authenticated and can(
        org.community, Role.COMMUNITY_REVIEWER, Role.STREET_REVIEWER, Role.ADMIN, user=user
    )


def may_manage(org, user):
    return is_officer(org, user) and org.state != "deregistered"


def officer_of(user):
    return db.session.scalars(select(Org).where(Org.officer_id == user.id).order_by(Org.id)).all()


def membership(org, user):
    """This person's row on the organization's list (a member, or asking to join), if any."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(OrgMember).where(OrgMember.org_id == org.id, OrgMember.user_id == user.id)
    )


class NotAllowed(Refused):
    """Not this person's to do: the page answers 403."""


def refuse():
    raise NotAllowed(_("您不能对这件事做这个操作。"))


def org_event(org, action, actor, note="", detail=None):
    db.session.add(FilingEvent.step(action, actor, "", "", note, True, detail, org_id=org.id))


def org_events(org):
    return db.session.scalars(
        select(FilingEvent).where(FilingEvent.org_id == org.id).order_by(FilingEvent.id)
    ).all()


def open_application(org):
    return db.session.scalar(
        select(Filing).where(
            Filing.org_id == org.id,
            Filing.purpose != "new",
            Filing.state.in_(UNDECIDED_STATES),
        )
    )


# ---- changes and renewals: applications the street decides ------------------------------------


def start_change(org, officer):
    """A change of name, person in charge or venue: a draft with today's facts to edit."""
    if not may_manage(org, officer):
        refuse()
    pending = open_application(org)
    if pending:
        return pending
    filing = Filing(
        purpose="change",
        applicant=officer,
        org=org,
        community=org.community,
        name=org.name,
        kind=org.kind,
        scope=org.scope,
        leader_name=org.leader_name,
        leader_phone=org.leader_phone,
        show_leader=org.show_leader,
        venue=org.venue,
        venue_shared=org.venue_shared,
    )
    db.session.add(filing)
    db.session.commit()
    return filing


def ask_renewal(org, officer):
    """Three more years: sent straight to the street."""
    if not may_manage(org, officer):
        refuse()
    if open_application(org):
        raise Refused(_("这个组织已经有一份申请在办理中。"))
    filing = Filing(
        purpose="renewal",
        applicant=officer,
        org=org,
        community=org.community,
        name=org.name,
        kind=org.kind,
        leader_name=org.leader_name,
        leader_phone=org.leader_phone,
        venue=org.venue,
    )
    db.session.add(filing)
    db.session.flush()
    return FLOW.apply(filing, "submit", officer)


def deregister(org, officer, reason):
    if not may_manage(org, officer):
        refuse()
    if not reason:
        raise Refused(_("请写明注销的原因。"), field="reason")
    org.state = "deregistered"
    org_event(org, "deregister", officer, note=reason)
    notify(
        staff_for(Role.STREET_REVIEWER, org.community),
        N_("社会组织“%(name)s”已申请注销"),
        f"/orgs/{org.id}",
        name=org.name,
    )
    db.session.commit()


# ---- members --------------------------------------------------------------------------------


def ask_to_join(org, user):
    if org.state != "active":
        raise Refused(_("这个组织现在不接受加入。"))
    asked = Refused(_("您已经申请过或已经是成员了。"))
    if db.session.scalar(
        select(OrgMember).where(OrgMember.org_id == org.id, OrgMember.user_id == user.id)
    ):
        raise asked
    org.members.append(
        OrgMember(user=user, name=user.display_name, phone=user.phone, status="asked")
    )
    try:
        db.session.flush()
    except IntegrityError:  # a second press at once: the first one's request is in
        db.session.rollback()
        raise asked from None
    notify(
        [org.officer],
        N_("有居民申请加入“%(name)s”，请看一看"),
        f"/orgs/{org.id}",
        name=org.name,
    )
    db.session.commit()


def member_of(org, member_id):
    member = db.session.get(OrgMember, member_id)
    if member is None or member.org_id != org.id:
        raise LookupError(member_id)
    return member


def accept_member(org, officer, member_id):
    if not may_manage(org, officer):
        refuse()
    member = member_of(org, member_id)
    member.status = "member"
    notify([member.user], N_("您已加入“%(name)s”"), f"/orgs/{org.id}", name=org.name)
    db.session.commit()


def remove_member(org, officer, member_id):
    """Taken off the list (a refused request, or someone who left): the row goes, phone and all."""
    if not may_manage(org, officer):
        refuse()
    member = member_of(org, member_id)
    if member.user_id == org.officer_id:
        raise Refused(_("负责人不能把自己移出名单。"))
    # As in leave(): of two presses at once the row goes with one, the other is told it has gone.
    if not db.session.execute(delete(OrgMember).where(OrgMember.id == member.id)).rowcount:
        raise Refused(_("这个人已经不在名单上了。"))
    db.session.commit()


def leave(org, user):
    """A member (or someone who asked) takes themselves off the list; their row goes. Of two
    presses at once the row goes with one, and the other is told it has gone."""
    if org.officer_id == user.id:
        refuse()
    gone = db.session.execute(
        delete(OrgMember).where(OrgMember.org_id == org.id, OrgMember.user_id == user.id)
    ).rowcount
    if not gone:
        raise Refused(_("您已经不在这个组织的名单上了。"))
    db.session.commit()


def reveal_member_phone(org, viewer, member_id):
    if not (is_officer(org, viewer) or is_reviewer(org, viewer)):
        refuse()
    member = member_of(org, member_id)
    db.session.add(MemberPhoneReveal(user_id=viewer.id, org_id=org.id, whose=member.name))
    db.session.commit()
    return member.phone


def save_profile(org, officer, scope):
    if not may_manage(org, officer):
        refuse()
    org.scope = scope
    db.session.commit()


# ---- the clock: renewal reminders and expiry ---------------------------------------------------


def expiry_tick(now=None):
    """15 days before expiry the officer is reminded (once for each expiry date); on the day,
    the organization expires and leaves the directory until it is renewed."""
    now = now or utcnow()
    counts = {"renewal_reminded": 0, "expired": 0}
    expiring = select(Org).where(Org.state == "active", Org.valid_until < now)
    for org in db.session.scalars(claim(expiring, Org)).all():
        org.state = "expired"
        org_event(org, "expire", None)
        notify(
            [org.officer],
            N_("“%(name)s”的备案已过期，请申请延续"),
            f"/orgs/{org.id}",
            name=org.name,
        )
        counts["expired"] += 1
    soon = select(Org).where(Org.state == "active", Org.valid_until < now + RENEWAL_NOTICE)
    for org in db.session.scalars(claim(soon, Org)).all():
        due = org.valid_until.date().isoformat()
        if org.renewal_reminded_for == due:
            continue
        org.renewal_reminded_for = due
        notify(
            [org.officer],
            N_("“%(name)s”的备案将在 %(date)s 到期，请及时申请延续"),
            f"/orgs/{org.id}",
            name=org.name,
            date=due,
        )
        counts["renewal_reminded"] += 1
    db.session.commit()
    return counts


def tick(now=None):
    return {**FLOW.tick(now), **expiry_tick(now)}

"""Deleting one's own account: what must happen first, and what is erased, anonymised or kept.

Erased: the account's name, phone, password, place, sessions, codes and inbox; the name and
phone given on each report; the person's listings on applications, memberships and "me too"s;
the volunteer profile's real name, birth date, ID, skills and guardian; upcoming sign-ups.
Kept without the person (the law or the volunteer rules need them): each report itself (the
problem, its place and timeline), the applications the person filed (the filing record), the
hours records and certificates (a certificate then verifies as "holder removed"), and the logs
of who saw personal data. The `user` row stays as an empty shell they all point at."""

import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from blueprints.auth.models import ResetCode, UserSession
from blueprints.auth.services import hold_account
from blueprints.mydata.models import AccountRemoval
from blueprints.notices.models import Notice, Outbox
from blueprints.orgs.models import REVIEW_STATES, Filing, FilingPerson, Org, OrgMember
from blueprints.reports.models import MeToo, Report
from blueprints.util.times import utcnow
from blueprints.volunteers.models import Shift, Signup, VolunteerProfile
from extensions import db

UPCOMING = ("new", "confirmed", "waitlisted", "offered")
REMOVED_NAME = ""
NO_BIRTH_DATE = date(1900, 1, 1)

STAFF_FIRST = _l("您在邻里有工作角色（%(roles)s）。请先请管理员取消这些角色，再删除账号。")
OFFICER_FIRST = _l(
    "您是“%(org)s”的负责人。请先在组织页面把负责人交给别人（变更备案，街道批准后生效），再删除账号。"
)
REVIEW_FIRST = _l("您的备案申请“%(name)s”正在审核。请先撤回申请，或等审核结束，再删除账号。")
SIGNUPS_FIRST = _l("您还报名了 %(n)s 个没开始的志愿服务班次。请先取消报名，再删除账号。")

WHAT_STAYS = (
    _l("您反映过的问题还在（问题本身、地点和办理过程），但不再有您的姓名、电话和账号。"),
    _l("您提交过的社会组织备案申请按规定留档，申请人显示为“已注销”。"),
    _l(
        "志愿服务记录和证明按《志愿服务记录与证明出具办法》保留，但不再有您的姓名；查验证明时显示“持有人已注销”。"
    ),
    _l("谁在什么时间看过您的电话号码的记录会保留，这是保护您的记录。"),
)


def blockers(user):
    """What must happen before this account can go, in plain words (empty: nothing)."""
    found = []
    if user.grants:
        roles = "、".join(str(g.label) for g in user.grants)
        found.append(STAFF_FIRST % {"roles": roles})
    for org in db.session.scalars(
        select(Org).where(Org.officer_id == user.id, Org.state == "active")
    ):
        found.append(OFFICER_FIRST % {"org": org.name})
    for filing in db.session.scalars(
        select(Filing).where(Filing.applicant_id == user.id, Filing.state.in_(REVIEW_STATES))
    ):
        found.append(REVIEW_FIRST % {"name": filing.name or "—"})
    upcoming = db.session.scalar(
        select(db.func.count(Signup.id))
        .join(VolunteerProfile, VolunteerProfile.id == Signup.profile_id)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            VolunteerProfile.user_id == user.id,
            Signup.state.in_(UPCOMING),
            Shift.starts_at > utcnow(),
        )
    )
    if upcoming:
        found.append(SIGNUPS_FIRST % {"n": upcoming})
    return found


def erase_reports(user):
    """Only the reports this account owns: one filed without an account, with the same phone,
    is someone else's until it is claimed."""
    db.session.execute(
        update(Report)
        .where(Report.reporter_id == user.id)
        .values(reporter_id=None, reporter_phone="", reporter_name="")
    )
    db.session.execute(delete(MeToo).where(MeToo.who == f"user:{user.id}"))


def erase_orgs(user):
    db.session.execute(delete(OrgMember).where(OrgMember.user_id == user.id))
    db.session.execute(
        update(FilingPerson)
        .where(FilingPerson.user_id == user.id)
        .values(user_id=None, name=REMOVED_NAME, phone="")
    )
    drafts = select(Filing.id).where(Filing.applicant_id == user.id, Filing.state == "draft")
    for filing in db.session.scalars(select(Filing).where(Filing.id.in_(drafts))):
        db.session.delete(filing)
    db.session.execute(
        update(Filing)
        .where(Filing.applicant_id == user.id, Filing.leader_phone == user.phone)
        .values(leader_name=REMOVED_NAME, leader_phone="")
    )
    db.session.execute(update(Org).where(Org.officer_id == user.id).values(officer_id=None))


def erase_volunteer(user):
    db.session.execute(
        update(VolunteerProfile)
        .where(VolunteerProfile.user_id == user.id)
        .values(
            real_name=REMOVED_NAME,
            birth_date=NO_BIRTH_DATE,
            id_hash=None,
            id_masked="",
            skills="",
            availability="",
            guardian_user_id=None,
            guardian_name="",
            guardian_phone="",
        )
    )
    db.session.execute(
        update(VolunteerProfile)
        .where(VolunteerProfile.guardian_user_id == user.id)
        .values(guardian_user_id=None, guardian_name="", guardian_phone="")
    )


def erase_account(user):
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(ResetCode).where(ResetCode.user_id == user.id))
    db.session.execute(delete(Notice).where(Notice.user_id == user.id))
    if user.phone_verified_at is not None:  # else the number, and its texts, may be another's
        db.session.execute(
            update(Outbox)
            .where(Outbox.phone == user.phone, Outbox.state == "pending")
            .values(phone="", state="failed", last_error="account deleted")
        )
    user.name = ""
    user.phone = f"x{user.id:010d}"[-11:]
    user.set_password(secrets.token_urlsafe(32))
    user.grid = None
    user.active = False
    db.session.add(AccountRemoval(user_id=user.id))


def delete_account(user):
    """Erase and anonymise (the module's docstring says what), in one transaction. The
    account's row is locked first: a report being sent from it meanwhile is either stored before
    and erased here, or refused (auth.services.hold_account)."""
    if not hold_account(user, erasing=True):
        return  # a second press of the same button: the first one erased it
    if blockers(user):
        raise ValueError("blocked")
    erase_reports(user)
    erase_orgs(user)
    erase_volunteer(user)
    erase_account(user)
    try:
        db.session.commit()
    except IntegrityError:  # the first press's erasure, committed meanwhile
        db.session.rollback()
        still_open = hold_account(user)
        db.session.rollback()
        if still_open:
            raise

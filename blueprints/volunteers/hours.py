"""The hours ledger on the workflow core: each record pending → approved | declined (never
deleted), due within 10 working days; corrections asked and answered on its timeline; totals,
star levels, the organizer's CSV, and certificates anyone can verify by number."""

import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from blueprints.core.workflow import Change, Flow, Refused
from blueprints.util.exports import csv_text
from blueprints.util.times import utcnow
from blueprints.util.words import N_
from blueprints.volunteers import messages
from blueprints.volunteers.models import (
    STAR_HOURS,
    Certificate,
    HoursEvent,
    HoursRecord,
    RecordExport,
    Signup,
)
from blueprints.volunteers.models import HoursState as H
from blueprints.volunteers.rules import minutes_served
from blueprints.volunteers.signups import BY_AN_ORGANIZER
from blueprints.volunteers.workflow import (
    HOURS_DEADLINES,
    HOURS_EVENTS,
    HOURS_NEEDS,
    HOURS_OPEN,
    HOURS_RELATIONS,
    HOURS_TRANSITIONS,
    REVIEW,
    may_run_record,
    proposer,
)
from blueprints.web.pages import Keyset
from extensions import db

# No 0/O, 1/I/L: a number read over the phone is not misheard. 31**10 ≈ 8×10^14.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _approve(record, _actor, given):
    """Blank approves the time recorded. An organizer may approve up to the time served (see
    most_minutes); more waits for a second organizer to agree before it counts."""
    raw = (given.get("hours") or "").strip()
    if not raw:
        record.approved_minutes = None
        return None
    try:
        hours = float(raw)
    except ValueError:
        hours = -1
    if not 0 <= hours <= 24:
        raise Refused(_("认定的时长要在0到24小时之间。"), field="hours")
    record.approved_minutes = round(hours * 60)
    most = most_minutes(record)
    if record.approved_minutes <= most:
        return None
    return Change(
        to=H.AWAITING_SECOND,
        detail=(
            N_("认定时长超过签到到签退的%(most)s小时，要第二位组织者同意才计入"),
            {"most": round(most / 60, 1)},
        ),
    )


def most_minutes(record):
    """The most one organizer may approve: the volunteer's own check-in to check-out by the code,
    within the shift (staying longer by arrangement is what a second organizer agrees to), or
    the shift's length when an organizer (or the clock) put the person on the roster or checked
    them out, the volunteer acting as an organizer included; a record of no shift, its own
    minutes."""
    signup = db.session.get(Signup, record.signup_id) if record.signup_id else None
    if signup is None or record.shift is None:
        return record.minutes
    by_code = {
        e.action
        for e in signup.events
        if e.actor_id == signup.profile.user_id and e.detail != BY_AN_ORGANIZER
    }
    if {"check_in", "check_out"} <= by_code:
        served = minutes_served(record.shift, signup.arrived_at, signup.left_at)
    else:
        served = record.shift.minutes
    return max(record.minutes, served)


def _decline(record, _actor, given):
    record.reason = given["reason"].strip()[:200]


def _ask_correction(record, _actor, _given):
    record.correction_asked = True


def _answer(record, _actor, _given):
    record.correction_asked = False


def _reopen(record, _actor, _given):
    record.reason = ""


class HoursFlow(Flow):
    model = HoursRecord
    transitions = HOURS_TRANSITIONS
    event_labels = HOURS_EVENTS
    needs = HOURS_NEEDS
    effects = {
        "approve": _approve,
        "decline": _decline,
        "ask_correction": _ask_correction,
        "answer": _answer,
        "reopen": _reopen,
    }
    relations = HOURS_RELATIONS
    open_states = HOURS_OPEN
    deadlines = HOURS_DEADLINES

    def place_of(self, record):
        return record.community

    def refusal(self, record, action, user):
        if action not in REVIEW or not user.is_authenticated:
            return None
        if record.profile.user_id == user.id:
            return _("您不能审核自己的服务时长，请其他组织者审核。")
        if action == "agree" and proposer(record) == user.id:
            return _("超出的时长要另一位组织者同意，请其他组织者来确认。")
        return None

    def record(self, record, action, actor, before, after, note="", public=True, detail=None):
        record.events.append(HoursEvent.step(action, actor, before, after, note, public, detail))

    def tell(self, record, action, _before, after, _public):
        messages.tell_hours(record, action, after)

    def overdue(self, record):
        self.record(record, "overdue", None, record.state, record.state, "", False)
        messages.hours_overdue(record)


FLOW = HoursFlow()


def apply(record, action, actor, version=None, **given):
    return FLOW.apply(record, action, actor, version, None, **given)


# A volunteer's service records, the latest day first; their certificates, the newest first.
RECORDS = Keyset(HoursRecord.served_on, HoursRecord.id, newest_first=True, arg="records_after")
CERTIFICATES = Keyset(Certificate.id, newest_first=True, arg="certificates_after")


def records_of(profile, after=None):
    """A page of this volunteer's service records, and whether there are more."""
    return RECORDS.page(select(HoursRecord).where(HoursRecord.profile_id == profile.id), after)


def approved_minutes(profile):
    minutes = func.coalesce(HoursRecord.approved_minutes, HoursRecord.minutes)
    return db.session.scalar(
        select(func.coalesce(func.sum(minutes), 0)).where(
            HoursRecord.profile_id == profile.id, HoursRecord.state == H.APPROVED
        )
    )


def stars(hours):
    """0 to 5 stars at 100 / 300 / 600 / 1000 / 1500 approved hours."""
    return sum(1 for level in STAR_HOURS if hours >= level)


def pending_for(user):
    """Records waiting for this organizer, overdue first."""
    rows = db.session.scalars(
        select(HoursRecord)
        .where(HoursRecord.state.in_(FLOW.open_states))
        .order_by(HoursRecord.deadline_at, HoursRecord.id)
        .limit(200)
    ).all()
    return [r for r in rows if may_run_record(user, r)]


def shift_records(shift):
    return db.session.scalars(
        select(HoursRecord).where(HoursRecord.shift_id == shift.id).order_by(HoursRecord.id)
    ).all()


CSV_COLUMNS = (
    _l("志愿者编号"),
    _l("姓名"),
    _l("身份证号"),
    _l("活动名称"),
    _l("服务日期"),
    _l("服务地点"),
    _l("服务内容"),
    _l("服务时长（小时）"),
    _l("组织者"),
    _l("负责人"),
)


def export_csv(shift, user):
    """The shift's approved records, with the volunteer number and the masked ID only. Each
    export is logged: the file names people."""
    approved = [r for r in shift_records(shift) if r.state == H.APPROVED]
    db.session.add(RecordExport(shift_id=shift.id, user_id=user.id, rows=len(approved)))
    db.session.commit()
    rows = [
        [
            r.profile.number,
            r.profile.real_name,
            r.profile.id_masked,
            r.activity_title,
            r.served_on.isoformat(),
            r.place,
            r.content,
            f"{r.hours:.1f}",
            r.organizer,
            r.person_in_charge,
        ]
        for r in approved
    ]
    # A BOM, so spreadsheet programs on Windows read the Chinese as UTF-8.
    return "\ufeff" + csv_text([[str(c) for c in CSV_COLUMNS], *rows])


# ---- certificates ------------------------------------------------------------------------------


def new_number():
    return "".join(secrets.choice(ALPHABET) for _ in range(10))


def issue_certificate(profile):
    """A certificate of every approved hour so far."""
    first_day, last_day = db.session.execute(
        select(func.min(HoursRecord.served_on), func.max(HoursRecord.served_on)).where(
            HoursRecord.profile_id == profile.id, HoursRecord.state == H.APPROVED
        )
    ).one()
    if first_day is None:
        raise Refused(_("还没有认定的服务时长，认定后才能开证明。"))
    for _try in range(5):
        certificate = Certificate(
            number=new_number(),
            profile_id=profile.id,
            minutes=approved_minutes(profile),
            first_day=first_day,
            last_day=last_day,
            issuer=_("%(community)s · 邻里志愿服务", community=profile.community.name),
        )
        db.session.add(certificate)
        try:
            db.session.commit()
        except IntegrityError:  # the same number drawn twice: draw again
            db.session.rollback()
            continue
        return certificate
    raise Refused(_("系统忙，请再试一次。"))


def normalize_number(text):
    return "".join(c for c in (text or "").upper() if c.isalnum())[:10]


def find_certificate(number):
    number = normalize_number(number)
    if len(number) != 10:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.number == number))


def certificates_of(profile, after=None):
    """A page of this volunteer's certificates, and whether there are more."""
    return CERTIFICATES.page(select(Certificate).where(Certificate.profile_id == profile.id), after)


def revoke_certificate(certificate):
    if certificate.revoked_at is None:
        certificate.revoked_at = utcnow()
        db.session.commit()

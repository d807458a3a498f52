"""Volunteers (志愿服务): profiles, activities and their shifts, sign-ups with their timeline,
the hours ledger (《志愿服务记录与证明出具办法》) and certificates anyone can verify."""

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.timeline import TimelineEntry
from blueprints.core.workflow import FlowColumns
from blueprints.orgs.models import Org
from blueprints.places.models import Community
from blueprints.util.times import utcnow
from extensions import db

if TYPE_CHECKING:
    from blueprints.auth.models import User

SKILLS = {
    "care": _l("陪伴照护"),
    "medical": _l("医护急救"),
    "teaching": _l("辅导讲课"),
    "tech": _l("教用手机"),
    "repair": _l("维修"),
    "clean": _l("环境清洁"),
    "order": _l("秩序维护"),
    "art": _l("文艺"),
}
# Star levels by approved hours, as the national volunteer system counts them.
STAR_HOURS = (100, 300, 600, 1000, 1500)


class SignupState(StrEnum):
    """A sign-up's life (blueprints/volunteers/workflow.py). The column stays a portable string."""

    NEW = "new"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    EXPIRED = "expired"
    CHECKED_IN = "checked_in"
    ATTENDED = "attended"
    ABSENT = "absent"


class HoursState(StrEnum):
    """An hours record's review."""

    PENDING = "pending"
    AWAITING_SECOND = "awaiting_second"
    APPROVED = "approved"
    DECLINED = "declined"


SIGNUP_STATES = {
    SignupState.NEW: _l("新报名"),
    SignupState.CONFIRMED: _l("已报上"),
    SignupState.WAITLISTED: _l("候补中"),
    SignupState.OFFERED: _l("有空位，等您确认"),
    SignupState.CANCELLED: _l("已取消"),
    SignupState.DECLINED: _l("已放弃空位"),
    SignupState.EXPIRED: _l("空位已过期"),
    SignupState.CHECKED_IN: _l("已签到"),
    SignupState.ATTENDED: _l("已完成"),
    SignupState.ABSENT: _l("缺席"),
}
HOURS_STATES = {
    HoursState.PENDING: _l("待审核"),
    HoursState.AWAITING_SECOND: _l("等第二位组织者同意"),
    HoursState.APPROVED: _l("已认定"),
    HoursState.DECLINED: _l("未认定"),
}


def mask_name(name):
    """张*, 张*明: enough to recognise, not enough to find someone."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class VolunteerProfile(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    # V + community code + six random digits (numbers given before were the profile's id): shown
    # on records and certificates, never a way to find someone.
    number: Mapped[str | None] = mapped_column(String(30), unique=True)
    real_name: Mapped[str] = mapped_column(String(40))
    birth_date: Mapped[date]
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    skills: Mapped[str] = mapped_column(String(200), default="")
    availability: Mapped[str] = mapped_column(String(200), default="")
    # The ID number is never stored: a keyed hash (one profile per ID) and the masked form.
    id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_masked: Mapped[str] = mapped_column(String(20), default="")
    rules_accepted_at: Mapped[datetime]
    # The resident lets a grid worker of their grid sign up, confirm or cancel for them.
    proxy_consent: Mapped[bool] = mapped_column(default=False)
    guardian_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    guardian_name: Mapped[str] = mapped_column(String(40), default="")
    guardian_phone: Mapped[str] = mapped_column(String(11), default="")
    guardian_consent_at: Mapped[datetime | None]
    # The code the volunteer shows an organizer to be added to a shift on the spot: random,
    # short-lived, used once, and replaced (so revoked) whenever the volunteer asks for a new one.
    pass_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    pass_code_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    guardian: Mapped["User | None"] = relationship(foreign_keys=[guardian_user_id])
    community: Mapped[Community] = relationship()

    @property
    def skill_list(self):
        return [s for s in self.skills.split(",") if s]

    @property
    def masked_name(self):
        return mask_name(self.real_name)

    def age_on(self, day):
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Activity(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(120))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    # Posted by an approved organization (its officer runs it), or by the community itself.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    signup_deadline: Mapped[datetime]
    # A confirmed volunteer may cancel up to this many hours before the shift starts.
    cancel_hours: Mapped[int] = mapped_column(default=24)
    risky: Mapped[bool] = mapped_column(default=False)
    insured: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community] = relationship()
    org: Mapped["Org | None"] = relationship()
    created_by: Mapped["User | None"] = relationship()
    shifts: Mapped[list["Shift"]] = relationship(
        back_populates="activity", order_by="Shift.starts_at", cascade="all, delete-orphan"
    )

    @property
    def organizer(self):
        return self.org.name if self.org else self.community.name


class Shift(db.Model):
    __table_args__ = (
        CheckConstraint("taken >= 0", name="taken_not_negative"),
        CheckConstraint("taken <= capacity", name="taken_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    # The public list reads the shifts still to come from it, not the years of those over.
    ends_at: Mapped[datetime] = mapped_column(index=True)
    capacity: Mapped[int]
    # Seats confirmed or held for an offer, moved only by one UPDATE ... WHERE taken < capacity.
    taken: Mapped[int] = mapped_column(default=0)
    min_age: Mapped[int] = mapped_column(default=14)
    skills: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(String(200), default="")
    person_in_charge: Mapped[str] = mapped_column(String(40), default="")
    # The 6-digit check-in code the organizer shows on site.
    code: Mapped[str] = mapped_column(String(6))

    activity: Mapped[Activity] = relationship(back_populates="shifts")
    signups: Mapped[list["Signup"]] = relationship(back_populates="shift", order_by="Signup.id")

    @property
    def skill_list(self):
        return [s for s in self.skills.split(",") if s]

    @property
    def seats_left(self):
        return max(0, self.capacity - self.taken)

    @property
    def minutes(self):
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Signup(FlowColumns, db.Model):
    initial_state = SignupState.NEW
    __table_args__ = (
        UniqueConstraint("shift_id", "profile_id", name="uq_signup_shift_profile"),
        Index("ix_signup_shift_state", "shift_id", "state", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("volunteer_profile.id"), index=True)
    # Waitlist order: when this person joined the queue.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    day_before_sent: Mapped[bool] = mapped_column(default=False)
    coming_confirmed_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    # Closed by the clock without a check-out: the organizer should look at the hours.
    no_checkout: Mapped[bool] = mapped_column(default=False)
    walk_in: Mapped[bool] = mapped_column(default=False)
    # Tries of the shift's check-in code by this person, moved only by one UPDATE (codes.py).
    code_tries: Mapped[int] = mapped_column(default=0)
    # One more at each change of state; a signed link carries it and stops working at the next.
    stage: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shift: Mapped[Shift] = relationship(back_populates="signups")
    profile: Mapped[VolunteerProfile] = relationship()
    events: Mapped[list["SignupEvent"]] = relationship(
        back_populates="signup", order_by="SignupEvent.id", cascade="all, delete-orphan"
    )

    @property
    def state_label(self):
        return SIGNUP_STATES.get(self.state, self.state)


class SignupEvent(TimelineEntry, db.Model):
    signup_id: Mapped[int] = mapped_column(ForeignKey("signup.id"), index=True)

    signup: Mapped[Signup] = relationship(back_populates="events")


class HoursRecord(FlowColumns, db.Model):
    """One service record, as the national rules list its fields. Never deleted."""

    initial_state = HoursState.PENDING

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_id: Mapped[int | None] = mapped_column(ForeignKey("signup.id"), unique=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("volunteer_profile.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id"), index=True)
    activity_title: Mapped[str] = mapped_column(String(60))
    served_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(120))
    content: Mapped[str] = mapped_column(String(200), default="")
    # Counted from the check-in and check-out; what is approved may differ (approved_minutes).
    minutes: Mapped[int]
    approved_minutes: Mapped[int | None]
    organizer: Mapped[str] = mapped_column(String(60))
    person_in_charge: Mapped[str] = mapped_column(String(40), default="")
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    flagged: Mapped[bool] = mapped_column(default=False)
    correction_asked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    profile: Mapped[VolunteerProfile] = relationship()
    shift: Mapped[Shift | None] = relationship()
    community: Mapped[Community] = relationship()
    events: Mapped[list["HoursEvent"]] = relationship(
        back_populates="record", order_by="HoursEvent.id", cascade="all, delete-orphan"
    )

    @property
    def hours(self):
        minutes = self.approved_minutes if self.approved_minutes is not None else self.minutes
        return round(minutes / 60, 1)

    @property
    def state_label(self):
        return HOURS_STATES.get(self.state, self.state)

    @property
    def overdue(self):
        return (
            self.state == HoursState.PENDING
            and self.deadline_at is not None
            and self.deadline_at < utcnow()
        )


class HoursEvent(TimelineEntry, db.Model):
    record_id: Mapped[int] = mapped_column(ForeignKey("hours_record.id"), index=True)

    record: Mapped[HoursRecord] = relationship(back_populates="events")


class Certificate(db.Model):
    """A snapshot of a volunteer's approved hours, verifiable by its number."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("volunteer_profile.id"), index=True)
    minutes: Mapped[int]
    first_day: Mapped[date]
    last_day: Mapped[date]
    issuer: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    profile: Mapped[VolunteerProfile] = relationship()

    @property
    def hours(self):
        return round(self.minutes / 60, 1)


class RecordExport(db.Model):
    """Every export of a shift's hours records (they carry volunteers' real names): who, when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    rows: Mapped[int] = mapped_column(default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)

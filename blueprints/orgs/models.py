"""Community social organizations (社区社会组织): an application (Filing) and its timeline, the
people it lists, and, once the street approves it, the organization (Org) with its filing number,
its members and the log of who saw a member's phone."""

import json
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.timeline import TimelineEntry
from blueprints.core.workflow import FlowColumns
from blueprints.util.times import utcnow
from extensions import db

if TYPE_CHECKING:
    from blueprints.auth.models import User
    from blueprints.places.models import Community

KINDS = {
    "charity": _l("公益慈善"),
    "service": _l("生活服务"),
    "culture": _l("文体娱乐"),
    "mediation": _l("专业调处"),
    "other": _l("其他"),
}
# What an application asks for: a new filing, a change of the filed facts, three more years.
PURPOSES = {"new": _l("新备案"), "change": _l("变更备案"), "renewal": _l("延续备案")}


class FilingState(StrEnum):
    DRAFT = "draft"
    COMMUNITY_REVIEW = "community_review"
    STREET_REVIEW = "street_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


STATES = {
    FilingState.DRAFT: _l("草稿"),
    FilingState.COMMUNITY_REVIEW: _l("社区初审中"),
    FilingState.STREET_REVIEW: _l("街道审核中"),
    FilingState.RETURNED: _l("退回修改"),
    FilingState.APPROVED: _l("已备案"),
    FilingState.REFUSED: _l("不予备案"),
    FilingState.WITHDRAWN: _l("已撤回"),
}
REVIEW_STATES = (FilingState.COMMUNITY_REVIEW, FilingState.STREET_REVIEW)
# The states in which the applicant may still change the answers; and in which it is not done.
EDITABLE_STATES = (FilingState.DRAFT, FilingState.RETURNED)
UNDECIDED_STATES = (*EDITABLE_STATES, *REVIEW_STATES)
# What an applicant reads for each state (plain words, docs/design.md §3.7).
APPLICANT_WORDS = {
    FilingState.DRAFT: _l("还没有提交，可以接着填"),
    FilingState.COMMUNITY_REVIEW: _l("社区正在看您的申请"),
    FilingState.STREET_REVIEW: _l("社区已通过，街道正在审核"),
    FilingState.RETURNED: _l("需要您补充或修改，再重新提交"),
    FilingState.APPROVED: _l("已备案"),
    FilingState.REFUSED: _l("不予备案"),
    FilingState.WITHDRAWN: _l("您已撤回这份申请"),
}
ORG_STATES = {"active": _l("有效"), "expired": _l("已过期"), "deregistered": _l("已注销")}
# The parts of an application a reviewer may give a reason about, in the order of the steps.
PARTS = {
    "name": _l("名称"),
    "kind": _l("类型"),
    "scope": _l("宗旨和活动范围"),
    "leader": _l("负责人"),
    "people": _l("发起人和成员"),
    "venue": _l("活动场所"),
    "charter": _l("章程"),
    "funds": _l("经费"),
}
PERSON_ROLES = {"founder": _l("发起人"), "member": _l("成员")}
PERSON_STATUS = {
    "listed": _l("已列入"),
    "declined": _l("本人不同意列入"),
    "paper": _l("已书面确认"),
}
VALID_YEARS = 3


class Filing(FlowColumns, db.Model):
    """One application, from the first saved step to the street's decision."""

    initial_state = FilingState.DRAFT
    __table_args__ = (Index("ix_filing_state_deadline", "state", "deadline_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(10), default="new")
    applicant_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    leader_name: Mapped[str] = mapped_column(String(40), default="")
    leader_phone: Mapped[str] = mapped_column(String(11), default="")
    show_leader: Mapped[bool] = mapped_column(default=False)
    venue: Mapped[str] = mapped_column(String(200), default="")
    venue_shared: Mapped[bool] = mapped_column(default=False)
    # The charter: an uploaded file (kept under UPLOAD_FOLDER) or the blanks of the model charter.
    charter_file: Mapped[str] = mapped_column(String(80), default="")
    charter_type: Mapped[str] = mapped_column(String(40), default="")
    charter_fields: Mapped[str] = mapped_column(Text, default="{}")
    funds: Mapped[str] = mapped_column(String(100), default="")
    fund_sources: Mapped[str] = mapped_column(String(200), default="")
    # The reviewer's reasons at the last return, part -> reason; and the facts as they were then.
    reasons: Mapped[str] = mapped_column(Text, default="{}")
    snapshot: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    applicant: Mapped["User"] = relationship()
    community: Mapped["Community | None"] = relationship()
    org: Mapped["Org | None"] = relationship(foreign_keys=[org_id], back_populates="filings")
    people: Mapped[list["FilingPerson"]] = relationship(
        back_populates="filing", order_by="FilingPerson.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["FilingEvent"]] = relationship(
        back_populates="filing", order_by="FilingEvent.id", cascade="all, delete-orphan"
    )

    @property
    def state_label(self):
        return STATES[self.state]

    @property
    def applicant_words(self):
        return APPLICANT_WORDS[self.state]

    @property
    def kind_label(self):
        return KINDS.get(self.kind, "")

    @property
    def reason_for(self):
        return json.loads(self.reasons or "{}")

    @property
    def model_charter(self):
        return json.loads(self.charter_fields or "{}")

    @property
    def has_charter(self):
        return bool(self.charter_file or any(self.model_charter.values()))

    @property
    def editable(self):
        return self.state in EDITABLE_STATES

    @property
    def overdue(self):
        return bool(
            self.deadline_at and self.state in REVIEW_STATES and self.deadline_at < utcnow()
        )


class FilingPerson(db.Model):
    """A founder or member listed on an application. Someone with an account is told, and may
    decline; someone without a phone is confirmed on paper by the community reviewer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filing.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(11), default="")
    staff: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="listed")
    told: Mapped[bool] = mapped_column(default=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    filing: Mapped[Filing] = relationship(back_populates="people")
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])

    @property
    def counts(self):
        return self.status != "declined"


class FilingEvent(TimelineEntry, db.Model):
    """One step on an application's (or an organization's) timeline: who, when, what was said."""

    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filing.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)

    filing: Mapped[Filing | None] = relationship(back_populates="events")


class Org(db.Model):
    """An approved organization: the facts on its certificate are the ones the street approved."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(Text, default="")
    leader_name: Mapped[str] = mapped_column(String(40), default="")
    leader_phone: Mapped[str] = mapped_column(String(11), default="")
    show_leader: Mapped[bool] = mapped_column(default=False)
    venue: Mapped[str] = mapped_column(String(200), default="")
    venue_shared: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(20), default="active")
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The period on the certificate: renewed on time, it runs on from the first approval.
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime]
    # The expiry date a renewal reminder was sent for, so the tick sends it once.
    renewal_reminded_for: Mapped[str] = mapped_column(String(10), default="")

    community: Mapped["Community"] = relationship()
    officer: Mapped["User | None"] = relationship()
    filings: Mapped[list[Filing]] = relationship(
        foreign_keys=[Filing.org_id], back_populates="org", order_by="Filing.id"
    )
    members: Mapped[list["OrgMember"]] = relationship(
        back_populates="org", order_by="OrgMember.id", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self):
        return KINDS.get(self.kind, "")

    @property
    def state_label(self):
        return ORG_STATES[self.state]

    @property
    def is_valid(self):
        return self.state == "active" and self.valid_until > utcnow()


class OrgMember(db.Model):
    """A member of an approved organization, or a resident asking to join ("asked")."""

    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    role: Mapped[str] = mapped_column(String(10), default="member")
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(11), default="")
    status: Mapped[str] = mapped_column(String(10), default="member")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    org: Mapped[Org] = relationship(back_populates="members")
    user: Mapped["User | None"] = relationship()


class FilingCounter(db.Model):
    """The last filing number given in a street in a year, raised in one UPDATE."""

    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class MemberPhoneReveal(db.Model):
    """Every look at a listed person's or member's full phone: who, when, whose."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filing.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    # Whose number it was, by name: the row it came from may be removed later.
    whose: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped["User"] = relationship()

"""Grid reports and their categories (data that admins edit, grouped as the national urban event
classification), timeline events, photos, drafts, "me too"s and the phone-reveal log."""

import json
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, bindparam, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.roles import Role
from blueprints.core.timeline import TimelineEntry
from blueprints.core.workflow import FlowColumns
from blueprints.places.models import Department
from blueprints.util.times import utcnow
from extensions import db

if TYPE_CHECKING:
    from blueprints.auth.models import User
    from blueprints.places.models import Grid

GROUPS = {
    "environment": _l("市容环境"),
    "facilities": _l("设施设备"),
    "safety": _l("治安隐患"),
    "disputes": _l("矛盾纠纷"),
    "services": _l("民生服务"),
    "other": _l("其他"),
}

# The stages a case passes that each carry a deadline, in hours.
STAGES = {
    "accept": _l("受理"),
    "sign": _l("签收"),
    "handle": _l("办结"),
    "verify": _l("核查"),
}


class Category(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    group: Mapped[str] = mapped_column(String(20))
    icon: Mapped[str] = mapped_column(String(8), default="")
    hours_accept: Mapped[int] = mapped_column(default=4)
    hours_sign: Mapped[int] = mapped_column(default=4)
    hours_handle: Mapped[int] = mapped_column(default=72)
    hours_verify: Mapped[int] = mapped_column(default=24)
    # When set, handling is due at the end of this many working days instead of hours_handle.
    handle_workdays: Mapped[int] = mapped_column(default=0)
    needs_verification: Mapped[bool] = mapped_column(default=True)
    sensitive: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Extra questions, as a JSON list of Open311 attributes:
    # {"code", "datatype", "required", "description", "values": [{"key", "name"}]}.
    questions: Mapped[str] = mapped_column(Text, default="[]")

    @property
    def question_list(self):
        return json.loads(self.questions or "[]")

    @property
    def name(self):
        return self.name_en if str(get_locale()).startswith("en") else self.name_zh

    @property
    def group_label(self):
        return GROUPS.get(self.group, self.group)

    def deadline_hours(self, stage):
        return getattr(self, f"hours_{stage}")

    def __str__(self):
        return self.name


def answers_shown(category, given):
    """The category's extra questions answered in `given` ({code: answer}): (question, answer)
    in the category's order, choices by their names."""
    shown = []
    for question in category.question_list:
        if question["code"] not in given:
            continue
        names = {v["key"]: v["name"] for v in question.get("values", [])}
        value = given[question["code"]]
        values = value if isinstance(value, list) else [value]
        shown.append((question["description"], "、".join(names.get(v, v) for v in values)))
    return shown


class ReportState(StrEnum):
    """A report's life (docs/design.md §3.2). The column stays a portable string."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    HANDLED = "handled"
    VERIFIED = "verified"
    REOPENED = "reopened"
    CLOSED = "closed"
    MERGED = "merged"


# Staff pages use the official terms; residents read RESIDENT_WORDS.
STATES = {
    ReportState.SUBMITTED: _l("已提交"),
    ReportState.ACCEPTED: _l("已受理"),
    ReportState.RETURNED: _l("已退回"),
    ReportState.WITHDRAWN: _l("已撤回"),
    ReportState.DISPATCHED: _l("已派遣"),
    ReportState.SIGNED: _l("已签收"),
    ReportState.IN_PROGRESS: _l("处置中"),
    ReportState.HANDLED: _l("已办结"),
    ReportState.VERIFIED: _l("已核查，待回访"),
    ReportState.REOPENED: _l("重办"),
    ReportState.CLOSED: _l("已结案"),
    ReportState.MERGED: _l("已并案"),
}
OPEN_STATES = (
    ReportState.SUBMITTED,
    ReportState.ACCEPTED,
    ReportState.DISPATCHED,
    ReportState.SIGNED,
    ReportState.IN_PROGRESS,
    ReportState.HANDLED,
    ReportState.REOPENED,
)
# The states a case is done with. "Open" is written as NOT IN these: SQLite uses a partial
# index only when the query repeats its predicate, and then picks it over ix_report_queue only
# when that index cannot seek on state, which an IN list would let it do (and then sort).
SHUT_STATES = tuple(s for s in ReportState if s not in OPEN_STATES)
OPEN_PREDICATE = "state NOT IN ({})".format(", ".join(f"'{s}'" for s in SHUT_STATES))


def open_case():
    """Report is open, in the words of ix_report_open's predicate: the states as literals (not
    bound parameters), so that both databases see the index's own condition."""
    shut = bindparam(
        "shut", [str(s) for s in SHUT_STATES], expanding=True, literal_execute=True, unique=True
    )
    return Report.state.not_in(shut)


# What a report's text may hold, wherever it comes from (the web form, Open311); the columns
# are sized to match.
DESCRIPTION_MIN = 5
DESCRIPTION_MAX = 1000
ADDRESS_MAX = 200
NAME_MAX = 40

URGENCIES = {"normal": _l("一般"), "urgent": _l("紧急")}
RATINGS = {
    "satisfied": _l("满意"),
    "basic": _l("基本满意"),
    "unsatisfied": _l("不满意"),
    "no_response": _l("未回复"),
}


def grouped_code(code):
    """A reference or tracking code in fours, as a bank card is read aloud."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


class Report(FlowColumns, db.Model):
    initial_state = ReportState.SUBMITTED

    __table_args__ = (
        Index("ix_report_queue", "state", "deadline_at", "id"),
        # The dispatcher's queue of every open case, read in deadline order without a sort, on
        # both databases: queries say open_case() to match the predicate.
        Index(
            "ix_report_open",
            "deadline_at",
            "id",
            postgresql_where=text(OPEN_PREDICATE),
            sqlite_where=text(OPEN_PREDICATE),
        ),
        Index("ix_report_grid_category", "grid_id", "category_id", "created_at"),
        # My tasks: open cases of one person, one department, or one grid (to verify).
        Index("ix_report_assignee_state", "assignee_id", "state", "deadline_at"),
        Index("ix_report_department_state", "department_id", "state", "deadline_at"),
        Index("ix_report_grid_state", "grid_id", "state", "deadline_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(12), unique=True)
    submission_key: Mapped[str] = mapped_column(String(40), unique=True)
    # The hash of the reporter's secret tracking code; wrong codes are counted per case.
    tracking_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    track_misses: Mapped[int] = mapped_column(default=0, server_default="0")
    track_window_at: Mapped[datetime | None]
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    source: Mapped[str] = mapped_column(String(10), default="web")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    reporter_phone: Mapped[str] = mapped_column(String(11), default="")
    reporter_name: Mapped[str] = mapped_column(String(40), default="")
    # The language the reporter reads (an account's own, else the one they reported in): what
    # they are told by SMS is written in it, whoever moves the case on.
    reporter_locale: Mapped[str] = mapped_column(
        String(10), default="zh_Hans", server_default="zh_Hans"
    )
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    supervised: Mapped[bool] = mapped_column(default=False)
    extension_hours: Mapped[int] = mapped_column(default=0)
    extension_reason: Mapped[str] = mapped_column(String(200), default="")
    return_reason: Mapped[str] = mapped_column(String(200), default="")
    rating: Mapped[str] = mapped_column(String(20), default="")
    rating_comment: Mapped[str] = mapped_column(String(500), default="")
    metoo_count: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    attributes: Mapped[str] = mapped_column(Text, default="{}")
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    grid: Mapped["Grid"] = relationship()
    reporter: Mapped["User | None"] = relationship(foreign_keys=[reporter_id])
    proxy: Mapped["User | None"] = relationship(foreign_keys=[proxy_id])
    assignee: Mapped["User | None"] = relationship(foreign_keys=[assignee_id])
    department: Mapped["Department | None"] = relationship()
    # Departments that help the lead one: they are told, and may open the case.
    helper_departments: Mapped[list["Department"]] = relationship(secondary="report_helper")
    merged_into: Mapped["Report | None"] = relationship(remote_side=[id])
    events: Mapped[list["ReportEvent"]] = relationship(
        back_populates="report", order_by="ReportEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list["ReportPhoto"]] = relationship(
        back_populates="report", order_by="ReportPhoto.id"
    )

    @property
    def answers(self):
        """The extra questions answered: (question, answer) in the category's order."""
        return answers_shown(self.category, json.loads(self.attributes or "{}"))

    @property
    def is_public(self):
        return not self.category.sensitive

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def grouped_ref(self):
        return grouped_code(self.ref)

    @property
    def state_label(self):
        return STATES[self.state]

    @property
    def overdue(self):
        return bool(self.deadline_at and self.is_open and self.deadline_at < utcnow())


report_helper = db.Table(
    "report_helper",
    db.Column("report_id", ForeignKey("report.id"), primary_key=True),
    db.Column("department_id", ForeignKey("department.id"), primary_key=True),
)


class ReportEvent(TimelineEntry, db.Model):
    """One step on a report's timeline: who did what, when, and what they said."""

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)

    report: Mapped[Report] = relationship(back_populates="events")

    @property
    def public_note(self):
        """What a resident reads of the note: a dispatcher's note to the handler only when the
        dispatcher said residents may read it."""
        if self.action in ("dispatch", "transfer"):
            shown = json.loads(self.detail_params or "{}").get("public_note")
            return self.note if shown else ""
        return self.note

    @property
    def public_detail_text(self):
        """The detail as a resident reads it: the office (网格员, a department), never a person."""
        if self.detail not in NAMES_A_PERSON:
            return self.detail_text
        office = json.loads(self.detail_params or "{}").get("office", "")
        if self.action == "submit" or office == Role.GRID_WORKER:
            return gettext(self.detail, name=gettext("网格员"))
        kind, _sep, number = office.partition(":")
        department = db.session.get(Department, int(number)) if kind == "department" else None
        if department:
            return gettext(self.detail, name=str(department))
        return ""  # an older step that did not say which office it went to


# Details that name a member of staff (the proxy who filed, the person a case went to).
NAMES_A_PERSON = {"由%(name)s代为反映", "交给：%(name)s"}


class ReportPhoto(db.Model):
    """A re-encoded photo without metadata, and its thumbnail. Public only once a dispatcher says so."""

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), index=True)
    draft_key: Mapped[str] = mapped_column(String(40), default="", index=True)
    kind: Mapped[str] = mapped_column(String(10), default="before")
    filename: Mapped[str] = mapped_column(String(80))
    thumb_bytes: Mapped[int] = mapped_column(default=0)
    fit_for_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report | None] = relationship(back_populates="photos")


class ReportDraft(db.Model):
    """What a resident has typed so far, kept on the server so a dropped link loses nothing."""

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MeToo(db.Model):
    """One "me too": who (an account, or a browser's long-lived device cookie) and, for people
    not signed in, the network they came from (a /24 or /48), which is counted per day."""

    __table_args__ = (
        UniqueConstraint("report_id", "who"),
        Index("ix_me_too_report_network", "report_id", "network", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    who: Mapped[str] = mapped_column(String(60))
    network: Mapped[str] = mapped_column(String(50), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportFollow(db.Model):
    """A resident who follows someone else's public case: told of its public steps."""

    # The pair leads with report_id: it also finds a case's followers.
    __table_args__ = (UniqueConstraint("report_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship()


class PhoneReveal(db.Model):
    """Every look at a reporter's full phone number: who, when, which case."""

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    report: Mapped[Report] = relationship()
    user: Mapped["User"] = relationship()


# What a resident reads for each state (docs/design.md §3.7).
RESIDENT_WORDS = {
    ReportState.SUBMITTED: _l("已收到您的反映"),
    ReportState.ACCEPTED: _l("已受理，正在安排人员"),
    ReportState.DISPATCHED: _l("已交给%(who)s"),
    ReportState.SIGNED: _l("已交给%(who)s，处理人已接单"),
    ReportState.IN_PROGRESS: _l("正在处理"),
    ReportState.HANDLED: _l("处理人说已处理好，网格员会来现场核查"),
    ReportState.VERIFIED: _l("已处理好，请您评价"),
    ReportState.REOPENED: _l("您不满意，正在重新处理"),
    ReportState.CLOSED: _l("已办结，谢谢您"),
    ReportState.RETURNED: _l("暂不受理：%(reason)s"),
    ReportState.WITHDRAWN: _l("您已撤回这条反映"),
    ReportState.MERGED: _l("和别人反映的同一问题合并办理"),
}


# What someone who did not report it reads (a neighbour, a follower): the same news, not "您".
THIRD_PERSON_WORDS = {
    ReportState.SUBMITTED: _l("已收到居民的反映"),
    ReportState.ACCEPTED: _l("居民反映的问题已受理，正在安排人员"),
    ReportState.VERIFIED: _l("已处理好，等反映人评价"),
    ReportState.REOPENED: _l("反映人不满意，正在重新处理"),
    ReportState.CLOSED: _l("已办结"),
    ReportState.WITHDRAWN: _l("反映人已撤回这条反映"),
}

# On the timeline, a step that is over: no "please rate" once the rating is asked for elsewhere.
PAST_WORDS = {ReportState.HANDLED: _l("处理人说已处理好"), ReportState.VERIFIED: _l("已处理好")}

# Steps a resident reads in their own words rather than the staff's name for them.
RESIDENT_STEP_WORDS = {
    "verify": _l("网格员已到现场核查，确认已处理好"),
    "redo": _l("网格员到现场核查，还没处理好，正在继续处理"),
    "note": _l("处理人记下了进展"),
    "correct": _l("反映人修改了问题描述"),
}


def resident_words(state, report, past=False, third=False):
    who = _l("部门") if report.department_id else _l("网格员")
    words = PAST_WORDS.get(state) if past else None
    if third and not words:
        words = THIRD_PERSON_WORDS.get(state)
    return str(words or RESIDENT_WORDS[state]) % {"who": who, "reason": report.return_reason}


def resident_step_words(entry, report, third=False):
    """One timeline step as a resident reads it (the reporter, or a third party when third)."""
    if entry.action in RESIDENT_STEP_WORDS:
        return str(RESIDENT_STEP_WORDS[entry.action])
    if entry.to_state != entry.from_state:
        return resident_words(entry.to_state, report, past=True, third=third)
    return None

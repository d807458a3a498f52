"""Intake: the resident's answers kept as a draft between steps, the report made from them, "me too",
and the draft photos nobody sent."""

import json
import secrets
from dataclasses import dataclass, field, fields
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from blueprints.auth.people import staff_for
from blueprints.auth.services import hold_account
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.core.workflow import start_clock
from blueprints.notices.services import notify
from blueprints.places.models import Grid
from blueprints.reports import photos
from blueprints.reports.deadlines import DEADLINES
from blueprints.reports.models import (
    OPEN_STATES,
    Category,
    MeToo,
    Report,
    ReportDraft,
    ReportPhoto,
    ReportState,
)
from blueprints.reports.refs import event, make_ref, report_url, tracking_code, tracking_hash
from blueprints.util.times import utcnow
from blueprints.util.words import N_
from extensions import db

METOO_PER_NETWORK = 5
ABANDONED_DRAFT_DAYS = 2
SIMILAR_DAYS = 14


# ---- drafts: the resident's answers, kept server-side between steps --------------------------


def load_draft(key):
    draft = db.session.get(ReportDraft, key) if key else None
    return json.loads(draft.data) if draft else None


def save_draft(key, **answers):
    draft = db.session.get(ReportDraft, key)
    if draft is None:
        draft = ReportDraft(key=key, data="{}")
        db.session.add(draft)
    data = json.loads(draft.data)
    data.update(answers)
    draft.data = json.dumps(data, ensure_ascii=False)
    db.session.commit()
    return data


def new_draft_key():
    return secrets.token_urlsafe(18)


CATEGORY_OPTIONS = (
    select(Category.id, Category.name_zh, Category.name_en)
    .where(Category.active)
    .order_by(Category.group, Category.id)
)


def category_options():
    """The active categories as a filter lists them: id, name_zh and name_en (RowWords.category
    names them), read as columns with a select built once."""
    return db.session.execute(CATEGORY_OPTIONS).all()


def active_categories():
    return db.session.scalars(
        select(Category).where(Category.active).order_by(Category.group, Category.id)
    ).all()


def add_draft_photos(key, uploads):
    """Store each photo of a step as it is read (a dropped link keeps the ones already sent);
    Refused for the first that is not a photo, or when the draft would hold too many."""
    if len(draft_photos(key)) + len(uploads) > photos.MAX_PHOTOS:
        raise Refused(_("最多只能上传3张照片。"))
    for upload in uploads:
        name, size = photos.save_photo(upload)
        db.session.add(ReportPhoto(draft_key=key, filename=name, thumb_bytes=size))
        db.session.commit()


def remove_draft_photo(key, photo_id):
    """Take one photo off a draft that is still being written: only that draft's own, never one
    already sent with a report. Refused for any other id."""
    photo = db.session.get(ReportPhoto, photo_id)
    if photo is None or not key or photo.draft_key != key or photo.report_id is not None:
        raise Refused(_("没有找到这张照片。"))
    db.session.delete(photo)
    db.session.commit()
    photos.remove_photo(photo.filename)


def report_of_submission(key):
    """The report a submission key already made (the same form sent twice), or None."""
    return db.session.scalar(select(Report).where(Report.submission_key == (key or "")))


def draft_photos(key):
    return db.session.scalars(
        select(ReportPhoto).where(ReportPhoto.draft_key == key, ReportPhoto.report_id.is_(None))
    ).all()


# ---- intake ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportAnswers:
    """Everything a report is made from, however it came: the web form's steps, Open311, the
    demo data. Each source checks its own input; this is what they agree on."""

    category_id: int
    grid_id: int
    description: str
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    phone: str = ""
    name: str = ""
    answers: dict = field(default_factory=dict)

    @classmethod
    def from_draft(cls, draft):
        """The answers a finished web draft holds (its other keys steer the steps only)."""
        return cls(**{f.name: draft[f.name] for f in fields(cls) if draft.get(f.name) is not None})


def submit_report(
    key: str,
    data: ReportAnswers,
    reporter=None,
    proxy=None,
    source: str = "web",
    locale: str = "zh_Hans",
) -> Report:
    """Create the report from a finished draft. The same key sent twice returns the same report."""
    existing = db.session.scalar(select(Report).where(Report.submission_key == key))
    if existing:
        return existing
    category = db.session.get(Category, data.category_id)
    grid = db.session.get(Grid, data.grid_id)
    if category is None or not category.active or grid is None or not grid.active:
        raise Refused(_("分类或网格已停用，请重新选择。"))
    report = Report(
        submission_key=key,
        category=category,
        grid=grid,
        description=data.description,
        address=data.address,
        lat=data.lat,
        lng=data.lng,
        reporter=reporter,
        reporter_phone=data.phone or (reporter.phone if reporter else ""),
        reporter_name=data.name or (reporter.name if reporter else ""),
        proxy=proxy,
        source=source,
        reporter_locale=reporter.locale if reporter else locale,
        attributes=json.dumps(data.answers, ensure_ascii=False),
        created_at=utcnow(),
    )
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(Report).where(Report.submission_key == key))
    if reporter is not None and not hold_account(reporter):
        db.session.rollback()
        raise Refused(_("这个账号已经删除，反映没有提交。"))
    report.ref = make_ref(report)
    report.tracking_hash = tracking_hash(tracking_code(key))
    start_clock(report, DEADLINES)
    for photo in draft_photos(key):
        photo.report = report
    detail = (N_("由%(name)s代为反映"), {"name": proxy.display_name}) if proxy else None
    event(report, "submit", proxy or reporter, "", ReportState.SUBMITTED, detail=detail)
    notify(
        staff_for(Role.DISPATCHER, grid),
        N_("新反映 %(ref)s：%(cat)s"),
        report_url(report),
        ref=report.ref,
        cat=category.name_zh,
    )
    db.session.query(ReportDraft).filter_by(key=key).delete()
    db.session.commit()
    return report


def similar_reports(grid_id, category_id, limit=5):
    """Open, public reports of the same grid and category from the last 14 days."""
    since = utcnow() - timedelta(days=SIMILAR_DAYS)
    return db.session.scalars(
        select(Report)
        .join(Category)
        .where(
            Report.grid_id == grid_id,
            Report.category_id == category_id,
            Report.created_at >= since,
            Report.state.in_(OPEN_STATES),
            Category.sensitive.is_(False),
        )
        .order_by(Report.id.desc())
        .limit(limit)
    ).all()


def add_metoo(report, who, network=""):
    """Count one "me too" per person: an account, or a browser (by its device cookie). Without
    an account, at most METOO_PER_NETWORK a day per report come from one network, so clearing
    cookies cannot inflate the count. True when counted, False when this person already was."""
    if not report.is_public or not report.is_open:
        raise Refused(_("这件事不能再加“我也遇到”。"))
    if has_metoo(report, who):
        return False
    # The count goes up first: that UPDATE holds the report's row (SQLite: the database) until
    # the commit, so two requests from one network cannot both see room for one more.
    count_metoo(report, 1)
    if network:
        since = utcnow() - timedelta(days=1)
        taken = db.session.scalar(
            select(func.count(MeToo.id)).where(
                MeToo.report_id == report.id, MeToo.network == network, MeToo.at >= since
            )
        )
        if taken >= METOO_PER_NETWORK:
            db.session.rollback()
            raise Refused(
                _("谢谢。今天从您这里的网络已经记下好几位居民了；登录后再点，可以单独记下您。")
            )
    db.session.add(MeToo(report_id=report.id, who=who, network=network))
    try:
        # Writing the event queries, which flushes the "me too" first: both inside the try.
        event(report, "metoo", None, report.state, report.state, "")
        db.session.commit()
    except IntegrityError:  # the same person, twice at once
        db.session.rollback()
        return False
    return True


def has_metoo(report, who):
    """Whether this person (an account, or a browser) already said "me too" here."""
    return bool(who) and db.session.scalar(
        select(exists().where(MeToo.report_id == report.id, MeToo.who == who))
    )


def count_metoo(report, n):
    """Add to the count in SQL: atomic, and without bumping the version, so a resident's
    "me too" never makes a staff member's open form stale."""
    db.session.execute(
        update(Report).where(Report.id == report.id).values(metoo_count=Report.metoo_count + n)
    )
    db.session.expire(report, ["metoo_count"])


def remove_abandoned_photos(now=None):
    """Photos uploaded to a draft that was never sent and not touched for 2 days, and their files.
    One DELETE decides which rows go (a photo attached meanwhile is not among them); only then
    are the files removed. Returns how many photos went."""
    cutoff = (now or utcnow()) - timedelta(days=ABANDONED_DRAFT_DAYS)
    in_use = select(ReportDraft.key).where(ReportDraft.updated_at >= cutoff)
    gone = db.session.scalars(
        delete(ReportPhoto)
        .where(
            ReportPhoto.report_id.is_(None),
            ReportPhoto.created_at < cutoff,
            ReportPhoto.draft_key.not_in(in_use),
        )
        .returning(ReportPhoto.filename)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    for filename in gone:
        photos.remove_photo(filename)
    return len(gone)

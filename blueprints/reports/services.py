"""Grid-reporting use cases. apply() is the only place a report's state changes."""

import hashlib
import hmac
import json
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, exists, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from blueprints.access import can
from blueprints.auth.models import User, mask_phone
from blueprints.auth.people import staff_for
from blueprints.calendar.services import add_workdays
from blueprints.inputs import parse_int
from blueprints.notices.services import notify
from blueprints.places.models import Community, Department, Grid
from blueprints.reports import photos
from blueprints.reports.models import (
    OPEN_STATES,
    Category,
    MeToo,
    PhoneReveal,
    Report,
    ReportDraft,
    ReportEvent,
    ReportPhoto,
)
from blueprints.reports.workflow import AFTER_RATING, EVENT_LABELS, STAGE_OF_STATE, TRANSITIONS
from blueprints.sms import message, send_sms
from blueprints.timeutil import utcnow
from blueprints.words import N_
from blueprints.workflow import STALE, Change, Conflict, Flow, Refused
from extensions import db

FOLLOW_UP_DAYS = 7
METOO_PER_NETWORK = 5
ABANDONED_DRAFT_DAYS = 2
SIMILAR_DAYS = 14


# ---- reference numbers -------------------------------------------------------------------


def luhn_digit(digits):
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def make_ref(report):
    """12 digits: year and month, a 7-digit serial, a check digit (read aloud in groups of 4)."""
    body = report.created_at.strftime("%y%m") + f"{report.id % 10**7:07d}"
    return body + luhn_digit(body)


def normalize_ref(text):
    digits = "".join(c for c in (text or "") if c.isdigit())
    if len(digits) != 12 or luhn_digit(digits[:11]) != digits[11]:
        return None
    return digits


def find_report(ref):
    return db.session.scalar(select(Report).where(Report.ref == ref))


# ---- tracking codes: what lets a reporter without an account follow their case ------------

TRACK_TRIES = 5
TRACK_WINDOW = timedelta(hours=1)


def tracking_code(key):
    """16 digits (53 bits) made from the submission key with the app's secret: unguessable, and
    the same again when a flaky link sends the same form twice. Only its hash is stored."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, b"track:" + key.encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**16:016d}"


def tracking_hash(code):
    return hashlib.sha256(code.encode()).hexdigest()


def grouped_code(code):
    """In fours, as a bank card is read aloud."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def find_by_tracking_code(code):
    digits = "".join(c for c in code or "" if c in "0123456789")
    if len(digits) != 16:
        return None
    return db.session.scalar(select(Report).where(Report.tracking_hash == tracking_hash(digits)))


def check_tracking(ref, code):
    """The case behind a reference and its tracking code, or Refused. Each check uses up one of
    the case's tries (5 an hour) in one UPDATE, whatever address the guesses come from."""
    mismatch = Refused(_("编号和查询码对不上，请核对短信或提交成功页面上的号码。"))
    report = find_report(normalize_ref(ref) or "")
    if report is None or report.tracking_hash is None:
        raise mismatch
    now = utcnow()
    fresh = or_(Report.track_window_at.is_(None), Report.track_window_at < now - TRACK_WINDOW)
    claimed = db.session.execute(
        update(Report)
        .where(Report.id == report.id, or_(fresh, Report.track_misses < TRACK_TRIES))
        .values(
            track_misses=case((fresh, 1), else_=Report.track_misses + 1),
            track_window_at=case((fresh, now), else_=Report.track_window_at),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        raise Refused(
            _(
                "这个编号试错太多次了。请1小时后再试，或打 %(hotline)s 报编号查询。",
                hotline=current_app.config["HOTLINE"],
            )
        )
    if not hmac.compare_digest(
        tracking_hash("".join(c for c in code if c.isdigit())), report.tracking_hash
    ):
        raise mismatch
    db.session.execute(
        update(Report)
        .where(Report.id == report.id)
        .values(track_misses=0, track_window_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return report


def send_receipt(report, code, link, locale):
    """The reporter's SMS at submission: the reference, the tracking code and a link."""
    if not report.reporter_phone:
        return
    text = message(
        locale,
        N_("【邻里】已收到您的反映，编号 %(ref)s，查询码 %(code)s。查看进度：%(link)s"),
        ref=report.grouped_ref,
        code=grouped_code(code),
        link=link,
    )
    send_sms(report.reporter_phone, text)
    db.session.commit()


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


def draft_photos(key):
    return db.session.scalars(
        select(ReportPhoto).where(ReportPhoto.draft_key == key, ReportPhoto.report_id.is_(None))
    ).all()


# ---- intake ------------------------------------------------------------------------------


def submit_report(key, data, reporter=None, proxy=None, source="web", locale="zh_Hans"):
    """Create the report from a finished draft. The same key sent twice returns the same report."""
    existing = db.session.scalar(select(Report).where(Report.submission_key == key))
    if existing:
        return existing
    category = db.session.get(Category, data["category_id"])
    grid = db.session.get(Grid, data["grid_id"])
    if category is None or not category.active or grid is None or not grid.active:
        raise Refused(_("分类或网格已停用，请重新选择。"))
    report = Report(
        submission_key=key,
        category=category,
        grid=grid,
        description=data["description"],
        address=data.get("address", ""),
        lat=data.get("lat"),
        lng=data.get("lng"),
        reporter=reporter,
        reporter_phone=data.get("phone", "") or (reporter.phone if reporter else ""),
        reporter_name=data.get("name", "") or (reporter.name if reporter else ""),
        proxy=proxy,
        source=source,
        reporter_locale=reporter.locale if reporter else locale,
        attributes=json.dumps(data.get("answers", {}), ensure_ascii=False),
        created_at=utcnow(),
    )
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(Report).where(Report.submission_key == key))
    report.ref = make_ref(report)
    report.tracking_hash = tracking_hash(tracking_code(key))
    set_deadline(report)
    for photo in draft_photos(key):
        photo.report = report
    detail = (N_("由%(name)s代为反映"), {"name": proxy.display_name}) if proxy else None
    event(report, "submit", proxy or reporter, "", "submitted", detail=detail)
    notify(
        staff_for("dispatcher", grid),
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
    if db.session.scalar(select(exists().where(MeToo.report_id == report.id, MeToo.who == who))):
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
    event(report, "metoo", None, report.state, report.state, "")
    try:
        db.session.commit()
    except IntegrityError:  # the same person, twice at once
        db.session.rollback()
        return False
    return True


def count_metoo(report, n):
    """Add to the count in SQL: atomic, and without bumping the version, so a resident's
    "me too" never makes a staff member's open form stale."""
    db.session.execute(
        update(Report).where(Report.id == report.id).values(metoo_count=Report.metoo_count + n)
    )
    db.session.expire(report, ["metoo_count"])


# ---- the one way a state changes: the workflow core, with this flow's table and effects ---------


NEEDS = {
    "reason": _l("请写明原因。"),
    "note": _l("请写几句说明。"),
    "urgency": _l("请选择紧急程度。"),
    "assignee": _l("请选择交给谁处理。"),
    "target": _l("请填写要并入的案件编号。"),
    "text": _l("请填写问题描述。"),
    "rating": _l("请选择您是否满意。"),
    "hours": _l("请填写要延长的小时数。"),
    "confirm": _l("请勾选“我确定要撤回”。"),
}


def _accept(report, who, given):
    if given["urgency"] not in ("normal", "urgent"):
        raise Refused(NEEDS["urgency"], field="urgency")
    report.urgency = given["urgency"]


def _return(report, who, given):
    report.return_reason = given["reason"].strip()[:200]


def street_department(raw, street_id):
    """An active department of this street from a posted id, else None."""
    ident = parse_int(raw)
    department = db.session.get(Department, ident) if ident else None
    if department is None or not department.active or department.street_id != street_id:
        return None
    return department


def _dispatch(report, who, given):
    kind, _sep, raw = str(given["assignee"]).partition(":")
    street_id = report.grid.community.street_id
    unassign(report)
    ident = parse_int(raw)
    if kind == "user" and ident:
        user = db.session.get(User, ident)
        if user is None or not can(report.grid, "grid_worker", user=user):
            raise Refused(_("请选择本网格的网格员。"))
        report.assignee = user
    elif kind == "dept":
        report.department = street_department(raw, street_id)
        if report.department is None:
            raise Refused(_("请选择本街道的部门。"))
    else:
        raise Refused(NEEDS["assignee"], field="assignee")
    for raw_helper in given.get("helpers", []):
        helper = street_department(raw_helper, street_id)
        if helper and helper is not report.department and helper not in report.helper_departments:
            report.helper_departments.append(helper)
    report.extension_hours = 0
    if report.assignee:
        handed = {"name": report.assignee.display_name, "office": "grid_worker"}
    else:
        handed = {"name": report.department.name, "office": f"department:{report.department.id}"}
    for helper in report.helper_departments:
        notify(
            staff_for("handler", helper),
            N_("请协助处理 %(ref)s"),
            report_url(report),
            ref=report.ref,
        )
    # Handed on again (a transfer keeps the state): the new handler's deadline starts now.
    return Change(to="dispatched", detail=(N_("交给：%(name)s"), handed))


def unassign(report):
    report.assignee = report.department = None
    report.helper_departments = []


def _send_back(report, who, given):
    unassign(report)


def _merge(report, who, given):
    target = find_report(normalize_ref(given["target"]) or "")
    if target is None or target.id == report.id or not target.is_open:
        raise Refused(_("没有找到可以并入的案件，请核对编号。"))
    if not can(target.grid, "dispatcher", user=who):
        raise Refused(_("您不能对这件事做这个操作。"))
    report.merged_into = target
    count_metoo(target, 1 + report.metoo_count)
    merged = (N_("并入案件 %(ref)s"), {"ref": report.ref})
    event(target, "metoo", who, target.state, target.state, detail=merged)
    return Change(detail=(N_("已并入案件 %(ref)s，办理结果请看那一件。"), {"ref": target.ref}))


def _handle(report, who, given):
    if given.get("photo"):
        name, size = given["photo"]
        report.photos.append(ReportPhoto(kind="after", filename=name, thumb_bytes=size))
    if not report.category.needs_verification:
        return Change(to="verified")
    notify(
        staff_for("grid_worker", report.grid),
        N_("请到现场核查 %(ref)s"),
        report_url(report),
        ref=report.ref,
    )


def _redo(report, who, given):
    notify(
        assignees(report),
        N_("核查不合格，请继续处理 %(ref)s"),
        report_url(report),
        ref=report.ref,
    )


def _rate(report, who, given):
    rating = given["rating"]
    if rating not in AFTER_RATING:
        raise Refused(NEEDS["rating"], field="rating")
    report.rating = rating
    report.rating_comment = (given.get("comment") or "").strip()[:500]
    reopened_before = any(e.to_state == "reopened" for e in report.events)
    if rating == "unsatisfied" and not reopened_before:
        report.rating = ""  # asked again after the rework
        unassign(report)
        return Change(to="reopened", note=report.rating_comment)
    return Change(to="closed", note=report.rating_comment)


def _ask_extension(report, who, given):
    hours = parse_int(given["hours"], default=0)
    if not 1 <= hours <= 720:
        raise Refused(_("延长的小时数要在1到720之间。"))
    if report.deadline_at and report.deadline_at < utcnow():
        raise Refused(_("已经超过时限，不能再申请延期。请尽快办理。"))
    report.extension_hours = hours
    report.extension_reason = given["reason"].strip()[:200]
    return Change(detail=(N_("申请延长%(h)s小时"), {"h": hours}))


def _approve_extension(report, who, given):
    if not report.extension_hours:
        raise Conflict(STALE)
    report.deadline_at = (report.deadline_at or utcnow()) + timedelta(hours=report.extension_hours)
    detail = (N_("延长%(h)s小时"), {"h": report.extension_hours})
    report.extension_hours = 0
    report.overdue_for = report.reminded_for = ""
    return Change(detail=detail)


def _refuse_extension(report, who, given):
    if not report.extension_hours:
        raise Conflict(STALE)
    report.extension_hours = 0


def _supervise(report, who, given):
    report.supervised = True


def _urge(report, who, given):
    notify(assignees(report), N_("请抓紧办理 %(ref)s"), report_url(report), ref=report.ref)


def _correct(report, who, given):
    report.description = given["text"].strip()[:1000]
    return Change(note="")


EFFECTS = {
    "accept": _accept,
    "return": _return,
    "dispatch": _dispatch,
    "transfer": _dispatch,
    "send_back": _send_back,
    "merge": _merge,
    "handle": _handle,
    "redo": _redo,
    "rate": _rate,
    "ask_extension": _ask_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "supervise": _supervise,
    "urge": _urge,
    "correct": _correct,
}


def set_deadline(report):
    stage = STAGE_OF_STATE.get(report.state)
    report.reminded_for = report.overdue_for = ""
    if report.state == "verified":
        report.deadline_at = utcnow() + timedelta(days=FOLLOW_UP_DAYS)
    elif stage == "handle" and report.category.handle_workdays:
        days = report.category.handle_workdays
        if report.urgency == "urgent":
            days = max(1, days // 2)
        report.deadline_at = add_workdays(utcnow(), days)
    elif stage:
        hours = report.category.deadline_hours(stage)
        if report.urgency == "urgent":
            hours = max(1, hours // 2)
        report.deadline_at = utcnow() + timedelta(hours=hours)
    else:
        report.deadline_at = None


def event(report, action, actor, before, after, note="", public=True, detail=None):
    """One timeline step. note: what a person wrote; detail: (msgid, values) the system adds."""
    msgid, values = detail or ("", {})
    report.events.append(
        ReportEvent(
            action=action,
            actor=actor,
            from_state=before,
            to_state=after,
            note=(note or "")[:2000],
            detail=msgid,
            detail_params=json.dumps(values, ensure_ascii=False),
            public=public,
            at=utcnow(),
        )
    )


def assignees(report):
    if report.assignee:
        return [report.assignee]
    if report.department:
        return staff_for("handler", report.department)
    return []


OWN_STEPS = {"correct", "withdraw", "rate"}


def tell(report, action, before, to, public):
    """Inbox messages (and the follow-up SMS) for whoever this step concerns."""
    url = report_url(report)
    if action in ("dispatch", "transfer"):
        notify(assignees(report), N_("新任务 %(ref)s，请签收"), url, ref=report.ref)
    if action in ("send_back", "ask_extension") or to == "reopened":
        dispatchers = staff_for("dispatcher", report.grid)
        notify(dispatchers, N_("案件 %(ref)s 需要您处理"), url, ref=report.ref)
    if report.reporter and public and action not in OWN_STEPS:
        notify([report.reporter], N_("您反映的问题 %(ref)s 有新进展"), url, ref=report.ref)
    if to == "verified" and report.reporter_phone:
        text = message(
            report.reporter.locale if report.reporter else report.reporter_locale,
            N_("【邻里】您反映的问题 %(ref)s 已处理好，请在邻里查看并评价是否满意。"),
            ref=report.grouped_ref,
        )
        send_sms(report.reporter_phone, text)


def report_url(report):
    """The case page, as stored in inbox messages (written outside requests too)."""
    return f"/reports/{report.ref}"


def on_reporter(report, user, context):
    """The resident who reported it: signed in, or holding the tracking code on this device."""
    return bool(context.get("tracker")) or (user.is_authenticated and report.reporter_id == user.id)


def on_assignee(report, user, context):
    """The grid worker it was sent to, or a handler of the department it was sent to."""
    return user.is_authenticated and (
        report.assignee_id == user.id
        or (report.department is not None and can(report.department, "handler", user=user))
    )


class ReportFlow(Flow):
    """Grid reporting on the workflow core: blueprints/reports/workflow.py is its table."""

    model = Report
    transitions = TRANSITIONS
    event_labels = EVENT_LABELS
    needs = NEEDS
    effects = EFFECTS
    relations = {"reporter": on_reporter, "assignee": on_assignee}
    open_states = OPEN_STATES

    def place_of(self, report):
        return report.grid

    def refusal(self, report, action, user):
        """Rules of timing and separation that the table's roles alone do not say."""
        if action in ("verify", "redo") and user.is_authenticated and report.assignee_id == user.id:
            return _("办理人不能核查自己办的案件，请另一位网格员或指挥中心核查。")
        if action == "supervise" and not report.overdue:
            return _("还没到时限，可以先催办。")
        if action == "urge" and report.overdue:
            return _("已经超时，请督办。")
        return None

    def shown(self, report, action, user):
        if action in ("approve_extension", "refuse_extension"):
            return bool(report.extension_hours)
        if action == "ask_extension":
            return not report.extension_hours
        if action == "rate":
            return not report.rating
        return True

    def record(self, report, action, actor, before, after, note="", public=True, detail=None):
        event(report, action, actor, before, after, note, public=public, detail=detail)

    def tell(self, report, action, before, after, public):
        tell(report, action, before, after, public)

    def entered(self, report, action, before):
        set_deadline(report)

    def overdue(self, report):
        report.supervised = True
        event(report, "overdue", None, report.state, report.state, "", public=False)
        notify(
            staff_for("dispatcher", report.grid) + assignees(report),
            N_("案件 %(ref)s 已超时"),
            report_url(report),
            ref=report.ref,
        )

    def remind(self, report):
        event(report, "remind", None, report.state, report.state, "", public=False)
        notify(
            assignees(report) or staff_for("dispatcher", report.grid),
            N_("案件 %(ref)s 快到时限了"),
            report_url(report),
            ref=report.ref,
        )

    def silent(self, now):
        """Follow-ups nobody answered within FOLLOW_UP_DAYS."""
        return db.session.scalars(
            select(Report).where(Report.state == "verified", Report.deadline_at < now)
        ).all()

    def close_silent(self, report):
        report.rating = "no_response"
        event(report, "close_no_response", None, "verified", "closed", "")
        report.state = "closed"
        report.deadline_at = None


FLOW = ReportFlow()


def actions_for(report, user, tracker=False):
    """The buttons this user gets on this report, drawn from the same table apply() uses."""
    return FLOW.actions_for(report, user, tracker=tracker)


def allowed_step(report, action, actor, version=None, tracker=False):
    return FLOW.check(report, action, actor, version, {"tracker": tracker})


def apply(report, action, actor, version=None, tracker=False, **given):
    return FLOW.apply(report, action, actor, version, {"tracker": tracker}, **given)


# ---- privacy -----------------------------------------------------------------------------


def may_reveal_phone(report, user):
    return bool(report.reporter_phone) and (
        can(report.grid, "dispatcher", user=user)
        or report.assignee_id == user.id
        or (report.department is not None and can(report.department, "handler", user=user))
    )


def reveal_phone(report, user):
    if not may_reveal_phone(report, user):
        raise Refused(_("您不能查看这个号码。"))
    db.session.add(PhoneReveal(report=report, user=user))
    db.session.commit()
    return report.reporter_phone


def masked_phone(report):
    return mask_phone(report.reporter_phone)


def mark_photo_public(photo, user):
    if not can(photo.report.grid, "dispatcher", user=user):
        raise Refused(_("您不能对这件事做这个操作。"))
    photo.fit_for_public = True
    event(
        photo.report, "photo_public", user, photo.report.state, photo.report.state, "", public=False
    )
    db.session.commit()


# ---- lists -------------------------------------------------------------------------------

PAGE = 30
# What a list row shows, loaded with the rows rather than one query each.
LIST_LOADS = (
    joinedload(Report.category),
    joinedload(Report.grid).joinedload(Grid.community),
)


def dispatcher_queue(
    user, state=None, grid_id=None, category_id=None, urgency=None, overdue=False, after=None
):
    """Open cases in the user's places, soonest deadline first; keyset-paginated by (deadline, id)."""
    grants = user.grants_for("dispatcher", "admin")
    query = select(Report).join(Grid).join(Community).where(place_filter(grants))
    if state:
        query = query.where(Report.state == state)
    else:
        query = query.where(Report.state.in_(OPEN_STATES))
    if grid_id:
        query = query.where(Report.grid_id == grid_id)
    if category_id:
        query = query.where(Report.category_id == category_id)
    if urgency:
        query = query.where(Report.urgency == urgency)
    if overdue:
        query = query.where(Report.deadline_at < utcnow())
    if after:
        query = query.where(tuple_(Report.deadline_at, Report.id) > tuple_(*after))
    query = query.options(*LIST_LOADS).order_by(Report.deadline_at, Report.id).limit(PAGE + 1)
    return db.session.scalars(query).all()


def place_filter(grants):
    clauses = []
    for g in grants:
        if g.place is None:
            return True
        if g.street_id:
            clauses.append(Community.street_id == g.street_id)
        elif g.community_id:
            clauses.append(Grid.community_id == g.community_id)
        elif g.grid_id:
            clauses.append(Report.grid_id == g.grid_id)
    return or_(*clauses) if clauses else False


def my_tasks(user):
    """Cases sent to me or my department, and handled cases in my grids waiting for verification."""
    departments = [g.department_id for g in user.grants_for("handler") if g.department_id]
    grids = [g.grid_id for g in user.grants_for("grid_worker") if g.grid_id]
    working = ("dispatched", "signed", "in_progress")
    mine = [and_(Report.assignee_id == user.id, Report.state.in_(working))]
    if departments:
        mine.append(and_(Report.department_id.in_(departments), Report.state.in_(working)))
    if grids:
        mine.append(and_(Report.grid_id.in_(grids), Report.state == "handled"))
    return db.session.scalars(
        select(Report)
        .where(or_(*mine))
        .options(*LIST_LOADS)
        .order_by(Report.deadline_at, Report.id)
        .limit(100)
    ).all()


def my_reports(user):
    return db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.id.desc()).limit(50)
    ).all()


# ---- the clock ---------------------------------------------------------------------------


def sla_tick(now=None):
    """Reminders before deadlines, overdue cases into supervision, silent follow-ups closed.
    Each case is marked with what it was told, so running twice sends nothing twice."""
    return FLOW.tick(now)


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

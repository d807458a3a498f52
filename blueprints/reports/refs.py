"""A report's references, tracking codes and timeline: how people find a case and what it went through."""

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, or_, select, update

from blueprints.core.errors import Refused
from blueprints.notices.sms import message, send_sms
from blueprints.reports.models import (
    Report,
    ReportEvent,
    grouped_code,
)
from blueprints.util.times import utcnow
from blueprints.util.words import N_
from extensions import db

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


def event(report, action, actor, before, after, note="", public=True, detail=None):
    """One timeline step. note: what a person wrote; detail: (msgid, values) the system adds."""
    report.events.append(ReportEvent.step(action, actor, before, after, note, public, detail))


def report_url(report):
    """The case page, as stored in inbox messages (written outside requests too)."""
    return f"/reports/{report.ref}"

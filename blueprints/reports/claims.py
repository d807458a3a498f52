"""A resident takes into their account the reports they filed before they had one.

Only reports filed without an account, with the phone this person proved they hold (an SMS code
at sign-up), in the last 90 days, each offered on its own and never taken automatically: phone
numbers are reissued to new owners, and only the person can say "this one is mine"."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from blueprints.auth.services import hold_account
from blueprints.core.errors import Refused
from blueprints.reports.models import Report
from blueprints.reports.refs import event
from blueprints.util.times import utcnow
from extensions import db

CLAIM_DAYS = 90


def next_claim(user, declined=()):
    """The oldest report this person may still be offered, or None."""
    if not user.is_authenticated or user.phone_verified_at is None:
        return None
    since = utcnow() - timedelta(days=CLAIM_DAYS)
    return db.session.scalar(
        select(Report)
        .where(
            Report.reporter_id.is_(None),
            Report.reporter_phone == user.phone,
            Report.created_at >= since,
            Report.id.not_in(list(declined)),
        )
        .order_by(Report.created_at, Report.id)
        .limit(1)
    )


def answer_claim(user, report_id, mine, declined=()):
    """The person's answer about the report on offer: mine → it joins their reports. Refused
    for any report but the one on offer (a forged id, someone else's, one already answered)."""
    offered = next_claim(user, declined)
    if offered is None or offered.id != report_id:
        raise Refused(_("这条反映现在不能认领。"))
    if not mine:
        return offered
    # One UPDATE that only an unclaimed report passes: two people cannot both take it, and the
    # case's version is not bumped, so no member of staff's open form goes stale.
    taken = db.session.execute(
        update(Report)
        .where(Report.id == offered.id, Report.reporter_id.is_(None))
        .values(reporter_id=user.id, reporter_locale=user.locale)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken or not hold_account(user):
        db.session.rollback()
        raise Refused(_("这条反映现在不能认领。"))
    db.session.expire(offered, ["reporter_id", "reporter_locale"])
    event(offered, "claim", user, offered.state, offered.state, "", public=False)
    db.session.commit()
    return offered

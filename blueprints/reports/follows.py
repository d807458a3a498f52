"""Residents who follow someone else's public case, and are told of its public steps."""

from flask_babel import gettext as _
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from blueprints.auth.models import User
from blueprints.core.errors import Refused
from blueprints.reports.models import ReportFollow
from extensions import db


def is_following(report, user):
    return user.is_authenticated and db.session.scalar(
        select(exists().where(ReportFollow.report_id == report.id, ReportFollow.user_id == user.id))
    )


def follow_report(report, user):
    """Follow a public, open case that is not one's own. Following twice is following once."""
    if not report.is_public or not report.is_open or report.reporter_id == user.id:
        raise Refused(_("这件事不能关注。"))
    if is_following(report, user):
        return
    db.session.add(ReportFollow(report_id=report.id, user_id=user.id))
    try:
        db.session.commit()
    except IntegrityError:  # the same person, twice at once
        db.session.rollback()


def unfollow_report(report, user):
    db.session.execute(
        delete(ReportFollow).where(
            ReportFollow.report_id == report.id, ReportFollow.user_id == user.id
        )
    )
    db.session.commit()


def followers(report):
    """Who follows this case, while it is public (a case made sensitive tells nobody)."""
    if not report.is_public:
        return []
    return db.session.scalars(
        select(User)
        .join(ReportFollow, ReportFollow.user_id == User.id)
        .where(ReportFollow.report_id == report.id, User.id != (report.reporter_id or 0))
    ).all()

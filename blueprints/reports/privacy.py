"""The privacy rules of a case: who may see the reporter's number (each look is logged), and a
dispatcher's word that a photo shows nobody before residents may see it."""

from flask_babel import gettext as _

from blueprints.core.access import can
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.reports.models import PhoneReveal
from blueprints.reports.refs import event
from extensions import db


def may_reveal_phone(report, user):
    return bool(report.reporter_phone) and (
        can(report.grid, Role.DISPATCHER, user=user)
        or report.assignee_id == user.id
        or (report.department is not None and can(report.department, Role.HANDLER, user=user))
    )


def reveal_phone(report, user):
    if not may_reveal_phone(report, user):
        raise Refused(_("您不能查看这个号码。"))
    db.session.add(PhoneReveal(report=report, user=user))
    db.session.commit()
    return report.reporter_phone


def mark_photo_public(photo, user):
    if not can(photo.report.grid, Role.DISPATCHER, user=user):
        raise Refused(_("您不能对这件事做这个操作。"))
    photo.fit_for_public = True
    event(
        photo.report, "photo_public", user, photo.report.state, photo.report.state, "", public=False
    )
    db.session.commit()

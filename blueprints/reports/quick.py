"""A whole report in one POST: the one-page form, which works without JavaScript and is what the
phone's offline queue sends. The same answers, length rules and service as the wizard's steps;
the photos are stored with the report in one commit."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, MultipleFileField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from blueprints.core.errors import Refused
from blueprints.reports import intake, photos
from blueprints.reports.forms import ContactForm, DetailsForm, ProxyForm
from blueprints.reports.models import ReportPhoto
from blueprints.web.inputs import strict_int
from extensions import db

# A submission key the phone made up (or the page gave): enough randomness to be nobody else's.
KEY = re.compile(r"[A-Za-z0-9_-]{16,40}")


class QuickForm(DetailsForm, ContactForm):
    category = SelectField(
        _l("问题分类"), coerce=strict_int, validators=[DataRequired(_l("请选择一个问题分类。"))]
    )
    photos = MultipleFileField(_l("照片"), render_kw={"accept": "image/*"})
    key = HiddenField()


class QuickProxyForm(QuickForm):
    """A grid worker's: on patrol, or for a resident (代办), as the wizard's contact step asks."""

    mode = ProxyForm.mode


def category_choices(categories, none_label):
    return [SelectChoice(0, none_label)] + [
        SelectChoice(c.id, c.name, optgroup=str(c.group_label)) for c in categories
    ]


def submit_whole_report(key, answers, uploads, **people):
    """The report, its photos attached in the same commit. A key already used returns its
    report; when two copies of one submission arrive at once, the one that loses leaves no
    photo rows or files behind."""
    done = intake.report_of_submission(key)
    if done:
        return done
    if len(uploads) > photos.MAX_PHOTOS:
        raise Refused(_("最多只能上传3张照片。"), field="photos")
    saved = []
    try:
        for upload in uploads:
            saved.append(photos.save_photo(upload))
        rows = [ReportPhoto(draft_key=key, filename=name, thumb_bytes=size) for name, size in saved]
        db.session.add_all(rows)
        report = intake.submit_report(key, answers, **people)
    except BaseException:
        db.session.rollback()
        forget(saved)
        raise
    if any(row.report_id != report.id for row in rows):  # the other copy made it
        db.session.rollback()
        forget(saved)
    return report


def forget(saved):
    for name, _size in saved:
        photos.remove_photo(name)

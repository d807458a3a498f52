"""Charters: checked by their first bytes, not by their name or the browser's word. A PDF is kept
as it is and only ever sent as a download; a photo is re-encoded (which drops EXIF and GPS). A
file leaves the disk with the application that held it, or when another takes its place."""

import contextlib
import os
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from blueprints.core.errors import Refused
from blueprints.orgs.models import Filing
from blueprints.util import images
from extensions import db

MAX_SIDE = 2000
KINDS = {"JPEG", "PNG", "MPO"}
PDF = b"%PDF-"
JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"
LET_GO = "charters_let_go"


def folder():
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], "charters")
    os.makedirs(path, exist_ok=True)
    return path


def save_charter(stream):
    """Check and store one upload; returns (stored filename, its MIME type)."""
    limit = current_app.config["MAX_CHARTER_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise Refused(_("文件是空的，请重新选择。"), field="charter")
    if len(data) > limit:
        raise Refused(_("章程文件太大了（最大5MB），请换一个小一些的文件。"), field="charter")
    name = secrets.token_hex(12)
    if data.startswith(PDF):
        with open(os.path.join(folder(), f"{name}.pdf"), "wb") as f:
            f.write(data)
        return f"{name}.pdf", "application/pdf"
    if not (data.startswith(JPEG) or data.startswith(PNG)):
        raise Refused(_("章程只能是 PDF、JPG 或 PNG 文件。"), field="charter")
    try:
        image = images.decode(data, KINDS, MAX_SIDE)
    except images.TooManyPixels:
        raise Refused(images.TOO_MANY_PIXELS, field="charter") from None
    except images.NotAPicture:
        raise Refused(_("章程只能是 PDF、JPG 或 PNG 文件。"), field="charter") from None
    image.save(os.path.join(folder(), f"{name}.jpg"), "JPEG", quality=85, optimize=True)
    return f"{name}.jpg", "image/jpeg"


def path_of(filename):
    return os.path.join(folder(), os.path.basename(filename))


def remove_charter(filename):
    """Delete a charter's file; one already gone (or none) is fine."""
    if filename:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path_of(filename))


def remove_after_commit(filename):
    """Delete a charter's file once the change that lets go of it is stored; a change rolled
    back still needs it."""
    if filename:
        db.session.info.setdefault(LET_GO, set()).add(filename)


@event.listens_for(Filing, "after_delete")
def filing_deleted(_mapper, _connection, filing):
    remove_after_commit(filing.charter_file)


@event.listens_for(Session, "after_commit")
def remove_let_go(session):
    for filename in session.info.pop(LET_GO, ()):
        remove_charter(filename)


@event.listens_for(Session, "after_rollback")
def keep_let_go(session):
    session.info.pop(LET_GO, None)

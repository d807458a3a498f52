"""Photos: checked by content, re-encoded (which drops EXIF and GPS), thumbnailed to ≤20 KB."""

import contextlib
import io
import os
import secrets

from flask import current_app
from flask_babel import gettext as _

from blueprints.core.errors import Refused
from blueprints.util import images

MAX_SIDE = 1600
THUMB_SIDE = 320
THUMB_BYTES = 20 * 1024
KINDS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_PHOTOS = 3


def folder():
    path = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(path, exist_ok=True)
    return path


def save_photo(stream):
    """Check and store one upload; returns (filename, thumbnail size in bytes)."""
    data = stream.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
    if not data:
        raise Refused(_("照片是空的，请重新选择。"), field="photos")
    if len(data) > current_app.config["MAX_PHOTO_BYTES"]:
        raise Refused(_("照片太大了（最大10MB），请换一张。"), field="photos")
    try:
        image = images.decode(data, KINDS, MAX_SIDE)
    except images.TooManyPixels:
        raise Refused(images.TOO_MANY_PIXELS, field="photos") from None
    except images.NotAPicture:
        raise Refused(_("只能上传照片（JPG、PNG、WEBP 格式）。"), field="photos") from None
    name = secrets.token_hex(12)
    image.save(os.path.join(folder(), f"{name}.jpg"), "JPEG", quality=80, optimize=True)
    thumb = small_jpeg(image)
    with open(os.path.join(folder(), f"{name}.t.jpg"), "wb") as f:
        f.write(thumb)
    return name, len(thumb)


def small_jpeg(image):
    """The largest thumbnail quality that stays within 20 KB."""
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    for quality in (70, 55, 40, 30, 20):
        buffer = io.BytesIO()
        thumb.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= THUMB_BYTES:
            return buffer.getvalue()
        if quality == 20:
            thumb.thumbnail((thumb.width // 2, thumb.height // 2))
    return buffer.getvalue()


def path_of(filename, thumb=False):
    return os.path.join(folder(), f"{filename}{'.t' if thumb else ''}.jpg")


def remove_photo(filename):
    """Delete a photo's files (both sizes); a file already gone is fine."""
    for thumb in (False, True):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path_of(filename, thumb=thumb))

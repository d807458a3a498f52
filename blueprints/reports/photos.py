"""Photos: checked by content, re-encoded (which drops EXIF and GPS), thumbnailed to ≤20 KB."""

import io
import os
import secrets

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
THUMB_SIDE = 320
THUMB_BYTES = 20 * 1024
MAX_PIXELS = 40_000_000
KINDS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_PHOTOS = 3


class BadPhoto(Exception):
    pass


def folder():
    path = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(path, exist_ok=True)
    return path


def save_photo(stream):
    """Check and store one upload; returns (filename, thumbnail size in bytes)."""
    data = stream.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
    if not data:
        raise BadPhoto(_("照片是空的，请重新选择。"))
    if len(data) > current_app.config["MAX_PHOTO_BYTES"]:
        raise BadPhoto(_("照片太大了（最大10MB），请换一张。"))
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in KINDS:
            raise BadPhoto(_("只能上传照片（JPG、PNG、WEBP 格式）。"))
        if image.width * image.height > MAX_PIXELS:
            raise BadPhoto(_("照片太大了（最大10MB），请换一张。"))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise BadPhoto(_("只能上传照片（JPG、PNG、WEBP 格式）。")) from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
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

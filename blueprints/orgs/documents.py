"""Charters: checked by their first bytes, not by their name or the browser's word. A PDF is kept
as it is and only ever sent as a download; a photo is re-encoded (which drops EXIF and GPS)."""

import io
import os
import secrets

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from blueprints.errors import Refused

MAX_SIDE = 2000
MAX_PIXELS = 40_000_000
PDF = b"%PDF-"
JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"


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
        image = Image.open(io.BytesIO(data))
        if image.format not in ("JPEG", "PNG", "MPO") or image.width * image.height > MAX_PIXELS:
            raise Refused(_("章程只能是 PDF、JPG 或 PNG 文件。"), field="charter")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise Refused(_("章程只能是 PDF、JPG 或 PNG 文件。"), field="charter") from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    image.save(os.path.join(folder(), f"{name}.jpg"), "JPEG", quality=85, optimize=True)
    return f"{name}.jpg", "image/jpeg"


def path_of(filename):
    return os.path.join(folder(), os.path.basename(filename))

"""Every uploaded picture (a report's photo, a charter's photo) is decoded here, under one set of
limits, so that no upload can starve a worker of memory or time:

- its size is read from the header, and anything over MAX_PIXELS is refused before a single pixel
  is unpacked (a 100-byte PNG can claim 6300×6300 and cost 120 MB to decode);
- a JPEG is decoded reduced (at 1/2, 1/4 or 1/8 of its size) when it is bigger than it will be
  kept: big phone photos stay cheap;
- one picture at a time per worker process is decoded, however many threads take uploads."""

import io
import threading

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 24_000_000
MAX_DIMENSION = 8000
DECODING = threading.Lock()
TOO_MANY_PIXELS = _l("照片的像素太多了，请换一张，或用手机自带的编辑功能缩小后再上传。")


class NotAPicture(ValueError):
    pass


class TooManyPixels(ValueError):
    pass


def too_big(size):
    width, height = size
    return width * height > MAX_PIXELS or max(width, height) > MAX_DIMENSION


def decode(data, kinds, max_side):
    """The picture `data` holds, upright, in RGB, at most `max_side` on a side (which drops its
    EXIF and GPS). NotAPicture unless its format is one of `kinds`; TooManyPixels when it is too
    big to decode."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in kinds:
            raise NotAPicture(image.format)
        image.draft("RGB", (max_side, max_side))
        if too_big(image.size):
            raise TooManyPixels(image.size)
        with DECODING:
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((max_side, max_side))
    except Image.DecompressionBombError:
        raise TooManyPixels from None
    except (UnidentifiedImageError, OSError):
        raise NotAPicture from None
    return image

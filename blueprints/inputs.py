"""What every request's input is allowed to be, decided once for the whole app.

- An integer (a `<int:...>` URL part, `request.args.get(..., type=int)`, or parse_int()) is written
  in ASCII digits and fits a signed 64-bit column: int() alone takes "٣" and numbers PostgreSQL's
  BIGINT cannot hold, which turned a forged id into a 500.
- Submitted text loses control characters (C0 but tab, newline and CR; DEL; C1; U+FFFE/U+FFFF) on the
  way in: nobody types them, and one of them makes every XML answer that carries the text ill-formed.
  NUL is left for wire.py to refuse with a 400, as before.
"""

import re

from flask import Request as FlaskRequest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

INT_MAX = 2**63 - 1
ID_MAX = 2**31 - 1
INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def parse_int(value, default=None):
    """An integer that a 64-bit column can hold, from ASCII digits; else `default`."""
    text = value.strip() if isinstance(value, str) else ""
    if not INTEGER.fullmatch(text):
        return default
    number = int(text)
    return number if -INT_MAX <= number <= INT_MAX else default


def parse_id(value):
    """A row id from a query argument, or None: an id column is an INTEGER, and PostgreSQL
    refuses to compare one with a number it cannot hold (a DataError, a 500)."""
    number = parse_int(value)
    return number if number is not None and 0 < number <= ID_MAX else None


def strict_int(value):
    """parse_int() for `type=` arguments, which expect a ValueError for a bad value."""
    number = parse_int(value)
    if number is None:
        raise ValueError(f"not a 64-bit integer: {value!r}")
    return number


def clean_text(text):
    return CONTROLS.sub("", text)


class CleanMultiDict(ImmutableMultiDict):
    """Query and form values without control characters; `get(type=int)` bounded to 64 bits."""

    def __init__(self, mapping=None):
        super().__init__(mapping)
        for key, values in list(dict.items(self)):
            dict.__setitem__(
                self, key, [clean_text(v) if isinstance(v, str) else v for v in values]
            )

    def get(self, key, default=None, type=None):
        return super().get(key, default, strict_int if type is int else type)


class Request(FlaskRequest):
    parameter_storage_class = CleanMultiDict


class IdConverter(IntegerConverter):
    """`<int:...>` as a row id: ASCII digits, at most 2**63 - 1 (else the URL is a 404)."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def init_app(app):
    """Before any blueprint is registered: its rules are compiled with these converters."""
    app.request_class = Request
    app.url_map.converters["int"] = IdConverter

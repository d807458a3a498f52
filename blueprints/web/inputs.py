"""What every request's input is allowed to be, decided once for the whole app.

- An integer (a `<int:...>` URL part, `request.args.get(..., type=int)`, a select's `coerce=`, or
  parse_int()) is written in ASCII digits and fits an INTEGER column, as every number a request
  can reach is compared with one: int() alone takes "٣", and PostgreSQL refuses to compare an
  INTEGER with 2**31 (a DataError, a 500).
- A date or time (DateField, DateTimeLocalField, parse_date()) lies between 1900 and 2100: year 1
  or 9999 cannot even be moved from Beijing time to UTC (an OverflowError, a 500).
- Submitted text loses control characters (C0 but tab, newline and CR; DEL; C1; U+FFFE/U+FFFF) on the
  way in: nobody types them, and one of them makes every XML answer that carries the text ill-formed.
  NUL is left for web/responses.py to refuse with a 400, as before.
"""

import re
from datetime import date

import wtforms
from flask import Request as FlaskRequest
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1
INTEGER = re.compile(r"[+-]?[0-9]{1,10}")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)
OUT_OF_TIME = _l("这个日期不对，请填写1900年到2100年之间的日期。")
CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def parse_int(value, default=None):
    """An integer that an INTEGER column can hold, from ASCII digits; else `default`."""
    text = value.strip() if isinstance(value, str) else ""
    if not INTEGER.fullmatch(text):
        return default
    number = int(text)
    return number if -INT_MAX <= number <= INT_MAX else default


def parse_id(value):
    """A row id from a query argument, or None."""
    number = parse_int(value)
    return number if number is not None and number > 0 else None


def strict_int(value):
    """parse_int() for `type=` arguments and a select's `coerce=`, which expect a ValueError for
    a bad value. A select's own choices, already numbers, pass as they are."""
    number = value if type(value) is int else parse_int(value)
    if number is None or not -INT_MAX <= number <= INT_MAX:
        raise ValueError(f"not an INTEGER: {value!r}")
    return number


def parse_date(text):
    """A YYYY-MM-DD between 1900 and 2100, or None."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


class BoundedDates:
    """A form's date field that refuses, politely, a date outside 1900 to 2100."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        day = self.data.date() if hasattr(self.data, "date") else self.data
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError(OUT_OF_TIME)


class DateField(BoundedDates, wtforms.DateField):
    pass


class DateTimeLocalField(BoundedDates, wtforms.DateTimeLocalField):
    pass


def clean_text(text):
    return CONTROLS.sub("", text)


class CleanMultiDict(ImmutableMultiDict):
    """Query and form values without control characters; `get(type=int)` bounded to an
    INTEGER."""

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
    """`<int:...>` as a row id: ASCII digits, at most 2**31 - 1 (else the URL is a 404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def init_app(app):
    """Before any blueprint is registered: its rules are compiled with these converters."""
    app.request_class = Request
    app.url_map.converters["int"] = IdConverter

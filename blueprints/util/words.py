"""Messages stored now and read later, each in the reader's own language.

A stored message keeps its Chinese msgid and its values; it is translated when shown. N_() marks
such a msgid for extraction (like gettext_noop) without translating it at the time of writing."""

import json

from flask_babel import gettext


def N_(msgid):
    return msgid


def translate(msgid, params):
    """A stored msgid and its JSON values, in the current reader's language."""
    if not msgid:
        return ""
    values = json.loads(params or "{}")
    return gettext(msgid, **values) if values else gettext(msgid)

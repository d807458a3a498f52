"""The words of a list row, translated once per request rather than once per row.

A list of 30 cases would otherwise ask Babel for the reader's language and translations a few
hundred times (each category name, state label, tag and "time left"); the row macro reads them
from one RowWords instead and does no locale or database work of its own."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g, url_for
from flask_babel import get_locale, gettext

from blueprints.reports.deadlines import LEFT_WORDS, time_left
from blueprints.reports.models import STATES
from blueprints.util.times import utcnow


@dataclass(frozen=True)
class RowWords:
    locale: str
    english: bool
    states: dict
    tags: dict
    left_words: dict
    now: datetime
    case_url: str  # a case's address without its ref: built once, not once per row

    def category(self, category):
        """The name of a Category, or of a CaseRow's category, in the reader's language."""
        return category.name_en if self.english else category.name_zh

    def left(self, deadline):
        return time_left(deadline, self.now, self.left_words)


def row_words():
    """This request's RowWords, made on first use (again only if the language changed, as
    force_locale does for a message in someone else's language). Its words are translated once
    per language for the whole process (app.extensions["linli_row_words"]); only the clock and
    the case link are the request's own."""
    locale = str(get_locale())
    words = g.get("row_words")
    if words is None or words.locale != locale:
        kept = current_app.extensions.setdefault("linli_row_words", {})
        if locale not in kept:
            kept[locale] = translated_words()
        words = RowWords(
            locale=locale,
            english=locale.startswith("en"),
            **kept[locale],
            now=utcnow(),
            case_url=url_for("reports.show", ref="0")[:-1],
        )
        g.row_words = words
    return words


def translated_words():
    """The fixed words of a list row, in the language of the moment."""
    return {
        "states": {code: str(label) for code, label in STATES.items()},
        "tags": {
            "urgent": gettext("紧急"),
            "overdue": gettext("已超时"),
            "supervised": gettext("督办"),
            "metoo": gettext("%(n)s人也遇到"),
        },
        "left_words": {unit: (str(a), str(b)) for unit, (a, b) in LEFT_WORDS.items()},
    }

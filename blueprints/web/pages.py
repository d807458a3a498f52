"""Keyset pages for the lists that grow: a page is the rows after the last one the page before
showed, in the order of a unique key (its last column is the row's id, so no row is skipped or
shown twice when rows share a deadline or a day).

?after= carries that row's key, its parts joined by "_" (2026-12-01T08:00:00_42). The query
seeks to the key in the index that serves the order and reads one row past the page, however far
down the list the page is. A key no page could have sent is a 400. A later page links back to the
first ("第一页": keyset pages have no cheap way to know the one before); plain links, so they work
with JavaScript off.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import abort, url_for
from sqlalchemy import tuple_

from blueprints.web.inputs import parse_id
from extensions import db


class Keyset:
    """A list's order: `columns` (the last one unique), ascending or newest_first; `size` rows a
    page; `arg`, the query argument that carries the key (a page with several lists gives each
    its own); `key`, a row's values of the columns, when they are not its own attributes."""

    def __init__(self, *columns, newest_first=False, size=30, arg="after", key=None):
        self.columns = columns
        self.newest_first = newest_first
        self.size = size
        self.arg = arg
        self.values = key or (lambda row: tuple(getattr(row, c.key) for c in columns))

    def read(self, args):
        """The key in the request's `args`, or None for the first page; a 400 for a key no page
        could have sent (not as many parts as columns, not a date or an id a column holds)."""
        text = args.get(self.arg)
        if not text:
            return None
        parts = text.split("_")
        if len(parts) != len(self.columns):
            abort(400)
        try:
            return tuple(
                parse(column, part) for column, part in zip(self.columns, parts, strict=True)
            )
        except ValueError:
            abort(400)

    def page(self, query, after):
        """The page of `query` after the key `after` (None: from the start), and whether there
        is another after it. A select() of one entity gives its objects; of more, their rows."""
        key = tuple_(*self.columns) if len(self.columns) > 1 else self.columns[0]
        if after is not None:
            seek = tuple_(*after) if len(after) > 1 else after[0]
            query = query.where(key < seek if self.newest_first else key > seek)
        order = [c.desc() for c in self.columns] if self.newest_first else self.columns
        result = db.session.execute(query.order_by(*order).limit(self.size + 1))
        one = len(query.column_descriptions) == 1
        rows = (result.scalars() if one else result).unique().all()
        return rows[: self.size], len(rows) > self.size

    def links(self, endpoint, rows, more, after, **kept):
        """The page's links: to the first page (from a later one), to the next (when there is
        one). `kept` are the list's other query arguments (filters, the keys of the page's other
        lists; its own is left out); only they travel, as any other key (_external, _scheme)
        would steer url_for."""
        key = None
        if more:
            key = "_".join(
                value.isoformat() if isinstance(value, date) else str(value)
                for value in self.values(rows[-1])
            )
        kept = {name: value for name, value in kept.items() if name != self.arg}
        return links(endpoint, after, key, arg=self.arg, **kept)


@dataclass
class Links:
    first: str | None
    next: str | None


def links(endpoint, after, key, arg="after", **kept):
    """A keyset list's links: to its first page (when this one came after a key), and to the
    page after `key` (None on the last page). `kept` are the list's other query arguments;
    only those with a value travel, and only they (any other key, _external or _scheme, would
    steer url_for)."""
    kept = {name: value for name, value in kept.items() if value}
    return Links(
        first=url_for(endpoint, **kept) if after else None,
        next=url_for(endpoint, **kept, **{arg: key}) if key is not None else None,
    )


def side_by_side(endpoint, args, *lists):
    """A page of several lists, each a (Keyset, find) pair where find(after) gives a page of rows
    and whether there are more: each list's (rows, links), its links keeping the others' places."""
    kept = {keyset.arg: args.get(keyset.arg) for keyset, _find in lists}
    shown = []
    for keyset, find in lists:
        after = keyset.read(args)
        rows, more = find(after)
        shown.append((rows, keyset.links(endpoint, rows, more, after, **kept)))
    return shown


def parse(column, text):
    """One part of a key, as the column holds it; a ValueError for anything else."""
    kind = column.type.python_type
    if kind is datetime:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:  # stored in UTC without a zone, and sent so
            raise ValueError(text)
        return moment
    if kind is date:
        return date.fromisoformat(text)
    number = parse_id(text)
    if number is None:
        raise ValueError(text)
    return number

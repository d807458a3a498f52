"""Walking a keyset-paged list (blueprints/web/pages.py) through its next links, and the keys no page
could have sent."""

import re
from html import unescape

# Each is a 400 on any list: a key of one id or of a moment and an id.
FORGED = (
    "x",
    "²",
    "-1",
    str(2**31),
    str(2**62),
    "1_2_3",
    "2026-12-01T08:00:00_x",
    f"2026-12-01T08:00:00_{2**62}",
    "2026-12-01T08:00:00+08:00_1",
    "2026-13-01T08:00:00_1",
    "\x7f_1",
)

NEXT = re.compile(r'<a class="link" href="([^"]+)">下一页</a>')
FIRST = re.compile(r'<a class="link" href="([^"]+)">第一页</a>')


def walk(client, url, row, anchor=None):
    """The rows (what the regex `row` finds) of every page from `url` on, in order, and the
    URLs of the pages after the first. `anchor`: the heading of the list, on a page with
    several (its section runs to the next <h2>)."""
    found, later = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        part = page.split(anchor, 1)[1].split("<h2", 1)[0] if anchor else page
        if later:
            assert FIRST.search(part), "a later page links back to the first"
        found += re.findall(row, part)
        following = NEXT.search(part)
        url = unescape(following.group(1)) if following else None
        if url:
            later.append(url)
    return found, later


def refuses_forged_keys(client, url, arg="after"):
    """Every key in FORGED, sent to the list at `url` as `arg`, gets a 400: never a page of
    something else, never a 500."""
    for forged in FORGED:
        response = client.get(url, query_string={arg: forged})
        assert response.status_code == 400, (url, arg, forged, response.status_code)

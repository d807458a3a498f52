"""Files people download and open in other programs: CSV for spreadsheets, .ics for calendars.

Both carry text that someone typed (a name, an activity's title, a booking's purpose), and both
are read by programs that act on what they read: a spreadsheet runs a cell that starts with "="
as a formula (OWASP's "CSV injection"), a calendar reads a line break or a ";" in a title as the
file's own structure. Every export is written here, so each holds as inert text."""

import csv
import io
import re
from numbers import Number

from blueprints.util.times import utcnow

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and CR, may
# drop them and read what follows as one): such a cell gets a leading "'", read as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 16384  # characters of CSV per piece of a streamed file

ICS_STAMP = "%Y%m%dT%H%M%SZ"
# Control characters a TEXT value may not hold (RFC 5545 §3.3.11); line breaks are escaped.
ICS_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def csv_cell(value):
    """A value as a cell a spreadsheet shows and never runs. Numbers are written as they are."""
    if value is None:
        return ""
    if isinstance(value, Number):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_pieces(rows):
    """The rows (lists of values) as CSV text, in pieces of about CHUNK characters."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        if out.tell() > CHUNK:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_text(rows):
    return "".join(csv_pieces(rows))


def ics_text(text):
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and every line break (a bare
    CR too) escaped, so nothing typed can end the line or start a property of its own."""
    text = ICS_CONTROLS.sub("", str(text))
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def ics_fold(line):
    """Lines of at most 75 octets (§3.1), folded with CRLF and a space, never inside a character."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def ics_file(properties):
    """A calendar file from (name, value) pairs in order, BEGIN and END included. Every value is
    escaped as TEXT: the other values written here (dates, UIDs, durations, states) hold none of
    the escaped characters, so escaping leaves them as they are."""
    return "".join(ics_fold(f"{name}:{ics_text(value)}") + "\r\n" for name, value in properties)


def ics_event(product, uid, starts_at, ends_at, *properties):
    """A calendar file of one event (times in UTC): its UID, times and stamp, then `properties`
    ((name, value) pairs: SUMMARY, LOCATION, an alarm...) in order."""
    return ics_file(
        [
            ("BEGIN", "VCALENDAR"),
            ("VERSION", "2.0"),
            ("PRODID", f"-//Linli//{product}//ZH"),
            ("CALSCALE", "GREGORIAN"),
            ("BEGIN", "VEVENT"),
            ("UID", uid),
            ("DTSTAMP", utcnow().strftime(ICS_STAMP)),
            ("DTSTART", starts_at.strftime(ICS_STAMP)),
            ("DTEND", ends_at.strftime(ICS_STAMP)),
            *properties,
            ("END", "VEVENT"),
            ("END", "VCALENDAR"),
        ]
    )

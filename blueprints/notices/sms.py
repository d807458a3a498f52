"""Text messages: written to the outbox with the change that caused them, delivered afterwards.

SMS_SENDER names a class "module:Class" whose send(message) takes an `Sms` and raises on failure:
`PermanentFailure` when trying again cannot help (the gateway refused the message), anything else
when it may (the gateway is down or did not answer). The console sender logs; the HTTP sender
(blueprints/notices/gateway.py) speaks to a real gateway. A message is written in its reader's
language (`message(locale, ...)`); no number gets more than a few messages however many people ask
for them (blueprints/web/ratelimit.py); a message whose change is rolled back is never sent, because
it was never committed.

Delivery (`deliver_outbox`) claims each message in one UPDATE, so two delivery loops never send
one at the same time; a message claimed by a loop that died is tried once more after
CLAIM_TIMEOUT, with the same key (`Sms.key`), so a gateway that got the first try sends it once.
Only the try that holds the claim records the outcome: a message is recorded sent once. With
SMS_DELIVERY="inline" (tests, `make dev`) the same delivery runs right after each commit."""

import importlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, g
from flask_babel import force_locale, gettext
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from blueprints.notices.models import Outbox
from blueprints.util.phones import mask_phone
from blueprints.util.times import utcnow
from blueprints.web.ratelimit import allow_sms_to
from extensions import db

log = logging.getLogger("linli.sms")
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
CLAIM_TIMEOUT = timedelta(minutes=5)
BATCH = 50


@dataclass(frozen=True)
class Sms:
    """One message as a sender gets it. `key` is the same on every try of one message."""

    key: str
    phone: str
    text: str
    template: str = ""  # the msgid it was rendered from; empty for a text written by hand
    params: dict = field(default_factory=dict)
    locale: str = ""


class PermanentFailure(Exception):
    """The gateway refused the message: trying again would be refused again."""


class ConsoleSender:
    """Writes the message to the log instead of sending it: for development and demos."""

    def send(self, sms):
        log.info("SMS to %s: %s", mask_phone(sms.phone), sms.text)


class Text(str):
    """A rendered message that remembers what it was made from (msgid, values, language), so a
    gateway that sends registered templates gets those instead of the text."""

    msgid = ""
    params: dict = {}  # a class default, never changed: each Text sets its own
    locale = ""


# Texts go out under the service's signature, so they say only our own fixed words: a template
# (its msgid starts with the signature, SIGNATURE) and values the system made, each checked for
# its kind here. Nothing anyone typed (an activity's title, a group's or a room's name, a
# reason) goes in: a text names the thing in fixed words and links to the page that says more.
# This is also how gateways approve templates: fixed words, typed parameters.
SIGNATURE = "【邻里】"
WHEN = re.compile(r"[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(–[0-9]{2}:[0-9]{2})?")  # 12-07 19:00
KINDS = {
    "code": re.compile(r"[0-9]{4,8}( [0-9]{4})*"),  # one-time codes; tracking codes in fours
    "ref": re.compile(r"[0-9]{4} [0-9]{4} [0-9]{4}"),  # a report's reference, in fours
    # A filing number: the street's code (letters, digits, "_"), the year, a count.
    "number": re.compile(r"[A-Za-z0-9_]{1,20}-[0-9]{4}-[0-9]{4,6}"),
    "m": re.compile(r"[0-9]{1,4}"),  # minutes
    "when": WHEN,
    "until": WHEN,
    "start": WHEN,
    "hotline": re.compile(r"[0-9+ -]{3,20}"),
    "link": None,  # a path on PUBLIC_BASE_URL: see checked()
}
LINK_PATH = re.compile(r"/[A-Za-z0-9/_.~%?=&-]*")


def checked(name, value):
    """The value as it goes into a text, or ValueError when it is not of its name's kind."""
    text = str(value)
    if name not in KINDS:
        raise ValueError(f"a text may not carry {name!r}: only {sorted(KINDS)}")
    if name == "link":
        base = current_app.config["PUBLIC_BASE_URL"]
        fits = text.startswith(base + "/") and LINK_PATH.fullmatch(text[len(base) :])
    else:
        fits = KINDS[name].fullmatch(text)
    if not fits:
        raise ValueError(f"{name!r} is not a {name} the system made: {text[:40]!r}")
    return text


def message(locale, msgid, **params):
    """A text in the reader's language, whatever the language of the request that caused it:
    a template of ours, with values of the kinds in KINDS only."""
    if not str(msgid).startswith(SIGNATURE):
        raise ValueError(f"not a text template (no {SIGNATURE}): {str(msgid)[:40]!r}")
    params = {name: checked(name, value) for name, value in params.items()}
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    # Flask-Babel forces nothing while `g` is empty (in a CLI job, say): give it something.
    g.message_locale = locale
    with force_locale(locale):
        text = Text(gettext(msgid, **params))
    text.msgid, text.locale = str(msgid), locale
    text.params = params
    return text


def send_sms(phone, text):
    """Queue a text in the current transaction; it leaves once the caller commits."""
    row = Outbox(
        phone=phone,
        text=str(text),
        template=getattr(text, "msgid", ""),
        params=json.dumps(getattr(text, "params", {}), ensure_ascii=False),
        locale=getattr(text, "locale", ""),
        next_try_at=utcnow(),
    )
    db.session.add(row)
    if current_app.config.get("SMS_DELIVERY") == "inline":
        db.session.info["deliver"] = True
    return row


@event.listens_for(Session, "after_commit")
def deliver_inline(session):
    if session.info.pop("deliver", False):
        deliver_outbox()


def sender():
    module, _sep, name = current_app.config["SMS_SENDER"].partition(":")
    return getattr(importlib.import_module(module), name)()


def deliver_outbox(now=None):
    """Send what is due; returns counts. Runs on its own connections, never the caller's session."""
    now = now or utcnow()
    table = Outbox.__table__
    counts = {"sent": 0, "retry": 0, "failed": 0, "held": 0}
    with db.engine.begin() as conn:
        # A loop that died mid-send: its messages are tried once more (same key), unless that
        # was their last try.
        stale = (table.c.state == "sending", table.c.claimed_at < now - CLAIM_TIMEOUT)
        conn.execute(
            update(table)
            .where(*stale, table.c.attempts >= MAX_ATTEMPTS)
            .values(state="failed", last_error="no answer from the last try")
        )
        conn.execute(update(table).where(*stale).values(state="pending"))
        due = conn.execute(
            select(
                table.c.id,
                table.c.key,
                table.c.phone,
                table.c.text,
                table.c.template,
                table.c.params,
                table.c.locale,
                table.c.attempts,
            )
            .where(table.c.state == "pending", table.c.next_try_at <= now)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
    gateway = sender()
    for row in due:
        with db.engine.begin() as conn:
            claimed = conn.execute(
                update(table)
                .where(table.c.id == row.id, table.c.state == "pending")
                .values(state="sending", attempts=table.c.attempts + 1, claimed_at=now)
            ).rowcount
        if not claimed:
            continue  # another loop has it
        outcome, columns = deliver_one(gateway, row, now)
        with db.engine.begin() as conn:
            # Still this try's claim (a loop that took it over after CLAIM_TIMEOUT has counted
            # one more attempt): else the other try records the outcome, and only it.
            recorded = conn.execute(
                update(table)
                .where(
                    table.c.id == row.id,
                    table.c.state == "sending",
                    table.c.attempts == row.attempts + 1,
                )
                .values(**columns)
            ).rowcount
        if recorded:
            counts[outcome] += 1
    return counts


def deliver_one(gateway, row, now):
    """Send one claimed message: (what happened, the columns to store)."""
    # A message counts once towards its number's share, however often the gateway is retried.
    if row.attempts == 0 and not allow_sms_to(row.phone):
        return "held", {"state": "held", "last_error": "too many texts to this number"}
    sms = Sms(row.key, row.phone, row.text, row.template, json.loads(row.params), row.locale)
    attempts = row.attempts + 1
    try:
        gateway.send(sms)
    except Exception as e:  # any gateway failure: keep the message, and try again if it may help
        error = f"{type(e).__name__}: {e}"[:200]
        log.warning(
            "sms %s to %s failed (try %s): %s", row.key, mask_phone(row.phone), attempts, error
        )
        if isinstance(e, PermanentFailure) or attempts >= MAX_ATTEMPTS:
            return "failed", {"state": "failed", "last_error": error}
        wait = FIRST_RETRY * 2 ** (attempts - 1)
        return "retry", {"state": "pending", "next_try_at": now + wait, "last_error": error}
    # What was said (a code, say) is not kept once it has been delivered.
    return "sent", {"state": "sent", "sent_at": now, "last_error": "", "text": "", "params": "{}"}


def retry(message_id):
    """Staff send a failed or held message again."""
    db.session.execute(
        update(Outbox)
        .where(Outbox.id == message_id, Outbox.state.in_(("failed", "held")))
        .values(state="pending", attempts=0, next_try_at=utcnow())
    )
    db.session.commit()

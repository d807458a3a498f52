"""Text messages: written to the outbox with the change that caused them, delivered afterwards.

SMS_SENDER names a class "module:Class" with send(phone, text), which raises on failure. A
message is written in its reader's language (`message(locale, ...)`); no number gets more than a
few messages however many people ask for them (blueprints/ratelimit.py); a message whose change
is rolled back is never sent, because it was never committed.

Delivery (`deliver_outbox`) claims each message in one UPDATE, so two delivery loops never send
one twice; a message claimed by a loop that died is tried once more after CLAIM_TIMEOUT. With
SMS_DELIVERY="inline" (tests, `make dev`) the same delivery runs right after each commit."""

import importlib
import logging
from datetime import timedelta

from flask import current_app, g
from flask_babel import force_locale, gettext
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from blueprints.notices.models import Outbox
from blueprints.phones import mask_phone
from blueprints.ratelimit import allow_sms_to
from blueprints.timeutil import utcnow
from extensions import db

log = logging.getLogger("linli.sms")
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
CLAIM_TIMEOUT = timedelta(minutes=5)
BATCH = 50


class ConsoleSender:
    """Writes the message to the log instead of sending it: for development and demos."""

    def send(self, phone, text):
        logging.getLogger("linli.sms").info("SMS to %s: %s", mask_phone(phone), text)


def message(locale, msgid, **params):
    """A text in the reader's language, whatever the language of the request that caused it."""
    # Flask-Babel forces nothing while `g` is empty (in a CLI job, say): give it something.
    g.message_locale = locale
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return gettext(msgid, **params)


def send_sms(phone, text):
    """Queue a text in the current transaction; it leaves once the caller commits."""
    row = Outbox(phone=phone, text=text, next_try_at=utcnow())
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
        # A loop that died mid-send: its messages are tried once more.
        conn.execute(
            update(table)
            .where(table.c.state == "sending", table.c.claimed_at < now - CLAIM_TIMEOUT)
            .values(state="pending")
        )
        due = conn.execute(
            select(table.c.id, table.c.phone, table.c.text, table.c.attempts)
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
        outcome = deliver_one(gateway, row, now)
        counts[outcome[0]] += 1
        with db.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == row.id).values(**outcome[1]))
    return counts


def deliver_one(gateway, row, now):
    """Send one claimed message: (what happened, the columns to store)."""
    # A message counts once towards its number's share, however often the gateway is retried.
    if row.attempts == 0 and not allow_sms_to(row.phone):
        return "held", {"state": "held", "last_error": "too many texts to this number"}
    try:
        gateway.send(row.phone, row.text)
    except Exception as e:  # any gateway failure: keep the message and try again later
        attempts = row.attempts + 1
        error = f"{type(e).__name__}: {e}"[:200]
        log.warning(
            "sms %s to %s failed (try %s): %s", row.id, mask_phone(row.phone), attempts, error
        )
        if attempts >= MAX_ATTEMPTS:
            return "failed", {"state": "failed", "last_error": error}
        wait = FIRST_RETRY * 2 ** (attempts - 1)
        return "retry", {"state": "pending", "next_try_at": now + wait, "last_error": error}
    # What was said (a code, say) is not kept once it has been delivered.
    return "sent", {"state": "sent", "sent_at": now, "last_error": "", "text": ""}


def retry(message_id):
    """Staff send a failed or held message again."""
    db.session.execute(
        update(Outbox)
        .where(Outbox.id == message_id, Outbox.state.in_(("failed", "held")))
        .values(state="pending", attempts=0, next_try_at=utcnow())
    )
    db.session.commit()

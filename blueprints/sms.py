"""Pluggable SMS. SMS_SENDER names a class "module:Class" with send(phone, text).

A message is written in its reader's language (`message(locale, ...)`), and no number gets more
than a few messages however many people ask for them (blueprints/ratelimit.py). A message caused
by a change not yet committed waits for that commit, and is dropped if the change is rolled back:
nobody is told of what did not happen (and SQLite's one writer is never waited for by itself)."""

import importlib
import logging

from flask import current_app, g
from flask_babel import force_locale, gettext
from sqlalchemy import event
from sqlalchemy.orm import Session

from blueprints.auth.models import mask_phone
from blueprints.ratelimit import allow_sms_to
from extensions import db


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
    """Send unless this number has had its share: True when sent, False when held back, None
    when it waits for the commit of the change that caused it."""
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get("wrote"):
        session.info.setdefault("sms", []).append((phone, text))
        return None
    return deliver(phone, text)


def deliver(phone, text):
    if not allow_sms_to(phone):
        return False
    module, _, name = current_app.config["SMS_SENDER"].partition(":")
    sender = getattr(importlib.import_module(module), name)()
    sender.send(phone, text)
    return True


@event.listens_for(Session, "after_flush")
def note_writes(session, _context):
    session.info["wrote"] = True


@event.listens_for(Session, "after_commit")
def deliver_waiting(session):
    session.info.pop("wrote", None)
    for phone, text in session.info.pop("sms", []):
        deliver(phone, text)


@event.listens_for(Session, "after_rollback")
def drop_waiting(session):
    session.info.pop("wrote", None)
    session.info.pop("sms", None)

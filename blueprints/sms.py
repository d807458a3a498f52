"""Pluggable SMS. SMS_SENDER names a class "module:Class" with send(phone, text)."""

import importlib
import logging

from flask import current_app

from blueprints.auth.models import mask_phone


class ConsoleSender:
    """Writes the message to the log instead of sending it: for development and demos."""

    def send(self, phone, text):
        logging.getLogger("linli.sms").info("SMS to %s: %s", mask_phone(phone), text)


def send_sms(phone, text):
    module, _, name = current_app.config["SMS_SENDER"].partition(":")
    sender = getattr(importlib.import_module(module), name)()
    sender.send(phone, text)

import logging
import time

import click
from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from blueprints.core import features
from blueprints.core.access import SIGNED_IN, allow
from blueprints.core.roles import Role
from blueprints.notices import services, sms
from blueprints.web.htmx import render

bp = Blueprint("notices", __name__, url_prefix="/notices")
log = logging.getLogger("linli.sms")
bp.record_once(features.home("notices/_home.html", order=30))
bp.record_once(features.tick("deliver", sms.deliver_outbox, every=5))


@bp.route("/")
@allow(SIGNED_IN)
def index():
    after = services.INBOX.read(request.args)
    threads, notices, more = services.threads(current_user, after)
    links = services.INBOX.links("notices.index", notices, more, after)
    return render("notices/index.html", threads=threads, links=links)


@bp.route("/<int:notice_id>")
@allow(SIGNED_IN)
def show(notice_id):
    """Open what a thread is about; its messages are read from then on."""
    url = services.open_thread(current_user, notice_id)
    if url is None:
        abort(404)
    if not url.startswith("/") or url.startswith("//"):
        return redirect(url_for("notices.index"), 303)
    return redirect(url, 303)


@bp.route("/read", methods=["POST"])
@allow(SIGNED_IN)
def read():
    services.mark_all_read(current_user)
    return redirect(url_for("notices.index"), 303)


@bp.route("/outbox")
@allow(Role.ADMIN)
def outbox():
    """Texts that could not be delivered, for an admin to look at and send again."""
    after = services.UNDELIVERED.read(request.args)
    rows, more = services.undelivered(after)
    links = services.UNDELIVERED.links("notices.outbox", rows, more, after)
    return render("notices/outbox.html", rows=rows, links=links)


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@allow(Role.ADMIN)
def retry(message_id):
    sms.retry(message_id)
    return redirect(url_for("notices.outbox"), 303)


@bp.cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering, every few seconds.")
@click.option("--every", default=2.0, show_default=True, help="Seconds between rounds.")
def deliver(loop, every):
    """Send the texts waiting in the outbox (retrying failures with backoff)."""
    while True:
        try:
            counts = sms.deliver_outbox()
        except SQLAlchemyError as e:
            if not loop:
                raise
            # The database was busy or away for a moment: the loop goes on, and a message this
            # round had claimed is tried again once its claim runs out (sms.CLAIM_TIMEOUT).
            log.warning("delivery round failed, trying again: %s", getattr(e, "orig", e))
            counts = {}
        if not loop or any(counts.values()):
            click.echo("sent {sent}, retry {retry}, failed {failed}, held {held}".format(**counts))
        if not loop:
            return
        time.sleep(every)

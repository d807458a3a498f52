import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.util.times import utcnow
from blueprints.util.words import translate
from extensions import db


class Notice(db.Model):
    __table_args__ = (
        Index("ix_notice_user_read", "user_id", "read", "id"),
        # The inbox, newest first, read a page at a time.
        Index("ix_notice_user_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The Chinese msgid and its values: translated when the inbox is read (blueprints/util/words.py).
    text: Mapped[str] = mapped_column(String(300))
    params: Mapped[str] = mapped_column(Text, default="{}")
    url: Mapped[str] = mapped_column(String(200), default="")
    read: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def message(self):
        return translate(self.text, self.params)


class Outbox(db.Model):
    """A text message, written in the transaction of the change that caused it and delivered
    after the commit by `flask notices deliver` (retried with backoff; failed ones shown to
    admins). The request that caused it never waits on the gateway."""

    __table_args__ = (Index("ix_outbox_state_next", "state", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The message's own id, sent to the gateway with every try (an idempotency key): a try
    # repeated after a crash or a lost answer is the same message, which the gateway sends once.
    key: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    phone: Mapped[str] = mapped_column(String(11))
    text: Mapped[str] = mapped_column(Text)
    # What the text was made from, for gateways that send registered templates: the msgid, its
    # values (JSON) and the reader's language; empty for a text written by hand.
    template: Mapped[str] = mapped_column(Text, default="", server_default="")
    params: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    locale: Mapped[str] = mapped_column(String(10), default="", server_default="")
    # pending → sending → sent; or back to pending (retry), failed (gave up), held (too many
    # texts to one number).
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(200), default="")

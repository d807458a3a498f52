from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.timeutil import utcnow
from blueprints.words import translate
from extensions import db


class Notice(db.Model):
    __table_args__ = (Index("ix_notice_user_read", "user_id", "read", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The Chinese msgid and its values: translated when the inbox is read (blueprints/words.py).
    text: Mapped[str] = mapped_column(String(300))
    params: Mapped[str] = mapped_column(Text, default="{}")
    url: Mapped[str] = mapped_column(String(200), default="")
    read: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def message(self):
        return translate(self.text, self.params)

"""What every flow's timeline event holds: who took which step, from which state to which,
what they wrote, and what the system adds (a msgid and its values, read in each reader's
language). Each flow's event model adds only the object it belongs to."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from blueprints.timeutil import utcnow
from blueprints.words import translate


class TimelineEntry:
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20), default="")
    to_state: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    detail_params: Mapped[str] = mapped_column(Text, default="{}")
    public: Mapped[bool] = mapped_column(default=True)

    @declared_attr
    def actor_id(cls):
        return mapped_column(ForeignKey("user.id"), nullable=True)

    @declared_attr
    def actor(cls):
        return relationship("User")

    @property
    def detail_text(self):
        return translate(self.detail, self.detail_params)

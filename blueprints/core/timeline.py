"""What every flow's timeline event holds: who took which step, from which state to which,
what they wrote, and what the system adds (a msgid and its values, read in each reader's
language). Each flow's event model adds only the object it belongs to."""

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from blueprints.util.times import utcnow
from blueprints.util.words import translate


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

    @classmethod
    def step(cls, action, actor, before, after, note="", public=True, detail=None, **owner):
        """One event: note is what a person wrote; detail, (msgid, values), what the system adds."""
        msgid, values = detail or ("", {})
        return cls(
            action=action,
            actor=actor,
            from_state=before,
            to_state=after,
            note=(note or "")[:2000],
            detail=msgid,
            detail_params=json.dumps(values, ensure_ascii=False),
            public=public,
            at=utcnow(),
            **owner,
        )

    @property
    def detail_text(self):
        return translate(self.detail, self.detail_params)

"""The one trace a deleted account leaves: that it was deleted, and when."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.util.times import utcnow
from extensions import db


class AccountRemoval(db.Model):
    """An account its holder deleted. The row in `user` stays, emptied of everything personal,
    because records the law or the volunteer rules keep (a filing, an hours record) point at it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.timeutil import utcnow
from extensions import db


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(db.Model):
    """A client's key for POSTing reports. Only its hash is stored; the key is shown once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None]

    created_by = relationship("User")

    @classmethod
    def issue(cls, name, created_by=None, key=None):
        key = key or "lk_" + secrets.token_urlsafe(24)
        return cls(name=name, key_hash=hash_key(key), hint=key[-4:], created_by=created_by), key

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.reports.models import Report, ReportEvent
from blueprints.util.times import utcnow
from extensions import db

# The orders the Open311 lists page by (blueprints/open311/lists.py). With the id in the index,
# PostgreSQL seeks straight to a cursor's (time, id) and reads on in order; SQLite keeps the
# rowid in every index anyway.
Index("ix_report_created_id", Report.created_at, Report.id)
Index("ix_report_event_at_id", ReportEvent.at, ReportEvent.id)


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

"""Times are stored in UTC (naive, as SQLite keeps them) and shown in Asia/Shanghai."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


def local(dt):
    """A stored UTC datetime (naive, or aware in any zone) as Beijing time."""
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(LOCAL)


def to_utc(moment):
    """A Beijing time typed into a form, as stored (naive UTC)."""
    return moment.replace(tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)

"""Rate-limit counters that every worker and every instance shares.

Without Redis the counters live in the app's own database (the `limits` storage registered here as
`linlidb://`): one atomic upsert per hit, so four gunicorn workers, or two instances on one
PostgreSQL, count one person once. `make run` can then keep several worker processes, and nothing
else has to be running. With REDIS_URL set the counters live in Redis; if Redis goes away the
limiter falls back to memory with a logged warning, and the site keeps answering.

Keys never carry a phone number: `hashed()` turns one into a keyed hash."""

import hashlib
import hmac
import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC

from flask import current_app, g, has_request_context, request
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Float, String, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db, limiter

log = logging.getLogger("linli.ratelimit")

# At most this many text messages reach one number, whoever asks for them.
SMS_PER_NUMBER = ("3/10 minutes", "10/day")


# How flask-limiter marks a view it wraps with a limit of its own.
LIMITED_MARK = "__wrapper-limiter-instance"


@limiter.request_filter
def has_no_limits():
    """Every limit here is a view's own (@limiter.limit) and is checked as that view runs; the
    limiter's check before every request only ever finds default, application or blueprint
    limits, of which there are none. So it is skipped for every view with no limit of its own
    (12% of a bare request). flask-limiter marks the views it wraps (LIMITED_MARK), and
    functools.wraps carries the mark out through @allow."""
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and not hasattr(view, LIMITED_MARK)


class RateCounter(db.Model):
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


UPSERT = text(
    """
    INSERT INTO rate_counter (key, count, expires_at) VALUES (:key, :amount, :now + :expiry)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_counter.expires_at <= :now THEN :amount
                   ELSE rate_counter.count + :amount END,
      expires_at = CASE WHEN rate_counter.expires_at <= :now THEN :now + :expiry
                        ELSE rate_counter.expires_at END
    RETURNING count, expires_at
    """
)

# Where a count is written. AT_ONCE: a limit on a view, checked before the view runs or after it
# has finished, is committed at once on the request's connection, so it stays counted when the
# request fails. WITH_THE_WORK: a service's own count (within()) joins the request's transaction.
# APART: on a short connection of its own (a text delivered right after a commit).
AT_ONCE, WITH_THE_WORK, APART = "at once", "with the work", "apart"
counted = ContextVar("where a rate count is written", default=AT_ONCE)


@contextmanager
def counting(write=False):
    """The connection a count is read or written on (see `counted`).

    In a request it is the request's own, the session's: a thread never holds one pooled
    connection while it waits for a second (sixteen threads on a pool of fifteen stall for the
    pool's timeout), and on SQLite a count never waits for its own request's write. A count
    committed at once leaves what the request had read loaded. Outside a request (the delivery
    loop, the ticks) a count takes a short connection of its own."""
    where = counted.get()
    if where == APART or not has_request_context():
        with db.engine.begin() if write else db.engine.connect() as conn:
            yield conn
        return
    session = db.session()
    yield session.connection()
    if write and where == AT_ONCE:
        kept = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = kept


def seen():
    """This request's own counts as its hits left them, for the answer's headers: key ->
    (count, expires_at)."""
    if counted.get() == APART or not has_request_context():
        return {}
    return g.setdefault("rate_counts", {})


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_counter` table (see counting() for the connection).

    Each hit is its own short transaction, so a count stays counted when the request fails."""

    STORAGE_SCHEME = ["linlidb"]

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key, expiry, amount=1):
        with counting(write=True) as conn:
            row = conn.execute(
                UPSERT, {"key": key, "amount": amount, "now": time.time(), "expiry": expiry}
            ).one()
        seen()[key] = (row.count, row.expires_at)
        return row.count

    def _row(self, key):
        known = seen().get(key)
        if known:
            return known
        with counting() as conn:
            return conn.execute(
                select(RateCounter.count, RateCounter.expires_at).where(RateCounter.key == key)
            ).first()

    def get(self, key):
        row = self._row(key)
        return row[0] if row and row[1] > time.time() else 0

    def get_expiry(self, key):
        row = self._row(key)
        return row[1] if row and row[1] > time.time() else time.time()

    def check(self):
        try:
            with counting() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self):
        seen().clear()
        with counting(write=True) as conn:
            return conn.execute(delete(RateCounter)).rowcount

    def clear(self, key):
        seen().pop(key, None)
        with counting(write=True) as conn:
            conn.execute(delete(RateCounter).where(RateCounter.key == key))


def remove_expired(now=None):
    """The tick that keeps the table small: counters whose window was over by `now` (a naive
    UTC datetime, as the ticks are given) are dropped; each hit starts a new window anyway."""
    cutoff = now.replace(tzinfo=UTC).timestamp() if now else time.time()
    with db.engine.begin() as conn:
        gone = conn.execute(delete(RateCounter).where(RateCounter.expires_at < cutoff)).rowcount
    return {"expired": gone}


def as_tuple(exceptions):
    return exceptions if isinstance(exceptions, tuple) else (exceptions,)


def hashed(value):
    """A phone number as a key: the same number gives the same key, and the key gives no number."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:20]


# Where text messages are counted while the shared storage cannot be reached.
_fallback = FixedWindowRateLimiter(MemoryStorage())


def within(limits, scope, key, apart=False):
    """Count one hit of key against each limit ("3/day", ...); False once one is used up.

    A service's count is part of its transaction: kept when its work is committed, undone when
    it is rolled back. `apart`: on a short connection of its own (a text delivered after the
    request's commit)."""
    parsed = [parse(limit) for limit in limits]
    where = counted.set(APART if apart else WITH_THE_WORK)
    try:
        return all(limiter.limiter.hit(limit, scope, key) for limit in parsed)
    except (StorageError, *as_tuple(limiter.storage.base_exceptions)):
        log.warning("rate limit storage unreachable: counting %s in memory", scope)
        return all(_fallback.hit(limit, scope, key) for limit in parsed)
    finally:
        counted.reset(where)


def allow_sms_to(phone):
    """Count one text message to this number; False when the number has had enough for now."""
    key = hashed(phone)
    allowed = within(SMS_PER_NUMBER, "sms-to", key, apart=True)
    if not allowed:
        log.warning("sms to %s… held back: too many for one number", key[:8])
    return allowed

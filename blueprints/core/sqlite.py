"""SQLite, the embedded default, shared by `make run`'s worker processes, the outbox's delivery
loop and the ticks. Each connection to a SQLite file is set up so that readers and writers do not
fail each other:

- WAL journal: readers never wait for a writer, and a writer never waits for readers (with the
  default journal a commit waits until nobody is reading, and a reader waits for a commit). WAL
  is kept in the file: the first connection switches it, the rest find it so.
- A busy timeout: a writer waits its turn behind another writer, for up to BUSY_SECONDS, instead
  of failing at once.
- Transactions begin at their first write. pysqlite (Python's sqlite3, in its default mode) runs
  reads on their own and sends BEGIN just before the first INSERT, UPDATE or DELETE; that is kept
  on purpose. A transaction that began with a read and then writes would fail at once, without
  waiting, when another writer has committed in between (SQLite cannot move a reader's
  snapshot on); begun at its first write, it waits for the lock like any other writer. SQLAlchemy's
  recipe of sending BEGIN at every begin() would need BEGIN IMMEDIATE for them all, and readers
  would then queue behind writers. So write transactions stay short: services read, then write
  and commit."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Longer than any one write transaction takes; shorter than gunicorn's 30 s worker timeout.
BUSY_SECONDS = 15


@event.listens_for(Engine, "connect")
def share_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_SECONDS * 1000}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()

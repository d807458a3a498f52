import json
from dataclasses import dataclass

from sqlalchemy import func, select, update

from blueprints.notices.models import Notice, Outbox
from blueprints.web.pages import Keyset
from extensions import db

# A person's messages, newest first: a page is the messages of its threads (a long thread may go
# on in the next page's); the admin's undelivered texts, newest first.
INBOX = Keyset(Notice.id, newest_first=True, size=50)
UNDELIVERED = Keyset(Outbox.id, newest_first=True, size=50)


def notify(users, msgid, url="", **params):
    """Queue an inbox message for each user (added to the caller's transaction).

    msgid is marked with N_() and translated when each reader opens the inbox."""
    values = json.dumps(params, ensure_ascii=False)
    seen = set()
    for user in users:
        if user is not None and user.id not in seen:
            seen.add(user.id)
            db.session.add(Notice(user_id=user.id, text=msgid, params=values, url=url))


def unread_count(user):
    return db.session.scalar(
        select(func.count(Notice.id)).where(Notice.user_id == user.id, Notice.read.is_(False))
    )


@dataclass
class Thread:
    """The messages about one thing (a case, a filing), newest first."""

    notices: list

    @property
    def latest(self):
        return self.notices[0]

    @property
    def unread(self):
        return sum(not n.read for n in self.notices)

    @property
    def ref(self):
        """The case's reference, in fours, when the thread is about a reported problem."""
        ref = json.loads(self.latest.params or "{}").get("ref", "")
        if not (isinstance(ref, str) and ref.isdigit() and len(ref) == 12):
            return ""
        return " ".join(ref[i : i + 4] for i in range(0, 12, 4))


def threads(user, after=None):
    """A page of the inbox as news: one thread per case (or per page a message links to), the
    thread with the newest message first; the page's messages, and whether there are more."""
    notices, more = INBOX.page(select(Notice).where(Notice.user_id == user.id), after)
    grouped = {}
    for notice in notices:
        grouped.setdefault(notice.url or f"#{notice.id}", []).append(notice)
    return [Thread(notices) for notices in grouped.values()], notices, more


def open_thread(user, notice_id):
    """Mark read every message of this user's thread that holds this message; its link, or
    None when the message is not theirs."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        return None
    same = Notice.url == notice.url if notice.url else Notice.id == notice.id
    db.session.execute(
        update(Notice)
        .where(Notice.user_id == user.id, same, Notice.read.is_(False))
        .values(read=True)
    )
    db.session.commit()
    return notice.url


def mark_all_read(user):
    db.session.execute(
        update(Notice).where(Notice.user_id == user.id, Notice.read.is_(False)).values(read=True)
    )
    db.session.commit()


def undelivered(after=None):
    """A page of the texts the gateway did not take, and whether there are more. They are read
    through ix_outbox_state_next (the few not sent), not through every text ever sent."""
    return UNDELIVERED.page(
        select(Outbox).where(Outbox.state.in_(("failed", "held", "pending")), Outbox.attempts > 0),
        after,
    )

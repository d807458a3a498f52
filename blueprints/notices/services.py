import json

from sqlalchemy import func, select, update

from blueprints.notices.models import Notice, Outbox
from extensions import db


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


def inbox(user, limit=50):
    return db.session.scalars(
        select(Notice).where(Notice.user_id == user.id).order_by(Notice.id.desc()).limit(limit)
    ).all()


def mark_all_read(user):
    db.session.execute(
        update(Notice).where(Notice.user_id == user.id, Notice.read.is_(False)).values(read=True)
    )
    db.session.commit()


def undelivered(limit=100):
    return db.session.scalars(
        select(Outbox)
        .where(Outbox.state.in_(("failed", "held", "pending")), Outbox.attempts > 0)
        .order_by(Outbox.id.desc())
        .limit(limit)
    ).all()

"""A shift's seats and its waitlist.

Seats are counted in the database: Shift.taken moves only in one UPDATE whose WHERE says there is
room (`taken < capacity`), so however many people press at once, on however many workers, no
more are confirmed than the shift holds."""

from sqlalchemy import and_, func, select, update

from blueprints.volunteers.models import Shift, Signup
from extensions import db


def signup_of(shift, profile):
    return db.session.scalar(
        select(Signup).where(Signup.shift_id == shift.id, Signup.profile_id == profile.id)
    )


def claim_seat(shift):
    """Take one seat if one is left: True when this request got it."""
    got = db.session.execute(
        update(Shift)
        .where(Shift.id == shift.id, Shift.taken < Shift.capacity)
        .values(taken=Shift.taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(shift, ["taken"])
    return got == 1


def release_seat(shift):
    db.session.execute(
        update(Shift)
        .where(Shift.id == shift.id, Shift.taken > 0)
        .values(taken=Shift.taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(shift, ["taken"])


def waitlist_position(signup):
    """1 for the first in the queue, and so on; None when not waiting."""
    if signup.state != "waitlisted":
        return None
    ahead = db.session.scalar(
        select(func.count(Signup.id)).where(
            Signup.shift_id == signup.shift_id,
            Signup.state == "waitlisted",
            (Signup.queued_at < signup.queued_at)
            | and_(Signup.queued_at == signup.queued_at, Signup.id < signup.id),
        )
    )
    return ahead + 1


def waitlist_head(shift):
    return db.session.scalar(
        select(Signup)
        .where(Signup.shift_id == shift.id, Signup.state == "waitlisted")
        .order_by(Signup.queued_at, Signup.id)
        .limit(1)
    )

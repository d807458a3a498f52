"""The sign-ups' clock: offers that ran out, seats freed without an offer, the day-before
reminders, check-outs nobody made."""

from datetime import timedelta

from sqlalchemy import select

from blueprints.core.workflow import claim, each_claimed
from blueprints.util.times import utcnow
from blueprints.volunteers import messages
from blueprints.volunteers.models import Shift, Signup
from blueprints.volunteers.models import SignupState as S
from blueprints.volunteers.signups import CODE_LASTS, FLOW, act, offer_free_seats, record_event
from extensions import db


def day_before(now):
    """Each confirmed volunteer of a shift starting within a day: an inbox reminder and an SMS
    with a link to confirm (or cancel) without signing in. Once per sign-up."""
    due = db.session.scalars(
        claim(
            select(Signup)
            .join(Shift)
            .where(
                Signup.state == S.CONFIRMED,
                Signup.day_before_sent.is_(False),
                Shift.starts_at > now,
                Shift.starts_at <= now + timedelta(days=1),
            ),
            Signup,
        )
    ).all()
    for signup in due:
        signup.day_before_sent = True
        record_event(signup, "day_before")
        messages.day_before(signup)
    db.session.commit()
    return len(due)


def close_missing_checkouts(now):
    """Checked in, never checked out, and the code has run out: close at the shift's end, flagged."""
    closed = 0
    for signup in each_claimed(
        select(Signup)
        .join(Shift)
        .where(Signup.state == S.CHECKED_IN, Shift.ends_at <= now - CODE_LASTS),
        Signup,
    ):
        act(signup, "auto_close", None, system=True)
        closed += 1
    return closed


def refill(now):
    """Seats that came free without an offer (a cancel and a join crossing): offered now."""
    shifts = db.session.scalars(
        select(Shift)
        .join(Signup)
        .where(Signup.state == S.WAITLISTED, Shift.taken < Shift.capacity, Shift.starts_at > now)
        .distinct()
    ).all()
    for shift in shifts:
        offer_free_seats(shift)
    return len(shifts)


def tick(now=None):
    now = now or utcnow()
    counts = FLOW.tick(now)
    counts["refilled"] = refill(now)
    counts["day_before"] = day_before(now)
    counts["closed_checkouts"] = close_missing_checkouts(now)
    return counts

"""A volunteer's sign-ups, theirs for one activity, and a shift's roster."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blueprints.volunteers.models import Shift, Signup, VolunteerProfile
from blueprints.web.pages import Keyset
from extensions import db

# A volunteer's shifts, the latest first (the id parts shifts at the same hour).
MY_SIGNUPS = Keyset(
    Shift.starts_at,
    Signup.id,
    newest_first=True,
    arg="shifts_after",
    key=lambda signup: (signup.shift.starts_at, signup.id),
)


def my_signups(profile, after=None):
    """A page of this volunteer's sign-ups, and whether there are more."""
    return MY_SIGNUPS.page(
        select(Signup)
        .join(Shift)
        .where(Signup.profile_id == profile.id, Signup.state != "new")
        .options(selectinload(Signup.shift).selectinload(Shift.activity)),
        after,
    )


def signups_for(profile, activity):
    """This volunteer's sign-ups to the activity's shifts, by shift."""
    rows = db.session.scalars(
        select(Signup)
        .join(Shift)
        .where(
            Signup.profile_id == profile.id,
            Signup.state != "new",
            Shift.activity_id == activity.id,
        )
    )
    return {signup.shift_id: signup for signup in rows}


def roster(shift):
    return db.session.scalars(
        select(Signup)
        .where(Signup.shift_id == shift.id, Signup.state != "new")
        .options(selectinload(Signup.profile).selectinload(VolunteerProfile.user))
        .order_by(Signup.state, Signup.queued_at, Signup.id)
    ).all()

"""What a sign-up must meet (the age, a guardian, no two shifts at once), until when it may be
cancelled, and the minutes a shift counts."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.core.workflow import Refused
from blueprints.util.times import local
from blueprints.volunteers.models import Shift, Signup, VolunteerProfile
from blueprints.volunteers.workflow import ACTIVE
from extensions import db


def minutes_served(shift, arrived, left):
    """From the later of arrival and the start to the earlier of leaving and the end."""
    start = max(arrived or shift.starts_at, shift.starts_at)
    end = min(left or shift.ends_at, shift.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def check_age(profile, shift):
    age = profile.age_on(local(shift.starts_at).date())
    if age < 6:
        raise Refused(_("未满6岁的小朋友不能报名志愿服务。"))
    if age < shift.min_age and age >= 14:
        raise Refused(_("这个班次要年满%(n)s岁才能报名。", n=shift.min_age))
    if age < 14:
        if not profile.guardian_user_id or not db.session.scalar(
            select(Signup.id)
            .join(VolunteerProfile)
            .where(
                Signup.shift_id == shift.id,
                VolunteerProfile.user_id == profile.guardian_user_id,
                Signup.state.in_(("confirmed", "offered", "checked_in")),
            )
        ):
            raise Refused(_("不满14岁要和监护人一起参加：请监护人先报上同一个班次。"))
    elif age < 18 and profile.guardian_consent_at is None:
        raise Refused(_("未满18岁要监护人同意。我们已经请监护人确认，确认后就能报名。"))


def check_overlap(profile, shift, signup_id):
    """Another shift of this person's that overlaps this one (back to back is fine)."""
    # Two sign-ups of one person at once would each miss the other's uncommitted row: the second
    # waits here for the first to commit (PostgreSQL; SQLite already serialises the writes).
    # NO KEY UPDATE, because each sign-up's foreign key already holds a KEY SHARE on this row.
    db.session.execute(
        select(VolunteerProfile.id)
        .where(VolunteerProfile.id == profile.id)
        .with_for_update(key_share=True)
    )
    clash = db.session.scalar(
        select(Shift)
        .join(Signup)
        .where(
            Signup.profile_id == profile.id,
            Signup.id != signup_id,
            Signup.state.in_(ACTIVE),
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
        .limit(1)
    )
    if clash is not None:
        raise Refused(
            _(
                "这个时间您已经报了“%(title)s”（%(start)s 开始），不能同时参加两个班次。",
                title=clash.activity.title,
                start=local(clash.starts_at).strftime("%m-%d %H:%M"),
            )
        )


def cancel_cutoff(shift):
    return shift.starts_at - timedelta(hours=shift.activity.cancel_hours)

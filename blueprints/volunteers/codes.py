"""Checking in and out with the shift's code, and adding someone on the spot by the code they show."""

import hmac

from flask_babel import gettext as _
from sqlalchemy import select, update

from blueprints.core.workflow import Refused
from blueprints.util.times import utcnow
from blueprints.volunteers.models import Signup
from blueprints.volunteers.models import SignupState as S
from blueprints.volunteers.profiles import public_url, take_pass
from blueprints.volunteers.signups import CODE_LASTS, FLOW, act
from blueprints.volunteers.workflow import AGAIN
from extensions import db

CODE_TRIES = 10  # wrong check-in codes one person may type for one shift


class TooManyTries(Refused):
    """This person typed too many wrong codes for this shift."""


def count_try(signup, by):
    """Move this person's count of code tries for this shift by `by` (+1 takes a try, -1 gives
    it back), in one UPDATE that never goes past CODE_TRIES, committed at once so that a wrong
    code is counted even though its request is refused. True when it moved."""
    moved = db.session.execute(
        update(Signup)
        .where(Signup.id == signup.id, (Signup.code_tries + by).between(0, CODE_TRIES))
        .values(code_tries=Signup.code_tries + by)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return moved == 1


def check_code(signup, code, action):
    """Check in or out with the code the organizer shows. A wrong code (or one of another shift)
    raises Refused on the code field. Tries count per shift and person: a try is taken before the
    code is compared (so parallel guesses cannot all pass one stale count) and given back when
    the code was right; someone else's wrong guesses never stop this person."""
    shift = signup.shift
    now = utcnow()
    if now >= shift.ends_at + CODE_LASTS:
        raise Refused(_("签到码已经过期了。"), field="code")
    if not count_try(signup, 1):
        raise TooManyTries(_("签到码输错的次数太多了，请找现场的组织者帮您记到场。"), field="code")
    if not hmac.compare_digest((code or "").strip().encode(), shift.code.encode()):
        raise Refused(_("签到码不对，请看清组织者出示的6位数字。"), field="code")
    count_try(signup, -1)
    FLOW.apply(signup, action, signup.profile.user, None, {"code_ok": True}, by_code=True)
    return signup


def walk_in(shift, code, actor):
    """The organizer adds someone who came without signing up, by the code the volunteer shows
    (never by volunteer number: numbers can be guessed, and would name whoever has one). Any
    code but a live one gets the same answer."""
    profile = take_pass(code)
    if profile is None:
        raise Refused(
            _("这个现场码不对或已经过期。请志愿者在“我的志愿服务”里重新出示。"), field="code"
        )
    signup = db.session.scalar(
        select(Signup).where(Signup.shift_id == shift.id, Signup.profile_id == profile.id)
    )
    if signup is None:
        signup = Signup(shift_id=shift.id, profile_id=profile.id, state=S.NEW)
        db.session.add(signup)
        db.session.flush()
    action = "walk_in" if signup.state in (S.NEW, *AGAIN) else "mark_present"
    act(signup, action, actor)
    return signup


def code_url(shift):
    return public_url(f"/volunteers/shifts/{shift.id}/check-in")

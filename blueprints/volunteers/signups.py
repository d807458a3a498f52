"""Sign-ups on the workflow core: join (confirmed while seats remain, else waitlisted), offers of a
freed seat, cancelling, check-in and check-out. The table is workflow.py, what the volunteer hears
messages.py, the seats seats.py, the rules rules.py, the codes codes.py, the lists lists.py, the
clock clock.py.

Seats are counted in the database (seats.py), so no more are confirmed than the shift holds; a
second sign-up of one person for one shift is stopped by the unique constraint on (shift,
profile)."""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from blueprints.core.workflow import Change, Flow, Refused, start_clock
from blueprints.util.times import local, utcnow
from blueprints.util.words import N_
from blueprints.volunteers import messages
from blueprints.volunteers.models import HoursEvent, HoursRecord, Signup, SignupEvent
from blueprints.volunteers.models import HoursState as H
from blueprints.volunteers.models import SignupState as S
from blueprints.volunteers.profiles import read_token, still_bound
from blueprints.volunteers.rules import cancel_cutoff, check_age, check_overlap, minutes_served
from blueprints.volunteers.seats import claim_seat, release_seat, waitlist_head
from blueprints.volunteers.workflow import (
    AGAIN,
    HOURS_DEADLINES,
    SIGNUP_DEADLINES,
    SIGNUP_EVENTS,
    SIGNUP_RELATIONS,
    SIGNUP_TRANSITIONS,
    is_proxy,
)
from extensions import db

CHECK_IN_OPENS = timedelta(hours=1)
CODE_LASTS = timedelta(hours=2)  # after the shift's end: late check-outs, then the clock closes
NO_SEAT = _l("这个班次已经满了。")
OFFER_GONE = _l("这个名额的保留时间已经过了，已经让给下一位。")
# A check-out the volunteer made on their own sign-up as an organizer of the shift.
BY_AN_ORGANIZER = N_("以组织者身份签退")


# ---- effects --------------------------------------------------------------------------------


def _join(signup, _actor, _given):
    shift, profile = signup.shift, signup.profile
    check_age(profile, shift)
    check_overlap(profile, shift, signup.id)
    signup.queued_at = utcnow()
    signup.arrived_at = signup.left_at = signup.coming_confirmed_at = None
    waiting = db.session.scalar(
        select(func.count(Signup.id)).where(
            Signup.shift_id == shift.id, Signup.state == S.WAITLISTED, Signup.id != signup.id
        )
    )
    if not waiting and claim_seat(shift):
        return Change(to=S.CONFIRMED)
    return Change(to=S.WAITLISTED)


def _offer(signup, _actor, _given):
    if utcnow() >= signup.shift.starts_at or not claim_seat(signup.shift):
        raise Refused(NO_SEAT)


def _give_back(signup, _actor, _given):
    release_seat(signup.shift)


def _cancel(signup, _actor, _given):
    if signup.state == S.CONFIRMED:
        release_seat(signup.shift)


def _confirm_coming(signup, _actor, _given):
    signup.coming_confirmed_at = utcnow()


def _check_in(signup, _actor, _given):
    signup.arrived_at = utcnow()


def _mark_present(signup, _actor, _given):
    now = utcnow()
    # Marked during the shift: arrived now; marked afterwards, the organizer vouches for all of it.
    signup.arrived_at = now if now < signup.shift.ends_at else signup.shift.starts_at


def _walk_in(signup, actor, given):
    check_age(signup.profile, signup.shift)
    check_overlap(signup.profile, signup.shift, signup.id)
    signup.walk_in = True
    _mark_present(signup, actor, given)


def _check_out(signup, actor, given):
    signup.left_at = utcnow()
    write_record(signup, actor)
    if not given.get("by_code") and actor is not None and actor.id == signup.profile.user_id:
        # The volunteer as an organizer of the shift: their word, not the code's clock.
        return Change(detail=(BY_AN_ORGANIZER, {}))
    return None


def _auto_close(signup, actor, _given):
    signup.no_checkout = True
    write_record(signup, actor)
    return Change(detail=(N_("没有签退，时长先算到班次结束，请组织者核对"), {}))


def write_record(signup, actor):
    """The hours record of one attended sign-up, pending the organizer's approval."""
    shift, activity = signup.shift, signup.shift.activity
    record = HoursRecord(
        signup_id=signup.id,
        profile_id=signup.profile_id,
        shift_id=shift.id,
        activity_title=activity.title,
        served_on=local(shift.starts_at).date(),
        place=activity.place,
        content=shift.content or activity.title,
        minutes=minutes_served(shift, signup.arrived_at, signup.left_at),
        organizer=activity.organizer,
        person_in_charge=shift.person_in_charge or activity.contact_name,
        community_id=activity.community_id,
        flagged=signup.no_checkout,
        state=H.PENDING,
    )
    start_clock(record, HOURS_DEADLINES)
    record.events.append(HoursEvent.step("record", actor, "", H.PENDING))
    db.session.add(record)


EFFECTS = {
    "join": _join,
    "offer": _offer,
    "decline": _give_back,
    "expire": _give_back,
    "cancel": _cancel,
    "confirm_coming": _confirm_coming,
    "check_in": _check_in,
    "mark_present": _mark_present,
    "walk_in": _walk_in,
    "check_out": _check_out,
    "auto_close": _auto_close,
}


class SignupFlow(Flow):
    model = Signup
    transitions = SIGNUP_TRANSITIONS
    event_labels = SIGNUP_EVENTS
    effects = EFFECTS
    relations = SIGNUP_RELATIONS
    open_states = (S.OFFERED,)
    deadlines = SIGNUP_DEADLINES

    def place_of(self, signup):
        return signup.shift.activity.community

    def apply(self, signup, action, actor, version=None, context=None, **given):
        """A step, then the seat it freed offered to the next in the queue. An offer accepted
        after it ran out is given up first, and so passed on at once."""
        if action == "accept" and signup.deadline_at and utcnow() >= signup.deadline_at:
            expire_offer(signup)
            raise Refused(OFFER_GONE)
        super().apply(signup, action, actor, version, context, **given)
        if action in ("cancel", "decline"):
            offer_free_seats(signup.shift)
        return signup

    def refusal(self, signup, action, user):
        shift, now = signup.shift, utcnow()
        if action == "join" and (now >= shift.activity.signup_deadline or now >= shift.starts_at):
            return _("报名已经截止了。")
        if action == "cancel" and signup.state == S.CONFIRMED and now >= cancel_cutoff(shift):
            contact = shift.activity.contact_name or shift.activity.organizer
            return _(
                "已经过了取消的截止时间。来不了请直接联系组织者：%(who)s %(phone)s",
                who=contact,
                phone=shift.activity.contact_phone,
            )
        if action == "cancel" and now >= shift.starts_at:
            return _("活动已经开始了。")
        if action == "accept" and signup.deadline_at and now >= signup.deadline_at:
            return str(OFFER_GONE)
        if action == "check_in" and now < shift.starts_at - CHECK_IN_OPENS:
            return _("还没到签到时间：活动开始前1小时可以签到。")
        if action == "check_in" and now >= shift.ends_at:
            return _("活动已经结束，不能再签到了。")
        if (
            action == "check_out"
            and user_is_code_holder(signup, user)
            and now >= shift.ends_at + CODE_LASTS
        ):
            return _("签到码已经过期了。")
        if (
            action in ("mark_present", "mark_absent", "walk_in")
            and now < shift.starts_at - CHECK_IN_OPENS
        ):
            return _("活动还没开始，开始前1小时起可以记到场。")
        return None

    def shown(self, _signup, action, _user):
        # Code holders reach check-in and check-out through the code page, not a button.
        return action not in ("check_in",)

    def record(self, signup, action, actor, before, after, note="", public=True, detail=None):
        msgid, values = detail or ("", {})
        proxy = (
            actor is not None and actor.id != signup.profile.user_id and is_proxy(signup, actor, {})
        )
        if proxy and not msgid:
            msgid, values = N_("由网格员%(name)s代办"), {"name": actor.display_name}
        detail = (msgid, values) if msgid else None
        signup.events.append(SignupEvent.step(action, actor, before, after, note, public, detail))

    def tell(self, signup, action, _before, _after, _public):
        messages.tell_signup(signup, action)

    def on_entry(self, signup, _action, _before):
        signup.stage += 1  # the signed links sent so far stop working

    def remind(self, signup):
        record_event(signup, "remind_offer")
        messages.remind_offer(signup)

    def silent(self, now):
        return select(Signup).where(Signup.state == S.OFFERED, Signup.deadline_at <= now)

    def close_silent(self, signup):
        expire_offer(signup)


def user_is_code_holder(signup, user):
    return user is not None and user.is_authenticated and signup.profile.user_id == user.id


def record_event(signup, action, detail=None):
    FLOW.record(signup, action, None, signup.state, signup.state, "", True, detail)


FLOW = SignupFlow()


# ---- use cases -----------------------------------------------------------------------------


def join_shift(shift, profile, actor):
    """Sign `profile` up for `shift` (the person themself, or a grid worker for them). Returns the
    sign-up: confirmed, or waitlisted with a position."""
    if shift is None:
        raise Refused(_("没有找到这个班次，请从活动页面重新选择。"))
    if profile is None:
        raise Refused(_("请先填写志愿者资料。"))
    signup = db.session.scalar(
        select(Signup).where(Signup.shift_id == shift.id, Signup.profile_id == profile.id)
    )
    if signup is not None and signup.state not in AGAIN:
        raise Refused(_("您已经报过这个班次了：%(state)s", state=signup.state_label))
    if signup is None:
        signup = Signup(shift_id=shift.id, profile_id=profile.id, state=S.NEW)
        db.session.add(signup)
        try:
            db.session.flush()
        except IntegrityError:  # the same person, twice at once
            db.session.rollback()
            raise Refused(_("您已经报过这个班次了。")) from None
    try:
        act(signup, "join", actor)
    except Refused:
        db.session.rollback()  # a first try that was refused leaves no row behind
        raise
    offer_free_seats(shift)
    return signup


def act(signup, action, actor, version=None, **context):
    """One step on a sign-up; `context` what the relations need (code_ok, token_for, system)."""
    return FLOW.apply(signup, action, actor, version, context)


def expire_offer(signup):
    if signup.state == S.OFFERED:
        act(signup, "expire", None, system=True)
        offer_free_seats(signup.shift)


def offer_free_seats(shift):
    """While a seat is free and someone waits, offer it to the first in the queue."""
    db.session.refresh(shift)
    while shift.taken < shift.capacity and shift.starts_at > utcnow():
        head = waitlist_head(shift)
        if head is None:
            return
        try:
            act(head, "offer", None, system=True)
        except Refused:
            return
        db.session.refresh(shift)


def confirm_page_signup(token):
    """The sign-up a day-before (or offer) link opens, without signing in, while the sign-up is
    at the stage the link was sent for."""
    ident, sealed = read_token("confirm", token, 3 * 86400)
    signup = db.session.get(Signup, ident)
    if signup is None:
        raise Refused(_("这个链接不对，请用短信或消息里的原链接。"))
    if not still_bound("confirm", sealed, signup.stage):
        raise Refused(
            _("这个链接已经用过了，或者报名情况已经变了。请登录后在“我的志愿服务”里查看。")
        )
    return signup

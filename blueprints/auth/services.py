"""Account use cases. Each one commits and records who did what."""

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from blueprints.auth.models import AccountEvent, ResetCode, User, UserSession
from blueprints.core.access import can
from blueprints.core.errors import Refused
from blueprints.core.roles import Role
from blueprints.notices.services import notify
from blueprints.notices.sms import message, send_sms
from blueprints.util.times import utcnow
from blueprints.util.words import N_
from extensions import db

RESET_MINUTES = 15
RESET_ATTEMPTS = 5
CODE_HASH = "pbkdf2:sha256:20000"
# A remembered phone stays signed in for 30 days; otherwise for a day at most.
REMEMBERED = timedelta(days=30)
NOT_REMEMBERED = timedelta(days=1)


def find_user(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


def proven_holder(phone):
    """The open account that proved it holds this phone (it typed the code texted to it), or
    None. Anyone may sign up with any number, so whatever joins a record to an account by a phone
    that someone else typed (a report filed for a resident, a group's new leader, a person listed
    on a filing, a guardian) asks this, never find_user."""
    if not phone:
        return None
    return db.session.scalar(
        select(User).where(
            User.phone == phone, User.phone_verified_at.is_not(None), User.active.is_(True)
        )
    )


def hold_account(user, erasing=False):
    """Lock this account's row until the transaction ends, and say whether it is still open.
    Whatever links a row to an account (a report, a claim) asks in the transaction that stores
    the link, after its own write; deleting the account (mydata/removal.py) takes the lock first.
    So either the deletion waits and then erases the new link, or the link sees the account gone.
    A link's foreign key already holds a KEY SHARE on the row, so a link takes NO KEY UPDATE (two
    links at once queue, never deadlock); the deletion rewrites the phone, a unique key, so it
    takes FOR UPDATE at once, and a link arriving meanwhile waits for it before it writes."""
    return db.session.scalar(
        select(User.active).where(User.id == user.id).with_for_update(key_share=not erasing)
    )


def record(user, action, actor=None, detail="", needs_review=False):
    db.session.add(
        AccountEvent(
            user=user, actor=actor, action=action, detail=detail, needs_review=needs_review
        )
    )


def register_user(phone, password, name="", locale="zh_Hans"):
    taken = Refused(_("这个手机号已经注册过了。请直接登录；忘了密码可以找回。"))
    if find_user(phone):
        raise taken
    user = User(phone=phone, name=name or "", locale=locale)
    user.set_password(password)
    db.session.add(user)
    record(user, "signed_up", actor=user)
    try:
        db.session.commit()
    except IntegrityError:  # the same number signed up by a second press at once
        db.session.rollback()
        raise taken from None
    return user


def authenticate(phone, password):
    """The user, or None; an unknown phone costs the same time as a wrong password."""
    user = find_user(phone)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def _dummy_hash():
    app = current_app._get_current_object()
    hashed = app.extensions.get("linli_dummy_hash")
    if hashed is None:
        method = app.config["PASSWORD_HASH_METHOD"]
        hashed = app.extensions["linli_dummy_hash"] = generate_password_hash("x", method=method)
    return hashed


# ---- device sessions ---------------------------------------------------------------------


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def set_locale(user, locale):
    """The language this person's messages (SMS, inbox) are written in from now on."""
    user.locale = locale
    db.session.commit()


def start_session(user, remember, locale):
    """A new signed-in device; the token goes into its cookies (only its hash is stored)."""
    token = secrets.token_urlsafe(24)
    life = REMEMBERED if remember else NOT_REMEMBERED
    db.session.add(
        UserSession(
            user=user, token_hash=token_hash(token), expires_at=utcnow() + life, remember=remember
        )
    )
    user.locale = locale
    db.session.commit()
    user.session_token = token
    return token


@cache
def session_user():
    """The account a device session signs in, with its grants (every staff page asks them).
    Built once, on first use (its loader options need every model mapped): putting this
    select together costs more than running it, on every signed-in request."""
    return (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .options(joinedload(User.grants))
        .where(UserSession.token_hash == bindparam("token_hash"))
        .where(UserSession.expires_at > bindparam("now"))
    )


def load_session(token):
    """The account a device's token signs in, or None once the session ended or expired."""
    if not token or not isinstance(token, str):
        return None
    given = {"token_hash": token_hash(token), "now": utcnow()}
    user = db.session.scalars(session_user(), given).unique().first()
    if user is None or not user.active:
        return None
    user.session_token = token
    return user


def end_session(token):
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
        db.session.commit()


def end_other_sessions(user, keep_token=None):
    """Sign the account out everywhere but the device holding keep_token. Returns how many."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        query = query.where(UserSession.token_hash != token_hash(keep_token))
    return db.session.execute(query).rowcount


def other_sessions(user):
    query = select(UserSession).where(
        UserSession.user_id == user.id, UserSession.expires_at > utcnow()
    )
    if user.session_token:
        query = query.where(UserSession.token_hash != token_hash(user.session_token))
    return db.session.scalars(query).all()


# ---- passwords ---------------------------------------------------------------------------


def change_password(user, current, new):
    """A new password ends every other device's session; this one stays signed in."""
    if not user.check_password(current):
        raise Refused(_("现在的密码不对"))
    user.set_password(new)
    user.must_change_password = False
    end_other_sessions(user, keep_token=user.session_token)
    record(user, "password_changed", actor=user)
    db.session.commit()


def sign_out_elsewhere(user):
    count = end_other_sessions(user, keep_token=user.session_token)
    record(user, "signed_out_elsewhere", actor=user, detail=str(count))
    db.session.commit()
    return count


def new_code(phone, user, purpose):
    """Store a fresh one-time code for this phone (older ones die) and return it."""
    code = f"{secrets.randbelow(10**6):06d}"
    db.session.execute(
        update(ResetCode)
        .where(ResetCode.phone == phone, ResetCode.used.is_(False))
        .values(used=True)
    )
    db.session.add(
        ResetCode(
            phone=phone,
            user=user,
            purpose=purpose,
            code_hash=generate_password_hash(code, method=CODE_HASH),
            expires_at=utcnow() + timedelta(minutes=RESET_MINUTES),
        )
    )
    return code


def start_reset(phone):
    """Send a one-time code if the phone has an account. Says nothing either way, and an
    unknown phone costs the same work: its code is made, hashed and stored too, for nobody. The
    text itself leaves through the outbox, after the request."""
    user = find_user(phone)
    if user is not None and not user.active:
        user = None
    code = new_code(phone, user, "self")
    text = message(
        user.locale if user else None,
        N_("【邻里】您的验证码是 %(code)s，%(m)s分钟内有效。请勿告诉他人。"),
        code=code,
        m=RESET_MINUTES,
    )
    if user is not None:
        record(user, "reset_code_sent")
        send_sms(phone, text)
    db.session.commit()


def check_code(phone, code, purpose):
    """The account whose live code this is, or Refused. Each check uses up one of the
    code's tries in a single UPDATE, so parallel guesses get RESET_ATTEMPTS checks in all."""
    reset = db.session.scalar(
        select(ResetCode)
        .where(ResetCode.phone == phone, ResetCode.purpose == purpose, ResetCode.used.is_(False))
        .order_by(ResetCode.id.desc())
    )
    expired = Refused(_("验证码已失效。请重新获取验证码。"))
    if reset is None or reset.expires_at < utcnow():
        raise expired
    claimed = db.session.execute(
        update(ResetCode)
        .where(ResetCode.id == reset.id, ResetCode.attempts < RESET_ATTEMPTS)
        .values(attempts=ResetCode.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        raise expired
    if reset.user is None or not check_password_hash(reset.code_hash, code):
        raise Refused(_("验证码不对，请核对短信后再输入。"))
    used = db.session.execute(
        update(ResetCode)
        .where(ResetCode.id == reset.id, ResetCode.used.is_(False))
        .values(used=True)
    ).rowcount
    if not used:  # the same code, used a moment ago by a parallel request
        db.session.rollback()
        raise expired
    return reset.user


def start_phone_check(user):
    """Text a one-time code to the account's phone, to prove the person holds it."""
    code = new_code(user.phone, user, "verify")
    text = message(
        user.locale,
        N_("【邻里】您的验证码是 %(code)s，%(m)s分钟内有效。请勿告诉他人。"),
        code=code,
        m=RESET_MINUTES,
    )
    send_sms(user.phone, text)
    record(user, "phone_code_sent", actor=user)
    db.session.commit()


def confirm_phone(user, code):
    """The code texted to this account's phone, checked (tries counted as for resets)."""
    holder = check_code(user.phone, code, "verify")
    if holder.id != user.id:
        raise Refused(_("验证码不对，请核对短信后再输入。"))
    user.phone_verified_at = utcnow()
    record(user, "phone_verified", actor=user)
    db.session.commit()


def finish_reset(phone, code, password):
    """A reset by code ends every session of the account; the caller signs this device in."""
    user = check_code(phone, code, "self")
    user.phone_verified_at = user.phone_verified_at or utcnow()  # the code proved the phone
    user.set_password(password)
    user.must_change_password = False
    end_other_sessions(user)
    record(user, "password_reset_by_code", actor=user)
    db.session.commit()
    return user


# ---- a staff member resets a resident's password, face to face ----------------------------


def may_assist(actor, user):
    """None when actor may reset user's password, else the reason (in the actor's language).

    Staff accounts only an admin may reset. A grid worker may reset a resident of their grid;
    the resident's own choice of grid is not enough by itself: the worker also needs the code
    sent to the resident's phone, or records the ID checked and the street reviews it."""
    if can(None, Role.ADMIN, user=actor):
        return None
    if user.id == actor.id:
        return _("不能给自己重设密码。请用“忘记密码”找回。")
    if user.is_staff:
        return _("这是工作人员的账号，只有管理员能帮他重设密码。")
    if not (user.grid and can(user.grid, Role.GRID_WORKER, user=actor)):
        return _("这位居民不在您负责的网格里，请联系他所在网格的网格员。")
    return None


def send_assist_code(actor, user):
    code = new_code(user.phone, user, "assist")
    record(user, "assist_code_sent", actor=actor)
    send_sms(
        user.phone,
        message(
            user.locale,
            N_(
                "【邻里】网格员正在帮您重设密码，验证码是 %(code)s。"
                "只有您本人在网格员身边时才告诉他。"
            ),
            code=code,
        ),
    )
    db.session.commit()


def assist_by_code(actor, user, code):
    check_code(user.phone, code, "assist")
    return _assisted(actor, user, "password_reset_by_staff", "code", needs_review=False)


def assist_by_id_check(actor, user, document, last4):
    detail = f"{document}:{last4}"
    return _assisted(actor, user, "password_reset_by_staff", detail, needs_review=True)


def _assisted(actor, user, action, detail, needs_review):
    """A one-time temporary password; every session of the account ends, and its holder is
    told by SMS and in the inbox, in their own language."""
    reason = may_assist(actor, user)
    if reason:
        raise Refused(reason)
    temporary = f"{secrets.randbelow(10**8):08d}"
    user.set_password(temporary)
    user.must_change_password = True
    end_other_sessions(user)
    record(user, action, actor=actor, detail=detail, needs_review=needs_review)
    notify(
        [user],
        N_("您的密码已由工作人员%(who)s当面帮您重设。如果不是您本人办理，请马上拨打%(hotline)s。"),
        who=actor.display_name,
        hotline=current_app.config["HOTLINE"],
    )
    send_sms(
        user.phone,
        message(
            user.locale,
            N_(
                "【邻里】您的密码已由工作人员帮您重设。登录后请马上换一个新密码。"
                "如果不是您本人办理，请拨打%(hotline)s。"
            ),
            hotline=current_app.config["HOTLINE"],
        ),
    )
    db.session.commit()
    return temporary


def resets_to_review(reviewer):
    """Staff resets made on an ID check alone, in places the reviewer covers."""
    rows = db.session.scalars(
        select(AccountEvent)
        .where(AccountEvent.needs_review.is_(True), AccountEvent.reviewed_at.is_(None))
        .order_by(AccountEvent.id)
    ).all()
    return [e for e in rows if may_review(reviewer, e)]


def may_review(reviewer, event):
    if can(None, Role.ADMIN, user=reviewer):
        return True
    grid = event.user.grid
    return bool(grid) and can(grid.community.street, Role.DISPATCHER, user=reviewer)


def review_reset(reviewer, event, genuine):
    """The street confirms a reset, or finds it was not the resident and locks the account."""
    if not may_review(reviewer, event) or not event.needs_review or event.reviewed_at:
        raise Refused(_("这条记录已经处理过了。"))
    event.reviewed_by = reviewer
    event.reviewed_at = utcnow()
    if not genuine:
        event.user.active = False
        end_other_sessions(event.user)
        record(event.user, "deactivated", actor=reviewer, detail="reset_not_genuine")
    db.session.commit()


def update_account(user, name, grid):
    user.name = name or ""
    user.grid = grid
    record(user, "account_updated", actor=user)
    db.session.commit()

"""Account use cases. Each one commits and records who did what."""

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from blueprints.auth.models import AccountEvent, ResetCode, User
from blueprints.sms import send_sms
from blueprints.timeutil import utcnow
from extensions import db

RESET_MINUTES = 15
RESET_ATTEMPTS = 5


class AccountError(Exception):
    """A refusal to show the user, already in their language."""


def find_user(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


def record(user, action, actor=None, detail=""):
    db.session.add(AccountEvent(user=user, actor=actor, action=action, detail=detail))


def register_user(phone, password, name=""):
    if find_user(phone):
        raise AccountError(_("这个手机号已经注册过了。请直接登录；忘了密码可以找回。"))
    user = User(phone=phone, name=name or "")
    user.set_password(password)
    db.session.add(user)
    record(user, "signed_up", actor=user)
    db.session.commit()
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


def change_password(user, current, new):
    if not user.check_password(current):
        raise AccountError(_("现在的密码不对"))
    user.set_password(new)
    user.must_change_password = False
    record(user, "password_changed", actor=user)
    db.session.commit()


def start_reset(phone):
    """Send a one-time code if the phone has an account. Says nothing either way."""
    user = find_user(phone)
    if user is None or not user.active:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    for old in db.session.scalars(select(ResetCode).where(ResetCode.user_id == user.id)):
        old.used = True
    db.session.add(
        ResetCode(
            user=user,
            code_hash=generate_password_hash(code, method="pbkdf2:sha256:20000"),
            expires_at=utcnow() + timedelta(minutes=RESET_MINUTES),
        )
    )
    record(user, "reset_code_sent")
    db.session.commit()
    send_sms(
        phone,
        _(
            "【邻里】您的验证码是 %(code)s，%(m)s分钟内有效。请勿告诉他人。",
            code=code,
            m=RESET_MINUTES,
        ),
    )


def finish_reset(phone, code, password):
    user = find_user(phone)
    reset = None
    if user is not None:
        reset = db.session.scalar(
            select(ResetCode)
            .where(ResetCode.user_id == user.id, ResetCode.used.is_(False))
            .order_by(ResetCode.id.desc())
        )
    if reset is None or reset.expires_at < utcnow() or reset.attempts >= RESET_ATTEMPTS:
        raise AccountError(_("验证码已失效。请重新获取验证码。"))
    if not check_password_hash(reset.code_hash, code):
        reset.attempts += 1
        db.session.commit()
        raise AccountError(_("验证码不对，请核对短信后再输入。"))
    reset.used = True
    user.set_password(password)
    user.must_change_password = False
    record(user, "password_reset_by_code", actor=user)
    db.session.commit()
    return user


def assist_reset(actor, user):
    """A grid worker or admin sets a temporary password for a resident, face to face."""
    temporary = f"{secrets.randbelow(10**8):08d}"
    user.set_password(temporary)
    user.must_change_password = True
    record(user, "password_reset_by_staff", actor=actor)
    db.session.commit()
    send_sms(
        user.phone,
        _("【邻里】您的密码已由工作人员帮您重设。登录后请马上换一个新密码。"),
    )
    return temporary


def update_account(user, name, grid):
    user.name = name or ""
    user.grid = grid
    record(user, "account_updated", actor=user)
    db.session.commit()

"""Volunteer profiles: the ID number check, the volunteer number, a minor's guardian consent,
the code a volunteer shows to be added to a shift on the spot, and the signed links that work
without signing in."""

import hashlib
import hmac
import os
import secrets
import unicodedata
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from blueprints.auth.models import User
from blueprints.auth.services import proven_holder
from blueprints.core.access import can
from blueprints.core.roles import Role
from blueprints.core.workflow import Refused
from blueprints.notices.services import notify
from blueprints.notices.sms import message, send_sms
from blueprints.places.models import Community
from blueprints.util.times import local, utcnow
from blueprints.util.words import N_
from blueprints.volunteers.models import VolunteerProfile
from blueprints.web.links import public_url
from blueprints.web.ratelimit import within
from extensions import db

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
GUARDIAN_DAYS = 7
# How often one account may have a guardian asked to consent (each ask is a text to a phone).
GUARDIAN_ASKS = ("3/day",)
PASS_MINUTES = 30


# ---- the ID number (GB 11643) ---------------------------------------------------------------


def normalize_id(text):
    return "".join(c for c in (text or "").upper() if c.isalnum())


def valid_id(number):
    """18 characters: 17 digits and the GB 11643 check character (0-9 or X)."""
    if len(number) != 18 or not number[:17].isdigit() or not number.isascii():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == number[17]


def id_birth_date(number):
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def mask_id(number):
    return number[:2] + "*" * 14 + number[-2:]


def id_key():
    """ID_NUMBER_KEY, else a key derived from SECRET_KEY (HMAC, so neither reveals the other)."""
    dedicated = os.environ.get("ID_NUMBER_KEY") or current_app.config.get("ID_NUMBER_KEY")
    if dedicated:
        return dedicated.encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"linli:id-number-key:v1", hashlib.sha256).digest()


def id_hash(number):
    return hmac.new(id_key(), number.encode(), hashlib.sha256).hexdigest()


# ---- profiles ----------------------------------------------------------------------------------


def profile_of(user):
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))


def new_number(community):
    """V, the community's code and six random digits, drawn again while taken. Numbers given
    before were the profile's id in order: they stay as they are, and none is drawn twice."""
    while True:
        number = f"V{community.code}{secrets.randbelow(10**6):06d}"
        if not db.session.scalar(
            select(VolunteerProfile.id).where(VolunteerProfile.number == number)
        ):
            return number


def age_today(birth):
    today = local(utcnow()).date()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def save_profile(user, data):
    """Create or update the signed-in resident's profile. data: the form's values.
    Raises Refused(field=...) for what a form validator cannot know."""
    community = db.session.get(Community, data["community_id"] or 0)
    if community is None or not community.active:
        raise Refused(_("请选择社区。"), field="community_id")
    profile = profile_of(user)
    fresh = profile is None
    if fresh:
        profile = VolunteerProfile(
            user_id=user.id, number=new_number(community), rules_accepted_at=utcnow()
        )
        db.session.add(profile)
    profile.real_name = data["real_name"].strip()
    profile.birth_date = data["birth_date"]
    profile.community_id = community.id
    profile.skills = ",".join(data.get("skills") or [])
    profile.availability = (data.get("availability") or "").strip()[:200]
    profile.proxy_consent = bool(data.get("proxy_consent"))
    number = normalize_id(data.get("id_number"))
    if number:
        if not valid_id(number):
            raise Refused(_("身份证号不对，请核对最后一位。"), field="id_number")
        if id_birth_date(number) != profile.birth_date:
            raise Refused(_("身份证号里的出生日期和您填的不一样。"), field="id_number")
        profile.id_hash, profile.id_masked = id_hash(number), mask_id(number)
    minor = age_today(profile.birth_date) < 18
    # The guardian is asked when their number is new to the profile; saving other answers again
    # sends nothing.
    ask = minor and set_guardian(profile, user, data)
    if not minor:
        profile.guardian_user_id = None
        profile.guardian_name = profile.guardian_phone = ""
    # Counted before the flush: on SQLite the counter's own write must not wait for this one.
    if ask and not within(GUARDIAN_ASKS, "guardian-ask", str(user.id)):
        db.session.rollback()
        raise Refused(
            _("今天已经请监护人确认过3次了，请明天再试，或请监护人打开短信里的链接。"),
            field="guardian_phone",
        )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Refused(_("这个身份证号已经登记过志愿者了。"), field="id_number") from None
    db.session.commit()
    if ask:
        ask_guardian(profile)
    return profile


def set_guardian(profile, user, data):
    """The guardian as typed. Nobody is looked up by the phone, so the page says the same, as
    fast, whether or not the number has an account; the account is linked when its holder
    consents through the link sent to that phone. True when the number changed."""
    phone = (data.get("guardian_phone") or "").strip()
    name = (data.get("guardian_name") or "").strip()
    if not phone:
        raise Refused(_("未满18岁要填监护人的手机号。"), field="guardian_phone")
    if phone == user.phone:
        raise Refused(_("监护人不能是您自己。"), field="guardian_phone")
    if not name:
        raise Refused(_("请填写监护人的姓名。"), field="guardian_name")
    changed = phone != profile.guardian_phone
    if changed:
        profile.guardian_user_id = None
        profile.guardian_consent_at = None
    profile.guardian_phone = phone
    profile.guardian_name = name[:40]
    return changed


SALTS = {"guardian": "volunteers-guardian-consent", "confirm": "volunteers-shift-confirm"}


def serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALTS[purpose])


def seal(purpose, bound):
    """A keyed digest of the value a link is bound to. A token is signed, not encrypted: anyone
    holding it can read it, so it never carries the value itself (a guardian's phone)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"link:{purpose}:{bound}".encode(), hashlib.sha256).hexdigest()[:32]


def make_token(purpose, ident, bound=""):
    """A signed link's token: what it is for, the row it opens, and the seal of a value it is
    bound to (a guardian's phone, a sign-up's stage), so the link stops working when that
    value changes: a link sent to an earlier guardian, an offer link once the offer is over."""
    return serializer(purpose).dumps({"id": ident, "for": purpose, "b": seal(purpose, bound)})


def still_bound(purpose, sealed, bound):
    """Whether a token's seal (from read_token) is that of the value the row holds now."""
    return isinstance(sealed, str) and hmac.compare_digest(sealed, seal(purpose, bound))


def read_token(purpose, token, max_age):
    """(id, seal) a signed link carries, or Refused saying whether it ran out or is not ours."""
    try:
        data = serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Refused(_("这个链接已经过期了。")) from None
    except BadSignature:
        raise Refused(_("这个链接不对，请用短信或消息里的原链接。")) from None
    if (
        not isinstance(data, dict)
        or data.get("for") != purpose
        or not isinstance(data.get("id"), int)
    ):
        raise Refused(_("这个链接不对，请用短信或消息里的原链接。"))
    return data["id"], data.get("b", "")


def ask_guardian(profile):
    """A text to the guardian's phone: fixed words and a signed link, nothing anyone typed (the
    page behind the link says who asks)."""
    path = "/volunteers/guardian/" + make_token("guardian", profile.id, profile.guardian_phone)
    text = message(
        current_app.config["BABEL_DEFAULT_LOCALE"],
        N_("【邻里】有一位未成年人想做志愿者，填了您做监护人。请打开链接查看并确认：%(link)s"),
        link=public_url(path),
    )
    send_sms(profile.guardian_phone, text)
    db.session.commit()


def guardian_profile(token):
    ident, sealed = read_token("guardian", token, GUARDIAN_DAYS * 86400)
    profile = db.session.get(VolunteerProfile, ident)
    if (
        profile is None
        or not profile.guardian_phone
        or not still_bound("guardian", sealed, profile.guardian_phone)
    ):
        raise Refused(_("这个链接不对，请用短信或消息里的原链接。"))
    return profile


def record_guardian_consent(profile):
    if profile.guardian_consent_at is None:
        profile.guardian_consent_at = utcnow()
        # The link went to this phone: the account that proved it holds the phone is the
        # guardian's (one that merely signed up with the number is not).
        guardian = proven_holder(profile.guardian_phone)
        profile.guardian_user_id = guardian.id if guardian else None
        notify([profile.user], N_("您的监护人已同意您做志愿者"), "/volunteers/profile")
        db.session.commit()
    return profile


# ---- the code a walk-in shows -------------------------------------------------------------------


def normalize_pass(text):
    return "".join(c for c in unicodedata.normalize("NFKC", text or "") if c in "0123456789")


def show_pass(profile):
    """A fresh code for the volunteer to show an organizer; the one before stops working."""
    for _try in range(5):
        profile.pass_code = f"{secrets.randbelow(10**10):010d}"
        profile.pass_code_until = utcnow() + timedelta(minutes=PASS_MINUTES)
        try:
            db.session.commit()
        except IntegrityError:  # a code still stored: draw again
            db.session.rollback()
            continue
        return profile
    raise Refused(_("系统忙，请再试一次。"))


def revoke_pass(profile):
    profile.pass_code = profile.pass_code_until = None
    db.session.commit()


def take_pass(code):
    """The profile whose live code this is, the code used up in the same statement (two
    organizers typing it at once add the person once); None for any other code."""
    code = normalize_pass(code)
    if len(code) != 10:
        return None
    ident = db.session.scalar(
        update(VolunteerProfile)
        .where(VolunteerProfile.pass_code == code, VolunteerProfile.pass_code_until > utcnow())
        .values(pass_code=None, pass_code_until=None)
        .returning(VolunteerProfile.id)
    )
    return db.session.get(VolunteerProfile, ident) if ident else None


def proxy_profiles(grids):
    """Profiles of residents of these grids who let a grid worker act for them."""
    ids = [g.id for g in grids]
    if not ids:
        return []
    return db.session.scalars(
        select(VolunteerProfile)
        .join(User, User.id == VolunteerProfile.user_id)
        .where(User.grid_id.in_(ids), VolunteerProfile.proxy_consent.is_(True))
        .order_by(VolunteerProfile.real_name)
        .limit(200)
    ).all()


def helped_profile(profile_id, worker):
    """The profile a grid worker acts for, if it is a consenting resident of their grid."""
    profile = db.session.get(VolunteerProfile, profile_id or 0)
    if profile is None or not profile.proxy_consent or profile.user.grid is None:
        return None
    if profile.user_id == worker.id or not can(profile.user.grid, Role.GRID_WORKER, user=worker):
        return None
    return profile

"""Accounts, their roles in places, one-time reset codes, and the account log."""

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from blueprints.core.roles import ROLES, Role
from blueprints.places.models import Community, Department, Grid, Street
from blueprints.util.phones import mask_phone
from blueprints.util.times import utcnow
from extensions import db

# What a grid worker may check when a resident's phone is lost (an assisted password reset).
ID_DOCUMENTS = {
    "id_card": _l("居民身份证"),
    "household": _l("户口簿"),
    "passport": _l("护照"),
    "other": _l("其他证件"),
}


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    name: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # The language this person reads: messages to them are written in it, whoever causes them.
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans", server_default="zh_Hans")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the person proved by an SMS code that they hold this phone (None: not yet).
    phone_verified_at: Mapped[datetime | None]

    grid: Mapped[Grid | None] = relationship()
    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleGrant.id"
    )

    # The device session this object was loaded for (see UserSession); Flask-Login's id.
    session_token = None

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        """The device session, not the account: ending the session ends the cookie that holds it."""
        return self.session_token

    @property
    def is_staff(self):
        return bool(self.grants)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)

    @property
    def display_name(self):
        return self.name or self.masked_phone

    @property
    def roles(self):
        return {Role.RESIDENT} | {g.role for g in self.grants}

    def set_password(self, password):
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def grants_for(self, *roles):
        return [g for g in self.grants if g.role in roles]


class RoleGrant(db.Model):
    """A role held in one place. No place at all means everywhere (admins only)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))

    user: Mapped[User] = relationship(back_populates="grants")
    street: Mapped[Street | None] = relationship()
    community: Mapped[Community | None] = relationship()
    grid: Mapped[Grid | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def place(self):
        return self.grid or self.community or self.department or self.street

    @property
    def label(self):
        return ROLES[self.role]

    @property
    def everywhere(self):
        """A grant of no place holds everywhere (admins only); read from the ids, not the places."""
        return not (self.grid_id or self.community_id or self.department_id or self.street_id)

    def covers(self, place):
        """Does this grant reach `place` (a Street, Community, Grid or Department)?"""
        if self.everywhere:
            return True
        if place is None:
            return False
        if isinstance(place, Grid):
            return (
                self.grid_id == place.id
                or self.community_id == place.community_id
                or self.street_id == place.community.street_id
            )
        if isinstance(place, Community):
            return self.community_id == place.id or self.street_id == place.street_id
        if isinstance(place, Department):
            return self.department_id == place.id or self.street_id == place.street_id
        if isinstance(place, Street):
            return self.street_id == place.id
        return False


class UserSession(db.Model):
    """One signed-in device. Its token is what the session and remember-me cookies carry, so
    deleting the row signs that device out, wherever copies of its cookies are."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    remember: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class ResetCode(db.Model):
    """A one-time code sent by SMS (only its hash is kept), asked for by a phone number.

    An unknown number gets a row too, for a code nobody is sent: both cost the same work.
    purpose "self" resets one's own password; "assist" proves to a grid worker that the resident
    in front of them holds the account's phone; "verify" proves at sign-up that the person holds
    the phone they signed up with."""

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10), default="self")
    code_hash: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User | None] = relationship()


class AccountEvent(db.Model):
    """Who did what to an account (password resets for someone else, role changes…)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(200), default="")
    # A staff reset on an ID check alone waits for the street's review.
    needs_review: Mapped[bool] = mapped_column(default=False, index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def checked_document(self):
        """For a reset on an ID check: (the document's name, the last four characters)."""
        kind, _sep, last4 = self.detail.partition(":")
        return ID_DOCUMENTS.get(kind, kind), last4

"""The rooms themselves: the public list, one room, and a manager's changes to a room."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blueprints.core.errors import Refused
from blueprints.places.models import Community
from blueprints.rooms.models import FACILITIES, Room, RoomHours
from blueprints.rooms.permissions import may_manage
from extensions import db


def list_rooms(community_id=None):
    query = select(Room).where(Room.active).options(selectinload(Room.hours))
    if community_id:
        query = query.where(Room.community_id == community_id)
    return db.session.scalars(query.order_by(Room.community_id, Room.name)).all()


def get_room(room_id, active=True):
    room = db.session.get(Room, room_id)
    if room is None or (active and not room.active):
        return None
    return room


def save_room(user, room, data):
    """A new room (room None) or changes to one; data: the form's values, hours as
    {weekday: (opens, closes)} with the closed days left out."""
    community = db.session.get(Community, data["community_id"] or 0)
    if not may_manage(user, community) or (
        room is not None and not may_manage(user, room.community)
    ):
        raise Refused(_("您不能管理这个社区的活动室。"), field="community_id")
    if room is None:
        room = Room(community=community)
        db.session.add(room)
    room.community = community
    room.name = data["name"].strip()
    room.capacity = data["capacity"]
    room.facilities = ",".join(f for f in data.get("facilities") or [] if f in FACILITIES)
    room.needs_approval = bool(data.get("needs_approval"))
    room.closed_on_holidays = bool(data.get("closed_on_holidays"))
    if "active" in data:
        room.active = bool(data["active"])
    room.hours = [
        RoomHours(weekday=day, opens=opens, closes=closes)
        for day, (opens, closes) in sorted(data["hours"].items())
    ]
    db.session.commit()
    return room

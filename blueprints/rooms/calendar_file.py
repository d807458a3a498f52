"""One booking as a calendar file (.ics), to add to a phone's calendar."""

from urllib.parse import urlsplit

from flask import current_app

from blueprints.rooms.models import BookingState
from blueprints.util.exports import ics_event

ICS_STATUS = {
    BookingState.REQUESTED: "TENTATIVE",
    BookingState.APPROVED: "CONFIRMED",
    BookingState.DONE: "CONFIRMED",
}


def ics(booking):
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "linli"
    room = booking.room
    return ics_event(
        "Rooms",
        f"room-booking-{booking.id}@{host}",
        booking.starts_at,
        booking.ends_at,
        ("SEQUENCE", booking.version),
        ("SUMMARY", f"{room.name}：{booking.purpose or booking.holder}"),
        ("LOCATION", f"{room.community.name} {room.name}"),
        ("DESCRIPTION", f"{booking.holder}\n{booking.purpose}"),
        ("STATUS", ICS_STATUS.get(booking.state, "CANCELLED")),
    )

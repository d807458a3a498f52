import secrets
from datetime import timedelta

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from blueprints.core import features
from blueprints.core.access import PUBLIC, SIGNED_IN, allow
from blueprints.core.acts import ActView
from blueprints.core.errors import Conflict, Refused, or_404
from blueprints.core.roles import Role
from blueprints.rooms import (
    availability,
    bookings,
    calendar_file,
    clock,
    directory,
    lists,
    permissions,
)
from blueprints.rooms.cli import tick
from blueprints.rooms.demo import load_demo_rooms
from blueprints.rooms.forms import BookingForm, RoomForm
from blueprints.rooms.models import FACILITIES, WEEKDAYS, Booking, BookingState
from blueprints.rooms.workflow import FLOW
from blueprints.util.times import local, utcnow
from blueprints.web.htmx import advance, render
from extensions import db, limiter

bp = Blueprint("rooms", __name__, url_prefix="/rooms")
bp.cli.add_command(tick)
bp.record_once(features.home("rooms/_home.html", order=22))
bp.record_once(features.demo(load_demo_rooms, order=70))
bp.record_once(features.tick("rooms", clock.tick, every=60))
bp.record_once(
    features.section("orgs.org", "rooms/_org_bookings.html", lists.upcoming_for_org, order=20)
)
bp.record_once(
    features.section(
        "volunteers.show", "rooms/_activity_room.html", lists.room_of_activity, order=10
    )
)


@bp.app_context_processor
def room_words():
    return {
        "room_weekdays": WEEKDAYS,
        "room_facilities": FACILITIES,
        "booking_step_label": FLOW.label_of,
    }


@bp.app_template_filter("room_time")
def room_time(moment):
    return f"{local(moment):%H:%M}"


@bp.app_template_filter("room_day")
def room_day(moment):
    return local(moment).date().isoformat()


@bp.app_template_filter("room_weekday")
def room_weekday(moment):
    return local(moment).weekday()


@bp.app_template_filter("room_facility")
def room_facility(code):
    return FACILITIES.get(code, "")


# ---- rooms -------------------------------------------------------------------------------------


@bp.route("/")
@allow(PUBLIC)
def index():
    return render(
        "rooms/index.html",
        rooms=directory.list_rooms(),
        managed=permissions.managed_communities(current_user),
    )


@bp.route("/<int:room_id>")
@allow(PUBLIC)
def show(room_id):
    room = or_404(directory.get_room(room_id, active=False))
    manager = permissions.may_manage(current_user, room.community)
    if not room.active and not manager:
        abort(404)
    monday = availability.parse_week(request.args.get("week"))
    return render(
        "rooms/show.html",
        block="week",
        room=room,
        monday=monday,
        days=availability.week_of(room, monday),
        prev_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        today=local(utcnow()).date(),
        may_book=room.active and bool(permissions.booking_choices(current_user, room)),
        manager=manager,
    )


def room_form_page(form, room=None):
    form.community_id.choices = [
        SelectChoice(c.id, c.name) for c in permissions.managed_communities(current_user)
    ]
    if not form.community_id.choices:
        abort(403)
    problem = None
    if request.method == "POST":
        valid = form.validate_on_submit()
        hours = form.hours()
        if valid and not form.errors:
            data = {**form.data, "hours": hours}
            if room is not None:
                data["active"] = request.form.get("active") == "y"
            try:
                saved = directory.save_room(current_user, room, data)
            except Refused as e:
                problem = str(e)
            else:
                flash(_("活动室已保存。"), "success")
                return redirect(url_for("rooms.show", room_id=saved.id), 303)
    return render(
        "rooms/edit.html",
        status=422 if form.errors or problem else 200,
        form=form,
        room=room,
        problem=problem,
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.COMMUNITY_REVIEWER)  # and only for their own communities: checked inside
def new():
    return room_form_page(RoomForm())


@bp.route("/<int:room_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN, Role.COMMUNITY_REVIEWER)
def edit(room_id):
    room = or_404(directory.get_room(room_id, active=False))
    if not permissions.may_manage(current_user, room.community):
        abort(403)
    form = RoomForm(obj=room if request.method == "GET" else None)
    if request.method == "GET":
        form.facilities.data = room.facility_list
        for h in room.hours:
            form[f"opens_{h.weekday}"].data = h.opens
            form[f"closes_{h.weekday}"].data = h.closes
    return room_form_page(form, room)


# ---- booking -----------------------------------------------------------------------------------


@bp.route("/<int:room_id>/book", methods=["GET", "POST"])
@allow(SIGNED_IN)  # the officer of an approved group, or a community worker: checked inside
@limiter.limit("30/minute", methods=["POST"])
def book(room_id):
    room = or_404(directory.get_room(room_id))
    choices = permissions.booking_choices(current_user, room)
    if not choices:
        abort(403)
    form = booking_form(choices)
    clashes, status, problem, waiting = [], 422, None, False
    if form.validate_on_submit():
        try:
            made, skipped = bookings.book(room, current_user, form.data)
        except bookings.Clashes as e:
            clashes, status, problem = e.weeks, 409, str(e)
            form.mode.data = "free"
        except bookings.Taken as e:
            status, problem, waiting = 409, str(e), True
        except Conflict as e:
            status, problem = 409, str(e)
        except Refused as e:
            if e.field and e.field in form:
                form[e.field].errors.append(str(e))
            else:
                problem = str(e)
        else:
            say_booked(made, skipped)
            return advance(url_for("rooms.booking", booking_id=made[0].id))
    return render(
        "rooms/book.html",
        block="form",
        status=status if form.errors or problem else 200,
        form=form,
        room=room,
        clashes=clashes,
        problem=problem,
        waiting=waiting,
    )


def booking_form(choices):
    """The form for whom the person may book; a fresh key against double submits, and the day
    chosen on the room's week (?day=) on a GET."""
    form = BookingForm()
    form.for_whom.choices = [SelectChoice(value, label) for value, label in choices]
    if request.method == "GET":
        form.key.data = secrets.token_hex(16)
        if request.args.get("day"):
            form.day.process_data(availability.parse_day(request.args["day"]))
    return form


def say_booked(made, skipped):
    if skipped:
        flash(
            _(
                "已订 %(n)s 周；这几周没有订：%(days)s",
                n=len(made),
                days="、".join(f"{local(s):%m-%d}" for s, _e, _w in skipped),
            ),
            "success",
        )
    elif made[0].state == BookingState.APPROVED:
        flash(_("预订成功。"), "success")
    else:
        flash(_("已提交预订申请，社区会在2个工作日内决定。"), "success")


def booking_or_404(booking_id):
    booking = or_404(db.session.get(Booking, booking_id))
    if not permissions.may_see(current_user, booking):
        abort(404)
    return booking


def booking_page(booking, status=200, error=None, typed=None):
    decider = permissions.may_decide(current_user, booking)
    return render(
        "rooms/booking.html",
        status=status,
        booking=booking,
        actions=FLOW.actions_for(booking, current_user),
        decider=decider,
        events=[e for e in booking.events if e.public or decider],
        error=error,
        typed=typed or {},
    )


@bp.route("/bookings/<int:booking_id>")
@allow(SIGNED_IN)
def booking(booking_id):
    return booking_page(booking_or_404(booking_id))


# A booking's steps, taken from its page: the one action URL of the core.
ActView(
    FLOW,
    load=booking_or_404,
    page=booking_page,
    url=lambda booking: url_for("rooms.booking", booking_id=booking.id),
).route(bp, "/bookings/<int:booking_id>/act/<action>", SIGNED_IN)


@bp.route("/bookings/<int:booking_id>/calendar.ics")
@allow(SIGNED_IN)
def ics(booking_id):
    item = booking_or_404(booking_id)
    response = make_response(calendar_file.ics(item))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename=room-booking-{item.id}.ics"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/queue")
@allow(Role.ADMIN, Role.COMMUNITY_REVIEWER)
def queue():
    after = lists.DECISIONS.read(request.args)
    rows, more = lists.queue_for(current_user, after)
    links = lists.DECISIONS.links("rooms.queue", rows, more, after)
    return render("rooms/queue.html", rows=rows, links=links, now=utcnow())


@bp.route("/mine")
@allow(SIGNED_IN)
def mine():
    after = lists.BOOKINGS.read(request.args)
    rows, more = lists.bookings_of(current_user, after)
    links = lists.BOOKINGS.links("rooms.mine", rows, more, after)
    return render("rooms/mine.html", rows=rows, links=links, now=utcnow())

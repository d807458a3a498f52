"""activity: no room_id. The room an activity is held in is the room of its booking

Activity.room_id and Booking.activity_id said one fact twice (the room was written on the
activity when its first booking was made, and never changed after). The booking keeps it: a room
held for an activity is a booking for it, and the activity's page asks rooms for that booking's
room. Every room_id written by the app is the room of one of the activity's bookings; one that
is not (written by hand) cannot be kept and is named in the log.

The downgrade writes room_id again as the app did: the room of the activity's first booking.

Revision ID: a7c9e1f3b5d2
Revises: 390176f35d46
Create Date: 2026-12-08 01:00:00.000000

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c9e1f3b5d2'
down_revision = '390176f35d46'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


def upgrade():
    lost = op.get_bind().execute(sa.text(
        "SELECT id, room_id FROM activity WHERE room_id IS NOT NULL AND NOT EXISTS ("
        "SELECT 1 FROM booking WHERE booking.activity_id = activity.id"
        " AND booking.room_id = activity.room_id) ORDER BY id"
    )).all()
    for activity_id, room_id in lost:
        log.warning('activity %s named room %s without a booking of it: not kept', activity_id, room_id)
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activity_room_id_room'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_activity_room_id'))
        batch_op.drop_column('room_id')


def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_activity_room_id'), ['room_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_activity_room_id_room'), 'room', ['room_id'], ['id'])
    op.execute(
        "UPDATE activity SET room_id = (SELECT booking.room_id FROM booking"
        " WHERE booking.activity_id = activity.id ORDER BY booking.id LIMIT 1)"
    )

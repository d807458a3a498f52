"""rooms (安家): rooms with weekly opening hours, bookings and their events, the wish to hear of a
freed slot, and the room an activity is held in. Two bookings of one room that hold their slot
(requested, approved) never overlap: an exclusion constraint on PostgreSQL (btree_gist), a
trigger on SQLite.

Revision ID: 66cf5976c1c6
Revises: 584d08f37ffd
Create Date: 2026-12-01 12:36:24.614009

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '66cf5976c1c6'
down_revision = '584d08f37ffd'
branch_labels = None
depends_on = None

HOLDING = "('requested', 'approved')"
OVERLAP = (
    "SELECT RAISE(ABORT, 'booking overlaps another booking of the room') WHERE EXISTS ("
    "SELECT 1 FROM booking b WHERE b.room_id = NEW.room_id AND b.id != NEW.id "
    f"AND b.state IN {HOLDING} "
    "AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at);"
)
NO_OVERLAP = {
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS btree_gist",
        "ALTER TABLE booking ADD CONSTRAINT ex_booking_no_overlap EXCLUDE USING gist "
        "(room_id WITH =, tsrange(starts_at, ends_at) WITH &&) "
        f"WHERE (state IN {HOLDING})",
    ],
    "sqlite": [
        "CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking "
        f"WHEN NEW.state IN {HOLDING} BEGIN {OVERLAP} END",
        "CREATE TRIGGER booking_no_overlap_update "
        "BEFORE UPDATE OF room_id, starts_at, ends_at, state ON booking "
        f"WHEN NEW.state IN {HOLDING} BEGIN {OVERLAP} END",
    ],
}


def upgrade():
    op.create_table('room',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('facilities', sa.String(length=200), nullable=False),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('closed_on_holidays', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('lock', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_room_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room'))
    )
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_community_id'), ['community_id'], unique=False)

    op.create_table('room_hours',
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.CheckConstraint('closes > opens', name=op.f('ck_room_hours_closes_after_opening')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_room_hours_weekday_in_week')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_room_hours_room_id_room')),
    sa.PrimaryKeyConstraint('room_id', 'weekday', name=op.f('pk_room_hours'))
    )
    op.create_table('room_wait',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_room_wait_room_id_room')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_room_wait_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_wait'))
    )
    with op.batch_alter_table('room_wait', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_wait_room_id'), ['room_id'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.Column('head_count', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('submission_key', sa.String(length=40), nullable=True),
    sa.Column('deadline_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_for', sa.String(length=20), nullable=False),
    sa.Column('overdue_for', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_booking_ends_after_start')),
    sa.CheckConstraint('head_count >= 1', name=op.f('ck_booking_someone_comes')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_booking_activity_id_activity')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user.id'], name=op.f('fk_booking_booked_by_id_user')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_booking_org_id_org')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_booking_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_booking_submission_key'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_booked_by_id'), ['booked_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_booking_room_time', ['room_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_booking_state_deadline', ['state', 'deadline_at'], unique=False)

    for statement in NO_OVERLAP.get(op.get_bind().dialect.name, []):
        op.execute(statement)

    op.create_table('booking_event',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('detail_params', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_booking_event_actor_id_user')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_event_booking_id_booking')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_event'))
    )
    with op.batch_alter_table('booking_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_event_booking_id'), ['booking_id'], unique=False)

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_activity_room_id'), ['room_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_activity_room_id_room'), 'room', ['room_id'], ['id'])


def downgrade():
    # The triggers and the exclusion constraint go with the booking table; btree_gist stays.
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activity_room_id_room'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_activity_room_id'))
        batch_op.drop_column('room_id')

    with op.batch_alter_table('booking_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_event_booking_id'))

    op.drop_table('booking_event')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_state_deadline')
        batch_op.drop_index('ix_booking_room_time')
        batch_op.drop_index(batch_op.f('ix_booking_org_id'))
        batch_op.drop_index(batch_op.f('ix_booking_booked_by_id'))
        batch_op.drop_index(batch_op.f('ix_booking_activity_id'))

    op.drop_table('booking')
    with op.batch_alter_table('room_wait', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_wait_room_id'))

    op.drop_table('room_wait')
    op.drop_table('room_hours')
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_community_id'))

    op.drop_table('room')

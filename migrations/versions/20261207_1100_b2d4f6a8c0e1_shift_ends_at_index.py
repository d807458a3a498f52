"""volunteers: an index on shift (ends_at) for the public list of activities still to come

The list takes each activity's soonest shift that has not ended; with the index it reads only
those shifts, not every shift ever held.

Revision ID: b2d4f6a8c0e1
Revises: 9d3e5b7a1c42
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b2d4f6a8c0e1'
down_revision = '9d3e5b7a1c42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.create_index('ix_shift_ends_at', ['ends_at'], unique=False)


def downgrade():
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index('ix_shift_ends_at')

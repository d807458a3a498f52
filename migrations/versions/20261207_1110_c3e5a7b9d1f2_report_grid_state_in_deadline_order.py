"""reports: ix_report_grid_state gains (deadline_at, id); ix_report_created_at goes

The task list's handled cases to verify are read one grid at a time in deadline order from
(grid_id, state, deadline_at, id). With (grid_id, state) alone SQLite read them from
ix_report_queue instead, walking every grid's handled cases: 1.9 ms at a million reports.
ix_report_created_at is covered by ix_report_created_id (created_at, id), which Open311 reads.

Revision ID: c3e5a7b9d1f2
Revises: b2d4f6a8c0e1
Create Date: 2026-12-07 11:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f2'
down_revision = 'b2d4f6a8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_grid_state')
        batch_op.create_index(
            'ix_report_grid_state', ['grid_id', 'state', 'deadline_at', 'id'], unique=False
        )
        batch_op.drop_index('ix_report_created_at')


def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_created_at', ['created_at'], unique=False)
        batch_op.drop_index('ix_report_grid_state')
        batch_op.create_index('ix_report_grid_state', ['grid_id', 'state'], unique=False)

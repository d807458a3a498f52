"""open311: keyset indexes for the paged lists, report (created_at, id) and report_event (at, id)

GET requests pages newest first by (created_at, id), GET servicerequestupdates oldest first by
(at, id); with the id in the index, PostgreSQL seeks to a cursor's row and reads on in order.

Revision ID: 4f1c2a9e7b31
Revises: 297bfea3203a
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4f1c2a9e7b31'
down_revision = '297bfea3203a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_created_id', ['created_at', 'id'], unique=False)
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.create_index('ix_report_event_at_id', ['at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.drop_index('ix_report_event_at_id')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_created_id')

"""report indexes for the queue and my tasks

Revision ID: 36211f269bdd
Revises: bcbce4bee7d9
Create Date: 2026-11-26 21:44:30.792639

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '36211f269bdd'
down_revision = 'bcbce4bee7d9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_report_department_id'))
        batch_op.create_index('ix_report_assignee_state', ['assignee_id', 'state', 'deadline_at'], unique=False)
        batch_op.create_index('ix_report_department_state', ['department_id', 'state', 'deadline_at'], unique=False)
        batch_op.create_index('ix_report_grid_state', ['grid_id', 'state'], unique=False)
        batch_op.create_index('ix_report_open_deadline', ['deadline_at', 'id'], unique=False, postgresql_where=sa.text("state IN ('submitted', 'accepted', 'dispatched', 'signed', 'in_progress', 'handled', 'reopened')"))



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_open_deadline', postgresql_where=sa.text("state IN ('submitted', 'accepted', 'dispatched', 'signed', 'in_progress', 'handled', 'reopened')"))
        batch_op.drop_index('ix_report_grid_state')
        batch_op.drop_index('ix_report_department_state')
        batch_op.drop_index('ix_report_assignee_state')
        batch_op.create_index(batch_op.f('ix_report_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_assignee_id'), ['assignee_id'], unique=False)


"""stored messages translated when read

Revision ID: 540d972982e2
Revises: 36211f269bdd
Create Date: 2026-11-26 21:54:23.375273

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '540d972982e2'
down_revision = '36211f269bdd'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get empty values; the defaults are then dropped (the models give new rows theirs).
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.Text(), nullable=False, server_default='{}'))
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.alter_column('params', server_default=None)

    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('detail_params', sa.Text(), nullable=False, server_default='{}'))
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.alter_column('detail', server_default=None)
        batch_op.alter_column('detail_params', server_default=None)


def downgrade():
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.drop_column('detail_params')
        batch_op.drop_column('detail')

    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_column('params')


"""me too counted per network

Revision ID: 7c1e4a9d2b60
Revises: 1c25287b066f
Create Date: 2026-12-01 09:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e4a9d2b60'
down_revision = '1c25287b066f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('me_too', schema=None) as batch_op:
        batch_op.add_column(sa.Column('network', sa.String(length=50), nullable=False, server_default=''))
        batch_op.create_index('ix_me_too_report_network', ['report_id', 'network', 'at'], unique=False)
    with op.batch_alter_table('me_too', schema=None) as batch_op:
        batch_op.alter_column('network', server_default=None)


def downgrade():
    with op.batch_alter_table('me_too', schema=None) as batch_op:
        batch_op.drop_index('ix_me_too_report_network')
        batch_op.drop_column('network')

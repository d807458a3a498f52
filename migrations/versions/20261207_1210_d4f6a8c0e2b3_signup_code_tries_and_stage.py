"""signup code tries and stage

Revision ID: d4f6a8c0e2b3
Revises: e4a6c8d0f2b3
Create Date: 2026-12-07 12:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f6a8c0e2b3'
down_revision = 'e4a6c8d0f2b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_tries', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('stage', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.alter_column('code_tries', server_default=None)
        batch_op.alter_column('stage', server_default=None)


def downgrade():
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.drop_column('stage')
        batch_op.drop_column('code_tries')

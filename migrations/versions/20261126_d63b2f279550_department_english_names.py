"""department english names

Revision ID: d63b2f279550
Revises: 540d972982e2
Create Date: 2026-11-26 22:10:16.778755

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd63b2f279550'
down_revision = '540d972982e2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=60), nullable=False, server_default=''))
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.alter_column('name_en', server_default=None)



def downgrade():
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_column('name_en')


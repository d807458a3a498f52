"""outbox message key and template

Revision ID: 0bacd33023de
Revises: c83650febae8
Create Date: 2026-12-01 12:46:36.897808

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0bacd33023de'
down_revision = 'c83650febae8'
branch_labels = None
depends_on = None


def upgrade():
    # The key is NOT NULL and unique: added empty, filled for the rows already there (their id
    # makes it unique), then required.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('template', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('params', sa.Text(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('locale', sa.String(length=10), server_default='', nullable=False))
    op.execute("UPDATE outbox SET key = 'outbox-' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_key'), ['key'])


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_key'), type_='unique')
        batch_op.drop_column('locale')
        batch_op.drop_column('params')
        batch_op.drop_column('template')
        batch_op.drop_column('key')

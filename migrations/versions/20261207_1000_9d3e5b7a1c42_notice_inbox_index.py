"""notices: an index on notice (user_id, id) for the inbox's keyset pages, newest first

ix_notice_user_read puts `read` between the person and the id, so a person's messages in id
order were all read and sorted for each page; with (user_id, id) the page seeks to its key.

Revision ID: 9d3e5b7a1c42
Revises: 4f1c2a9e7b31
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d3e5b7a1c42'
down_revision = '4f1c2a9e7b31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index('ix_notice_user_id', ['user_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_user_id')

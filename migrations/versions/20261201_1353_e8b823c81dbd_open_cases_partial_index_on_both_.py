"""open cases: one partial index that SQLite uses too (ix_report_open replaces
ix_report_open_deadline, which was partial on PostgreSQL only and full on SQLite)

The predicate is NOT IN the shut states, as open_case() writes it in the queries: SQLite uses a
partial index only when the query repeats its condition.

Revision ID: e8b823c81dbd
Revises: 32f7a9cf011a
Create Date: 2026-12-01 13:53:18.272108

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8b823c81dbd'
down_revision = '32f7a9cf011a'
branch_labels = None
depends_on = None

OPEN = "state NOT IN ('returned', 'withdrawn', 'verified', 'closed', 'merged')"
OLD_OPEN = (
    "state IN ('submitted', 'accepted', 'dispatched', 'signed', 'in_progress', 'handled', "
    "'reopened')"
)


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_open_deadline')
        batch_op.create_index(
            'ix_report_open',
            ['deadline_at', 'id'],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_open')
        batch_op.create_index(
            'ix_report_open_deadline',
            ['deadline_at', 'id'],
            unique=False,
            postgresql_where=sa.text(OLD_OPEN),
        )

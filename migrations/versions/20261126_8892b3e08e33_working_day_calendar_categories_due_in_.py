"""working-day calendar; categories due in working days

Revision ID: 8892b3e08e33
Revises: d63b2f279550
Create Date: 2026-11-26 22:18:11.965201

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8892b3e08e33'
down_revision = 'd63b2f279550'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('workday', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_day'))
    )
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handle_workdays', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.alter_column('handle_workdays', server_default=None)



def downgrade():
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('handle_workdays')

    op.drop_table('calendar_day')

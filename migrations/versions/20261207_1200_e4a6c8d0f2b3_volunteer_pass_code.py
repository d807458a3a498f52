"""volunteers: the code a volunteer shows to be added to a shift on the spot

A walk-in used to be added by volunteer number, and numbers were the profile's id: any organizer
could walk them upward and read every volunteer's name. The organizer now types the volunteer's
own short-lived code; existing numbers stay as they are.

Revision ID: e4a6c8d0f2b3
Revises: c3e5a7b9d1f2
Create Date: 2026-12-07 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e4a6c8d0f2b3'
down_revision = 'c3e5a7b9d1f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('volunteer_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pass_code', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('pass_code_until', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_volunteer_profile_pass_code'), ['pass_code']
        )


def downgrade():
    with op.batch_alter_table('volunteer_profile', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_volunteer_profile_pass_code'), type_='unique')
        batch_op.drop_column('pass_code_until')
        batch_op.drop_column('pass_code')

"""report follow: residents who follow someone else's public case; when a person proved by an
SMS code that they hold their account's phone

Revision ID: c83650febae8
Revises: 66cf5976c1c6
Create Date: 2026-12-01 12:38:21.585390

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c83650febae8'
down_revision = '66cf5976c1c6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_follow_report_id_report')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_report_follow_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_follow')),
    sa.UniqueConstraint('report_id', 'user_id', name=op.f('uq_report_follow_report_id'))
    )
    with op.batch_alter_table('report_follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_follow_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_verified_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('phone_verified_at')
    with op.batch_alter_table('report_follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_follow_user_id'))

    op.drop_table('report_follow')

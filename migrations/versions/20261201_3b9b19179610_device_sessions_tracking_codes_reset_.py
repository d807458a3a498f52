"""device sessions, tracking codes, reset review, rate counters

Every account is signed out once: cookies now carry a device session, not an account id.
Reset codes in flight (15 minutes at most) are dropped: they are now asked for by phone.
Reports filed before this have no tracking code; staff and the hotline still find them by reference.

Revision ID: 3b9b19179610
Revises: 25f65d7b4bd4
Create Date: 2026-12-01 09:28:49.963344

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b9b19179610'
down_revision = '25f65d7b4bd4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_counter',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_counter'))
    )
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_counter_expires_at'), ['expires_at'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('account_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_review', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_account_event_needs_review'), ['needs_review'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_account_event_reviewed_by_id_user'), 'user', ['reviewed_by_id'], ['id'])
    with op.batch_alter_table('account_event', schema=None) as batch_op:
        batch_op.alter_column('needs_review', server_default=None)

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracking_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('track_misses', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('track_window_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_report_tracking_hash'), ['tracking_hash'])

    op.execute("DELETE FROM reset_code")
    with op.batch_alter_table('reset_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=11), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('purpose', sa.String(length=10), nullable=False, server_default='self'))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_reset_code_phone'), ['phone'], unique=False)
    with op.batch_alter_table('reset_code', schema=None) as batch_op:
        batch_op.alter_column('phone', server_default=None)
        batch_op.alter_column('purpose', server_default=None)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=10), server_default='zh_Hans', nullable=False))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locale')

    op.execute("DELETE FROM reset_code")
    with op.batch_alter_table('reset_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reset_code_phone'))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('purpose')
        batch_op.drop_column('phone')

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_report_tracking_hash'), type_='unique')
        batch_op.drop_column('track_window_at')
        batch_op.drop_column('track_misses')
        batch_op.drop_column('tracking_hash')

    with op.batch_alter_table('account_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_account_event_reviewed_by_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_account_event_needs_review'))
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('needs_review')

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_counter_expires_at'))

    op.drop_table('rate_counter')

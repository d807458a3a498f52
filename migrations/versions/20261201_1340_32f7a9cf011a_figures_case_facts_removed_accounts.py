"""figures: one row of facts per case (kept by `flask figures tick`); the trace of an account its
holder deleted

Revision ID: 32f7a9cf011a
Revises: 0bacd33023de
Create Date: 2026-12-01 13:09:40.486823

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '32f7a9cf011a'
down_revision = '0bacd33023de'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_removal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_account_removal_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_removal')),
    sa.UniqueConstraint('user_id', name=op.f('uq_account_removal_user_id'))
    )
    op.create_table('case_figure',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('sensitive', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('responded_on_time', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('handled', sa.Integer(), nullable=False),
    sa.Column('handle_due', sa.Integer(), nullable=False),
    sa.Column('handled_on_time', sa.Integer(), nullable=False),
    sa.Column('overdue_open', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('closed_unsatisfied', sa.Integer(), nullable=False),
    sa.Column('closed_no_answer', sa.Integer(), nullable=False),
    sa.Column('accept_seconds', sa.Integer(), nullable=True),
    sa.Column('sign_seconds', sa.Integer(), nullable=True),
    sa.Column('handle_seconds', sa.Integer(), nullable=True),
    sa.Column('verify_seconds', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('handle_due_at', sa.DateTime(), nullable=True),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_case_figure_category_id_category')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_case_figure_community_id_community')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_case_figure_department_id_department')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_case_figure_grid_id_grid')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_case_figure_report_id_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_case_figure_street_id_street')),
    sa.ForeignKeyConstraint(['worker_id'], ['user.id'], name=op.f('fk_case_figure_worker_id_user')),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_case_figure'))
    )
    with op.batch_alter_table('case_figure', schema=None) as batch_op:
        batch_op.create_index('ix_case_figure_community_day', ['community_id', 'day'], unique=False)
        batch_op.create_index('ix_case_figure_day', ['day'], unique=False)
        batch_op.create_index('ix_case_figure_department_day', ['department_id', 'day'], unique=False)
        batch_op.create_index('ix_case_figure_grid_day', ['grid_id', 'day'], unique=False)
        batch_op.create_index('ix_case_figure_street_day', ['street_id', 'day'], unique=False)



def downgrade():
    with op.batch_alter_table('case_figure', schema=None) as batch_op:
        batch_op.drop_index('ix_case_figure_street_day')
        batch_op.drop_index('ix_case_figure_grid_day')
        batch_op.drop_index('ix_case_figure_department_day')
        batch_op.drop_index('ix_case_figure_day')
        batch_op.drop_index('ix_case_figure_community_day')

    op.drop_table('case_figure')
    op.drop_table('account_removal')

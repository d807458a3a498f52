"""helper departments of a case as a table

Revision ID: 25f65d7b4bd4
Revises: 8892b3e08e33
Create Date: 2026-11-26 22:41:06.543991

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '25f65d7b4bd4'
down_revision = '8892b3e08e33'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_helper',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_report_helper_department_id_department')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_helper_report_id_report')),
    sa.PrimaryKeyConstraint('report_id', 'department_id', name=op.f('pk_report_helper'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_column('helpers')



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('helpers', sa.VARCHAR(length=200), nullable=False, server_default=''))

    op.drop_table('report_helper')

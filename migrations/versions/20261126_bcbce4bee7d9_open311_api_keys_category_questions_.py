"""open311: api keys, category questions, grid centres, report attributes

Revision ID: bcbce4bee7d9
Revises: 3b62934c252f
Create Date: 2026-11-26 21:24:36.106406

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bcbce4bee7d9'
down_revision = '3b62934c252f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_api_key_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_key_key_hash'))
    )
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('questions', sa.Text(), nullable=False, server_default='[]'))
    # Existing rows got the default above; new rows get theirs from the model.
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.alter_column('questions', server_default=None)

    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('lng', sa.Double(), nullable=True))

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attributes', sa.Text(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('api_key_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_report_api_key_id_api_key'), 'api_key', ['api_key_id'], ['id'])
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.alter_column('attributes', server_default=None)



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_api_key_id_api_key'), type_='foreignkey')
        batch_op.drop_column('api_key_id')
        batch_op.drop_column('attributes')

    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.drop_column('lng')
        batch_op.drop_column('lat')

    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('questions')

    op.drop_table('api_key')

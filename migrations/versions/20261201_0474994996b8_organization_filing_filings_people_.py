"""organization filing: filings, people, events, orgs, members, counters, reveals

Revision ID: 0474994996b8
Revises: 0bf7c1d93681
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0474994996b8'
down_revision = '0bf7c1d93681'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('filing_counter',
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_filing_counter_street_id_street')),
    sa.PrimaryKeyConstraint('street_id', 'year', name=op.f('pk_filing_counter'))
    )
    op.create_table('org',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('leader_name', sa.String(length=40), nullable=False),
    sa.Column('leader_phone', sa.String(length=11), nullable=False),
    sa.Column('show_leader', sa.Boolean(), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('venue_shared', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=False),
    sa.Column('valid_from', sa.DateTime(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=False),
    sa.Column('renewal_reminded_for', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_org_community_id_community')),
    sa.ForeignKeyConstraint(['officer_id'], ['user.id'], name=op.f('fk_org_officer_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org')),
    sa.UniqueConstraint('number', name=op.f('uq_org_number'))
    )
    with op.batch_alter_table('org', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_officer_id'), ['officer_id'], unique=False)

    op.create_table('filing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('leader_name', sa.String(length=40), nullable=False),
    sa.Column('leader_phone', sa.String(length=11), nullable=False),
    sa.Column('show_leader', sa.Boolean(), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('venue_shared', sa.Boolean(), nullable=False),
    sa.Column('charter_file', sa.String(length=80), nullable=False),
    sa.Column('charter_type', sa.String(length=40), nullable=False),
    sa.Column('charter_fields', sa.Text(), nullable=False),
    sa.Column('funds', sa.String(length=100), nullable=False),
    sa.Column('fund_sources', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_for', sa.String(length=20), nullable=False),
    sa.Column('overdue_for', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['user.id'], name=op.f('fk_filing_applicant_id_user')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_filing_community_id_community')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_filing_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing'))
    )
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_filing_state_deadline', ['state', 'deadline_at'], unique=False)

    op.create_table('org_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_org_member_org_id_org')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_org_member_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_member')),
    sa.UniqueConstraint('org_id', 'user_id', name=op.f('uq_org_member_org_id'))
    )
    with op.batch_alter_table('org_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_member_org_id'), ['org_id'], unique=False)

    op.create_table('filing_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filing_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('detail_params', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_filing_event_actor_id_user')),
    sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], name=op.f('fk_filing_event_filing_id_filing')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_filing_event_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_event'))
    )
    with op.batch_alter_table('filing_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_event_filing_id'), ['filing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_event_org_id'), ['org_id'], unique=False)

    op.create_table('filing_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filing_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('staff', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('told', sa.Boolean(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_filing_person_confirmed_by_id_user')),
    sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], name=op.f('fk_filing_person_filing_id_filing')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_filing_person_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_person'))
    )
    with op.batch_alter_table('filing_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_person_filing_id'), ['filing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_person_user_id'), ['user_id'], unique=False)

    op.create_table('member_phone_reveal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filing_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('whose', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], name=op.f('fk_member_phone_reveal_filing_id_filing')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_member_phone_reveal_org_id_org')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_member_phone_reveal_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_phone_reveal'))
    )
    with op.batch_alter_table('member_phone_reveal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_phone_reveal_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_phone_reveal_filing_id'), ['filing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_phone_reveal_org_id'), ['org_id'], unique=False)



def downgrade():
    with op.batch_alter_table('member_phone_reveal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_phone_reveal_org_id'))
        batch_op.drop_index(batch_op.f('ix_member_phone_reveal_filing_id'))
        batch_op.drop_index(batch_op.f('ix_member_phone_reveal_at'))

    op.drop_table('member_phone_reveal')
    with op.batch_alter_table('filing_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_person_user_id'))
        batch_op.drop_index(batch_op.f('ix_filing_person_filing_id'))

    op.drop_table('filing_person')
    with op.batch_alter_table('filing_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_event_org_id'))
        batch_op.drop_index(batch_op.f('ix_filing_event_filing_id'))

    op.drop_table('filing_event')
    with op.batch_alter_table('org_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_member_org_id'))

    op.drop_table('org_member')
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_state_deadline')
        batch_op.drop_index(batch_op.f('ix_filing_org_id'))
        batch_op.drop_index(batch_op.f('ix_filing_community_id'))
        batch_op.drop_index(batch_op.f('ix_filing_applicant_id'))

    op.drop_table('filing')
    with op.batch_alter_table('org', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_officer_id'))
        batch_op.drop_index(batch_op.f('ix_org_name'))
        batch_op.drop_index(batch_op.f('ix_org_community_id'))

    op.drop_table('org')
    op.drop_table('filing_counter')

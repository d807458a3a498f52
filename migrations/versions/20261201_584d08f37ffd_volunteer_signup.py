"""volunteer sign-up: profiles, activities, shifts (a seat counter bounded by check constraints), sign-ups and their events, the hours ledger and certificates

Revision ID: 584d08f37ffd
Revises: 0474994996b8
Create Date: 2026-12-01 10:27:54.163573

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '584d08f37ffd'
down_revision = '0474994996b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=40), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('signup_deadline', sa.DateTime(), nullable=False),
    sa.Column('cancel_hours', sa.Integer(), nullable=False),
    sa.Column('risky', sa.Boolean(), nullable=False),
    sa.Column('insured', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_activity_community_id_community')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_activity_created_by_id_user')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_activity_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_org_id'), ['org_id'], unique=False)

    op.create_table('volunteer_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=True),
    sa.Column('real_name', sa.String(length=40), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('availability', sa.String(length=200), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=True),
    sa.Column('id_masked', sa.String(length=20), nullable=False),
    sa.Column('rules_accepted_at', sa.DateTime(), nullable=False),
    sa.Column('proxy_consent', sa.Boolean(), nullable=False),
    sa.Column('guardian_user_id', sa.Integer(), nullable=True),
    sa.Column('guardian_name', sa.String(length=40), nullable=False),
    sa.Column('guardian_phone', sa.String(length=11), nullable=False),
    sa.Column('guardian_consent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_volunteer_profile_community_id_community')),
    sa.ForeignKeyConstraint(['guardian_user_id'], ['user.id'], name=op.f('fk_volunteer_profile_guardian_user_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_volunteer_profile_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_profile')),
    sa.UniqueConstraint('id_hash', name=op.f('uq_volunteer_profile_id_hash')),
    sa.UniqueConstraint('number', name=op.f('uq_volunteer_profile_number')),
    sa.UniqueConstraint('user_id', name=op.f('uq_volunteer_profile_user_id'))
    )
    with op.batch_alter_table('volunteer_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_profile_community_id'), ['community_id'], unique=False)

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('issuer', sa.String(length=80), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['profile_id'], ['volunteer_profile.id'], name=op.f('fk_certificate_profile_id_volunteer_profile')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('number', name=op.f('uq_certificate_number'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_profile_id'), ['profile_id'], unique=False)

    op.create_table('shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=False),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('content', sa.String(length=200), nullable=False),
    sa.Column('person_in_charge', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_shift_ends_after_start')),
    sa.CheckConstraint('taken <= capacity', name=op.f('ck_shift_taken_within_capacity')),
    sa.CheckConstraint('taken >= 0', name=op.f('ck_shift_taken_not_negative')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_shift_activity_id_activity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift'))
    )
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shift_starts_at'), ['starts_at'], unique=False)

    op.create_table('signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_for', sa.String(length=20), nullable=False),
    sa.Column('overdue_for', sa.String(length=20), nullable=False),
    sa.Column('day_before_sent', sa.Boolean(), nullable=False),
    sa.Column('coming_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('arrived_at', sa.DateTime(), nullable=True),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.Column('no_checkout', sa.Boolean(), nullable=False),
    sa.Column('walk_in', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['volunteer_profile.id'], name=op.f('fk_signup_profile_id_volunteer_profile')),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_signup_shift_id_shift')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signup')),
    sa.UniqueConstraint('shift_id', 'profile_id', name='uq_signup_shift_profile')
    )
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_profile_id'), ['profile_id'], unique=False)
        batch_op.create_index('ix_signup_shift_state', ['shift_id', 'state', 'queued_at'], unique=False)

    op.create_table('hours_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=True),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=True),
    sa.Column('activity_title', sa.String(length=60), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('content', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('approved_minutes', sa.Integer(), nullable=True),
    sa.Column('organizer', sa.String(length=60), nullable=False),
    sa.Column('person_in_charge', sa.String(length=40), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('correction_asked', sa.Boolean(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_for', sa.String(length=20), nullable=False),
    sa.Column('overdue_for', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_hours_record_community_id_community')),
    sa.ForeignKeyConstraint(['profile_id'], ['volunteer_profile.id'], name=op.f('fk_hours_record_profile_id_volunteer_profile')),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_hours_record_shift_id_shift')),
    sa.ForeignKeyConstraint(['signup_id'], ['signup.id'], name=op.f('fk_hours_record_signup_id_signup')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_record')),
    sa.UniqueConstraint('signup_id', name=op.f('uq_hours_record_signup_id'))
    )
    with op.batch_alter_table('hours_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_record_profile_id'), ['profile_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hours_record_shift_id'), ['shift_id'], unique=False)

    op.create_table('signup_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('detail_params', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_signup_event_actor_id_user')),
    sa.ForeignKeyConstraint(['signup_id'], ['signup.id'], name=op.f('fk_signup_event_signup_id_signup')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signup_event'))
    )
    with op.batch_alter_table('signup_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_event_signup_id'), ['signup_id'], unique=False)

    op.create_table('hours_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('detail_params', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_hours_event_actor_id_user')),
    sa.ForeignKeyConstraint(['record_id'], ['hours_record.id'], name=op.f('fk_hours_event_record_id_hours_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_event'))
    )
    with op.batch_alter_table('hours_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_event_record_id'), ['record_id'], unique=False)

    op.create_table('record_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_record_export_shift_id_shift')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_record_export_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_export'))
    )
    with op.batch_alter_table('record_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_export_shift_id'), ['shift_id'], unique=False)


def downgrade():
    with op.batch_alter_table('record_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_export_shift_id'))

    op.drop_table('record_export')
    with op.batch_alter_table('hours_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hours_event_record_id'))

    op.drop_table('hours_event')
    with op.batch_alter_table('signup_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signup_event_signup_id'))

    op.drop_table('signup_event')
    with op.batch_alter_table('hours_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hours_record_shift_id'))
        batch_op.drop_index(batch_op.f('ix_hours_record_profile_id'))

    op.drop_table('hours_record')
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.drop_index('ix_signup_shift_state')
        batch_op.drop_index(batch_op.f('ix_signup_profile_id'))

    op.drop_table('signup')
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_starts_at'))
        batch_op.drop_index(batch_op.f('ix_shift_activity_id'))

    op.drop_table('shift')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_profile_id'))

    op.drop_table('certificate')
    with op.batch_alter_table('volunteer_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_profile_community_id'))

    op.drop_table('volunteer_profile')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_org_id'))
        batch_op.drop_index(batch_op.f('ix_activity_community_id'))

    op.drop_table('activity')

"""volunteering: volunteers, activities, enrollments, service records and confirmations, certificates; the
check-in log and tickets name an activity too, and the log gets a step (check-in or check-out)

Revision ID: 0007
Revises: 0010
Create Date: 2026-11-30 08:44:23.828744

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0010'
branch_labels = None
depends_on = None

_BEFORE = ('invalid', 'expired_code', 'outside_window', 'no_meeting', 'already_checked_in', 'not_eligible', 'rate_limited')
_NOW = _BEFORE + ('not_checked_in', 'already_checked_out')
REASONS_BEFORE = f"reason IS NULL OR reason IN ({','.join(repr(v) for v in _BEFORE)})"
REASONS_NOW = f"reason IS NULL OR reason IN ({','.join(repr(v) for v in _NOW)})"


def upgrade():
    op.create_table('service_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_service_certificates_community_id_units')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_service_certificates_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_certificates')),
    sa.UniqueConstraint('token', name=op.f('uq_service_certificates_token'))
    )
    with op.batch_alter_table('service_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_certificates_resident_id'), ['resident_id'], unique=False)

    op.create_table('volunteers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_volunteers_community_id_units')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['residents.id'], name=op.f('fk_volunteers_registered_by_id_residents')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_volunteers_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteers')),
    sa.UniqueConstraint('resident_id', name=op.f('uq_volunteers_resident_id'))
    )
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteers_community_id'), ['community_id'], unique=False)

    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('slots', sa.Integer(), nullable=False),
    sa.Column('taken_slots', sa.Integer(), nullable=False),
    sa.Column('points_per_hour', sa.Integer(), nullable=True),
    sa.Column('fixed_points', sa.Integer(), nullable=True),
    sa.Column('cap_minutes', sa.Integer(), nullable=True),
    sa.Column('organiser_id', sa.Integer(), nullable=True),
    # The proposal this activity serves (implementation stage). No foreign key yet: the proposals table lands in
    # a parallel branch; the key is added by the migration that joins the two.
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('kiosk_token', sa.String(length=32), nullable=False),
    sa.Column('cancel_reason', sa.String(length=500), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('scheduled','cancelled')", name=op.f('ck_activities_status')),
    sa.CheckConstraint('cap_minutes IS NULL OR cap_minutes > 0', name=op.f('ck_activities_cap_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_activities_ends_after_start')),
    sa.CheckConstraint('fixed_points IS NULL OR fixed_points >= 0', name=op.f('ck_activities_fixed_not_negative')),
    sa.CheckConstraint('points_per_hour IS NULL OR points_per_hour >= 0', name=op.f('ck_activities_rate_not_negative')),
    sa.CheckConstraint('slots > 0 AND taken_slots >= 0 AND taken_slots <= slots', name=op.f('ck_activities_slots_within')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['residents.id'], name=op.f('fk_activities_cancelled_by_id_residents')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_activities_community_id_units')),
    sa.ForeignKeyConstraint(['created_by_id'], ['residents.id'], name=op.f('fk_activities_created_by_id_residents')),
    sa.ForeignKeyConstraint(['organiser_id'], ['residents.id'], name=op.f('fk_activities_organiser_id_residents')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_activities_unit_id_units')),
    sa.ForeignKeyConstraint(['venue_id'], ['venues.id'], name=op.f('fk_activities_venue_id_venues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('kiosk_token', name=op.f('uq_activities_kiosk_token'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_community_start', ['community_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index('ix_activities_venue_start', ['venue_id', 'starts_at'], unique=False)

    op.create_table('enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('signed_up','cancelled')", name=op.f('ck_enrollments_status')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_enrollments_activity_id_activities')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_enrollments_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments')),
    sa.UniqueConstraint('activity_id', 'resident_id', name=op.f('uq_enrollments_activity_id_resident_id'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollments_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_resident_id'), ['resident_id'], unique=False)

    op.create_table('service_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=True),
    sa.Column('checkout_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review_reason', sa.String(length=24), nullable=True),
    sa.Column('is_backfilled', sa.Boolean(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('confirmed_minutes', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("review_reason IS NULL OR review_reason IN ('short_stay','forgotten_checkout')", name=op.f('ck_service_records_review_reason')),
    sa.CheckConstraint("status IN ('pending','review','confirmed')", name=op.f('ck_service_records_status')),
    sa.CheckConstraint('confirmed_minutes IS NULL OR confirmed_minutes >= 0', name=op.f('ck_service_records_confirmed_not_negative')),
    sa.CheckConstraint('minutes >= 0', name=op.f('ck_service_records_minutes_not_negative')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_service_records_activity_id_activities')),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_service_records_checkin_id_checkins')),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkins.id'], name=op.f('fk_service_records_checkout_id_checkins')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_service_records_community_id_units')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['residents.id'], name=op.f('fk_service_records_confirmed_by_id_residents')),
    sa.ForeignKeyConstraint(['created_by_id'], ['residents.id'], name=op.f('fk_service_records_created_by_id_residents')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_service_records_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_records')),
    sa.UniqueConstraint('activity_id', 'resident_id', name=op.f('uq_service_records_activity_id_resident_id'))
    )
    with op.batch_alter_table('service_records', schema=None) as batch_op:
        batch_op.create_index('ix_service_records_queue', ['community_id', 'status', 'created_at'], unique=False)
        batch_op.create_index('ix_service_records_resident', ['resident_id', 'status'], unique=False)

    op.create_table('service_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('reversal_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes >= 0', name=op.f('ck_service_confirmations_minutes_not_negative')),
    sa.ForeignKeyConstraint(['actor_id'], ['residents.id'], name=op.f('fk_service_confirmations_actor_id_residents')),
    sa.ForeignKeyConstraint(['record_id'], ['service_records.id'], name=op.f('fk_service_confirmations_record_id_service_records')),
    sa.ForeignKeyConstraint(['reversal_id'], ['ledger_transactions.id'], name=op.f('fk_service_confirmations_reversal_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_service_confirmations_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_confirmations')),
    sa.UniqueConstraint('record_id', 'revision', name=op.f('uq_service_confirmations_record_id_revision'))
    )
    with op.batch_alter_table('service_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_confirmations_record_id'), ['record_id'], unique=False)

    with op.batch_alter_table('checkin_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch_op.alter_column('meeting_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_checkin_tickets_activity_id_activities'), 'activities', ['activity_id'], ['id'])

    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('step', sa.String(length=8), nullable=False, server_default='in'))
        batch_op.create_index('ix_checkins_activity', ['activity_id', 'id'], unique=False)
        batch_op.create_index('uq_checkins_one_activity_success', ['activity_id', 'resident_id', 'round', 'step'], unique=True, sqlite_where=sa.text('is_success'), postgresql_where=sa.text('is_success'))
        batch_op.create_foreign_key(batch_op.f('fk_checkins_activity_id_activities'), 'activities', ['activity_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_checkins_step'), "step IN ('in','out')")
        batch_op.drop_constraint(op.f('ck_checkins_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_checkins_reason'), REASONS_NOW)
        batch_op.drop_constraint(op.f('ck_checkins_success_has_who'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_checkins_success_has_who'),
            "NOT is_success OR ((meeting_id IS NOT NULL OR activity_id IS NOT NULL) AND resident_id IS NOT NULL)")
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.alter_column('step', server_default=None, existing_type=sa.String(length=8), existing_nullable=False)



def downgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_checkins_success_has_who'), type_='check')
        batch_op.create_check_constraint(op.f('ck_checkins_success_has_who'),
                                         "NOT is_success OR (meeting_id IS NOT NULL AND resident_id IS NOT NULL)")
        batch_op.drop_constraint(op.f('ck_checkins_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_checkins_reason'), REASONS_BEFORE)
        batch_op.drop_constraint(op.f('ck_checkins_step'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_checkins_activity_id_activities'), type_='foreignkey')
        batch_op.drop_index('uq_checkins_one_activity_success', sqlite_where=sa.text('is_success'), postgresql_where=sa.text('is_success'))
        batch_op.drop_index('ix_checkins_activity')
        batch_op.drop_column('step')
        batch_op.drop_column('activity_id')

    with op.batch_alter_table('checkin_tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkin_tickets_activity_id_activities'), type_='foreignkey')
        batch_op.alter_column('meeting_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('activity_id')

    with op.batch_alter_table('service_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_confirmations_record_id'))

    op.drop_table('service_confirmations')
    with op.batch_alter_table('service_records', schema=None) as batch_op:
        batch_op.drop_index('ix_service_records_resident')
        batch_op.drop_index('ix_service_records_queue')

    op.drop_table('service_records')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollments_resident_id'))
        batch_op.drop_index(batch_op.f('ix_enrollments_activity_id'))

    op.drop_table('enrollments')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_venue_start')
        batch_op.drop_index(batch_op.f('ix_activities_proposal_id'))
        batch_op.drop_index('ix_activities_community_start')

    op.drop_table('activities')
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteers_community_id'))

    op.drop_table('volunteers')
    with op.batch_alter_table('service_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_certificates_resident_id'))

    op.drop_table('service_certificates')

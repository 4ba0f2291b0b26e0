"""Security pass (issue 14): a check-in ticket is claimed by its first resident; accounts confirmed by staff;
community policies (eligibility, four eyes) and their audit log; pending manual awards

Revision ID: 0008
Revises: 0011
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('community_policies',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('eligibility', sa.String(length=16), nullable=False),
    sa.Column('manual_award_threshold', sa.Integer(), nullable=False),
    sa.Column('is_single_staff_allowed', sa.Boolean(), nullable=False),
    sa.CheckConstraint("eligibility IN ('open', 'confirmed')", name=op.f('ck_community_policies_eligibility')),
    sa.CheckConstraint('manual_award_threshold >= 0', name=op.f('ck_community_policies_threshold_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_community_policies_community_id_units')),
    sa.PrimaryKeyConstraint('community_id', name=op.f('pk_community_policies'))
    )
    op.create_table('community_policy_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.String(length=40), nullable=False),
    sa.Column('new_value', sa.String(length=40), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['residents.id'], name=op.f('fk_community_policy_changes_changed_by_id_residents')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_community_policy_changes_community_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_policy_changes'))
    )
    with op.batch_alter_table('community_policy_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_policy_changes_community_id'), ['community_id'], unique=False)
    op.create_table('pending_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'confirmed', 'rejected')", name=op.f('ck_pending_awards_state')),
    sa.CheckConstraint('points > 0', name=op.f('ck_pending_awards_points_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_pending_awards_community_id_units')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['residents.id'], name=op.f('fk_pending_awards_decided_by_id_residents')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['residents.id'], name=op.f('fk_pending_awards_requested_by_id_residents')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_pending_awards_resident_id_residents')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_pending_awards_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_awards')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_pending_awards_idempotency_key')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_pending_awards_transaction_id'))
    )
    with op.batch_alter_table('pending_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_awards_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_awards_resident_id'), ['resident_id'], unique=False)
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_confirmed', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_residents_confirmed_by_id_residents'), 'residents', ['confirmed_by_id'], ['id'])
    with op.batch_alter_table('checkin_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_checkin_tickets_used_by_id_residents'), 'residents', ['used_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_residents_confirmed_by_id_residents'), type_='foreignkey')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('is_confirmed')
    op.drop_table('pending_awards')
    op.drop_table('community_policy_changes')
    op.drop_table('community_policies')
    with op.batch_alter_table('checkin_tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkin_tickets_used_by_id_residents'), type_='foreignkey')
        batch_op.drop_column('used_by_id')

"""proposal workflow: proposals, their transitions, co-proposers, objections, updates, ratings, follows; settings,
categories and negative list per community; the inbox (notifications); meetings.proposal_id becomes a foreign key

Revision ID: 0006
Revises: 0007
Create Date: 2026-11-30 08:43:08.228269

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposal_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_proposal_categories_community_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_categories')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_proposal_categories_community_id_name'))
    )
    with op.batch_alter_table('proposal_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_categories_community_id'), ['community_id'], unique=False)

    op.create_table('proposal_negative_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_proposal_negative_items_community_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_negative_items')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_proposal_negative_items_community_id_name'))
    )
    with op.batch_alter_table('proposal_negative_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_negative_items_community_id'), ['community_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_notifications_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_resident', ['resident_id', 'id'], unique=False)

    op.create_table('proposal_settings',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('screening_days', sa.Integer(), nullable=False),
    sa.Column('objection_days', sa.Integer(), nullable=False),
    sa.Column('rating_days', sa.Integer(), nullable=False),
    sa.Column('threshold_percent', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('objection_days BETWEEN 1 AND 60', name=op.f('ck_proposal_settings_objection_days')),
    sa.CheckConstraint('rating_days BETWEEN 1 AND 90', name=op.f('ck_proposal_settings_rating_days')),
    sa.CheckConstraint('screening_days BETWEEN 1 AND 60', name=op.f('ck_proposal_settings_screening_days')),
    sa.CheckConstraint('threshold_percent BETWEEN 0 AND 99', name=op.f('ck_proposal_settings_threshold_percent')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_proposal_settings_community_id_units')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['residents.id'], name=op.f('fk_proposal_settings_updated_by_id_residents')),
    sa.PrimaryKeyConstraint('community_id', name=op.f('pk_proposal_settings'))
    )
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('proposer_id', sa.Integer(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('submit_token', sa.String(length=64), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('is_anonymous', sa.Boolean(), nullable=False),
    sa.Column('photos', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('screening_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('screened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('screened_by_id', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=False),
    sa.Column('negative_item_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.Column('votes_against', sa.Integer(), nullable=False),
    sa.Column('votes_abstain', sa.Integer(), nullable=False),
    sa.Column('threshold_percent', sa.Integer(), nullable=True),
    sa.Column('is_passed', sa.Boolean(), nullable=True),
    sa.Column('decision_text', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('objection_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('owner_kind', sa.String(length=16), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=80), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rating_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("owner_kind IS NULL OR owner_kind IN ('staff','partner','volunteers','party_member','other')", name=op.f('ck_proposals_owner_kind')),
    sa.CheckConstraint("state IN ('submitted','accepted','rejected','merged','deliberating','decided','publicised','implementing','done','confirmed','archived')", name=op.f('ck_proposals_state')),
    sa.CheckConstraint('votes_for >= 0 AND votes_against >= 0 AND votes_abstain >= 0', name=op.f('ck_proposals_votes_not_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['proposal_categories.id'], name=op.f('fk_proposals_category_id_proposal_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_proposals_community_id_units')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['residents.id'], name=op.f('fk_proposals_entered_by_id_residents')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['proposals.id'], name=op.f('fk_proposals_merged_into_id_proposals')),
    sa.ForeignKeyConstraint(['negative_item_id'], ['proposal_negative_items.id'], name=op.f('fk_proposals_negative_item_id_proposal_negative_items')),
    sa.ForeignKeyConstraint(['owner_id'], ['residents.id'], name=op.f('fk_proposals_owner_id_residents')),
    sa.ForeignKeyConstraint(['proposer_id'], ['residents.id'], name=op.f('fk_proposals_proposer_id_residents')),
    sa.ForeignKeyConstraint(['screened_by_id'], ['residents.id'], name=op.f('fk_proposals_screened_by_id_residents')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_proposals_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('proposer_id', 'submit_token', name=op.f('uq_proposals_proposer_id_submit_token'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index('ix_proposals_community_state', ['community_id', 'state', 'submitted_at'], unique=False)
        batch_op.create_index('ix_proposals_proposer', ['proposer_id', 'submitted_at'], unique=False)

    op.create_table('proposal_co_proposers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_co_proposers_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_proposal_co_proposers_resident_id_residents')),
    sa.ForeignKeyConstraint(['source_id'], ['proposals.id'], name=op.f('fk_proposal_co_proposers_source_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_co_proposers')),
    sa.UniqueConstraint('proposal_id', 'resident_id', name=op.f('uq_proposal_co_proposers_proposal_id_resident_id'))
    )
    with op.batch_alter_table('proposal_co_proposers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_co_proposers_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_follows_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_proposal_follows_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_follows')),
    sa.UniqueConstraint('proposal_id', 'resident_id', name=op.f('uq_proposal_follows_proposal_id_resident_id'))
    )
    with op.batch_alter_table('proposal_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_follows_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_follows_resident_id'), ['resident_id'], unique=False)

    op.create_table('proposal_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.String(length=1000), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['residents.id'], name=op.f('fk_proposal_objections_answered_by_id_residents')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_objections_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_proposal_objections_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_objections'))
    )
    with op.batch_alter_table('proposal_objections', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_objections_proposal', ['proposal_id', 'id'], unique=False)

    op.create_table('proposal_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_proposal_ratings_stars')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_ratings_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_proposal_ratings_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_ratings')),
    sa.UniqueConstraint('proposal_id', 'resident_id', name=op.f('uq_proposal_ratings_proposal_id_resident_id'))
    )
    with op.batch_alter_table('proposal_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_ratings_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("from_state IS NULL OR from_state IN ('submitted','accepted','rejected','merged','deliberating','decided','publicised','implementing','done','confirmed','archived')", name=op.f('ck_proposal_transitions_from_state')),
    sa.CheckConstraint("to_state IN ('submitted','accepted','rejected','merged','deliberating','decided','publicised','implementing','done','confirmed','archived')", name=op.f('ck_proposal_transitions_to_state')),
    sa.ForeignKeyConstraint(['actor_id'], ['residents.id'], name=op.f('fk_proposal_transitions_actor_id_residents')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_transitions_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_transitions'))
    )
    with op.batch_alter_table('proposal_transitions', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_transitions_proposal', ['proposal_id', 'id'], unique=False)

    op.create_table('proposal_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('photos', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['residents.id'], name=op.f('fk_proposal_updates_author_id_residents')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_updates_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_updates'))
    )
    with op.batch_alter_table('proposal_updates', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_updates_proposal', ['proposal_id', 'id'], unique=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_meetings_proposal_id_proposals'), 'proposals', ['proposal_id'], ['id'])



def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meetings_proposal_id_proposals'), type_='foreignkey')

    with op.batch_alter_table('proposal_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_updates_proposal')

    op.drop_table('proposal_updates')
    with op.batch_alter_table('proposal_transitions', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_transitions_proposal')

    op.drop_table('proposal_transitions')
    with op.batch_alter_table('proposal_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_ratings_proposal_id'))

    op.drop_table('proposal_ratings')
    with op.batch_alter_table('proposal_objections', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_objections_proposal')

    op.drop_table('proposal_objections')
    with op.batch_alter_table('proposal_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_follows_resident_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_follows_proposal_id'))

    op.drop_table('proposal_follows')
    with op.batch_alter_table('proposal_co_proposers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_co_proposers_proposal_id'))

    op.drop_table('proposal_co_proposers')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_proposer')
        batch_op.drop_index('ix_proposals_community_state')

    op.drop_table('proposals')
    op.drop_table('proposal_settings')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_resident')

    op.drop_table('notifications')
    with op.batch_alter_table('proposal_negative_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_negative_items_community_id'))

    op.drop_table('proposal_negative_items')
    with op.batch_alter_table('proposal_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_categories_community_id'))

    op.drop_table('proposal_categories')

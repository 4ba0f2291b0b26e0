"""activities.proposal_id becomes a real foreign key to proposals (both domains exist now)

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-30 09:52:00

"""
from alembic import op

revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_foreign_key(op.f('fk_activities_proposal_id_proposals'), 'proposals', ['proposal_id'], ['id'])


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_activities_proposal_id_proposals'), type_='foreignkey')

"""an index on service_records (community_id, ended_at): hours for a period, read by the dashboard and the indices

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 12:20:00

"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_service_records_period', 'service_records', ['community_id', 'ended_at'])


def downgrade():
    op.drop_index('ix_service_records_period', table_name='service_records')

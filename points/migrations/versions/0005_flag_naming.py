"""meetings.needs_review becomes is_flagged_for_review (flags are named is_*)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:40:00

"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.alter_column('needs_review', new_column_name='is_flagged_for_review')


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.alter_column('is_flagged_for_review', new_column_name='needs_review')

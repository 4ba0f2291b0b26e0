"""Security pass (issue 14): a check-in ticket is claimed by its first resident

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkin_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_checkin_tickets_used_by_id_residents'), 'residents', ['used_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('checkin_tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkin_tickets_used_by_id_residents'), type_='foreignkey')
        batch_op.drop_column('used_by_id')

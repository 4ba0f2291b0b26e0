"""the bank's opening hours (pickup deadlines end when the desk closes) and a hand-over taken back (stock kind unsettle)

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30 11:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None

STOCK_KINDS = ("donation", "hold", "settle", "void")


def _kinds(values):
    return f"kind IN ({','.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_days', sa.String(length=7), nullable=False, server_default='12345'))
        batch_op.add_column(sa.Column('opens_at', sa.Time(), nullable=False, server_default='09:00:00'))
        batch_op.add_column(sa.Column('closes_at', sa.Time(), nullable=False, server_default='17:00:00'))
        batch_op.create_check_constraint(op.f('ck_banks_opening_hours'), 'closes_at > opens_at')
        batch_op.create_check_constraint(op.f('ck_banks_open_days'), "open_days <> ''")
    with op.batch_alter_table('banks', schema=None) as batch_op:
        # The defaults belong to the model (points/bank/models.py), not the table: the model decides them.
        batch_op.alter_column('open_days', server_default=None)
        batch_op.alter_column('opens_at', server_default=None)
        batch_op.alter_column('closes_at', server_default=None)
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stock_movements_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_stock_movements_kind'), _kinds(STOCK_KINDS + ("unsettle",)))


def downgrade():
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stock_movements_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_stock_movements_kind'), _kinds(STOCK_KINDS))
    with op.batch_alter_table('banks', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_banks_open_days'), type_='check')
        batch_op.drop_constraint(op.f('ck_banks_opening_hours'), type_='check')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
        batch_op.drop_column('open_days')

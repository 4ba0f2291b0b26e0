"""enum columns: every StrEnum column gets the CHECK that admits exactly its values (the bank's kinds and the ledger's had none)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:40:00

"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# (table, column, allowed values, nullable): the values as the models' enums have them today.
CHECKS = [
    ("partners", "kind", ("organisation", "merchant"), False),
    ("rewards", "kind", ("goods", "service", "privilege"), False),
    ("rewards", "limit_period", ("week", "month", "year", "ever"), True),
    ("stock_movements", "kind", ("donation", "hold", "settle", "void"), False),
    ("accounts", "kind", ("wallet", "issuance", "holds", "redeemed"), False),
    ("ledger_transactions", "kind", ("award", "manual_award", "reversal", "hold", "settle", "void"), False),
]


def _condition(column, values, nullable):
    allowed = f"{column} IN ({','.join(repr(v) for v in values)})"
    return f"{column} IS NULL OR {allowed}" if nullable else allowed


def upgrade():
    for table, column, values, nullable in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f"ck_{table}_{column}"), _condition(column, values, nullable))


def downgrade():
    for table, column, _values, _nullable in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")

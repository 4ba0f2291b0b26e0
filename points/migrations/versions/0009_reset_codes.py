"""reset_codes: one-time password reset codes staff issue at the desk (hashed, expiry, used-at, issued-by)

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-30 08:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reset_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=255), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['issued_by_id'], ['residents.id'], name=op.f('fk_reset_codes_issued_by_id_residents')),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_reset_codes_resident_id_residents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reset_codes')),
    )
    with op.batch_alter_table('reset_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reset_codes_resident_id'), ['resident_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reset_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reset_codes_resident_id'))
    op.drop_table('reset_codes')

"""Proposal workflow gaps (issue 9): a meeting on a topic invites the residents of one area (meetings.unit_id,
audience 'unit'); a community's own working days (working_day_overrides); default lists written for every
community that has none, so that pages only read them

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-30 11:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None

# The seeds' five scope categories and 五不议, as points/proposals/models/states.py words them in Chinese.
CATEGORIES = ("公共设施与环境", "邻里关系与秩序", "物业管理与服务", "公益事业与便民服务", "文化、安全等其他公共事务")
NEGATIVE_LIST = ("违反法律法规和政策的不议", "超出社区职权范围的不议", "涉及个人私事、非公共事务的不议",
                 "已由有关部门依法作出决定的不议", "有违公序良俗的不议")


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_meetings_unit_id_units'), 'units', ['unit_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_meetings_audience'), type_='check')
        batch_op.create_check_constraint(op.f('ck_meetings_audience'), "audience IN ('community','invited','unit')")
    op.create_table('working_day_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_working_day', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_working_day_overrides_community_id_units')),
    sa.ForeignKeyConstraint(['created_by_id'], ['residents.id'], name=op.f('fk_working_day_overrides_created_by_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_day_overrides')),
    sa.UniqueConstraint('community_id', 'day', name=op.f('uq_working_day_overrides_community_id_day'))
    )
    with op.batch_alter_table('working_day_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_day_overrides_community_id'), ['community_id'], unique=False)
    _seed_lists()


def _seed_lists():
    """Every community without lists gets the defaults (new ones get them when they are created)."""
    bind = op.get_bind()
    communities = bind.execute(sa.text("SELECT id FROM units WHERE level = 'community'")).scalars().all()
    for table, names in (('proposal_categories', CATEGORIES), ('proposal_negative_items', NEGATIVE_LIST)):
        rows = sa.table(table, sa.column('community_id', sa.Integer), sa.column('name', sa.String),
                        sa.column('position', sa.Integer), sa.column('is_active', sa.Boolean))
        for community_id in communities:
            has = bind.execute(sa.text(f"SELECT 1 FROM {table} WHERE community_id = :c LIMIT 1"),
                               {"c": community_id}).first()
            if has is None:
                op.bulk_insert(rows, [{"community_id": community_id, "name": name, "position": position,
                                       "is_active": True} for position, name in enumerate(names)])


def downgrade():
    with op.batch_alter_table('working_day_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_day_overrides_community_id'))
    op.drop_table('working_day_overrides')
    op.execute("UPDATE meetings SET audience = 'community' WHERE audience = 'unit'")
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_meetings_audience'), type_='check')
        batch_op.create_check_constraint(op.f('ck_meetings_audience'), "audience IN ('community','invited')")
        batch_op.drop_constraint(op.f('fk_meetings_unit_id_units'), type_='foreignkey')
        batch_op.drop_column('unit_id')

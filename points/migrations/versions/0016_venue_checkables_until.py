"""venues.checkables_until: until when a venue may hold an open volunteer activity, so that a scan elsewhere and
later skips looking for one (issue 11); filled from the scheduled activities

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 14:40:00

"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

CHECKOUT_GRACE = timedelta(minutes=60)  # volunteering's CHECKOUT_GRACE_MINUTES when this was written


def upgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkables_until', sa.DateTime(timezone=True), nullable=True))
    activities = sa.table('activities', sa.column('venue_id', sa.Integer), sa.column('status', sa.String),
                          sa.column('ends_at', sa.DateTime(timezone=True)))
    venues = sa.table('venues', sa.column('id', sa.Integer), sa.column('checkables_until', sa.DateTime(timezone=True)))
    conn = op.get_bind()
    latest = conn.execute(sa.select(activities.c.venue_id, sa.func.max(activities.c.ends_at))
                          .where(activities.c.status == 'scheduled').group_by(activities.c.venue_id)).all()
    for venue_id, ends_at in latest:  # naive UTC on SQLite, aware on PostgreSQL: either way, an hour later
        conn.execute(venues.update().where(venues.c.id == venue_id).values(checkables_until=ends_at + CHECKOUT_GRACE))


def downgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.drop_column('checkables_until')

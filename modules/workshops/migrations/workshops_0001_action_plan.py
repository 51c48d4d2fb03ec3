"""workshops: action plans (the workshop kind's own branch)

Revision ID: workshops_0001_action_plan
Revises:
Depends on: 0001_core (event, person)

Databases made before the kind owned this table already have it (core revisions 0005
and 0010 used to create it and its created_by index): the revision then adopts the table
as it is and adds only what is missing.
"""
from alembic import op
import sqlalchemy as sa

import lms.types


# revision identifiers, used by Alembic.
revision = 'workshops_0001_action_plan'
down_revision = None
branch_labels = ('workshops',)
depends_on = '0001_core'

INDEXES = (("ix_action_plan_event_id", ["event_id"]), ("ix_action_plan_created_by_id", ["created_by_id"]))


def upgrade():
    inspector = sa.inspect(op.get_bind())
    if inspector.has_table('action_plan'):
        existing = {index['name'] for index in inspector.get_indexes('action_plan')}
    else:
        existing = set()
        op.create_table('action_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('how', sa.Text(), nullable=False),
        sa.Column('who', sa.String(length=300), nullable=False),
        sa.Column('first_step', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', lms.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_action_plan_created_by_id_person'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_action_plan_event_id_event'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan'))
        )
    for name, columns in INDEXES:
        if name not in existing:
            op.create_index(op.f(name), 'action_plan', columns, unique=False)


def downgrade():
    for name, _columns in INDEXES:
        op.drop_index(op.f(name), table_name='action_plan')
    op.drop_table('action_plan')

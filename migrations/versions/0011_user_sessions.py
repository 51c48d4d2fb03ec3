"""user sessions

Revision ID: 0011_user_sessions
Revises: 0010_report_indexes
Create Date: 2026-11-25 13:30:00

"""
from alembic import op
import sqlalchemy as sa

import lms.types


# revision identifiers, used by Alembic.
revision = '0011_user_sessions'
down_revision = '0010_report_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', lms.types.UTCDateTime(), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_user_session_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_person_id'))

    op.drop_table('user_session')

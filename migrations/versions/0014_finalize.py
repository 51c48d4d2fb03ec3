"""finalization keeps the event's previous status

A reopened event returns to the status it had before it was finalized ("open" when
enrolment was open, ...). Existing finalize records have none: a reopen then falls back
to "closed", as before.

Revision ID: 0014_finalize
Revises: 0012_enrollment_gender
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_finalize"
down_revision = '0012_enrollment_gender'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("finalization") as batch:
        batch.add_column(sa.Column("previous_status", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("finalization") as batch:
        batch.drop_column("previous_status")

"""enrollment gender snapshot

An enrolment snapshots the person's gender, as it does their function and
organisation: counting takes gender as it was at the first counted enrolment.
Existing rows are filled from the person's gender today.

Revision ID: 0012_enrollment_gender
Revises: 0011_user_sessions
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_enrollment_gender"
down_revision = "0011_user_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enrollment") as batch:
        batch.add_column(sa.Column("gender", sa.String(length=20), nullable=True))
    op.execute("UPDATE enrollment SET gender = COALESCE("
               "(SELECT person.gender FROM person WHERE person.id = enrollment.person_id), 'unspecified')")
    with op.batch_alter_table("enrollment") as batch:
        batch.alter_column("gender", existing_type=sa.String(length=20), nullable=False)


def downgrade():
    with op.batch_alter_table("enrollment") as batch:
        batch.drop_column("gender")

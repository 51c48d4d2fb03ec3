"""enrolment emails are rendered by the delivery task

The outbox keeps what an enrolment email is rendered from (the reader's locale and
timezone, the waiting-list place); subject and body stay empty until the delivery task
renders them. Rows queued before this revision are already rendered.

Revision ID: 0017_outbox_render_later
Revises: 0016_export_jobs
"""
from alembic import op
import sqlalchemy as sa

revision = "0017_outbox_render_later"
down_revision = "0016_export_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("email_outbox") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("waitlist_position", sa.Integer(), nullable=True))
        batch.alter_column("subject", existing_type=sa.String(length=300), nullable=True)
        batch.alter_column("body", existing_type=sa.Text(), nullable=True)


def downgrade():
    # Rows never rendered cannot be kept without a subject and body: render them first
    # (`flask jobs send-outbox`), or they are dropped here.
    op.execute("DELETE FROM email_outbox WHERE subject IS NULL OR body IS NULL")
    with op.batch_alter_table("email_outbox") as batch:
        batch.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch.alter_column("subject", existing_type=sa.String(length=300), nullable=False)
        batch.drop_column("waitlist_position")
        batch.drop_column("timezone")
        batch.drop_column("locale")

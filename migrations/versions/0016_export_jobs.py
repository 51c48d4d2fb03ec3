"""export jobs: exports and certificate zips written in the background, with progress

Revision ID: 0016_export_jobs
Revises: 0014_finalize
"""
from alembic import op
import sqlalchemy as sa

import lms.types

revision = "0016_export_jobs"
down_revision = "0014_finalize"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("file", sa.String(length=100), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", lms.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lms.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", lms.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_export_job_status")),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"], name=op.f("fk_export_job_created_by_id_person"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], name=op.f("fk_export_job_programme_id_programme"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_job")),
    )
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_job_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_job_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_job_programme_id"), ["programme_id"], unique=False)


def downgrade():
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_job_programme_id"))
        batch_op.drop_index(batch_op.f("ix_export_job_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_export_job_created_at"))
    op.drop_table("export_job")

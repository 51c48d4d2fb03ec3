"""the participation ledger (goal progress reads it instead of every mark)

Revision ID: 0018_participation_ledger
Revises: 0017_outbox_render_later

Filled from the existing enrollments, marks and completions by the migration itself
(the same statement as ``flask --app lms ledger rebuild``).
"""
from alembic import op
import sqlalchemy as sa

import lms.types

revision = "0018_participation_ledger"
down_revision = "0017_outbox_render_later"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "participation",
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", lms.types.UTCDateTime(), nullable=False),
        sa.Column("job_function_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(length=20), nullable=False),
        sa.Column("first_attended_at", lms.types.UTCDateTime(), nullable=True),
        sa.Column("last_attended_at", lms.types.UTCDateTime(), nullable=True),
        sa.Column("marks", sa.Integer(), nullable=False),
        sa.Column("attended_marks", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollment.id"], name=op.f("fk_participation_enrollment_id_enrollment"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("enrollment_id", name=op.f("pk_participation")),
    )
    with op.batch_alter_table("participation") as batch:
        batch.create_index(batch.f("ix_participation_activity_id"), ["activity_id"], unique=False)
        batch.create_index("ix_participation_programme_person",
                           ["programme_id", "person_id", "enrolled_at", "enrollment_id"], unique=False)
        batch.create_index("ix_participation_programme_organisation", ["programme_id", "organisation_id"], unique=False)
        batch.create_index("ix_participation_programme_attended", ["programme_id", "first_attended_at"], unique=False)
    op.execute(
        "INSERT INTO participation (enrollment_id, person_id, programme_id, activity_id, enrolled_at, job_function_id,"
        " organisation_id, gender, first_attended_at, last_attended_at, marks, attended_marks, completed_on)"
        " SELECT e.id, e.person_id, a.programme_id, ev.activity_id, e.created_at, e.job_function_id, e.organisation_id,"
        " e.gender, m.first_at, m.last_at, COALESCE(m.marks, 0), COALESCE(m.attended, 0), c.completed_on"
        " FROM enrollment e JOIN event ev ON ev.id = e.event_id JOIN activity a ON a.id = ev.activity_id"
        " LEFT JOIN (SELECT t.enrollment_id,"
        "   MIN(CASE WHEN t.status IN ('present', 'late') THEN s.starts_at END) AS first_at,"
        "   MAX(CASE WHEN t.status IN ('present', 'late') THEN s.starts_at END) AS last_at,"
        "   COUNT(*) AS marks, SUM(CASE WHEN t.status IN ('present', 'late') THEN 1 ELSE 0 END) AS attended"
        "   FROM attendance t JOIN session s ON s.id = t.session_id GROUP BY t.enrollment_id) m"
        "   ON m.enrollment_id = e.id"
        " LEFT JOIN completion c ON c.enrollment_id = e.id"
        " WHERE m.enrollment_id IS NOT NULL OR c.id IS NOT NULL")


def downgrade():
    op.drop_table("participation")

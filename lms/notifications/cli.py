"""``flask --app lms jobs ...``: send queued emails, queue reminders."""
import click
from flask.cli import AppGroup

from lms.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs that can also run from cron.")


@jobs_cli.command("send-outbox")
def send_outbox():
    """Send queued emails (retries failed deliveries)."""
    from lms.notifications.operations import send_pending

    sent, failed = send_pending()
    click.echo(f"{sent} sent, {failed} not sent.")


@jobs_cli.command("send-reminders")
def send_reminders():
    """Queue reminders for sessions starting within REMINDER_DAYS_BEFORE days, then send."""
    from lms.enrollment.operations import queue_reminders

    n = queue_reminders()
    db.session.commit()
    click.echo(f"{n} reminders queued.")


@jobs_cli.command("clean-exports")
def clean_exports():
    """Remove export files and jobs older than EXPORT_KEEP_HOURS (when no Celery beat runs)."""
    from lms.reports.exports import clean_expired

    jobs, files = clean_expired()
    db.session.commit()
    click.echo(f"{jobs} export jobs and {files} files removed.")

"""``flask --app lms certificates issue --event ID``: issue an event's certificates."""
import click
from flask.cli import AppGroup

from lms.extensions import db

certificates_cli = AppGroup("certificates", help="Issue certificates.")


@certificates_cli.command("issue")
@click.option("--event", "event_id", type=int, required=True, help="The finalized event's id.")
def issue(event_id):
    """Issue the missing certificates of a finalized event, committing each one."""
    from certificates.operations import missing_completions, run_batch, start_batch
    from lms.catalog.models import Event

    event = db.session.get(Event, event_id)
    if event is None:
        raise click.ClickException(f"No event with id {event_id}.")
    if event.status != "finalized":
        raise click.ClickException(f"Event {event_id} is not finalized; finalize it first.")
    if not missing_completions(event.id):
        click.echo("Every completion already has a valid certificate.")
        return
    batch = start_batch(event)
    db.session.commit()
    with click.progressbar(length=batch.total, label="Issuing certificates") as bar:
        state = {"done": batch.done}

        def progress(b):
            bar.update(b.done - state["done"])
            state["done"] = b.done

        batch = run_batch(batch.id, commit=True, progress=progress)
    click.echo(f"{batch.issued} issued, {batch.skipped} already there, {batch.failed} failed.")
    for failure in batch.failures:
        click.echo(f"  completion {failure.completion_id}: {failure.message}", err=True)
    if batch.failed:
        raise SystemExit(1)


@certificates_cli.command("requeue-stale")
def requeue_stale():
    """Queue again the batches without progress for CELERY_VISIBILITY_TIMEOUT seconds
    (their worker died); without a broker they run here and now."""
    from certificates.operations import requeue_stale as requeue

    batches = requeue()
    db.session.commit()
    click.echo(f"{len(batches)} stale batches queued again.")

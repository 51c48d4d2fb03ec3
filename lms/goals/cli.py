"""``flask --app lms ledger ...``: the participation ledger."""
import click
from flask.cli import AppGroup

from lms.extensions import db

ledger_cli = AppGroup("ledger", help="The participation ledger that goal progress reads.")


@ledger_cli.command("rebuild")
@click.option("--programme", "programme_id", type=int, default=None, help="Only this programme's rows.")
def rebuild_command(programme_id):
    """Recompute the ledger from the enrollments, marks and completions."""
    from lms.goals.ledger import rebuild
    from lms.programmes.models import Programme

    if programme_id is not None and db.session.get(Programme, programme_id) is None:
        raise click.ClickException(f"No programme {programme_id}.")
    rows = rebuild(programme_id)
    db.session.commit()
    scope = f"programme {programme_id}" if programme_id is not None else "all programmes"
    click.echo(f"Ledger rebuilt for {scope}: {rows} rows.")

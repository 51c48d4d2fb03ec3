"""``flask --app lms ...`` commands: users, demo."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.extensions import db

users_cli = AppGroup("users", help="Manage people who can sign in.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default=None, help="Display name (default: the part of the email before @).")
def create_admin(email, password, name):
    """Create an administrator (or make an existing person one) with this password."""
    from lms.people.operations import ensure_admin

    try:
        person = ensure_admin(email, password, name)
    except Exception as exc:  # a domain ValidationError: show it, write nothing
        db.session.rollback()
        message = getattr(exc, "message", None) or str(exc)
        fields = getattr(exc, "fields", {}) or {}
        details = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in fields.items())
        raise click.ClickException(f"{message} {details}".strip()) from None
    db.session.commit()
    click.echo(f"Administrator {person.email} is ready.")


def register_cli(app):
    app.cli.add_command(users_cli)
    from lms.demo.cli import demo_cli

    app.cli.add_command(demo_cli)
    from lms.notifications.cli import jobs_cli

    app.cli.add_command(jobs_cli)
    from certificates.cli import certificates_cli

    app.cli.add_command(certificates_cli)

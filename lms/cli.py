"""``flask --app lms ...`` commands: users, jobs, certificates.

``flask demo ...`` comes from the separate ``demo`` package, through the ``flask.commands``
entry point: the core knows no demo data.
"""
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
    from lms.notifications.cli import jobs_cli

    app.cli.add_command(jobs_cli)
    from certificates.cli import certificates_cli

    app.cli.add_command(certificates_cli)
    from lms.goals.cli import ledger_cli

    app.cli.add_command(ledger_cli)


def served_address(argv, environ):
    """(host, port) that ``flask run`` will serve on, from its arguments or environment."""
    host = environ.get("FLASK_RUN_HOST", "127.0.0.1")
    port = environ.get("FLASK_RUN_PORT", "5000")
    args = list(argv)
    for i, arg in enumerate(args):
        for names, target in ((("--host", "-h"), "host"), (("--port", "-p"), "port")):
            for name in names:
                value = None
                if arg == name and i + 1 < len(args):
                    value = args[i + 1]
                elif arg.startswith(name + "="):
                    value = arg.split("=", 1)[1]
                if value is not None:
                    if target == "host":
                        host = value
                    else:
                        port = value
    return host, str(port)


def base_url_warning(base_url, argv, environ):
    """A warning when ``flask run`` serves on another address than ``BASE_URL`` (links in
    emails, QR codes and calendar feeds would then point elsewhere); None when they agree."""
    from urllib.parse import urlsplit

    if "run" not in argv[1:]:
        return None
    host, port = served_address(argv, environ)
    parts = urlsplit(base_url or "")
    base_port = str(parts.port or (443 if parts.scheme == "https" else 80))
    if parts.hostname == host and base_port == port:
        return None
    return (f"Warning: BASE_URL is {base_url!r} but the server runs on http://{host}:{port}. "
            "Links in emails, QR codes and calendar feeds use BASE_URL; set it to the public address.")

import click
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo and benchmark data.")


@demo_cli.command("load")
def load():
    """Load the LC-KOMP demo programme (running it again adds nothing)."""
    click.echo("not yet")

"""The LC-KOMP demo programme and synthetic scale data."""
import os
import time

import click
from flask.cli import AppGroup

from lms.extensions import db

demo_cli = AppGroup("demo", help="Demo and benchmark data.")


def _production():
    from flask import current_app

    return current_app.config.get("LMS_CONFIG") == "production" or os.environ.get("LMS_CONFIG") == "production"


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="Load the demo data even under the production configuration.")
def load(force):
    """Load the LC-KOMP demo programme (running it again adds nothing)."""
    from demo.load import load_demo

    if _production() and not force:
        raise click.ClickException(
            "This is the production configuration (LMS_CONFIG=production): the demo data, with its "
            "known logins and password, is not loaded here. Add --force if you really mean it.")

    started = time.perf_counter()
    try:
        result = load_demo()
        db.session.commit()
        issued = _demo_certificates(result["logins"])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    elapsed = time.perf_counter() - started
    created = result["created"]
    if created:
        click.echo(f"Demo programme LC-KOMP loaded in {elapsed:.1f} s; rows added: "
                   + ", ".join(f"{k} {v}" for k, v in sorted(created.items())))
    else:
        click.echo(f"Demo programme LC-KOMP is already loaded; nothing added ({elapsed:.1f} s).")
    c = result["counts"]
    kinds = ", ".join(f"{v} {k}" for k, v in sorted(c["activities"].items()))
    click.echo(
        f"  {c['organisations']} organisations, {c['people']} people with a job function "
        f"({c['participants']} have enrolled), {c['themes']} themes, {c['goals']} goals\n"
        f"  activities: {kinds}\n"
        f"  {c['events']} events, {c['sessions']} sessions, {c['enrollments']} enrollments, "
        f"{c['attendance']} attendance marks, {c['completions']} completions"
    )
    if issued:
        click.echo(f"  {issued} certificates issued for the demo logins' completions; the others are issued "
                   "from an event's certificates page or with `flask certificates issue --event ID`.")
    click.echo(f"\nDemo logins (password for all: {result['password']}):")
    width = max(len(login["email"]) for login in result["logins"])
    for login in result["logins"]:
        click.echo(f"  {login['email']:<{width}}  {login['role'] or 'staff':<11}  {login['note']}")
    click.echo("The five logins are among the 260 participants of the 17 organisations;\n"
               "other participants have no password.")


def _demo_certificates(logins):
    """Certificates for the demo logins' completions (rendering all ~1000 would slow `make run`)."""
    from sqlalchemy import select

    from certificates.operations import issue, valid_certificate
    from lms.completion.models import Completion
    from lms.enrollment.models import Enrollment
    from lms.people.models import Person

    emails = [login["email"] for login in logins]
    completions = db.session.scalars(
        select(Completion).join(Enrollment, Enrollment.id == Completion.enrollment_id)
        .join(Person, Person.id == Enrollment.person_id).where(Person.email.in_(emails))).all()
    issued = 0
    for completion in completions:
        if valid_certificate(completion.id) is None:
            issue(completion)
            issued += 1
    return issued


@demo_cli.command("scale")
@click.option("--persons", "-n", type=click.IntRange(min=1), required=True, help="How many people to create.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--replace", is_flag=True, help="Delete the SCALE-<N> programme and its people first if it exists.")
def scale(persons, seed, replace):
    """Create synthetic benchmark data in a separate programme SCALE-<N> (bulk inserts)."""
    from demo.scale import ScaleExists, scale_data

    def progress(message):
        click.echo(message)

    try:
        summary = scale_data(persons, seed=seed, replace=replace, progress=progress)
        db.session.commit()
    except ScaleExists as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    except Exception:
        db.session.rollback()
        raise
    click.echo("Done: " + ", ".join(f"{v} {k}" for k, v in summary["rows"].items())
               + f" in {summary['seconds']:.1f} s.")

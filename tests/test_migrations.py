"""`flask db upgrade heads` from empty gives exactly the models' schema (no autogenerate
diff); the core and each kind with tables of its own are separate branches, one head each."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def _diff(connection):
    from lms.extensions import db

    context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
    return compare_metadata(context, db.metadata)


def test_migrations_match_models(app):
    from lms.extensions import db

    with app.app_context():
        with db.engine.connect() as connection:
            diff = _diff(connection)
    assert diff == [], f"models and migrations differ: {diff}"


def _script(app):
    from alembic.script import ScriptDirectory

    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        return ScriptDirectory.from_config(config), config.get_version_locations_list()


def test_one_head_per_branch(app):
    """The core's revisions and each kind's own branch end in exactly one head each."""
    from lms.plugins import registry

    script, locations = _script(app)
    kind_dirs = [kind.migrations_dir() for kind in registry.all() if kind.migrations_dir()]
    core = os.path.join(app.extensions["migrate"].directory, "versions")
    assert [os.path.realpath(p) for p in locations] == [os.path.realpath(p) for p in [core] + kind_dirs]
    assert kind_dirs, "the workshop kind brings a branch of its own"
    heads = [script.get_revision(h) for h in script.get_heads()]
    assert len(heads) == 1 + len(kind_dirs), f"heads: {[h.revision for h in heads]}"
    for directory in [core] + kind_dirs:
        own = [h.revision for h in heads if os.path.dirname(os.path.realpath(h.path)) == os.path.realpath(directory)]
        assert len(own) == 1, f"{directory}: heads {own}"
    workshops = script.get_revision("workshops@head")
    assert workshops.revision == "workshops_0001_action_plan" and "workshops" in workshops.branch_labels


@pytest.fixture
def empty_database(request):
    """A database of its own, empty (SQLite file or a PostgreSQL database)."""
    from tests.conftest import new_database_url

    with new_database_url(request, "mig") as url:
        yield url


def test_old_database_keeps_its_action_plans(empty_database):
    """A database made when the core still created ``action_plan`` (revisions 0005 and
    0010): the workshop branch adopts the table with its rows, adds the index it lacks,
    and the schema then matches the models."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db
    from modules.workshops.models import ActionPlan
    from tests.conftest import Factory, _test_config

    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": empty_database})
    try:
        with app.app_context():
            script, _ = _script(app)
            core = [head for head in script.get_heads() if not script.get_revision(head).branch_labels]
            upgrade(revision=core[0])  # the core branch only
            with db.engine.begin() as connection:
                assert not sa.inspect(connection).has_table("action_plan")
                # The table as old core revisions made it, before 0010 added the second index.
                ActionPlan.__table__.create(connection)
                connection.exec_driver_sql("DROP INDEX ix_action_plan_created_by_id")
            make = Factory(db)
            event = make.event(make.activity(kind="workshop"))
            db.session.add(ActionPlan(event=event, what="A plan from before"))
            db.session.commit()
            upgrade(revision="heads")
            with db.engine.connect() as connection:
                indexes = {ix["name"] for ix in sa.inspect(connection).get_indexes("action_plan")}
                versions = set(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
                diff = _diff(connection)
            assert indexes == {"ix_action_plan_event_id", "ix_action_plan_created_by_id"}
            script, _ = _script(app)
            assert "workshops_0001_action_plan" in versions and versions == set(script.get_heads())
            assert db.session.scalars(sa.select(ActionPlan.what)).all() == ["A plan from before"]
            assert diff == [], f"models and migrations differ: {diff}"
    finally:
        with app.app_context():
            db.engine.dispose()


def test_workshop_branch_creates_the_table_in_a_new_database(empty_database):
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from lms import create_app
    from lms.extensions import db
    from tests.conftest import _test_config

    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": empty_database})
    try:
        with app.app_context():
            upgrade(revision="heads")
            with db.engine.connect() as connection:
                assert sa.inspect(connection).has_table("action_plan")
            downgrade(revision="workshops@base")  # the kind's branch alone comes off
            with db.engine.connect() as connection:
                inspector = sa.inspect(connection)
                assert not inspector.has_table("action_plan") and inspector.has_table("event")
    finally:
        with app.app_context():
            db.engine.dispose()

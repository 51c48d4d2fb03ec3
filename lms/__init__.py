"""Brobygger: learning management for staff competence development programmes."""
import os

from flask import Flask, g, has_request_context, request, session
from flask_login import current_user

from lms.extensions import babel, csrf, db, login_manager, migrate


def select_locale():
    """The user's own preference, then the switcher's choice, then Accept-Language."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # CLI commands and jobs translate in the default locale unless they force one.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = getattr(g, "api_user", None) or (current_user if current_user and current_user.is_authenticated else None)
    if user is not None and getattr(user, "locale", None) in languages:
        return user.locale
    chosen = session.get("locale") if request else None
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone():
    if not has_request_context():
        return None
    user = getattr(g, "api_user", None) or (current_user if current_user and current_user.is_authenticated else None)
    return getattr(user, "timezone", None) or None


def kind_version_locations(config):
    """Flask-Migrate configure callback: Alembic reads the core's revisions and each
    installed kind's own branch (:meth:`lms.plugins.ActivityKind.migrations_dir`)."""
    from flask import current_app

    locations = [os.path.join(config.get_main_option("script_location"), "versions")]
    for kind in current_app.extensions["activity_kinds"].all():
        directory = kind.migrations_dir()
        if directory and directory not in locations:
            locations.append(str(directory))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations).replace("%", "%%"))
    return config


def create_app(config=None):
    """Build the application. ``config`` is a name ("default", "test", "production"),
    a config class, or a dict of overrides applied on top of the default."""
    from config import CONFIGS, INSTANCE_DIR

    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=True)
    name = os.environ.get("LMS_CONFIG", "default")
    overrides = {}
    if isinstance(config, str):
        name = config
    elif isinstance(config, dict):
        overrides = config
    elif config is not None:
        app.config.from_object(config)
        name = None
    if name:
        app.config.from_object(CONFIGS[name])
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set (environment variable SECRET_KEY).")
    os.makedirs(app.instance_path, exist_ok=True)

    from lms import ratelimit

    ratelimit.init_app(app)
    from lms.auth import throttle

    throttle.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"), render_as_batch=True, compare_type=True)
    if kind_version_locations not in migrate.configure_callbacks:
        migrate.configure(kind_version_locations)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    from lms import database

    database.init_app(app)

    from lms.plugins import registry

    registry.load(app.config.get("ACTIVITY_KIND_GROUP", "lms.activity_kinds"))
    app.extensions["activity_kinds"] = registry

    from lms import jobs

    jobs.init_app(app)
    from lms import periodic  # noqa: F401  (registers the tasks Celery beat starts)

    from lms import models  # noqa: F401  (every model registered on the metadata)
    from lms import web

    web.init_app(app)
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:
        # The client's address (per-address limits) and scheme as the proxies saw them.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from lms.about.views import bp as about_bp
    from lms.api import create_blueprint as create_api_blueprint
    from lms.attendance.views import bp as attendance_bp
    from lms.completion.views import bp as completion_bp
    from lms.auth.views import bp as auth_bp
    from lms.catalog.views import bp as catalog_bp
    from lms.enrollment.views import bp as enrollment_bp
    from lms.notifications.views import bp as notifications_bp
    from lms.people.views import bp as people_bp
    from lms.programmes.views import bp as programmes_bp
    from lms.reports.views import bp as reports_bp
    from certificates.views import bp as certificates_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(about_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(programmes_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(enrollment_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(completion_bp)
    app.register_blueprint(certificates_bp)
    from lms import completion

    completion.init_app(app)
    from lms import goals

    goals.init_app(app)
    import certificates

    certificates.init_app(app)
    api_bp = create_api_blueprint()
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)

    for kind in registry.all():
        if kind.blueprint is not None:
            app.register_blueprint(kind.blueprint)

    from lms.cli import base_url_warning, register_cli

    register_cli(app)
    if os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        import sys

        warning = base_url_warning(app.config.get("BASE_URL"), sys.argv, os.environ)
        if warning:
            print(warning, file=sys.stderr)
    return app

"""Database wiring: SQLite pragmas, and one transaction per request.

Operations only ``flush()``. The request commits once at its end when the response is
a success (status < 400) and rolls back otherwise; the CLI and Celery tasks commit at
their own boundary.
"""
from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lms.extensions import db


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not pysqlite, issue BEGIN so we can make it BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    # Write transactions that begin as writes: pysqlite would otherwise upgrade a read
    # lock mid-transaction and fail at once with "database is locked".
    # Reads (GET/HEAD requests) begin deferred so readers never queue behind a writer.
    if conn.dialect.name == "sqlite":
        from flask import has_request_context, request

        reading = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def commit():
    """Commit the current transaction (used at a request, command or task boundary)."""
    db.session.commit()


def init_app(app):
    @app.after_request
    def _commit_or_rollback(response):
        if current_app.config.get("LMS_NO_AUTOCOMMIT"):
            return response
        if response.status_code < 400:
            try:
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

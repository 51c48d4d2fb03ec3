"""Database wiring: SQLite pragmas, and one transaction per request.

Operations only ``flush()``. A request's transaction is decided by what happened in it,
not by the status code of its answer: when the view returns normally the work is
committed; when an exception escapes the view (a :class:`lms.errors.DomainError`, an
HTTP abort, :class:`lms.web.GoBack` or anything else) it is rolled back before the error
is turned into an answer. The CLI and Celery tasks commit at their own boundary.
"""
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g
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


_deferred = ContextVar("deferred_begin", default=False)


@contextmanager
def reading_only():
    """Transactions begun inside this block begin deferred on SQLite, as a GET's do: for
    a long read outside a request (an export streaming its rows) that must not hold the
    write lock while others, its own progress among them, write."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    # Write transactions that begin as writes: pysqlite would otherwise upgrade a read
    # lock mid-transaction and fail at once with "database is locked".
    # Reads (GET/HEAD requests) begin deferred so readers never queue behind a writer.
    if conn.dialect.name == "sqlite":
        from flask import has_request_context, request

        reading = _deferred.get() or has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def roll_back_failed_request():
    """Undo the request's work: an exception escaped its view. Called once per failure,
    before the error handler renders the answer; the answer is then never committed."""
    g.request_failed = True
    db.session.rollback()


def _end_transaction(response):
    if g.pop("request_failed", False):
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return response


def _rollback_on_teardown(exc):
    # g can outlive the request (an app context opened around several, as in the tests).
    if g.pop("request_failed", False) or exc is not None:
        db.session.rollback()


def init_app(app):
    """Commit after a view that returned, roll back after one that raised."""
    handle_user_exception = app.handle_user_exception

    def _handle_user_exception(error):
        roll_back_failed_request()
        return handle_user_exception(error)

    app.handle_user_exception = _handle_user_exception
    app.after_request(_end_transaction)
    app.teardown_request(_rollback_on_teardown)

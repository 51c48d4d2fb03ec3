"""The goals area."""


def init_app(app):
    """Keep the participation ledger for ``app`` (see :mod:`lms.goals.ledger`)."""
    from lms.goals.ledger import install

    install(app)

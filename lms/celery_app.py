"""Entry point for a worker: ``celery -A lms.celery_app:celery worker``."""
from lms import create_app
from lms.extensions import celery

app = create_app()

"""Completion tests finalize their events, so the events have ended: ``trained`` makes
events whose sessions lie in the past."""
import pytest


@pytest.fixture
def trained(past_trained):
    return past_trained

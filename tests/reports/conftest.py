"""Fixtures of the report tests: the hand-computed SMALL week in a database (shared helpers: helpers.py)."""
from __future__ import annotations

import pytest

from tests.seed import seed_small, small_config


@pytest.fixture
def small_cfg(config):
    return small_config(config)


@pytest.fixture
def small(engine, config):
    seed_small(engine, config)
    return engine

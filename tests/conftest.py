"""Shared fixtures: a real PostgreSQL server for the whole session, when one can be started."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from vecguard.history import models
from vecguard.history.store import Store

from .helpers import World, vendor_history
from .postgres import postgres_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """$VECGUARD_TEST_POSTGRES, or a throwaway server started for this test session."""
    if os.environ.get("VECGUARD_TEST_POSTGRES"):
        yield os.environ["VECGUARD_TEST_POSTGRES"]
        return
    pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[test]')")
    try:
        with postgres_server() as url:
            yield url
    except RuntimeError as exc:
        pytest.skip(str(exc))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty history database: a new SQLite file, or the session's PostgreSQL with its rows deleted."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'history.db'}"
    url: str = request.getfixturevalue("postgres_url")
    reset = Store(url, keys=lambda domain: frozenset({domain}))
    with reset.session() as s:
        for table in reversed(models.metadata.sorted_tables):
            if table.name != "meta":
                s.connection.execute(table.delete())
    reset.close()
    return url


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Four months of the Harbor Logistics history learned into a real SQLite store (tests/helpers.py).
    Scenarios are scored against it without learning, so every test file can share it."""
    w = World(Path(tmp_path_factory.mktemp("world")))
    vendor_history(w)
    yield w
    w.close()

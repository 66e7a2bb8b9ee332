"""Shared fixtures: a real PostgreSQL server for the whole session, when one can be started."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

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

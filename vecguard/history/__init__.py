"""The history store: what vecguard remembers about correspondents, threads and its own decisions.

``Store(url)`` opens SQLite (the default) or PostgreSQL; ``with store.session() as s:`` gives one
transaction in which ``s.baseline(features)`` reads and ``s.learn(lesson)`` / ``s.record(row)`` write.
"""

from __future__ import annotations

from .store import DEFAULT_SQLITE_PATH, Session, Store, resolve_url

__all__ = ["DEFAULT_SQLITE_PATH", "Session", "Store", "resolve_url"]

"""Schema creation and upgrades: ``vecguard db upgrade``.

The ``meta`` table holds ``schema_version``. A vecguard release expects exactly
``models.SCHEMA_VERSION`` and :class:`~vecguard.history.store.Store` refuses any other version, so a
gateway never writes rows into a schema it does not understand. Upgrading is an explicit step:

    systemctl stop vecguard-milter        # on every gateway sharing the database
    vecguard db upgrade --db URL          # once; idempotent, safe to run on every host
    systemctl start vecguard-milter

:data:`MIGRATIONS` maps a stored version to the next one and the function that gets it there (plain DDL
on the connection). ``upgrade`` runs the chain in one transaction (PostgreSQL has transactional DDL;
SQLite mostly does), under a PostgreSQL advisory lock so that two hosts upgrading at once run it once.
An empty database gets the current schema directly. A database newer than this vecguard is an error:
downgrades are not supported (restore the backup taken before the upgrade).

No Alembic: the schema is small, Core-only and versioned by one number; a dict of steps, tested, is
easier to read than a migrations directory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from sqlalchemy import create_engine, exc, insert, select, text, update
from sqlalchemy.engine import Connection, make_url

from ..errors import StoreError
from . import models as m
from .store import resolve_url

Step = Callable[[Connection], None]

def _review_columns(conn: Connection) -> None:
    """1 -> 2: what the review CLI needs on each decision (the audit table comes from create_all)."""
    for column, kind in (("subject", "TEXT"), ("mail_from", f"VARCHAR({m.MAX_TEXT})"),
                         ("client_address", "VARCHAR(64)"), ("details", "TEXT")):
        conn.execute(text(f"ALTER TABLE decision ADD COLUMN {column} {kind}"))


MIGRATIONS: Final[Mapping[str, tuple[str, Step]]] = {
    "1": ("2", _review_columns),
}

ADVISORY_LOCK_ID: Final = 0x76656367  # "vecg": serialises schema work between gateways on PostgreSQL


def lock_schema(conn: Connection) -> None:
    """On PostgreSQL, hold the schema lock until the transaction ends (no-op on SQLite, whose writers
    are serialised by the database lock already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})


def stored_version(conn: Connection) -> str | None:
    """The schema version in the database, None when it has no vecguard schema."""
    if not conn.dialect.has_table(conn, "meta"):
        return None
    value = conn.execute(select(m.meta.c.value).where(m.meta.c.key == "schema_version")).scalar()
    return None if value is None else str(value)


def upgrade(url: str | None, *, migrations: Mapping[str, tuple[str, Step]] = MIGRATIONS,
            target: str = m.SCHEMA_VERSION) -> tuple[str | None, str]:
    """Bring the database at ``url`` to ``target``; returns (version before, version after)."""
    resolved = resolve_url(url)
    try:
        engine = create_engine(make_url(resolved))
    except (exc.ArgumentError, ImportError) as error:
        raise StoreError(f"invalid history database URL {resolved!r}: {error}") from None
    safe = engine.url.render_as_string(hide_password=True)
    try:
        with engine.begin() as conn:
            lock_schema(conn)
            before = stored_version(conn)
            version = before
            if version is None:
                m.metadata.create_all(conn)
                conn.execute(insert(m.meta).values(key="schema_version", value=target))
                return None, target
            seen: set[str] = set()
            while version != target:
                if version not in migrations or version in seen:
                    raise StoreError(f"history in {safe} has schema version {version}; this vecguard knows no "
                                     f"upgrade from it to {target} (is the database newer than this vecguard?)")
                seen.add(version)
                version, step = migrations[version]
                step(conn)
            m.metadata.create_all(conn)  # tables added by this release, if a step did not create them
            conn.execute(update(m.meta).where(m.meta.c.key == "schema_version").values(value=target))
            return before, target
    except exc.SQLAlchemyError as error:
        raise StoreError(f"cannot upgrade history database {safe}: {error.__class__.__name__}: "
                         f"{str(getattr(error, 'orig', error)).splitlines()[0]}") from error
    finally:
        engine.dispose()

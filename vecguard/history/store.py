"""The history store: builds read-only Baselines and applies Lessons, on SQLite or PostgreSQL.

One :class:`Store` per process holds the engine; one :class:`Session` is one connection and one
transaction. The milter opens a session per message (``baseline()``, decide, ``learn()``, ``record()``);
the offline scanner keeps one session for many messages and calls ``commit()`` every N of them.

Speed. The store is most of the per-message cost, so its hot path (``baseline``, ``learn``, ``record``)
runs statements that are written as SQLAlchemy Core constructs, compiled once per dialect (and once per
IN-list length bucket), and executed on the driver's own cursor (:mod:`vecguard.history.statements`): SQLAlchemy's per-execution work (cache
key, parameter and result processing) costs 40-140 µs a statement, several times an indexed SQLite
query. The price is that the session converts values itself (datetimes to UTC, see ``_dump``/``_load``).
Reads are a handful of indexed SELECTs whose cost does not grow with history; writes are a few
upserts per lesson (executemany on SQLite, one multi-row VALUES statement each on PostgreSQL).

Concurrency. Counters are incremented inside the database (``ON CONFLICT DO UPDATE SET n = n +
excluded.n``), so gateways sharing one PostgreSQL never lose counts, and rows are written in sorted
order, so concurrent upserts take row locks in the same order and do not deadlock. SQLite runs in WAL
mode with ``synchronous=NORMAL``; the sqlite3 driver opens its transaction at the first write, so the
reads of ``baseline()`` hold no snapshot that another writer could invalidate before ``learn()`` writes
(which would fail at once with SQLITE_BUSY_SNAPSHOT instead of waiting for the lock).
"""

from __future__ import annotations

import functools
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import (
    create_engine,
    delete,
    event,
    exc,
    select,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ..baseline import Baseline, KnownDomain, Profile, ThreadView
from ..domains import registered_domain
from ..errors import StoreError
from . import models as m
from .statements import SELECT_DECISIONS, SELECT_DECISIONS_SINCE, SELECT_VERSION, Prepared, Statements, Write, bucket

if TYPE_CHECKING:
    from ..features import Features
    from ..learn import Lesson

KeysFunction = Callable[[str], frozenset[str]]

DEFAULT_SQLITE_PATH: Final = "$XDG_STATE_HOME/vecguard/history.db"
"""Where history lives when no URL is given: ``$VECGUARD_DB`` (a URL or a file path) if set, else SQLite
at ``$XDG_STATE_HOME/vecguard/history.db``, which is ``~/.local/state/vecguard/history.db`` when
XDG_STATE_HOME is unset. Under systemd, ``StateDirectory=vecguard`` plus
``Environment=VECGUARD_DB=/var/lib/vecguard/history.db`` puts it in the state directory."""

SUPPORTED: Final = {"sqlite": ("pysqlite",), "postgresql": ("psycopg", "psycopg2")}
_MAX = m.MAX_TEXT
_EMPTY_FACTS: Mapping[str, Mapping[str, int]] = MappingProxyType({})
_NO_COUNTS: Mapping[str, int] = MappingProxyType({})
_NO_SIMILAR: Mapping[str, tuple[KnownDomain, ...]] = MappingProxyType({})
_NO_COPIES: Mapping[str, tuple[str, ...]] = MappingProxyType({})
MAX_COPY_TARGETS = 5  # known domains per sender checked for copied people (similar is ranked by history)


def default_sqlite_path() -> Path:
    """The default SQLite file, from XDG_STATE_HOME (see DEFAULT_SQLITE_PATH)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "vecguard" / "history.db"


def resolve_url(url: str | None) -> str:
    """The database URL to use: ``url``, else ``$VECGUARD_DB``, else the default SQLite file.

    A value without ``://`` is taken as a SQLite file path, so ``--db /var/lib/vecguard/history.db``
    works as well as ``--db sqlite:////var/lib/vecguard/history.db``.
    """
    value = url or os.environ.get("VECGUARD_DB") or ""
    if not value:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    return value


def _clip(value: str) -> str:
    return value[:_MAX]


def _one_line(error: BaseException) -> str:
    """The first non-empty line of an exception (of the driver's own error when there is one)."""
    inner = getattr(error, "orig", None) or error
    for line in str(inner).splitlines():
        if line.strip():
            return line.strip()
    return type(inner).__name__


def _default_keys(domain: str) -> frozenset[str]:
    # Imported on first use: the store must open (and tests must run) without the lookalike module.
    from ..lookalike import index_keys

    return index_keys(domain)


def _default_query_keys(host: str) -> frozenset[str]:
    """Query side of the lookalike index: a candidate's own keys plus the names embedded in it
    (``harborlogistics-invoices.com``, ``harborlogistics.co.uk.evil.net``)."""
    from ..lookalike import embedded_keys, index_keys

    return index_keys(host) | embedded_keys(host)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL lets readers (scans, `vecguard held`) run beside the milter's writer; NORMAL is durable
    enough in WAL (a power cut may lose the last commits, never corrupt); SQLite leaves foreign keys
    off unless asked. The page cache (2 MB by default) is raised to 32 MB a connection, allocated as
    pages are read: lookups land all over the scope and fact b-trees, and a page read from the OS costs
    a system call, which made lookups up to twice as slow at 20k messages of history."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-32768")
    finally:
        cursor.close()


# Datetimes in the driver's form. SQLite keeps the text SQLAlchemy's DATETIME writes (naive UTC, so
# Core queries such as decisions() read the same rows); PostgreSQL takes and gives aware datetimes.

def _dump_sqlite(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def _load_sqlite(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _dump_aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _load_aware(value: Any) -> datetime | None:
    return None if value is None else _dump_aware(value)


# ---------------------------------------------------------------------------------------------------


class Store:
    """The history database of one deployment: an engine plus what every session shares.

    ``url`` is resolved by :func:`resolve_url`. ``keys`` is the lookalike index function (default
    ``vecguard.lookalike.index_keys``): two domains that look alike must share at least one key.
    With ``create`` the tables are created when missing; without it a missing schema is an error.
    Any problem opening the store raises :class:`StoreError` with a one-line reason.
    """

    def __init__(self, url: str | None = None, *, keys: KeysFunction | None = None, create: bool = True) -> None:
        self.url = resolve_url(url)
        try:
            parsed = make_url(self.url)
        except exc.ArgumentError:
            raise StoreError(f"invalid history database URL {self.url!r}") from None
        self.safe_url = parsed.render_as_string(hide_password=True)
        backend = parsed.get_backend_name()
        if backend not in SUPPORTED:
            raise StoreError(f"unsupported history database {backend!r} in {self.safe_url} "
                             "(use sqlite:///PATH or postgresql://...)")
        self._keys: KeysFunction = functools.lru_cache(maxsize=8192)(keys or _default_keys)
        self._query_keys: KeysFunction = (self._keys if keys is not None
                                          else functools.lru_cache(maxsize=8192)(_default_query_keys))
        self._indexed: set[str] = set()  # domains this process has put in the lookalike index
        self._engine = self._create_engine(parsed, backend, create)
        dialect = self._engine.dialect
        if dialect.driver not in SUPPORTED[backend]:
            self._engine.dispose()
            raise StoreError(f"unsupported driver {dialect.driver!r} for {backend} "
                             f"(use one of: {', '.join(SUPPORTED[backend])})")
        self.dialect = dialect.name
        self._sql = Statements(dialect)
        self._dump: Callable[[datetime | None], Any] = _dump_sqlite if backend == "sqlite" else _dump_aware
        self._load: Callable[[Any], datetime | None] = _load_sqlite if backend == "sqlite" else _load_aware
        self._driver_error: type[Exception] = dialect.loaded_dbapi.Error
        try:
            with self._engine.begin() as conn:
                self._prepare_schema(conn, create)
        except exc.SQLAlchemyError as error:
            self._engine.dispose()
            raise StoreError(f"cannot open history database {self.safe_url}: {_one_line(error)}") from error
        except StoreError:
            self._engine.dispose()
            raise

    def _create_engine(self, parsed: URL, backend: str, create: bool) -> Engine:
        options: dict[str, Any] = {}
        if backend == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                if not create and not Path(database).expanduser().exists():
                    # Opening would create an empty file: a read-only command must not leave one.
                    raise StoreError(f"no vecguard history in {self.safe_url}")
                try:
                    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    reason = error.strerror or str(error)
                    raise StoreError(f"cannot create the directory of {database}: {reason}") from error
        else:
            # A dead server must fail fast into the milter's fail mode, not hang the SMTP session;
            # pre-ping replaces connections that a server restart closed.
            options["pool_pre_ping"] = True
            if parsed.get_driver_name() in ("psycopg", "psycopg2"):
                options["connect_args"] = {"connect_timeout": 5}
        try:
            engine = create_engine(parsed, **options)
        except exc.NoSuchModuleError:
            raise StoreError(f"unsupported history database driver {parsed.drivername!r} in {self.safe_url}") from None
        except ImportError as error:
            raise StoreError(f"the database driver for {parsed.drivername} is not installed "
                             f"({error.name or _one_line(error)})") from None
        except (exc.ArgumentError, TypeError, ValueError) as error:
            raise StoreError(f"invalid history database URL {self.safe_url}: {_one_line(error)}") from None
        if backend == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def _prepare_schema(self, conn: Connection, create: bool) -> None:
        if create:
            if conn.dialect.name == "postgresql":
                # Gateways starting at once on an empty database: one creates, the others wait and see it.
                from .schema import lock_schema

                lock_schema(conn)
            m.metadata.create_all(conn)
            conn.execute(self._sql.insert_meta, {"key": "schema_version", "value": m.SCHEMA_VERSION})
        elif not self._engine.dialect.has_table(conn, "meta"):
            raise StoreError(f"no vecguard history in {self.safe_url}")
        version = conn.execute(SELECT_VERSION).scalar()
        if version != m.SCHEMA_VERSION:
            raise StoreError(f"history in {self.safe_url} has schema version {version}, "
                             f"this vecguard expects {m.SCHEMA_VERSION}")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One connection and one transaction: committed on a clean exit, rolled back on an exception.

        Database errors leave as :class:`StoreError` with a one-line reason.
        """
        try:
            conn = self._engine.connect()
        except exc.SQLAlchemyError as error:
            raise StoreError(f"cannot open history database {self.safe_url}: {_one_line(error)}") from error
        try:
            session = Session(self, conn)
            yield session
            session._finish()
        except (exc.DBAPIError, self._driver_error) as error:
            with suppress(exc.SQLAlchemyError, self._driver_error):
                conn.rollback()
            raise StoreError(f"history database error: {_one_line(error)}") from error
        except BaseException:
            with suppress(exc.SQLAlchemyError, self._driver_error):
                conn.rollback()
            raise
        finally:
            conn.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()


class Session:
    """One connection and transaction on the store. Not thread-safe: one per message or per scan."""

    def __init__(self, store: Store, conn: Connection) -> None:
        self._store = store
        self._conn = conn
        self._sql = store._sql
        self._keys = store._keys
        self._query_keys = store._query_keys
        self._dump = store._dump
        self._load = store._load
        self._pending_domains: set[str] = set()
        # The hot path runs on the driver's cursor, so SQLAlchemy must be told a transaction is open,
        # or its commit() would do nothing (the drivers begin lazily; this costs no round trip).
        conn.begin()
        driver = conn.connection.driver_connection
        assert driver is not None
        self._cursor = driver.cursor()

    @property
    def connection(self) -> Connection:
        """The underlying SQLAlchemy connection (for tests and maintenance scripts)."""
        return self._conn

    def commit(self) -> None:
        """Commit what was written so far; the session stays usable in a new transaction."""
        self._finish()
        self._conn.begin()

    def _finish(self) -> None:
        self._conn.commit()
        self._store._indexed |= self._pending_domains
        self._pending_domains.clear()

    def _fetch(self, statement: Prepared, params: Mapping[str, Any]) -> list[Any]:
        sql, args = statement.bind(params)
        self._cursor.execute(sql, args)
        rows: list[Any] = self._cursor.fetchall()
        return rows

    def _execute(self, statement: Prepared, params: Mapping[str, Any]) -> None:
        sql, args = statement.bind(params)
        self._cursor.execute(sql, args)

    def _write(self, write: Write, rows: Sequence[Mapping[str, Any]]) -> None:
        write.run(self._cursor, rows)

    # ------------------------------------------------------------------------------------------ read

    def baseline(self, f: Features, lookalike_candidates: Iterable[str] = ()) -> Baseline:
        """The history relevant to one message, read with a handful of indexed SELECTs.

        - ``sender``: the sender's profile; for outbound and internal mail the profile of our own user.
        - ``org``: the sender's organisation (registered domain); empty for our own users.
        - ``relationships``: the other party's address -> messages exchanged with the sender, both
          ways. Inbound: the sender's mail to each local recipient of this message, plus mail that
          any of our users sent to the sender. Outbound: our user's mail to each recipient and theirs
          to our user.
        - ``thread``: which referenced Message-IDs are known and ours, their threads' participants
          and message count.
        - ``similar``: for the sender's organisation, each Reply-To organisation and every
          ``lookalike_candidates`` domain, the known organisations sharing a lookalike index key
          (the candidate itself excluded), most messages first.
        - ``reply_to``: the profiles (counters only, no facts) of the Reply-To addresses and orgs.
        - ``known_lists``: the To/Cc addresses that are mailing lists we receive (in the same read).
        - ``copied``: see ``_copied_people`` (a read only for senders resembling a known domain).

        The cost does not depend on how much history there is: every query is an index lookup.
        """
        sender = f.sender
        inbound = f.direction == "inbound"
        sender_scope = "sender" if inbound else "local"
        sender_key = _clip(sender.address) if sender else ""
        org_key = _clip(sender.org) if sender and inbound and sender.org else ""

        wanted: dict[tuple[str, str], None] = {}
        if sender_key:
            wanted[(sender_scope, sender_key)] = None
        if org_key:
            wanted[("org", org_key)] = None
        reply_keys: dict[tuple[str, str], str] = {}
        for address in f.reply_to:
            reply_keys[("sender", _clip(address.address))] = address.address
            if address.org:
                reply_keys[("org", _clip(address.org))] = address.org
        wanted.update(dict.fromkeys(reply_keys))
        list_keys = {("list", _clip(a.address)) for a in f.to + f.cc} if inbound else set()
        wanted.update(dict.fromkeys(sorted(list_keys)))

        rows: dict[tuple[str, str], tuple[Any, ...]] = {}
        if wanted:
            params = {"scopes": sorted({s for s, _ in wanted}), "keys": sorted({k for _, k in wanted})}
            for row in self._fetch(self._sql.scopes, params):
                if (row[1], row[2]) in wanted:
                    rows[(row[1], row[2])] = row

        sender_row = rows.get((sender_scope, sender_key))
        org_row = rows.get(("org", org_key))
        fact_ids = [r[0] for r in (sender_row, org_row) if r is not None]
        facts: dict[int, dict[str, dict[str, int]]] = {i: {} for i in fact_ids}
        if fact_ids:
            for scope_id, kind, value, count in self._fetch(self._sql.facts, {"ids": fact_ids}):
                facts[scope_id].setdefault(kind, {})[value] = count

        similar = self._similar(_candidates(f, org_key, lookalike_candidates))
        return Baseline(
            sender=self._profile(sender_row, facts) if sender_row is not None else Profile(key=sender_key),
            org=self._profile(org_row, facts) if org_row is not None else Profile(key=org_key),
            relationships=self._relationships(f, sender_key, inbound),
            thread=self._thread(f),
            similar=similar,
            reply_to=MappingProxyType({
                original: self._profile(rows[k], {}) if k in rows else Profile(key=k[1])
                for k, original in reply_keys.items()
            }),
            **self._local_users(f),
            copied=self._copied_people(f, similar.get(org_key, ())) if org_key else _NO_COPIES,
            known_lists=MappingProxyType({key: rows[(scope, key)][6] for scope, key in list_keys if (scope, key) in rows}),
        )

    def _local_users(self, f: Features) -> dict[str, frozenset[str]]:
        """``local_names`` and ``local_addresses`` of the Baseline, for inbound mail, from the 'local' rows.

        By display name: the sender's name (two words or more) gives the addresses a local user of that
        name would have under the usual conventions (lena.fischer@, lfischer@, fischer.lena@, lena@...) at
        the domains the message was delivered to; those that exist and carry the same display name are
        the local users it names. One indexed lookup, whatever the number of local users (a user whose
        address follows no convention is missed). By address: the sender's local part at those domains,
        for personal-looking local parts only (with a dot, underscore or hyphen: never info@ or sales@)."""
        sender = f.sender
        if sender is None or f.direction != "inbound":
            return {}
        domains = sorted({r.rsplit("@", 1)[1] for r in f.local_recipients if "@" in r})
        if not domains:
            return {}
        name = " ".join(sender.name.split()).casefold()
        wanted = {_clip(f"{part}@{d}") for part in _conventional_local_parts(name) for d in domains}
        local_part = sender.address.rsplit("@", 1)[0]
        personal = len(local_part) >= 5 and any(c in local_part for c in "._-")
        own_keys = {_clip(f"{local_part}@{d}") for d in domains} if personal else set()
        keys = sorted((wanted | own_keys) - {sender.address})
        names: set[str] = set()
        addresses: set[str] = set()
        if keys:
            for key, stored in self._fetch(self._sql.local_by_key, {"keys": keys}):
                if key in own_keys:
                    addresses.add(key)
                if key in wanted and " ".join(stored.split()).casefold() == name:
                    names.add(name)
        return {"local_names": frozenset(names), "local_addresses": frozenset(addresses)}

    def _copied_people(self, f: Features, targets: Sequence[KnownDomain]) -> Mapping[str, tuple[str, ...]]:
        """``copied`` of the Baseline: for the known domains the inbound sender's organisation resembles,
        the known correspondents there whose local part or display name the sender has. By address: the
        sender's local part at the known domain or at a subdomain of it (the 'person' rows). By display
        name (two words or more): the addresses a person of that name would have there under the usual
        conventions (as for local users), kept when the stored display name is the same. One indexed
        lookup, and only for a sender whose organisation resembles a known one at all (rare: no query
        for most messages)."""
        sender = f.sender
        if sender is None:
            return _NO_COPIES
        domains = [k.domain for k in targets if k.domain != sender.org and not k.local][:MAX_COPY_TARGETS]
        if not domains:
            return _NO_COPIES
        name = " ".join(sender.name.split()).casefold()
        local_part = sender.address.rsplit("@", 1)[0]
        by_address = {_clip(f"{local_part}@{d}"): d for d in domains}
        by_name = {_clip(f"{part}@{d}"): d for part in _conventional_local_parts(name) for d in domains}
        domain_of = by_name | by_address
        copied: dict[str, list[str]] = {}
        for key, stored in self._fetch(self._sql.correspondents_by_key, {"keys": sorted(domain_of)}):
            if key in by_address or " ".join(stored.split()).casefold() == name:
                copied.setdefault(domain_of[key], []).append(key)
        return MappingProxyType({d: tuple(sorted(keys)) for d, keys in copied.items()}) if copied else _NO_COPIES

    def _profile(self, row: tuple[Any, ...], facts: Mapping[int, Mapping[str, Mapping[str, int]]]) -> Profile:
        scope_id, _, key, name, first_seen, last_seen, inbound, outbound, link_messages, held = row
        kinds = facts.get(scope_id)
        return Profile(
            key=key, inbound=inbound, outbound=outbound, link_messages=link_messages, held=held,
            first_seen=self._load(first_seen), last_seen=self._load(last_seen),
            names=(name,) if name else (),
            facts=MappingProxyType({k: MappingProxyType(v) for k, v in kinds.items()}) if kinds else _EMPTY_FACTS,
        )

    def _relationships(self, f: Features, sender: str, inbound: bool) -> Mapping[str, int]:
        if not sender:
            return _NO_COUNTS
        if inbound:
            recipients = sorted({_clip(r) for r in f.local_recipients})
            rows = self._fetch(self._sql.relationships_inbound, {
                "sender": sender, "recipients": recipients, "sender_as_recipient": sender})
        else:
            local = set(f.local_recipients)
            named = [a.address for a in f.to + f.cc] + list(f.envelope_rcpts)
            recipients = sorted({_clip(r) for r in named if r not in local})
            if not recipients:
                return _NO_COUNTS
            rows = self._fetch(self._sql.relationships_local, {
                "sender": sender, "recipients": recipients,
                "sender_as_recipient": sender, "recipients_as_sender": recipients})
        counts: dict[str, int] = {}
        for row_sender, row_recipient, count in rows:
            other = row_recipient if row_sender == sender else row_sender
            counts[other] = counts.get(other, 0) + count
        return MappingProxyType(counts)

    def _thread(self, f: Features) -> ThreadView:
        referenced = tuple(dict.fromkeys(_clip(i) for i in f.in_reply_to + f.references))
        if not referenced:
            return ThreadView()
        known: set[str] = set()
        ours: set[str] = set()
        keys: set[str] = set()
        for message_id, thread_key, is_ours in self._fetch(self._sql.thread_messages, {"ids": list(referenced)}):
            known.add(message_id)
            keys.add(thread_key)
            if is_ours:
                ours.add(message_id)
        if not keys:
            return ThreadView(referenced=referenced)
        key_list = sorted(keys)
        participants = frozenset(r[0] for r in self._fetch(self._sql.thread_participants, {"keys": key_list}))
        messages = self._fetch(self._sql.count_thread_messages, {"keys": key_list})[0][0]
        return ThreadView(referenced, frozenset(known), frozenset(ours), participants, int(messages))

    def _similar(self, candidates: Sequence[str]) -> Mapping[str, tuple[KnownDomain, ...]]:
        if not candidates:
            return _NO_SIMILAR
        keys_of = {c: self._query_keys(c) for c in candidates}
        all_keys = sorted(set[str]().union(*keys_of.values()))
        by_key: dict[str, dict[str, int]] = {}
        if all_keys:
            for key, domain, messages in self._fetch(self._sql.similar, {"keys": all_keys}):
                by_key.setdefault(key, {})[domain] = int(messages)
        similar: dict[str, tuple[KnownDomain, ...]] = {}
        for candidate, keys in keys_of.items():
            found: dict[str, int] = {}
            for key in keys:
                found.update(by_key.get(key, {}))
            found.pop(candidate, None)
            own = registered_domain(candidate)
            if own in found:
                # The candidate's own organisation is known (docs.google.com): it imitates nothing, and
                # the lookalike detector stops at this entry. Its namesakes (google.de, google.fr and 200
                # more in a large history) need not be handed over one by one.
                similar[candidate] = (KnownDomain(own, found[own]),)
                continue
            ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))
            similar[candidate] = tuple(KnownDomain(d, n) for d, n in ranked)
        return MappingProxyType(similar)

    # ----------------------------------------------------------------------------------------- write

    def learn(self, lesson: Lesson) -> None:
        """Apply what one decided message teaches, with upserts that increment counters in place.

        A scope lesson with only ``held`` set does not move first/last seen: held mail teaches nothing
        else. A new message joins the thread of its first known parent, else the thread named by its
        first parent, else starts its own. Lessons without a date leave first/last seen alone.
        """
        seen = self._dump(lesson.seen_at)

        merged: dict[tuple[str, str], _ScopeTotals] = {}
        for part in lesson.scopes:
            if not part.key:
                continue
            key = (part.scope, _clip(part.key))
            totals = merged.get(key)
            if totals is None:
                totals = merged[key] = _ScopeTotals()
            totals.add(part.name, part.inbound, part.outbound, part.link_messages, part.held, part.facts)
        if merged:
            ordered = sorted(merged.items())
            self._write(self._sql.upsert_scope, [totals.params(key, seen) for key, totals in ordered])
            fact_rows = [
                {"scope": key[0], "key": key[1], "kind": kind, "value": value, "count": count,
                 "first_seen": seen, "last_seen": seen}
                for key, totals in ordered
                for (kind, value), count in sorted(totals.facts.items())
            ]
            if fact_rows:
                self._write(self._sql.upsert_fact, fact_rows)

        if lesson.relationships:
            pairs = Counter((_clip(s), _clip(r)) for s, r in lesson.relationships if s and r)
            if pairs:
                self._write(self._sql.upsert_relationship, [
                    {"sender": s, "recipient": r, "count": n, "first_seen": seen, "last_seen": seen}
                    for (s, r), n in sorted(pairs.items())
                ])

        if lesson.thread is not None and lesson.thread.message_id:
            self._learn_thread(lesson, seen)

        indexed = self._store._indexed
        new_domains = [d for d in dict.fromkeys(lesson.known_domains)
                       if d and d not in indexed and d not in self._pending_domains]
        if new_domains:
            key_rows = sorted({(_clip(k), _clip(d)) for d in new_domains for k in self._keys(d)})
            if key_rows:
                self._write(self._sql.insert_domain_key, [{"key": k, "domain": d} for k, d in key_rows])
            self._pending_domains.update(new_domains)

    def _learn_thread(self, lesson: Lesson, seen: Any) -> None:
        thread = lesson.thread
        assert thread is not None
        message_id = _clip(thread.message_id)
        # The first known parent names the thread, else the first parent, else the message itself. A
        # reference chain longer than 16 is looked up by its first 16 (In-Reply-To and the root).
        parents = list(dict.fromkeys(_clip(p) for p in thread.parents if p))[:16] or [message_id]
        size = bucket(len(parents))
        params: dict[str, Any] = {f"p_{i}": parents[min(i, len(parents) - 1)] for i in range(size)}
        params.update(message_id=message_id, fallback=parents[0], sender=_clip(thread.sender), ours=thread.ours,
                      seen_at=seen if seen is not None else self._dump(datetime.now(UTC)))
        self._execute(self._sql.insert_thread_message(size), params)
        people = {_clip(p) for p in thread.participants if p}
        if thread.sender:
            people.add(_clip(thread.sender))
        if people:
            self._write(self._sql.insert_participant,
                        [{"message_id": message_id, "address": p} for p in sorted(people)])

    # -------------------------------------------------------------------------------- decision log

    def record(self, record: Mapping[str, object]) -> None:
        """Append one decision to the log.

        Keys: message_id, queue_id, date (datetime or None), sender, recipients (list of addresses),
        direction, score, action, signals (list of {name, score, strength, evidence}), source, subject,
        mail_from, client_address, details (a JSON-able mapping, see vecguard.report.details). Missing keys
        are stored as NULL or empty.
        """
        date = record.get("date")
        score = record.get("score")
        recipients = record.get("recipients") or []
        signals = record.get("signals") or []
        source = record.get("source")
        details = record.get("details")
        self._execute(self._sql.insert_decision, {
            "message_id": _text(record.get("message_id")),
            "queue_id": _text(record.get("queue_id"), 64),
            "created_at": self._dump(datetime.now(UTC)),
            "message_date": self._dump(date if isinstance(date, datetime) else None),
            "sender": _text(record.get("sender")),
            "recipients": json.dumps(list(recipients) if isinstance(recipients, Iterable) else [], default=str),
            "direction": _text(record.get("direction"), 16),
            "score": float(score) if isinstance(score, int | float) else 0.0,
            "action": _text(record.get("action"), 16) or "",
            "signals": json.dumps(list(signals) if isinstance(signals, Iterable) else [], default=str),
            "source": None if source is None else str(source),
            "subject": _text(record.get("subject"), 998),
            "mail_from": _text(record.get("mail_from")),
            "client_address": _text(record.get("client_address"), 64),
            "details": None if details is None else json.dumps(details, default=str),
        })

    def decisions(self, since: datetime | None = None, limit: int | None = None) -> list[dict[str, object]]:
        """Logged decisions, newest first, optionally only those logged at or after ``since``.

        Each is a dict with the keys :meth:`record` takes (``date`` is the message's Date) plus
        ``id`` and ``created_at``.
        """
        statement = SELECT_DECISIONS if since is None else SELECT_DECISIONS_SINCE
        if limit is not None:
            statement = statement.limit(limit)
        result = self._conn.execute(statement, {"since": since} if since is not None else {})
        return [decision_row(row) for row in result]

    def prune(self, older_than: datetime) -> int:
        """Delete decisions logged and thread messages seen before ``older_than``, and the participants
        of threads left without messages. Returns how many rows went. Rolled-up history stays."""
        conn = self._conn
        tm, tp = m.thread_message.c, m.thread_participant.c
        removed = conn.execute(delete(m.decision).where(m.decision.c.created_at < older_than)).rowcount
        removed += conn.execute(delete(m.thread_message).where(tm.seen_at < older_than)).rowcount
        orphans = ~select(tm.message_id).where(tm.thread_key == tp.thread_key).exists()
        removed += conn.execute(delete(m.thread_participant).where(orphans)).rowcount
        return removed


# ---------------------------------------------------------------------------------------------------


def decision_row(row: Any) -> dict[str, object]:
    """A decision-table row as the dict :meth:`Session.record` takes, plus ``id`` and ``created_at``
    (``date`` is the message's Date); JSON columns decoded, ``details`` {} on rows older than schema 2."""
    return {
        "id": row.id, "message_id": row.message_id, "queue_id": row.queue_id,
        "created_at": row.created_at, "date": row.message_date, "sender": row.sender,
        "recipients": json.loads(row.recipients), "direction": row.direction, "score": row.score,
        "action": row.action, "signals": json.loads(row.signals), "source": row.source,
        "subject": row.subject, "mail_from": row.mail_from, "client_address": row.client_address,
        "details": json.loads(row.details) if row.details else {},
    }


class _ScopeTotals:
    """The increments of one scope within one lesson (a lesson may name a scope twice)."""

    __slots__ = ("facts", "held", "inbound", "link_messages", "name", "outbound")

    def __init__(self) -> None:
        self.name = ""
        self.inbound = self.outbound = self.link_messages = self.held = 0
        self.facts: Counter[tuple[str, str]] = Counter()

    def add(self, name: str, inbound: int, outbound: int, link_messages: int, held: int,
            facts: Iterable[tuple[str, str]]) -> None:
        self.name = name or self.name
        self.inbound += inbound
        self.outbound += outbound
        self.link_messages += link_messages
        self.held += held
        self.facts.update((kind, _clip(value)) for kind, value in facts)

    def params(self, key: tuple[str, str], seen: Any) -> dict[str, object]:
        # Held mail only counts as held: it must not make a sender look recently or long seen.
        active = bool(self.inbound or self.outbound or self.link_messages or self.facts)
        when = seen if active else None
        return {
            "scope": key[0], "key": key[1], "name": _clip(self.name), "first_seen": when, "last_seen": when,
            "inbound": self.inbound, "outbound": self.outbound, "link_messages": self.link_messages,
            "held": self.held,
        }


def _candidates(f: Features, org: str, extra: Iterable[str]) -> list[str]:
    found: dict[str, None] = {}
    if org:
        found[org] = None
    for address in f.reply_to:
        if address.org:
            found[_clip(address.org)] = None
    for domain in extra:
        if domain:
            found[_clip(domain)] = None
    return list(found)


def _conventional_local_parts(name: str) -> set[str]:
    """Local parts a person called ``name`` (casefolded, two words or more) is usually given:
    first.last, first_last, first-last, firstlast, flast, f.last, last.first, lastf, first.l, firstl,
    first, last; accents folded (jürgen.müller -> jurgen.muller)."""
    ascii_name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    words = [w for w in re.split(r"[^\w]+", ascii_name) if w and not w.isdigit()]
    if len(words) < 2 or not ascii_name.isascii():
        return set()
    first, last = words[0], words[-1]
    return {f"{first}.{last}", f"{first}_{last}", f"{first}-{last}", f"{first}{last}", f"{first[0]}{last}",
            f"{first[0]}.{last}", f"{last}.{first}", f"{last}{first[0]}", f"{first}.{last[0]}", f"{first}{last[0]}",
            first, last}


def _text(value: object, limit: int = _MAX) -> str | None:
    return None if value is None else str(value)[:limit]

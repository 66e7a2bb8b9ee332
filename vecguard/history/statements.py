"""The history store's SQL: every statement written once as a SQLAlchemy Core construct, and the thin layer
that compiles each once per dialect (and IN-list length bucket) and runs it on the driver's own cursor.

Why not plain SQLAlchemy execution: its per-execution work (cache key, parameter and result processing)
costs 40-140 µs a statement, several times an indexed SQLite query; see :mod:`vecguard.history.store`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    Dialect,
    Insert,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import Table
from sqlalchemy.sql.compiler import SQLCompiler

from . import models as m

# ---------------------------------------------------------------------------------------------------
# Statements, written once as Core constructs.

_sc, _fa, _re = m.scope.c, m.fact.c, m.relationship.c
_tm, _tp, _dk, _de = m.thread_message.c, m.thread_participant.c, m.domain_key.c, m.decision.c


def _in(name: str) -> Any:
    return bindparam(name, expanding=True)


_SELECT_SCOPES = select(
    _sc.id, _sc.scope, _sc.key, _sc.name, _sc.first_seen, _sc.last_seen,
    _sc.inbound, _sc.outbound, _sc.link_messages, _sc.held,
).where(_sc.scope.in_(_in("scopes")), _sc.key.in_(_in("keys")))
_SELECT_FACTS = select(_fa.scope_id, _fa.kind, _fa.value, _fa["count"]).where(_fa.scope_id.in_(_in("ids")))
# Inbound: the sender's mail to this message's recipients, and mail to the sender from any of our users.
_SELECT_RELATIONSHIPS_INBOUND = select(_re.sender, _re.recipient, _re["count"]).where(
    _re.sender == bindparam("sender"), _re.recipient.in_(_in("recipients")),
).union_all(select(_re.sender, _re.recipient, _re["count"]).where(_re.recipient == bindparam("sender_as_recipient")))
# Outbound and internal: our user's mail to this message's recipients, and theirs to our user.
_SELECT_RELATIONSHIPS_LOCAL = select(_re.sender, _re.recipient, _re["count"]).where(
    _re.sender == bindparam("sender"), _re.recipient.in_(_in("recipients")),
).union_all(select(_re.sender, _re.recipient, _re["count"]).where(
    _re.recipient == bindparam("sender_as_recipient"), _re.sender.in_(_in("recipients_as_sender"))))
_SELECT_THREAD_MESSAGES = select(_tm.message_id, _tm.thread_key, _tm.ours).where(_tm.message_id.in_(_in("ids")))
_SELECT_THREAD_PARTICIPANTS = select(_tp.address).where(_tp.thread_key.in_(_in("keys")))
_COUNT_THREAD_MESSAGES = select(func.count()).select_from(m.thread_message).where(_tm.thread_key.in_(_in("keys")))
_SELECT_SIMILAR = (
    select(_dk.key, _dk.domain, func.coalesce(_sc.inbound + _sc.outbound, 0))
    .select_from(m.domain_key.outerjoin(m.scope, and_(_sc.scope == "org", _sc.key == _dk.domain)))
    .where(_dk.key.in_(_in("keys")))
)
# Local users an inbound sender may impersonate, by address (the (scope, key) index); see _local_users.
_SELECT_LOCAL_BY_KEY = select(_sc.key, _sc.name).where(_sc.scope == "local", _sc.key.in_(_in("keys")))
# Known correspondents (mail exchanged either way, not only held) by address, or by local part at their
# organisation (the 'person' rows of subdomain addresses); see _copied_people.
_SELECT_CORRESPONDENTS_BY_KEY = select(_sc.key, _sc.name).where(
    or_(_sc.scope == "sender", _sc.scope == "person"), _sc.key.in_(_in("keys")), _sc.inbound + _sc.outbound > 0)
_INSERT_DECISION = insert(m.decision)
_DECISION_COLUMNS = ("message_id", "queue_id", "created_at", "message_date", "sender", "recipients",
                     "direction", "score", "action", "signals", "source", "subject", "mail_from",
                     "client_address", "details")
SELECT_DECISIONS = select(
    _de.id, _de.message_id, _de.queue_id, _de.created_at, _de.message_date, _de.sender, _de.recipients,
    _de.direction, _de.score, _de.action, _de.signals, _de.source, _de.subject, _de.mail_from,
    _de.client_address, _de.details,
).order_by(_de.created_at.desc(), _de.id.desc())
SELECT_DECISIONS_SINCE = SELECT_DECISIONS.where(_de.created_at >= bindparam("since"))
SELECT_VERSION = select(m.meta.c.value).where(m.meta.c.key == "schema_version")
_SCOPE_COLUMNS = ("scope", "key", "name", "first_seen", "last_seen", "inbound", "outbound", "link_messages", "held")


def _earliest(current: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    """NULL-safe MIN that reads the same in SQLite and PostgreSQL (SQLite's min() returns NULL)."""
    return case((or_(current.is_(None), new < current), new), else_=current)


def _latest(current: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    """NULL-safe MAX, as :func:`_earliest`."""
    return case((or_(current.is_(None), new > current), new), else_=current)


@dataclass(frozen=True, slots=True)
class _WriteSpec:
    """An INSERT the hot path runs for many rows: which columns rows bind, which are computed in SQL
    (their parameters named with a suffix per row), and what happens on a conflict."""

    table: Table
    columns: tuple[str, ...]
    conflict: tuple[str, ...]
    update: Callable[[Any], dict[str, Any]] | None = None  # excluded -> SET clause; None: DO NOTHING
    computed: Callable[[str], dict[str, Any]] | None = None  # parameter suffix -> column: expression


def _scope_update(excluded: Any) -> dict[str, Any]:
    return {
        "name": case((excluded.name != "", excluded.name), else_=_sc.name),
        "first_seen": _earliest(_sc.first_seen, excluded.first_seen),
        "last_seen": _latest(_sc.last_seen, excluded.last_seen),
        "inbound": _sc.inbound + excluded.inbound,
        "outbound": _sc.outbound + excluded.outbound,
        "link_messages": _sc.link_messages + excluded.link_messages,
        "held": _sc.held + excluded.held,
    }


def _fact_update(excluded: Any) -> dict[str, Any]:
    return {
        "count": _fa["count"] + excluded["count"],
        "first_seen": _earliest(_fa.first_seen, excluded.first_seen),
        "last_seen": _latest(_fa.last_seen, excluded.last_seen),
    }


def _relationship_update(excluded: Any) -> dict[str, Any]:
    return {
        "count": _re["count"] + excluded["count"],
        "first_seen": _earliest(_re.first_seen, excluded.first_seen),
        "last_seen": _latest(_re.last_seen, excluded.last_seen),
    }


def _scope_id(suffix: str) -> dict[str, Any]:
    # The id comes from a subquery on (scope, key), so a lesson needs no RETURNING round trip.
    return {"scope_id": select(_sc.id).where(
        _sc.scope == bindparam(f"scope{suffix}"), _sc.key == bindparam(f"key{suffix}")).scalar_subquery()}


def _stored_thread_key(suffix: str) -> dict[str, Any]:
    # Participants go under the thread key the message was stored with.
    return {"thread_key": select(_tm.thread_key).where(_tm.message_id == bindparam(f"message_id{suffix}"))
            .scalar_subquery()}


_SCOPE_WRITE = _WriteSpec(m.scope, _SCOPE_COLUMNS, ("scope", "key"), _scope_update)
_FACT_WRITE = _WriteSpec(m.fact, ("kind", "value", "count", "first_seen", "last_seen"),
                         ("scope_id", "kind", "value"), _fact_update, _scope_id)
_RELATIONSHIP_WRITE = _WriteSpec(m.relationship, ("sender", "recipient", "count", "first_seen", "last_seen"),
                                 ("sender", "recipient"), _relationship_update)
_PARTICIPANT_WRITE = _WriteSpec(m.thread_participant, ("address",), ("thread_key", "address"),
                                computed=_stored_thread_key)
_DOMAIN_KEY_WRITE = _WriteSpec(m.domain_key, ("key", "domain"), ("key", "domain"))
_THREAD_MESSAGE_COLUMNS = ("message_id", "sender", "ours", "seen_at")


def _insert(dialect: str, spec: _WriteSpec, rows: int | None) -> Insert:
    """The upsert of ``spec``: in executemany form (``rows`` None) or with ``rows`` VALUES tuples.

    Row parameters are named ``column__N``: a double underscore never meets SQLAlchemy's own anonymous
    names (``name_1``)."""
    ins = sqlite.insert if dialect == "sqlite" else postgresql.insert
    if rows is None:
        stmt = ins(spec.table).values(**spec.computed("")) if spec.computed else ins(spec.table)
    else:
        stmt = ins(spec.table).values([
            {**{c: bindparam(f"{c}__{i}", type_=spec.table.c[c].type) for c in spec.columns},
             **(spec.computed(f"__{i}") if spec.computed else {})}
            for i in range(rows)
        ])
    index = [spec.table.c[c] for c in spec.conflict]
    if spec.update is None:
        return stmt.on_conflict_do_nothing(index_elements=index)
    return stmt.on_conflict_do_update(index_elements=index, set_=spec.update(stmt.excluded))


def _insert_thread_message(dialect: str, parents: int) -> Insert:
    """Insert a message under the thread key of its first known parent (``p_0`` ... in order), else
    ``fallback``; a message already stored keeps its key."""
    ins = sqlite.insert if dialect == "sqlite" else postgresql.insert
    lookups = [select(_tm.thread_key).where(_tm.message_id == bindparam(f"p_{i}")).scalar_subquery()
               for i in range(parents)]
    stmt = ins(m.thread_message).values(thread_key=func.coalesce(*lookups, bindparam("fallback")))
    return stmt.on_conflict_do_nothing(index_elements=[_tm.message_id])


def bucket(size: int) -> int:
    """IN lists are padded to 1, 2, 4, 8... so few SQL variants exist (and PostgreSQL can prepare them)."""
    return 0 if size == 0 else 1 << (size - 1).bit_length()


# SQL text, positional parameter order (None for named paramstyles), literal defaults, expanded IN names
_Variant = tuple[str, tuple[str, ...] | None, dict[str, Any], dict[str, tuple[str, int]]]


class Prepared:
    """One Core statement compiled once for one dialect and run on the driver's cursor.

    Expanding IN lists get one compiled variant per length bucket, padded by repeating the last value
    (which changes nothing in an IN). Literal values inside the statement (``scope = 'org'``) keep the
    values SQLAlchemy bound them to. Parameters must already be in the driver's form.
    """

    __slots__ = ("_compiled", "_expanding", "_placeholders", "_variants")

    def __init__(self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None) -> None:
        if column_keys is None:
            compiled = statement.compile(dialect=dialect)
        else:
            compiled = statement.compile(dialect=dialect, column_keys=list(column_keys), for_executemany=True)
        assert isinstance(compiled, SQLCompiler)
        self._compiled = compiled
        binds = self._compiled.binds
        self._expanding = tuple(name for name, b in binds.items() if b.expanding)
        self._placeholders = {name: None for name, b in binds.items() if b.required and not b.expanding}
        self._variants: dict[tuple[int, ...], _Variant] = {}

    def _variant(self, sizes: tuple[int, ...]) -> _Variant:
        params: dict[str, Any] = dict(self._placeholders)
        params.update((name, [None] * size) for name, size in zip(self._expanding, sizes))
        state = self._compiled.construct_expanded_state(params)
        defaults = {k: v for k, v in state.parameters.items() if k not in params}
        order = tuple(state.positiontup) if state.positiontup is not None else None
        # each expanded parameter name (``keys_3``) -> the list it comes from and its position there
        expanded = {f"{name}_{i + 1}": (name, i) for name, size in zip(self._expanding, sizes) for i in range(size)}
        variant = (state.statement, order, defaults, expanded)
        self._variants[sizes] = variant
        return variant

    def bind(self, params: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL text and the driver's parameters (a tuple or a dict, by paramstyle)."""
        sizes = tuple(bucket(len(params[name])) for name in self._expanding)
        sql, order, defaults, expanded = self._variants.get(sizes) or self._variant(sizes)
        if order is None:
            values = dict(defaults)
            values.update(params)
            for key, (name, i) in expanded.items():
                items = params[name]
                values[key] = items[i] if i < len(items) else items[-1]
            return sql, values
        # Positional (SQLite): one pass over the placeholders, without building the named dict first
        # (this method runs ~8 times a message; the dict and the f-string names were ~4% of a scan).
        args = []
        for key in order:
            if key in expanded:
                name, i = expanded[key]
                items = params[name]
                args.append(items[i] if i < len(items) else items[-1])
            else:
                args.append(params[key] if key in params else defaults[key])
        return sql, tuple(args)

    def bind_many(self, rows: Sequence[Mapping[str, Any]]) -> tuple[str, list[Any]]:
        """The SQL text and one parameter set per row, for executemany (no IN lists)."""
        sql, order, defaults, _ = self._variants.get(()) or self._variant(())
        if order is not None:
            return sql, [tuple(row[n] if n in row else defaults[n] for n in order) for row in rows]
        return sql, [{**defaults, **row} for row in rows]


class Write:
    """A :class:`_WriteSpec` prepared for one dialect.

    SQLite runs it as executemany (one prepared statement stepped per row, cheap in-process).
    PostgreSQL gets one multi-row ``INSERT ... VALUES (...), (...)`` per row count instead: psycopg's
    executemany costs a server round of work per row, three to four times slower for a lesson's rows.
    Rows must not repeat a conflict key (a PostgreSQL statement may not update a row twice); learn()
    merges them first.
    """

    __slots__ = ("_by_count", "_dialect", "_many", "_spec")

    _CHUNK = 500  # rows per statement, far below PostgreSQL's 65,535 parameters

    def __init__(self, spec: _WriteSpec, dialect: Dialect) -> None:
        self._spec = spec
        self._dialect = dialect
        self._many = Prepared(_insert(dialect.name, spec, None), dialect, spec.columns) \
            if dialect.name == "sqlite" else None
        self._by_count: dict[int, Prepared] = {}

    def run(self, cursor: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write ``rows`` (dicts keyed by column and computed-parameter names)."""
        if self._many is not None:
            sql, args = self._many.bind_many(rows)
            if len(args) == 1:
                cursor.execute(sql, args[0])
            else:
                cursor.executemany(sql, args)
            return
        for start in range(0, len(rows), self._CHUNK):
            chunk = rows[start:start + self._CHUNK]
            prepared = self._by_count.get(len(chunk))
            if prepared is None:
                prepared = self._by_count[len(chunk)] = Prepared(
                    _insert(self._dialect.name, self._spec, len(chunk)), self._dialect)
            params = {f"{k}__{i}": v for i, row in enumerate(chunk) for k, v in row.items()}
            cursor.execute(*prepared.bind(params))


class Statements:
    """Every hot-path statement, prepared for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.scopes = Prepared(_SELECT_SCOPES, dialect)
        self.facts = Prepared(_SELECT_FACTS, dialect)
        self.relationships_inbound = Prepared(_SELECT_RELATIONSHIPS_INBOUND, dialect)
        self.relationships_local = Prepared(_SELECT_RELATIONSHIPS_LOCAL, dialect)
        self.thread_messages = Prepared(_SELECT_THREAD_MESSAGES, dialect)
        self.thread_participants = Prepared(_SELECT_THREAD_PARTICIPANTS, dialect)
        self.count_thread_messages = Prepared(_COUNT_THREAD_MESSAGES, dialect)
        self.similar = Prepared(_SELECT_SIMILAR, dialect)
        self.local_by_key = Prepared(_SELECT_LOCAL_BY_KEY, dialect)
        self.correspondents_by_key = Prepared(_SELECT_CORRESPONDENTS_BY_KEY, dialect)
        self.insert_decision = Prepared(_INSERT_DECISION, dialect, _DECISION_COLUMNS)
        self.upsert_scope = Write(_SCOPE_WRITE, dialect)
        self.upsert_fact = Write(_FACT_WRITE, dialect)
        self.upsert_relationship = Write(_RELATIONSHIP_WRITE, dialect)
        self.insert_participant = Write(_PARTICIPANT_WRITE, dialect)
        self.insert_domain_key = Write(_DOMAIN_KEY_WRITE, dialect)
        ins = sqlite.insert if dialect.name == "sqlite" else postgresql.insert
        self.insert_meta = ins(m.meta).on_conflict_do_nothing(index_elements=[m.meta.c.key])
        self._thread_message: dict[int, Prepared] = {}

    def insert_thread_message(self, parents: int) -> Prepared:
        """The thread-message insert for ``parents`` parent lookups (a power of two, at most 16)."""
        prepared = self._thread_message.get(parents)
        if prepared is None:
            prepared = self._thread_message[parents] = Prepared(
                _insert_thread_message(self.dialect.name, parents), self.dialect, _THREAD_MESSAGE_COLUMNS)
        return prepared

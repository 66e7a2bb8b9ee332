"""The history schema: SQLAlchemy Core tables on one MetaData.

Core, not ORM: these tables sit on the per-message hot path, where ORM identity maps and unit-of-work
flushes cost more than the queries. History is rolled up, so storage grows with relationships, not with
messages: one ``scope`` row per sender address, organisation and local user with counters, one ``fact``
row per (scope, kind, value) with a count. Only the thread index and the decision log grow per message,
and ``Session.prune`` trims both.

Every datetime is stored as timezone-aware UTC through :class:`UTCDateTime`, so SQLite (which keeps
text) and PostgreSQL (``timestamptz``) hand back the same values and compare the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = "2"  # 2: decision subject/mail_from/client_address/details, the audit table

# Every indexed text value is clipped to this many characters before it is stored or looked up, so a
# hostile header can neither overflow a PostgreSQL varchar nor a btree index row (two such columns in
# one index stay under its 2,704-byte limit even in 4-byte UTF-8).
MAX_TEXT = 255

# Scope kinds, the same strings as vecguard.learn.SENDER / ORG / LOCAL / PERSON / LIST.
SCOPES = ("sender", "org", "local", "person", "list")


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as UTC and always read back timezone-aware.

    Aware values are converted to UTC; naive ones are taken to be UTC already. SQLite stores the
    text form of the UTC value, so string comparison in SQL (MIN/MAX of first and last seen) still
    orders by time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to aware UTC before the driver sees the value."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """SQLite returns naive datetimes (stored as UTC); PostgreSQL returns aware ones."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

# Tables whose natural key is their primary key are clustered on it in SQLite (WITHOUT ROWID): the rows
# a lookup wants (all facts of a scope, all participants of a thread) sit together in one b-tree
# instead of one index probe plus one table probe per row, and each write touches one b-tree, not two.
# PostgreSQL ignores the option.
_CLUSTERED: dict[str, Any] = {"sqlite_with_rowid": False}

# One row per correspondent scope: an external address ("sender"), an organisation's registered
# domain ("org") or one of our own users ("local").
scope = Table(
    "scope",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(16), nullable=False),
    Column("key", String(MAX_TEXT), nullable=False),
    Column("name", String(MAX_TEXT), nullable=False, default=""),  # the last display name seen
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
    Column("inbound", Integer, nullable=False, default=0),
    Column("outbound", Integer, nullable=False, default=0),
    Column("link_messages", Integer, nullable=False, default=0),
    Column("held", Integer, nullable=False, default=0),
    UniqueConstraint("scope", "key", name="uq_scope_scope_key"),
)

# value -> message count per fact kind (vecguard.baseline.FACT_KINDS) of one scope.
fact = Table(
    "fact",
    metadata,
    Column("scope_id", Integer, ForeignKey("scope.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("value", String(MAX_TEXT), nullable=False),
    Column("count", Integer, nullable=False, default=0),
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
    # Leads with scope_id: also the index for "all facts of these scopes".
    PrimaryKeyConstraint("scope_id", "kind", "value", name="pk_fact"),
    **_CLUSTERED,
)

# Who wrote to whom: external sender -> local recipient, and local sender -> external recipient.
relationship = Table(
    "relationship",
    metadata,
    Column("sender", String(MAX_TEXT), nullable=False),
    Column("recipient", String(MAX_TEXT), nullable=False),
    Column("count", Integer, nullable=False, default=0),
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
    # Leads with sender: the index for "what did this sender write to".
    PrimaryKeyConstraint("sender", "recipient", name="pk_relationship"),
    # "Which of our users wrote to this address" looks up by recipient.
    Index("ix_relationship_recipient", "recipient"),
    **_CLUSTERED,
)

# The thread index: every Message-ID seen, grouped under a thread key.
thread_message = Table(
    "thread_message",
    metadata,
    Column("message_id", String(MAX_TEXT), primary_key=True),
    Column("thread_key", String(MAX_TEXT), nullable=False),
    Column("sender", String(MAX_TEXT), nullable=False, default=""),
    Column("ours", Boolean, nullable=False, default=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Index("ix_thread_message_thread_key", "thread_key"),
    Index("ix_thread_message_seen_at", "seen_at"),
    **_CLUSTERED,
)

thread_participant = Table(
    "thread_participant",
    metadata,
    Column("thread_key", String(MAX_TEXT), nullable=False),
    Column("address", String(MAX_TEXT), nullable=False),
    # Leads with thread_key: the index for "everyone in these threads".
    PrimaryKeyConstraint("thread_key", "address", name="pk_thread_participant"),
    **_CLUSTERED,
)

# The lookalike index of known organisations: each domain under every symmetric-delete key of
# vecguard.lookalike.index_keys(), so two lookalike domains meet under at least one key. The primary
# key leads with key and is the index that lookups use.
domain_key = Table(
    "domain_key",
    metadata,
    Column("key", String(MAX_TEXT), nullable=False),
    Column("domain", String(MAX_TEXT), nullable=False),
    PrimaryKeyConstraint("key", "domain", name="pk_domain_key"),
    **_CLUSTERED,
)

# The decision log: one row per decided message, for `vecguard held` and reports.
decision = Table(
    "decision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(MAX_TEXT)),
    Column("queue_id", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("message_date", UTCDateTime),
    Column("sender", String(MAX_TEXT)),
    Column("recipients", Text, nullable=False, default="[]"),  # JSON list of addresses
    Column("direction", String(16)),
    Column("score", Float, nullable=False, default=0.0),
    Column("action", String(16), nullable=False),
    Column("signals", Text, nullable=False, default="[]"),  # JSON list of {name, score, strength, evidence}
    Column("source", Text),
    # Added in schema 2, for the review CLI (vecguard held / correspondent / hunt); NULL on older rows.
    Column("subject", Text),
    Column("mail_from", String(MAX_TEXT)),     # the envelope sender
    Column("client_address", String(64)),      # the SMTP client's IP
    Column("details", Text),                   # JSON, vecguard.report.details(): links, auth, thread, client
    Index("ix_decision_created_at", "created_at"),
    Index("ix_decision_sender", "sender"),
    Index("ix_decision_queue_id", "queue_id"),
)

# The audit log of analysts' decisions on held mail (schema 2): append-only, never pruned.
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(MAX_TEXT), nullable=False),     # who: the login name behind sudo, or the user
    Column("action", String(32), nullable=False),          # release | delete | export | ...
    Column("queue_id", String(64)),
    Column("decision_id", Integer),                         # the decision it acted on, when known
    Column("sender", String(MAX_TEXT)),
    Column("reason", Text, nullable=False, default=""),
    Column("detail", Text, nullable=False, default="{}"),  # JSON: what else happened (learned, error, ...)
    Index("ix_audit_queue_id", "queue_id"),
    Index("ix_audit_at", "at"),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

"""Reads and writes of the review CLI (``vecguard held``, ``correspondent``, ``hunt``): the decision log,
a correspondent's rolled-up history, and the append-only audit log.

Not the hot path: plain SQLAlchemy Core on the session's connection, any number of statements.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, or_, select

from ..baseline import Profile
from . import models as m
from .store import Session, decision_row

_de, _sc, _fa, _re, _au = m.decision.c, m.scope.c, m.fact.c, m.relationship.c, m.audit.c
_tm, _tp = m.thread_message.c, m.thread_participant.c

_DECISION_COLUMNS = (_de.id, _de.message_id, _de.queue_id, _de.created_at, _de.message_date, _de.sender,
                     _de.recipients, _de.direction, _de.score, _de.action, _de.signals, _de.source, _de.subject,
                     _de.mail_from, _de.client_address, _de.details)


def _sender_filter(sender: str) -> Any:
    """An address matches itself; a domain matches its addresses and those of its subdomains."""
    sender = sender.strip().lower()
    if "@" in sender:
        return _de.sender == sender
    return or_(_de.sender.like(f"%@{sender}"), _de.sender.like(f"%.{sender}"))


def decisions(session: Session, *, actions: Sequence[str] = (), since: datetime | None = None,
              min_score: float | None = None, sender: str | None = None, queue_ids: Sequence[str] = (),
              limit: int | None = None) -> list[dict[str, object]]:
    """Logged decisions, newest first, filtered by action, time, score, sender (address or domain), ids."""
    query = select(*_DECISION_COLUMNS).order_by(_de.created_at.desc(), _de.id.desc())
    if actions:
        query = query.where(_de.action.in_(list(actions)))
    if since is not None:
        query = query.where(_de.created_at >= since)
    if min_score is not None:
        query = query.where(_de.score >= min_score)
    if sender:
        query = query.where(_sender_filter(sender))
    if queue_ids:
        query = query.where(_de.queue_id.in_(list(queue_ids)))
    if limit is not None:
        query = query.limit(limit)
    return [decision_row(row) for row in session.connection.execute(query)]


def held_decision(session: Session, queue_id: str) -> dict[str, object] | None:
    """The latest ``hold`` decision logged for a Postfix queue id, or None."""
    found = decisions(session, actions=("hold",), queue_ids=(queue_id,), limit=1)
    return found[0] if found else None


# --------------------------------------------------------------------------------- correspondents


@dataclass(frozen=True, slots=True)
class Correspondent:
    """Everything history holds about one address or organisation, for the investigation view."""

    key: str
    scope: str                        # sender | org
    profile: Profile
    recipients: Mapping[str, int]     # our users it wrote to -> messages (an address only)
    written_by: Mapping[str, int]     # our users who wrote to it -> messages
    addresses: Mapping[str, int]      # an organisation's addresses seen -> inbound messages


def _profile(session: Session, scope: str, key: str) -> Profile:
    row = session.connection.execute(
        select(_sc.id, _sc.name, _sc.first_seen, _sc.last_seen, _sc.inbound, _sc.outbound, _sc.link_messages,
               _sc.held).where(_sc.scope == scope, _sc.key == key)).first()
    if row is None:
        return Profile(key=key)
    facts: dict[str, dict[str, int]] = {}
    for kind, value, count in session.connection.execute(
            select(_fa.kind, _fa.value, _fa["count"]).where(_fa.scope_id == row.id).order_by(_fa["count"].desc())):
        facts.setdefault(kind, {})[value] = count
    return Profile(key=key, inbound=row.inbound, outbound=row.outbound, link_messages=row.link_messages,
                   held=row.held, first_seen=row.first_seen, last_seen=row.last_seen,
                   names=(row.name,) if row.name else (), facts=facts)


def _counts(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    return dict(sorted(((k, int(v)) for k, v in rows), key=lambda kv: (-kv[1], kv[0])))


def correspondent(session: Session, who: str) -> Correspondent:
    """The history of an address (``name@domain``) or an organisation (a registered domain)."""
    key = who.strip().lower()
    conn = session.connection
    if "@" in key:
        recipients = _counts(conn.execute(select(_re.recipient, _re["count"]).where(_re.sender == key)))
        written_by = _counts(conn.execute(select(_re.sender, _re["count"]).where(_re.recipient == key)))
        return Correspondent(key, "sender", _profile(session, "sender", key), recipients, written_by, {})
    addresses = _counts(conn.execute(
        select(_sc.key, _sc.inbound + _sc.outbound).where(_sc.scope == "sender", _sc.key.like(f"%@{key}"))))
    written_by = _counts(conn.execute(
        select(_re.sender, func.sum(_re["count"])).where(_re.recipient.like(f"%@{key}")).group_by(_re.sender)))
    recipients = _counts(conn.execute(
        select(_re.recipient, func.sum(_re["count"])).where(_re.sender.like(f"%@{key}")).group_by(_re.recipient)))
    return Correspondent(key, "org", _profile(session, "org", key), recipients, written_by, addresses)


@dataclass(frozen=True, slots=True)
class Conversation:
    """The thread a message claims to continue, as history knows it."""

    referenced: tuple[str, ...]
    known: tuple[str, ...]            # referenced Message-IDs history has seen
    ours: tuple[str, ...]             # those our users sent
    participants: tuple[str, ...]
    messages: int


def conversation(session: Session, message_ids: Sequence[str]) -> Conversation:
    """What history knows about the thread of these (referenced) Message-IDs."""
    ids = [i.strip().lower().strip("<>") for i in message_ids if i.strip()]
    if not ids:
        return Conversation((), (), (), (), 0)
    conn = session.connection
    rows = list(conn.execute(select(_tm.message_id, _tm.thread_key, _tm.ours).where(_tm.message_id.in_(ids))))
    keys = sorted({r.thread_key for r in rows})
    participants: list[str] = []
    count = 0
    if keys:
        participants = sorted(r[0] for r in conn.execute(select(_tp.address).where(_tp.thread_key.in_(keys))))
        count = int(conn.execute(select(func.count()).select_from(m.thread_message)
                                 .where(_tm.thread_key.in_(keys))).scalar() or 0)
    return Conversation(tuple(ids), tuple(r.message_id for r in rows), tuple(r.message_id for r in rows if r.ours),
                        tuple(participants), count)


# ----------------------------------------------------------------------------------------- audit


def append_audit(session: Session, *, actor: str, action: str, queue_id: str | None, reason: str = "",
                 decision_id: int | None = None, sender: str | None = None,
                 detail: Mapping[str, Any] | None = None) -> None:
    """Append one analyst action to the audit log (committed with the session)."""
    session.connection.execute(insert(m.audit).values(
        at=datetime.now(UTC), actor=actor[: m.MAX_TEXT], action=action, queue_id=queue_id,
        decision_id=decision_id, sender=None if sender is None else sender[: m.MAX_TEXT], reason=reason,
        detail=json.dumps(dict(detail or {}), default=str)))


def audit_log(session: Session, queue_ids: Sequence[str] = (), limit: int | None = None) -> list[dict[str, object]]:
    """Audit entries, newest first, optionally only those about some queue ids."""
    query = select(_au.id, _au.at, _au.actor, _au.action, _au.queue_id, _au.decision_id, _au.sender, _au.reason,
                   _au.detail).order_by(_au.at.desc(), _au.id.desc())
    if queue_ids:
        query = query.where(_au.queue_id.in_(list(queue_ids)))
    if limit is not None:
        query = query.limit(limit)
    return [{"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "queue_id": r.queue_id,
             "decision_id": r.decision_id, "sender": r.sender, "reason": r.reason, "detail": json.loads(r.detail)}
            for r in session.connection.execute(query)]

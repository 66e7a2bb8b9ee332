"""The analyst's views of held mail and correspondents, built from stored records (pure).

    decision log + hold queue + audit log  -> held_rows()       ``vecguard held list``
    decision + correspondent + conversation -> investigation()  ``vecguard held show``
    correspondent + recent decisions        -> history()        ``vecguard correspondent show``

Every view is a JSON-able dict or dataclass; rendering (rich or plain text) lives in review_text.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import baseline as b
from .baseline import Profile
from .history.review import Conversation, Correspondent
from .postfix import QueueEntry

# What a stored fact kind is called on screen.
FACT_LABELS: Mapping[str, str] = {
    b.LINK_SITE: "link site", b.CLIENT: "mail client", b.NETWORK: "sending network", b.HELO: "HELO domain",
    b.DKIM: "DKIM signing domain", b.REPLY_TO: "Reply-To domain", b.HOUR: "hour of day",
    b.RECIPIENTS: "recipients per message", b.AUTH_SPF: "SPF result", b.AUTH_DKIM: "DKIM result",
    b.AUTH_DMARC: "DMARC result",
}
USUAL = 3          # values listed as "usual" per fact kind
DAYS_PER_MONTH = 30.44

# Where a message with a hold decision is now.
HELD, RELEASING, RELEASED, DELETED, GONE, UNRECORDED = "held", "releasing", "released", "deleted", "gone", "unrecorded"


@dataclass(frozen=True, slots=True)
class HeldRow:
    """One line of ``vecguard held list``."""

    queue_id: str
    state: str                  # held | releasing | released | deleted | gone | unrecorded
    arrival: datetime | None
    sender: str | None          # the From address vecguard scored (the envelope sender when unrecorded)
    recipients: tuple[str, ...]
    subject: str | None
    score: float | None
    signals: tuple[str, ...]    # the largest contributions first
    decision_id: int | None = None
    by: str | None = None       # who released or deleted it, from the audit log

    def as_json(self) -> dict[str, Any]:
        return {"queue_id": self.queue_id, "state": self.state,
                "arrival": self.arrival.isoformat() if self.arrival else None, "sender": self.sender,
                "recipients": list(self.recipients), "subject": self.subject, "score": self.score,
                "signals": list(self.signals), "decision_id": self.decision_id, "by": self.by}


def state_of(queue_id: str, queue: Mapping[str, QueueEntry], audit: Sequence[Mapping[str, Any]]) -> tuple[str, str | None]:
    """(state, who) of a held-decision's message: still held, on its way out, or gone and why."""
    entry = queue.get(queue_id)
    if entry is not None:
        return (HELD, None) if entry.held else (RELEASING, None)
    for item in audit:  # newest first
        if item.get("queue_id") == queue_id and item.get("action") in ("release", "delete"):
            return (RELEASED if item["action"] == "release" else DELETED), str(item.get("actor") or "")
    return GONE, None


def top_signals(record: Mapping[str, Any], limit: int = 3) -> tuple[str, ...]:
    """Names of the counted signals that raised the score most."""
    signals = [s for s in record.get("signals") or [] if isinstance(s, dict) and s.get("score", 0) > 0]
    signals.sort(key=lambda s: -float(s.get("score", 0)))
    return tuple(str(s["name"]) for s in signals[:limit])


def held_rows(records: Sequence[Mapping[str, Any]], queue: Mapping[str, QueueEntry],
              audit: Sequence[Mapping[str, Any]], *, unrecorded: bool = True) -> list[HeldRow]:
    """Hold decisions joined with the live queue, newest first; with ``unrecorded``, messages on hold
    that vecguard has no record of (held by something else, or the record was pruned) are listed too."""
    rows: list[HeldRow] = []
    seen: set[str] = set()
    for record in records:
        queue_id = str(record.get("queue_id") or "")
        if not queue_id or queue_id in seen:
            continue
        seen.add(queue_id)
        state, by = state_of(queue_id, queue, audit)
        entry = queue.get(queue_id)
        created = record.get("created_at")
        rows.append(HeldRow(
            queue_id, state, entry.arrival if entry and entry.arrival else created if isinstance(created, datetime) else None,
            str(record.get("sender") or record.get("mail_from") or "") or None,
            tuple(record.get("recipients") or ()), record.get("subject"), float(record.get("score") or 0.0),
            top_signals(record), record.get("id"), by))
    if unrecorded:
        for queue_id, entry in queue.items():
            if entry.held and queue_id not in seen:
                rows.append(HeldRow(queue_id, UNRECORDED, entry.arrival, entry.sender or None, entry.recipients,
                                    None, None, ()))
    rows.sort(key=lambda r: (r.arrival.timestamp() if r.arrival else 0.0), reverse=True)
    return rows


# ------------------------------------------------------------------------------------------- history


def _usual(values: Mapping[str, int], limit: int = USUAL) -> list[list[Any]]:
    return [[value, count] for value, count in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def per_month(profile: Profile) -> float | None:
    """Average inbound messages per month between first and last seen (at least one month)."""
    if profile.first_seen is None or profile.last_seen is None:
        return None
    months = max(1.0, (profile.last_seen - profile.first_seen).days / DAYS_PER_MONTH)
    return round(profile.inbound / months, 1)


def profile_summary(profile: Profile) -> dict[str, Any]:
    """First/last seen, volumes and the usual values of each remembered fact kind."""
    return {
        "known": profile.known,
        "first_seen": profile.first_seen.isoformat() if profile.first_seen else None,
        "last_seen": profile.last_seen.isoformat() if profile.last_seen else None,
        "inbound": profile.inbound, "outbound": profile.outbound, "held": profile.held,
        "link_messages": profile.link_messages, "per_month": per_month(profile),
        "names": list(profile.names),
        "usual": {FACT_LABELS.get(kind, kind): _usual(profile.values(kind)) for kind in b.FACT_KINDS
                  if profile.values(kind)},
        # values seen only in tagged mail: not yet usual (see vecguard.baseline.PROVISIONAL)
        "tagged_only": {FACT_LABELS.get(kind, kind): values for kind in b.FACT_KINDS
                        if (values := _usual(_tagged_only(profile, kind)))},
    }


def _tagged_only(profile: Profile, kind: str) -> dict[str, int]:
    usual = profile.facts.get(kind, {})
    return {v: n for v, n in profile.facts.get(b.provisional(kind), {}).items() if v not in usual}


def history(c: Correspondent, recent: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The history view of one address or organisation (``vecguard correspondent show``)."""
    view = {"correspondent": c.key, "scope": "address" if c.scope == "sender" else "organisation",
            **profile_summary(c.profile),
            "usual_recipients": _usual(c.recipients, 5), "our_users_writing_to_it": _usual(c.written_by, 5)}
    if c.scope == "org":
        view["addresses"] = _usual(c.addresses, 10)
    view["recent_decisions"] = [
        {"created_at": d["created_at"].isoformat() if isinstance(d.get("created_at"), datetime) else d.get("created_at"),
         "queue_id": d.get("queue_id"), "action": d.get("action"), "score": d.get("score"),
         "subject": d.get("subject"), "signals": list(top_signals(d))}
        for d in recent]
    return view


def differences(facts: Sequence[Sequence[str]], sender: Profile, org: Profile,
                recipients: Mapping[str, int], local_recipients: Sequence[str]) -> list[dict[str, Any]]:
    """How the message compares with its sender's history, fact by fact: the value, how often the sender
    and its organisation used it before, the usual values, and whether it is new."""
    out: list[dict[str, Any]] = []
    for kind, value in facts:
        base = sender if sender.observations(kind) else org
        out.append({"what": FACT_LABELS.get(kind, kind), "value": value, "sender_seen": sender.seen(kind, value),
                    "org_seen": org.seen(kind, value), "usual": _usual(base.values(kind)),
                    "new": sender.seen(kind, value) == 0 and org.seen(kind, value) == 0})
    for rcpt in local_recipients:
        out.append({"what": "recipient", "value": rcpt, "sender_seen": recipients.get(rcpt, 0), "org_seen": None,
                    "usual": _usual(recipients), "new": recipients.get(rcpt, 0) == 0})
    out.sort(key=lambda d: not d["new"])  # what is new first
    return out


def investigation(record: Mapping[str, Any], state: str, by: str | None, sender: Correspondent | None,
                  org: Correspondent | None, thread: Conversation, audit: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The one-screen investigation view of a held message (``vecguard held show``)."""
    details: Mapping[str, Any] = record.get("details") or {}
    sender_profile = sender.profile if sender else Profile()
    org_profile = org.profile if org else Profile()
    claimed = list(details.get("thread", {}).get("in_reply_to", [])) + list(details.get("thread", {}).get("references", []))
    author = record.get("sender")
    return {
        "message": {
            "queue_id": record.get("queue_id"), "state": state, "by": by,
            "decided_at": record["created_at"].isoformat() if isinstance(record.get("created_at"), datetime) else None,
            "message_id": record.get("message_id"), "subject": record.get("subject"),
            "from": details.get("from") or {"address": author}, "reply_to": details.get("reply_to", []),
            "envelope_from": record.get("mail_from"), "recipients": record.get("recipients", []),
            "client_address": record.get("client_address"), "score": record.get("score"),
            "action": record.get("action"),
        },
        "signals": record.get("signals", []),
        "sender_history": {
            "address": profile_summary(sender_profile), "organisation": profile_summary(org_profile),
            "usual_recipients": _usual(sender.recipients if sender else {}, 5),
            "differences": differences(details.get("facts", []), sender_profile, org_profile,
                                       sender.recipients if sender else {}, details.get("local_recipients", [])),
        },
        "conversation": {
            "claims": claimed, "known": list(thread.known), "ours": list(thread.ours),
            "messages": thread.messages, "participants": list(thread.participants),
            "sender_took_part": bool(author) and author in thread.participants,
        },
        "links": details.get("links", []), "link_count": details.get("link_count", 0),
        "attachments": details.get("attachments", []),
        "authentication": details.get("auth", {}),
        "client": {"mail_client": details.get("client"), **(details.get("hop") or {})},
        "audit": [{**a, "at": a["at"].isoformat() if isinstance(a.get("at"), datetime) else a.get("at")} for a in audit],
    }

"""One explanation format everywhere: the JSONL record, the header line, the log line."""

from __future__ import annotations

from typing import Any

from .envelope import Envelope
from .features import Address, Features
from .learn import inbound_facts
from .lists import category, link_site
from .policy import Decision, Policy
from .scoring import Contribution

MAX_STORED_LINKS = 20  # links kept in a decision's details (the count says how many there were)


def _signal(c: Contribution) -> dict[str, Any]:
    return {"name": c.name, "score": c.score, "evidence": list(c.evidence)}


def record(f: Features, decision: Decision) -> dict[str, Any]:
    """The JSONL record of DESIGN.md: message_id, date, from, recipients, direction, score, action, signals.

    Experimental (shadow) contributions are listed after the counted ones with score 0 and their would-be
    score in the evidence, so the record keeps its documented shape.
    """
    signals = record_signals(decision)
    recipients = list(dict.fromkeys(list(f.envelope_rcpts) + [a.address for a in f.to + f.cc]))
    return {
        "message_id": f.message_id,
        "date": f.date.isoformat() if f.date else None,
        "from": f.sender.address if f.sender else None,
        "recipients": recipients,
        "direction": f.direction,
        "score": decision.report.score,
        "action": decision.action,
        "signals": signals,
    }


def stored_signals(decision: Decision, signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The record's ``signals`` (:func:`record_signals` of the same decision) as the decision log keeps
    them: plus each hit's strength and group, so that ``vecguard hunt`` can search by strength and
    re-score with another policy's weights."""
    contributions = list(decision.report.contributions) + list(decision.report.shadow)
    return [dict(item, strength=c.strength, group=c.group) for item, c in zip(signals, contributions, strict=True)]


def record_signals(decision: Decision) -> list[dict[str, Any]]:
    """The ``signals`` of the JSONL record (shadow ones last, with score 0)."""
    signals = [_signal(c) for c in decision.report.contributions]
    signals += [{"name": c.name, "score": 0.0, "evidence": [f"experimental, would add {c.score:g}", *c.evidence]}
                for c in decision.report.shadow]
    return signals


def _who(a: Address) -> dict[str, str]:
    return {"address": a.address, "name": a.name} if a.name else {"address": a.address}


def details(f: Features, envelope: Envelope | None = None) -> dict[str, Any]:
    """What the review CLI shows about a message after it left vecguard's hands: identity, path, client,
    authentication, the thread it claims, links with their presentation, attachments. JSON-able."""
    auth = f.auth
    links = [{"url": link.url[:300], "host": link.host, "site": link_site(link.host), "category": category(link.host),
              "text": " ".join(link.anchor_text.split())[:120], "shown_host": link.shown_host,
              "hidden": link.hidden, "image_only": link.image_only, "prominent": link.prominent,
              "wrapped_by": link.wrapped_by}
             for link in f.links[:MAX_STORED_LINKS]]
    out: dict[str, Any] = {
        "from": _who(f.from_header) if f.from_header else None,
        "via_list": f.via_list,
        "reply_to": [_who(a) for a in f.reply_to],
        "to": [a.address for a in f.to], "cc": [a.address for a in f.cc],
        "local_recipients": list(f.local_recipients),
        "client": f.client, "hop": {"ip": f.hop.ip, "helo": f.hop.helo, "rdns": f.hop.rdns, "network": f.hop.network},
        "auth": {"spf": auth.spf, "dkim": auth.dkim, "dmarc": auth.dmarc, "dkim_domains": list(auth.dkim_domains),
                 "dmarc_policy": auth.dmarc_policy, "source": auth.source},
        "thread": {"in_reply_to": list(f.in_reply_to), "references": list(f.references[-10:]),
                   "reply_subject": f.reply_subject},
        "links": links, "link_count": len(f.links), "attachments": list(f.attachments),
        "bulk": f.bulk, "hour": f.hour, "size": f.size, "body_scanned": f.body_scanned,
        # what the message would teach its sender's profile: the review view compares it with history
        "facts": [list(fact) for fact in inbound_facts(f)] if f.direction == "inbound" else [],
    }
    if envelope is not None:
        out["envelope"] = {"mail_from": envelope.mail_from, "rcpt_to": list(envelope.rcpt_to),
                           "client_address": envelope.client_address, "client_name": envelope.client_name,
                           "helo": envelope.helo, "authenticated": envelope.authenticated}
    return out


def signal_list(decision: Decision, limit: int = 12, evidence: bool = True) -> str:
    """``NAME(score)[evidence]; ...`` sorted by |score|, as rspamd writes X-Spamd-Result."""
    parts = []
    for c in decision.report.contributions[:limit]:
        text = f"{c.name}({c.score:g})"
        if evidence and c.evidence:
            text += "[" + ", ".join(e.replace(";", ",")[:80] for e in c.evidence[:2]) + "]"
        parts.append(text)
    return "; ".join(parts)


def summary_line(decision: Decision, policy: Policy) -> str:
    """``hold 78/70; SIGNAL(score)[evidence]; ...``: the threshold shown is the one the action is judged by."""
    threshold = policy.hold if decision.action == "hold" else policy.tag
    head = f"{decision.action} {decision.report.score:g}/{threshold:g}"
    if decision.override:
        head += f" ({decision.reason})"
    signals = signal_list(decision)
    return f"{head}; {signals}" if signals else head

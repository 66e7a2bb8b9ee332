"""One explanation format everywhere: the JSONL record, the header line, the log line."""

from __future__ import annotations

from typing import Any

from .features import Features
from .policy import Decision, Policy
from .scoring import Contribution


def _signal(c: Contribution) -> dict[str, Any]:
    return {"name": c.name, "score": c.score, "evidence": list(c.evidence)}


def record(f: Features, decision: Decision) -> dict[str, Any]:
    """The JSONL record of DESIGN.md: message_id, date, from, recipients, direction, score, action, signals.

    Experimental (shadow) contributions are listed after the counted ones with score 0 and their would-be
    score in the evidence, so the record keeps its documented shape.
    """
    signals = [_signal(c) for c in decision.report.contributions]
    signals += [{"name": c.name, "score": 0.0, "evidence": [f"experimental, would add {c.score:g}", *c.evidence]}
                for c in decision.report.shadow]
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

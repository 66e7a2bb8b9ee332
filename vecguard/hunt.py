"""Retroactive hunting over the decision log (pure): search stored decisions by signal and strength, and
re-score them with another policy to see what a new weight, threshold or rule would have done.

Re-scoring uses what the log keeps of each message: the detectors' hits (name, strength, evidence) and
the facts rules look at (sender, recipients, subject, link sites and hosts, attachments, direction, bulk).
New weights, groups, thresholds, overrides and rules apply exactly as at decision time (the same
``score`` / ``apply_rules`` / ``decide``); detector *settings* (``[detectors]``) cannot, since that
needs the message itself: re-scan an archive with ``vecguard scan --no-learn`` for those.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .domains import registered_domain
from .features import Address
from .policy import Decision, Policy, apply_rules, decide
from .scoring import Hit, score


@dataclass(frozen=True, slots=True)
class SignalQuery:
    """``NAME`` or ``NAME:STRENGTH``: the signal fired with at least that strength (0..1)."""

    name: str
    min_strength: float = 0.0

    @classmethod
    def parse(cls, text: str) -> SignalQuery:
        name, _, strength = text.partition(":")
        value = float(strength) if strength else 0.0  # ValueError for the caller to report
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"strength {value:g} outside 0..1")
        return cls(name.strip().upper(), value)


def matching_signals(record: Mapping[str, Any], queries: Sequence[SignalQuery]) -> list[dict[str, Any]] | None:
    """The record's signals that satisfy every query (None when one is not satisfied). A signal logged
    before strengths were stored counts as strength 1 when its score is positive."""
    found: list[dict[str, Any]] = []
    signals = [s for s in record.get("signals") or [] if isinstance(s, dict)]
    for query in queries:
        hit = next((s for s in signals if s.get("name") == query.name and _strength(s) >= query.min_strength
                    and _strength(s) > 0), None)
        if hit is None:
            return None
        found.append(hit)
    return found


def _strength(signal: Mapping[str, Any]) -> float:
    strength = signal.get("strength")
    if isinstance(strength, int | float):
        return float(strength)
    return 1.0 if float(signal.get("score") or 0) > 0 else 0.0


# --------------------------------------------------------------------------------------------- re-score


@dataclass(frozen=True, slots=True)
class _Link:
    host: str


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """The facts a policy rule or override reads, rebuilt from a decision record (see policy.Condition)."""

    sender: Address | None
    local_recipients: tuple[str, ...]
    envelope_rcpts: tuple[str, ...]
    subject: str
    link_sites: tuple[str, ...]
    links: tuple[_Link, ...]
    direction: str
    attachments: tuple[str, ...] = ()
    bulk: bool = False

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> StoredMessage:
        details: Mapping[str, Any] = record.get("details") or {}
        address = str(record.get("sender") or "")
        domain = address.rpartition("@")[2]
        sender = Address(address, domain=domain, org=registered_domain(domain) if domain else "") if address else None
        envelope = details.get("envelope") or {}
        sites = [value for kind, value in details.get("facts", []) if kind == "link_site"]
        return cls(
            sender=sender, local_recipients=tuple(details.get("local_recipients", ())),
            envelope_rcpts=tuple(envelope.get("rcpt_to", ())), subject=str(record.get("subject") or ""),
            link_sites=tuple(sites), links=tuple(_Link(str(link.get("host", ""))) for link in details.get("links", [])),
            direction=str(record.get("direction") or ""), attachments=tuple(details.get("attachments", ())),
            bulk=bool(details.get("bulk", False)))


def rescorable(record: Mapping[str, Any]) -> bool:
    """Only decisions logged with signal strengths and details (schema 2 onwards) can be re-scored."""
    signals = record.get("signals") or []
    return bool(record.get("details")) and all(isinstance(s, dict) and "strength" in s for s in signals)


def rescore(record: Mapping[str, Any], policy: Policy, detector_signals: Collection[str]) -> Decision:
    """What ``policy`` would have decided on a logged inbound decision. ``detector_signals`` are the
    signals detectors emit; any other logged signal came from the old policy's rules and is dropped, the
    new policy's rules being evaluated instead."""
    message = StoredMessage.of(record)
    hits = [Hit(str(s["name"]), float(s["strength"]), tuple(_evidence(s)))
            for s in record.get("signals") or []
            if s.get("name") in detector_signals and s.get("name") in policy.signals]
    rule_hits, rule_actions = apply_rules(message, hits, policy)
    return decide(score(hits + rule_hits, policy), message, policy, rule_actions)


def _evidence(signal: Mapping[str, Any]) -> list[str]:
    evidence = [str(e) for e in signal.get("evidence") or []]
    if evidence and evidence[0].startswith("experimental, would add"):
        evidence = evidence[1:]
    return evidence

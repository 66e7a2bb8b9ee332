"""Engine: one message through the whole flow with a store session, failing safe.

    analyse -> session.baseline -> judge -> (caller acts) -> learn + record

Used by the offline scanner and the milter. Any exception becomes an ``error`` decision (the configured
fail mode is the caller's to apply), logged with the queue id or source: mail is never lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Protocol

from .baseline import Baseline
from .envelope import Envelope
from .features import AuthResults, Context, Features
from .learn import Lesson, lesson
from .pipeline import analyse, candidates, judge
from .policy import Decision, Policy
from .report import details, record, signal_list, stored_signals
from .scoring import ScoreReport

log = logging.getLogger(__name__)


class Verifier(Protocol):
    """What the engine needs from a sender-authentication checker (vecguard.authcheck.Verifier)."""

    def verify(self, raw: bytes, f: Features, mail_from: str | None = None, client_ip: str | None = None,
               helo: str | None = None) -> AuthResults: ...


class Session(Protocol):
    """What the engine needs from a store session (vecguard.history.store.Session)."""

    def baseline(self, f: Features, lookalike_candidates: tuple[str, ...] = ()) -> Baseline: ...
    def learn(self, lesson: Lesson) -> None: ...
    def record(self, record: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result for one message: features (None if extraction failed), decision, JSONL record."""

    features: Features | None
    decision: Decision
    record: dict[str, Any]
    error: str | None = None
    envelope: Envelope | None = None


def error_decision(reason: str) -> Decision:
    """The decision recorded when vecguard itself failed: action ``error``, score 0."""
    return Decision("error", ScoreReport(0.0, 0.0, ()), reason)


class Engine:
    """Binds a policy and a deployment context; stateless between messages, so threads may share it."""

    def __init__(self, policy: Policy, ctx: Context, verifier: Verifier | None = None) -> None:
        self.policy = policy
        self.ctx = ctx
        self.verifier = verifier  # None (the default): no DNS at all on the scoring path

    def authenticate(self, envelope: Envelope, features: Features) -> Features:
        """Inbound mail without trusted Authentication-Results, verified by DNS within the verifier's time
        budget when a verifier is configured; anything else unchanged."""
        if self.verifier is None or features.direction != "inbound" or features.auth.source:
            return features
        auth = self.verifier.verify(envelope.raw, features, envelope.mail_from, envelope.client_address, envelope.helo)
        return replace(features, auth=auth)

    def decide(self, envelope: Envelope, session: Session) -> Outcome:
        """Score one message against the stored baseline. Reads only."""
        label = envelope.queue_id or envelope.source or "-"
        features: Features | None = None
        try:
            features = self.authenticate(envelope, analyse(envelope, self.policy, self.ctx))
            baseline = session.baseline(features, candidates(features))
            decision = judge(features, baseline, self.policy, self.ctx)
        except Exception as exc:  # fail safe: a bug or a store outage must not lose the message
            log.exception("%s: scoring failed", label)
            decision = error_decision(f"internal error: {type(exc).__name__}: {exc}")
            rec = record(features, decision) if features else {"message_id": None, "date": None, "from": None,
                                                                "recipients": [], "direction": None, "score": 0.0,
                                                                "action": "error", "signals": []}
            return Outcome(features, decision, rec, str(exc), envelope)
        log.info("%s: from=%s score=%g action=%s %s", label,
                 features.sender.address if features.sender else "-", decision.report.score, decision.action,
                 signal_list(decision, limit=5, evidence=False))
        return Outcome(features, decision, record(features, decision), envelope=envelope)

    def learn(self, outcome: Outcome, session: Session, *, queue_id: str | None = None,
              source: str | None = None) -> bool:
        """After the decision: record it and teach the baseline (held mail teaches only its held count).

        A failure here never changes the decision already taken; it is logged and reported as False.
        """
        f = outcome.features
        if f is None:
            return False
        envelope = outcome.envelope
        try:
            session.record(dict(outcome.record, queue_id=queue_id, source=source, date=f.date, subject=f.subject,
                                sender=f.sender.address if f.sender else None, signals=stored_signals(outcome.decision, outcome.record["signals"]),
                                mail_from=envelope.mail_from if envelope else None,
                                client_address=envelope.client_address if envelope else None,
                                details=details(f, envelope)))
            session.learn(lesson(f, outcome.decision.action))
        except Exception:  # the message is already decided: keep going, but say so
            log.exception("%s: learning failed", queue_id or source or "-")
            return False
        return True

"""The pure middle of the data flow, shared by the milter and the offline scanner.

    raw + envelope -> analyse() -> Features
    Features + Baseline -> judge() -> Decision      (detectors, custom rules, score, policy)

Reading the baseline and learning afterwards are the caller's I/O (see engine.py).
"""

from __future__ import annotations

from dataclasses import replace

from .baseline import Baseline, Profile
from .envelope import Envelope
from .features import Context, Features, extract
from .lists import free_email
from .message import parse
from .policy import Decision, Policy, apply_rules, decide
from .scoring import ScoreReport, score
from .signals import detect
from .signals.lookalike import lookalike_candidates


def analyse(envelope: Envelope, policy: Policy, ctx: Context) -> Features:
    """Parse and extract features; over the policy's size limit only headers are read."""
    message = parse(envelope.raw, max_bytes=policy.max_message_bytes)
    return extract(envelope, message, ctx)


def candidates(f: Features) -> tuple[str, ...]:
    """Domains whose lookalike neighbours the baseline must fetch."""
    return lookalike_candidates(f)


def personal_org(f: Features, b: Baseline) -> Baseline:
    """At a free mailbox provider the "organisation" is millions of strangers: judge the sender alone."""
    if f.sender is not None and free_email().match(f.sender.domain):
        return replace(b, org=Profile(key=b.org.key))
    return b


def judge(f: Features, b: Baseline, policy: Policy, ctx: Context) -> Decision:
    """Detect, apply custom rules, score and decide. Mail our own users send is not scored."""
    if f.direction != "inbound":
        return Decision("pass", ScoreReport(0.0, 0.0, ()), f"{f.direction} mail is learned, not scored")
    hits = detect(f, personal_org(f, b), ctx, policy.detectors)
    rule_hits, rule_actions = apply_rules(f, hits, policy)
    report = score(hits + rule_hits, policy)
    return decide(report, f, policy, rule_actions)

"""Detectors, like rspamd modules: each declares the signal names it can emit and yields Hits.

A detector never knows its own weight and never does I/O. It reads the message's Features, the
read-only Baseline, the deployment Context, its numeric settings from the policy's ``[detectors]``
table (declared with defaults in ``settings``), and the hits of the detectors that ran before it
(composite signals such as THREAD_HIJACK build on those).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from ..baseline import Baseline
from ..features import Context, Features
from ..scoring import Hit


class Detector(Protocol):
    """The detector contract: the signal names it may emit, its settings with defaults, evaluate()."""

    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def settings(self) -> Mapping[str, float]: ...

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        """Yield hits for one message."""
        ...


def surprise(distinct: int, observations: int, prior: float = 2.0) -> float:
    """How surprising a never-seen value is, given ``observations`` with ``distinct`` values so far.

    The smoothed estimate of the chance that the next value is new is
    (distinct + prior) / (observations + 2 * prior); the surprise is its complement. With the default
    prior of 2 (the policy's ``novelty_prior``), a first link domain after 200 messages and 3 domains is
    0.98, after 16 messages and none 0.9, after 2 messages 0.67 and with no history 0.5.
    """
    return 1.0 - (distinct + prior) / (observations + 2 * prior)


from . import auth, composite, compromise, content, impersonation, links, lookalike, novelty, thread, trust

REGISTRY: tuple[Detector, ...] = (
    content.BodyNotScanned(),
    content.PaymentChange(),
    novelty.FirstContact(),
    novelty.UndisclosedRecipients(),
    novelty.FanOut(),
    links.NewLinkSite(),
    links.NameInLink(),
    links.LinkPresentation(),
    impersonation.BrandImpersonation(),
    impersonation.HarvestLink(),
    impersonation.SenderOnFreeHosting(),
    lookalike.LookalikeDomain(),
    lookalike.DisguisedLinkToken(),
    compromise.NewMailClient(),
    compromise.NewSendingNetwork(),
    compromise.UnusualHour(),
    compromise.ReplyToShift(),
    auth.AuthFailForUsuallyPassing(),
    auth.DmarcFailEnforced(),
    auth.NewDkimDomain(),
    auth.LocalUserImpersonation(),
    thread.FakeReply(),
    thread.ThreadOutsider(),
    composite.ThreadHijack(),
    composite.AccountTakeover(),
    trust.ReplyToOurMail(),
    trust.LongCleanHistory(),
)


def registered_signals() -> dict[str, Mapping[str, float]]:
    """Every registered signal name -> its detector's default settings."""
    return {name: d.settings for d in REGISTRY for name in d.names}


def detect(f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float]) -> list[Hit]:
    """Run every detector in registry order; each sees the hits of those before it."""
    hits: list[Hit] = []
    for detector in REGISTRY:
        hits.extend(detector.evaluate(f, b, ctx, cfg, hits))
    return hits

"""Content-level facts that explain gaps in the score rather than add to it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..baseline import Baseline
from ..features import Context, Features
from ..scoring import Hit


class BodyNotScanned:
    """BODY_NOT_SCANNED: the message exceeded the size limit, so only its headers were scored.

    Weight 0 by default: it never moves the score, it only says why link signals are absent.
    Evidence: the size and the limit.
    """

    names = ("BODY_NOT_SCANNED",)
    settings: Mapping[str, float] = {}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if not f.body_scanned:
            yield Hit("BODY_NOT_SCANNED", 1.0, (f"size={f.size}",))


class PaymentChange:
    """PAYMENT_CHANGE_REQUEST: the message asks to change bank or payment details.

    The classic VEC payload, often text-only. Alone it is weak (vendors do announce real changes, and
    should be verified by phone); with a compromise sign it completes ACCOUNT_TAKEOVER or THREAD_HIJACK.
    Phrases are data (``vecguard/data/payment_change.txt``). Evidence: the phrases found.
    """

    names = ("PAYMENT_CHANGE_REQUEST",)
    settings: Mapping[str, float] = {}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction == "inbound" and f.payment_change:
            yield Hit("PAYMENT_CHANGE_REQUEST", 1.0, tuple(f"'{p[:60]}'" for p in f.payment_change))

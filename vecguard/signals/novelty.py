"""Novelty of the correspondent itself: first contact, hidden recipients, fan-out."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..baseline import RECIPIENTS, Baseline, bucket_upper
from ..features import Context, Features
from ..scoring import Hit


class FirstContact:
    """FIRST_CONTACT: no earlier mail either way with this sender or its organisation.
    NEW_SENDER_AT_KNOWN_ORG: a new address at an organisation we already correspond with (mild).

    Outbound mail makes a correspondent known, so a reply to mail we sent is never a first contact.
    Evidence: the sender and, for a known organisation, its message count.
    """

    names = ("FIRST_CONTACT", "NEW_SENDER_AT_KNOWN_ORG")
    settings: Mapping[str, float] = {}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None or b.sender.known:
            return
        if not b.org.known:
            yield Hit("FIRST_CONTACT", 1.0, (f"from={f.sender.address}",))
        else:
            yield Hit("NEW_SENDER_AT_KNOWN_ORG", 1.0,
                      (f"from={f.sender.address}", f"org {f.sender.org}: {b.org.inbound + b.org.outbound} msgs"))


class UndisclosedRecipients:
    """NEW_SENDER_UNDISCLOSED: a sender we never exchanged mail with writes to hidden (Bcc) recipients.

    Legitimate first contacts address people openly; a campaign hides its list. Strength grows with the
    number of hidden local recipients; bulk mail (List-Unsubscribe) gets half, because newsletters Bcc too,
    and a post addressed to the mailing list it came through (``Features.own_list``) gets
    ``list_post_factor`` of that: the list's subscribers are hidden by design. Evidence: the number of
    undisclosed recipients.
    """

    names = ("NEW_SENDER_UNDISCLOSED",)
    settings: Mapping[str, float] = {"undisclosed_full_strength": 4, "list_post_factor": 0.0}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None or b.sender.known or f.undisclosed_count == 0:
            return
        hidden_all = not (f.to or f.cc) or all(a.address == f.sender.address for a in f.to + f.cc)
        full = max(1.0, cfg["undisclosed_full_strength"])
        strength = min(1.0, 0.5 + 0.5 * (f.undisclosed_count - 1) / (full - 1 or 1))
        if hidden_all:
            strength = max(strength, 0.8)
        if b.org.known:
            strength *= 0.5
        if f.bulk:
            strength *= 0.5
            if f.own_list:
                strength *= cfg["list_post_factor"]
        yield Hit("NEW_SENDER_UNDISCLOSED", strength, (f"undisclosed={f.undisclosed_count}",))


class FanOut:
    """FAN_OUT: a known sender writes to far more recipients than it ever did.

    Someone who writes to one or two people suddenly addressing thirty is how a compromised mailbox
    spreads. Needs ``fan_out_min_history`` earlier messages; fires at ``fan_out_min_recipients`` or more
    and at least ``fan_out_ratio`` times the largest recipient bucket seen. Strength grows with the
    ratio; a fan-out without a link or attachment (an announcement) gets ``fan_out_no_payload_factor``.
    Evidence: now vs. usual.
    """

    names = ("FAN_OUT",)
    settings: Mapping[str, float] = {"fan_out_min_history": 3, "fan_out_min_recipients": 8, "fan_out_ratio": 4,
                                     "fan_out_no_payload_factor": 0.6}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or b.sender.inbound < cfg["fan_out_min_history"]:
            return
        count = f.recipient_count
        seen = b.sender.values(RECIPIENTS)
        if count < cfg["fan_out_min_recipients"] or not seen:
            return
        usual = max(bucket_upper(name) for name in seen)
        ratio = cfg["fan_out_ratio"]
        if count < ratio * usual:
            return
        strength = min(1.0, 0.5 + 0.5 * (count / usual - ratio) / ratio)
        if not f.links and not f.attachments:
            strength *= cfg["fan_out_no_payload_factor"]
        yield Hit("FAN_OUT", strength, (f"recipients={count}", f"usual<={usual}"))

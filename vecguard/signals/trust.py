"""Trust: history that makes a message less suspicious (negative weights, floored by the trust group).

Trust only vouches for messages that are otherwise in character: it lowers the score of weak, ordinary
novelty (an unusual hour, a new generic link), never of a message carrying a real anomaly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..baseline import Baseline
from ..features import Context, Features
from ..scoring import Hit
from .composite import ANOMALIES


def out_of_character(prior: Sequence[Hit], threshold: float) -> bool:
    """True when another detector found the message out of character: history cannot vouch for it then,
    because the history may be exactly what a compromised mailbox borrows."""
    return any(h.name in ANOMALIES and h.strength >= threshold for h in prior)


class ReplyToOurMail:
    """REPLY_TO_OUR_MAIL: the message answers mail one of our users sent to this sender.

    Not given to a message another detector found out of character (``trust_veto_strength``). Evidence: the referenced Message-ID of ours.
    """

    names = ("REPLY_TO_OUR_MAIL",)
    settings: Mapping[str, float] = {"trust_veto_strength": 0.5}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None or not b.thread.ours:
            return
        if out_of_character(prior, cfg["trust_veto_strength"]):
            return
        if f.sender.address in b.thread.participants:
            yield Hit("REPLY_TO_OUR_MAIL", 1.0, (f"answers <{min(b.thread.ours)}>",))


class LongCleanHistory:
    """LONG_CLEAN_HISTORY: a sender with a long history and nothing ever held.

    Full strength at ``clean_history_messages`` messages over at least ``clean_history_days`` days.
    Evidence: message count and span.
    """

    names = ("LONG_CLEAN_HISTORY",)
    settings: Mapping[str, float] = {"clean_history_messages": 20, "clean_history_days": 30, "trust_veto_strength": 0.5}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        s = b.sender
        if f.direction != "inbound" or s.held or not s.first_seen or not s.last_seen:
            return
        if out_of_character(prior, cfg["trust_veto_strength"]):
            return
        messages = s.inbound + s.outbound
        days = (s.last_seen - s.first_seen).days
        if messages < cfg["clean_history_messages"] / 4 or days < cfg["clean_history_days"]:
            return
        yield Hit("LONG_CLEAN_HISTORY", min(1.0, messages / cfg["clean_history_messages"]),
                  (f"{messages} msgs over {days} days, none held",))

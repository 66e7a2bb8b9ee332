"""Composite signals: out-of-character evidence from several families at once.

One anomaly is often innocent: a vendor shares a WeTransfer link once, writes from a phone, or announces
a new bank account. Anomalies from two families together (a new kind of link sent from new
infrastructure; a bank-detail change written with a new mail client) are how a mailbox in someone
else's hands looks. These detectors run after all others and read their hits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..baseline import Baseline
from ..features import Context, Features
from ..scoring import Hit

IDENTITY = frozenset({"LOOKALIKE_SENDER_DOMAIN", "LOOKALIKE_REPLY_TO", "REPLY_TO_FREEMAIL", "REPLY_TO_NEW_DOMAIN"})
LINKS = frozenset({"NEW_LINK_FILE_SHARING", "NEW_LINK_SITE_BUILDER", "NEW_LINK_SHORTENER", "NEW_LINK_TRUSTED_HOSTING",
                   "CORRESPONDENT_NAME_IN_LINK", "BRAND_IN_LINK", "LINK_TEXT_MISMATCH", "HIDDEN_LINK",
                   "IMAGE_ONLY_LINK", "PROMINENT_LINK", "DISGUISED_LINK_TOKEN", "LOOKALIKE_LINK_DOMAIN",
                   "MIXED_SCRIPT_LINK_HOST"})
INFRASTRUCTURE = frozenset({"NEW_MAIL_CLIENT", "NEW_SENDING_NETWORK", "FAN_OUT"})
PAYMENT = frozenset({"PAYMENT_CHANGE_REQUEST"})
OUTSIDER = frozenset({"THREAD_OUTSIDER"})
FAMILIES: Mapping[str, frozenset[str]] = {
    "identity": IDENTITY, "links": LINKS, "infrastructure": INFRASTRUCTURE, "payment": PAYMENT, "outsider": OUTSIDER,
}
ANOMALIES = frozenset().union(*FAMILIES.values())


def strongest_by_family(prior: Sequence[Hit], min_strength: float) -> dict[str, Hit]:
    """The strongest hit of each family among ``prior``, ignoring hits weaker than ``min_strength``."""
    best: dict[str, Hit] = {}
    for hit in prior:
        if hit.strength < min_strength:
            continue
        for family, members in FAMILIES.items():
            if hit.name in members and (family not in best or hit.strength > best[family].strength):
                best[family] = hit
    return best


def combined_strength(best: Mapping[str, Hit]) -> float:
    """Mean strength of the two strongest families."""
    top = sorted((h.strength for h in best.values()), reverse=True)[:2]
    return sum(top) / len(top)


def _evidence(best: Mapping[str, Hit]) -> str:
    return ", ".join(h.name for h in best.values())


class ThreadHijack:
    """THREAD_HIJACK: a reply into a known, real conversation that is out of character for its sender.

    The thread's real messages are ordinary; the inserted one carries what the other detectors found.
    Fires on a strong identity anomaly (lookalike sender or Reply-To, Reply-To moved; at least
    ``identity_alone_strength``: a weak TLD swap such as python.net for python.org is not enough), or on
    anomalies from two families (new kind of link, new client or network, a payment-detail change, a
    sender from outside the thread), or on a payment-detail change alone: bank details are not what a real
    conversation turns to without warning, and a mailbox in someone else's hands writes from the real
    address with the real client (strength: the request's times ``payment_alone_factor``). Strength: the
    identity anomaly's, else the mean of the two strongest families'.
    Evidence: the thread and the anomalies.
    """

    names = ("THREAD_HIJACK",)
    settings: Mapping[str, float] = {"min_anomaly_strength": 0.3, "identity_alone_strength": 0.6,
                                     "payment_alone_factor": 0.5}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or not b.thread.known:
            return
        best = strongest_by_family(prior, cfg["min_anomaly_strength"])
        if "identity" in best and best["identity"].strength >= cfg["identity_alone_strength"]:
            strength = best["identity"].strength
        elif len(best) >= 2:
            strength = combined_strength(best)
        elif "payment" in best:
            strength = best["payment"].strength * cfg["payment_alone_factor"]
        else:
            return
        yield Hit("THREAD_HIJACK", strength,
                  (f"reply in known thread '{f.subject_norm[:40]}' ({b.thread.messages} msgs) with {_evidence(best)}",))


class AccountTakeover:
    """ACCOUNT_TAKEOVER: a known correspondent's mail shows anomalies from two families at once.

    Outside a known thread (inside one THREAD_HIJACK says it): a new kind of link sent from a new client
    or network, a payment-detail change with a Reply-To moved to free mail, and so on. Needs
    ``min_history`` earlier messages from the sender. Strength: the mean of the two strongest families'.
    Evidence: the anomalies.
    """

    names = ("ACCOUNT_TAKEOVER",)
    settings: Mapping[str, float] = {"min_anomaly_strength": 0.3, "min_history": 3}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or b.thread.known or b.sender.inbound < cfg["min_history"]:
            return
        best = strongest_by_family(prior, cfg["min_anomaly_strength"])
        if len(best) >= 2:
            yield Hit("ACCOUNT_TAKEOVER", combined_strength(best),
                      (f"{b.sender.inbound} earlier msgs; now {_evidence(best)}",))

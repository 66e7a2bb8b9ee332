"""Signs of a compromised mailbox: a known sender whose infrastructure or habits suddenly change."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..baseline import CLIENT, HOUR, NETWORK, REPLY_TO, Baseline, Profile
from ..features import Context, Features
from ..learn import reply_to_value
from ..lists import free_email
from ..scoring import Hit
from . import surprise


def _novel(profile: Profile, kind: str, value: str, cfg: Mapping[str, float]) -> float | None:
    """Surprise of ``value`` for ``kind`` if the profile has enough history and never saw it, else None."""
    observations = profile.observations(kind)
    if observations < cfg["min_history"] or profile.seen(kind, value):
        return None
    return surprise(len(profile.values(kind)), observations, cfg["novelty_prior"])


class NewMailClient:
    """NEW_MAIL_CLIENT: a known sender writes with a mail client it never used (X-Mailer / User-Agent).

    An attacker in a stolen mailbox usually sends from a different program or webmail. Needs
    ``min_history`` earlier messages. Evidence: the new client and the usual ones.
    """

    names = ("NEW_MAIL_CLIENT",)
    settings: Mapping[str, float] = {"min_history": 3, "novelty_prior": 2}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound":
            return
        strength = _novel(b.sender, CLIENT, f.client, cfg)
        if strength:
            usual = ", ".join(sorted(b.sender.values(CLIENT), key=lambda v: -b.sender.seen(CLIENT, v))[:2])
            yield Hit("NEW_MAIL_CLIENT", strength, (f"client={f.client}", f"usual: {usual}"))


class NewSendingNetwork:
    """NEW_SENDING_NETWORK: a known sender's mail arrives from infrastructure it never used.

    The first external hop (rDNS organisation or IP prefix) is stable for a real organisation's mail
    provider. Judged on the sender and on its organisation: a colleague at the same vendor using the same
    provider is not new. Evidence: the new network and the usual one.
    """

    names = ("NEW_SENDING_NETWORK",)
    settings: Mapping[str, float] = {"min_history": 3, "novelty_prior": 2}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        network = f.hop.network
        if f.direction != "inbound" or not network or b.org.seen(NETWORK, network):
            return
        strength = _novel(b.sender, NETWORK, network, cfg)
        if strength:
            usual = ", ".join(sorted(b.sender.values(NETWORK), key=lambda v: -b.sender.seen(NETWORK, v))[:2])
            yield Hit("NEW_SENDING_NETWORK", strength, (f"network={network} helo={f.hop.helo}", f"usual: {usual}"))


class UnusualHour:
    """UNUSUAL_HOUR: a known sender writes at an hour of its own day it never used (within +-2 hours).

    The hour comes from the Date header's own offset, so it is the sender's local time. Needs
    ``hour_min_history`` dated messages. Evidence: the hour and the usual range.
    """

    names = ("UNUSUAL_HOUR",)
    settings: Mapping[str, float] = {"hour_min_history": 8, "hour_window": 2}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        hours = b.sender.values(HOUR)
        total = sum(hours.values())
        if f.direction != "inbound" or f.hour is None or total < cfg["hour_min_history"]:
            return
        window = int(cfg["hour_window"])
        near = sum(hours.get(str((f.hour + d) % 24), 0) for d in range(-window, window + 1))
        if near:
            return
        seen = sorted(int(h) for h in hours)
        yield Hit("UNUSUAL_HOUR", total / (total + 4), (f"hour={f.hour:02d}", f"usual {seen[0]:02d}-{seen[-1]:02d}h"))


class ReplyToShift:
    """Reply-To moving somewhere new: answers would go to the attacker, not the vendor.

    REPLY_TO_FREEMAIL: Reply-To at a free mailbox provider the sender never used for it (also from one
    free provider to another: gmail From, proton.me Reply-To).
    REPLY_TO_NEW_DOMAIN: Reply-To at another organisation never seen for this sender (only for senders
    with ``min_history`` messages; an unknown sender has no habit to compare with).
    Evidence: the Reply-To address.
    """

    names = ("REPLY_TO_FREEMAIL", "REPLY_TO_NEW_DOMAIN")
    settings: Mapping[str, float] = {"min_history": 3, "novelty_prior": 2,
                                     "unknown_sender_freemail_strength": 0.6}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None or f.via_list:
            return
        value = reply_to_value(f)
        if value == "(none)" or b.sender.seen(REPLY_TO, value) or b.org.seen(REPLY_TO, value):
            return
        address = next(a.address for a in f.reply_to if a.org == value)
        domain = address.rsplit("@", 1)[1]
        # A mailbox at the provider's own domain; its subdomains are its services (groups.msn.com: a
        # group's address, not a mailbox anyone can open), judged like any other organisation.
        free = free_email().match(domain) == domain
        history = b.sender.observations(REPLY_TO)
        if history >= cfg["min_history"]:
            strength = surprise(len(b.sender.values(REPLY_TO)), history, cfg["novelty_prior"])
        elif free:
            strength = cfg["unknown_sender_freemail_strength"]
        else:
            return
        yield Hit("REPLY_TO_FREEMAIL" if free else "REPLY_TO_NEW_DOMAIN", strength, (f"reply-to={address}",))

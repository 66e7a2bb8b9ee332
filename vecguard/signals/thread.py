"""Conversations: fake replies, outsiders in a thread, and thread hijack."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..baseline import Baseline
from ..domains import registered_domain
from ..features import Context, Features
from ..scoring import Hit

# Out-of-character signals by family. A hijack shows either an identity anomaly, or anomalies from two
# families: a vendor who once shares a new file host in a thread is not a hijack by itself, a new file
# host sent from new infrastructure is.
IDENTITY = frozenset({"LOOKALIKE_SENDER_DOMAIN", "LOOKALIKE_REPLY_TO", "REPLY_TO_FREEMAIL", "REPLY_TO_NEW_DOMAIN"})
LINKS = frozenset({"NEW_LINK_FILE_SHARING", "NEW_LINK_SITE_BUILDER", "NEW_LINK_SHORTENER", "NEW_LINK_TRUSTED_HOSTING",
                   "CORRESPONDENT_NAME_IN_LINK", "BRAND_IN_LINK", "LINK_TEXT_MISMATCH", "HIDDEN_LINK",
                   "IMAGE_ONLY_LINK", "PROMINENT_LINK", "DISGUISED_LINK_TOKEN", "LOOKALIKE_LINK_DOMAIN",
                   "MIXED_SCRIPT_LINK_HOST"})
INFRASTRUCTURE = frozenset({"NEW_MAIL_CLIENT", "NEW_SENDING_NETWORK", "FAN_OUT"})
OUTSIDER = frozenset({"THREAD_OUTSIDER"})
FAMILIES = {"identity": IDENTITY, "links": LINKS, "infrastructure": INFRASTRUCTURE, "outsider": OUTSIDER}


class FakeReply:
    """FAKE_REPLY: the message claims to continue a conversation that never happened here.

    In-Reply-To/References naming only Message-IDs never seen, or a "Re:" subject with no references, from
    a sender with no history: a classic way to borrow trust. Without a link or attachment it counts less;
    a known sender's unknown references count less (the thread may predate vecguard), and list mail even
    less. Evidence: the unknown references.
    """

    names = ("FAKE_REPLY",)
    settings: Mapping[str, float] = {"known_sender_factor": 0.3, "subject_only_factor": 0.3, "bulk_factor": 0.3,
                                     "no_link_factor": 0.7}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or b.thread.known:
            return
        if b.thread.referenced:
            strength, evidence = 1.0, f"unknown reference <{b.thread.referenced[0]}>"
        elif f.reply_subject:
            strength, evidence = cfg["subject_only_factor"], f"'{f.subject[:50]}' without references"
        else:
            return
        if not f.links and not f.attachments:
            strength *= cfg["no_link_factor"]  # a fake reply usually carries the payload: a link or a file
        if b.sender.known:
            strength *= cfg["known_sender_factor"]
        if f.bulk or f.via_list:
            strength *= cfg["bulk_factor"]
        yield Hit("FAKE_REPLY", strength, (evidence,))


def _orgs(addresses: frozenset[str]) -> set[str]:
    return {registered_domain(a.rsplit("@", 1)[-1]) for a in addresses if "@" in a}


class ThreadOutsider:
    """THREAD_OUTSIDER: a reply into a known conversation from someone whose organisation was not in it.

    Evidence: the thread size and its participants' organisations.
    """

    names = ("THREAD_OUTSIDER",)
    settings: Mapping[str, float] = {}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None or not b.thread.known:
            return
        if f.sender.address in b.thread.participants:
            return
        orgs = _orgs(b.thread.participants)
        if f.sender.org in orgs:
            return
        shown = ", ".join(sorted(o for o in orgs if not ctx.is_local(o))[:3])
        yield Hit("THREAD_OUTSIDER", 1.0, (f"{f.sender.address} not in thread of {b.thread.messages} msgs ({shown})",))


class ThreadHijack:
    """THREAD_HIJACK: a reply into a known, real conversation that is out of character for its sender.

    The thread's real messages are ordinary; the inserted one carries what the other detectors found.
    Fires on an identity anomaly (lookalike sender or Reply-To, Reply-To moved), or on anomalies from two
    families (new kind of link, new client or network, a sender from outside the thread). Strength: the identity
    anomaly's, else the mean of the two strongest families'. Evidence: the thread and the anomalies.
    """

    names = ("THREAD_HIJACK",)
    settings: Mapping[str, float] = {"min_anomaly_strength": 0.3}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or not b.thread.known:
            return
        best: dict[str, Hit] = {}
        for hit in prior:
            if hit.strength < cfg["min_anomaly_strength"]:
                continue
            for family, members in FAMILIES.items():
                if hit.name in members and (family not in best or hit.strength > best[family].strength):
                    best[family] = hit
        if "identity" in best:
            strength = best["identity"].strength
        elif len(best) >= 2:
            top = sorted((h.strength for h in best.values()), reverse=True)[:2]
            strength = sum(top) / 2
        else:
            return
        names = ", ".join(h.name for h in best.values())
        yield Hit("THREAD_HIJACK", strength,
                  (f"reply in known thread '{f.subject_norm[:40]}' ({b.thread.messages} msgs) with {names}",))

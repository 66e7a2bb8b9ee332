"""Conversations: fake replies and outsiders in a thread (THREAD_HIJACK is in composite.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..baseline import Baseline
from ..domains import registered_domain
from ..features import Context, Features
from ..scoring import Hit


def copied_to_list(b: Baseline, cfg: Mapping[str, float]) -> bool:
    """True if To or Cc names a mailing list we receive, with ``list_min_posts`` posts learned from it (one
    planted list-shaped message does not make an address a list)."""
    return any(posts >= cfg["list_min_posts"] for posts in b.known_lists.values())


class FakeReply:
    """FAKE_REPLY: the message claims to continue a conversation that never happened here.

    In-Reply-To/References naming only Message-IDs never seen, or a "Re:" subject with no references, from
    a sender with no history: a classic way to borrow trust. Without a link or attachment it counts less;
    a known sender's unknown references count less (the thread may predate vecguard), and list mail even
    less, including a copy of a list discussion sent to us directly (:func:`copied_to_list`: the thread's
    earlier posts were never ours to know). Evidence: the unknown references.
    """

    names = ("FAKE_REPLY",)
    settings: Mapping[str, float] = {"known_sender_factor": 0.3, "subject_only_factor": 0.3, "bulk_factor": 0.3,
                                     "no_link_factor": 0.7, "list_min_posts": 3}

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
        if f.bulk or f.via_list or copied_to_list(b, cfg):
            strength *= cfg["bulk_factor"]
        yield Hit("FAKE_REPLY", strength, (evidence,))


def _orgs(addresses: frozenset[str]) -> set[str]:
    return {registered_domain(a.rsplit("@", 1)[-1]) for a in addresses if "@" in a}


class ThreadOutsider:
    """THREAD_OUTSIDER: a reply into a known conversation from someone whose organisation was not in it.

    Mailing-list threads are open to anyone and do not count: those with list headers or copied to a
    mailing list we receive (:func:`copied_to_list`), and replies that name none of our recipients but
    go to an address already in the thread (a list or group address without List-Id). Evidence: the
    thread size and its participants' organisations.
    """

    names = ("THREAD_OUTSIDER",)
    settings: Mapping[str, float] = {"list_min_posts": 3}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if (f.direction != "inbound" or f.sender is None or not b.thread.known or f.bulk or f.via_list
                or copied_to_list(b, cfg)):
            return
        if f.sender.address in b.thread.participants:
            return
        named = {a.address for a in f.to + f.cc}
        if f.local_recipients and not named.intersection(f.local_recipients) and named & b.thread.participants:
            return  # sent to an address the thread already had, not to us: list traffic without list headers
        orgs = _orgs(b.thread.participants)
        if f.sender.org in orgs:
            return
        shown = ", ".join(sorted(o for o in orgs if not ctx.is_local(o))[:3])
        yield Hit("THREAD_OUTSIDER", 1.0, (f"{f.sender.address} not in thread of {b.thread.messages} msgs ({shown})",))

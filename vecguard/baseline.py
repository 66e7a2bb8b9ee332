"""Baseline: a frozen, read-only view of the history relevant to one message (no database handle).

The store builds it with one batch of queries before scoring; detectors only read it. History about
a correspondent is rolled up per *scope*: the sender address and the sender's organisation (its
registered domain), each with counters and per-kind value counts ("facts").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

# Fact kinds: what is remembered per sender and per organisation, value -> message count.
LINK_SITE = "link_site"      # sites (registered domains) of links the correspondent shared
CLIENT = "client"            # mail client family ("(none)" counts as a value)
NETWORK = "network"          # first external hop: rDNS organisation or IP prefix
HELO = "helo"                # registered domain of the HELO name
DKIM = "dkim"                # DKIM d= that passed at our authserv-id
REPLY_TO = "reply_to"        # registered domain of Reply-To, "(none)" when absent or equal to From
HOUR = "hour"                # local hour of day of the Date header, "0".."23"
RECIPIENTS = "recipients"    # recipient-count bucket, see recipient_bucket()
AUTH_SPF = "auth_spf"        # SPF result from a trusted authserv-id or our own check: pass, fail, ...
AUTH_DKIM = "auth_dkim"      # DKIM result (pass if any signature passed)
AUTH_DMARC = "auth_dmarc"    # DMARC result
AUTH_KINDS = {"spf": AUTH_SPF, "dkim": AUTH_DKIM, "dmarc": AUTH_DMARC}
FACT_KINDS = (LINK_SITE, CLIENT, NETWORK, HELO, DKIM, REPLY_TO, HOUR, RECIPIENTS, AUTH_SPF, AUTH_DKIM, AUTH_DMARC)

# Provisional facts: what a tagged (suspicious, delivered) message carried is stored under its kind with
# this prefix ("~link_site"), so that it does not vouch for itself. For a correspondent with untagged
# history, ``seen()`` and ``values()`` do not count a provisional value until it recurs in untagged mail (an
# analyst's release replays the message as a pass) or in PROVISIONAL_RECUR tagged messages: a second attack
# of the same kind from a compromised vendor still meets a new link site, client or Reply-To. For a sender
# known from tagged mail only, every fact was new anyway and there is no habit to protect: its provisional
# values count at once, as ordinary facts would (otherwise each message of a newsletter that is tagged once
# would meet the same novelty again, with more weight as its history grows, until it is held for ever).
# TAGGED counts the tagged messages of a scope (they are in ``inbound`` too) under the value "messages".
PROVISIONAL = "~"
TAGGED = "~tagged"
PROVISIONAL_RECUR = 2


def provisional(kind: str) -> str:
    """The fact kind under which a tagged message's observation of ``kind`` is kept."""
    return PROVISIONAL + kind

_EMPTY: Mapping[str, int] = MappingProxyType({})

RECIPIENT_BUCKETS = ((1, "1"), (2, "2"), (5, "3-5"), (10, "6-10"), (30, "11-30"))


def recipient_bucket(count: int) -> str:
    """Bucket a recipient count so the profile stays small: 1, 2, 3-5, 6-10, 11-30, 31+."""
    for upper, name in RECIPIENT_BUCKETS:
        if count <= upper:
            return name
    return "31+"


def bucket_upper(name: str) -> int:
    """The largest count a bucket holds (31+ -> 1000)."""
    for upper, bucket in RECIPIENT_BUCKETS:
        if bucket == name:
            return upper
    return 1000


@dataclass(frozen=True, slots=True)
class Profile:
    """Rolled-up history of one scope (a sender address or an organisation domain)."""

    key: str = ""
    inbound: int = 0          # messages received from it (not held)
    outbound: int = 0         # messages our users sent to it
    link_messages: int = 0    # received messages that carried at least one link
    held: int = 0             # messages from it that were held
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    names: tuple[str, ...] = ()   # display names seen, most frequent first
    facts: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if TAGGED in self.facts:  # only tagged mail writes provisional facts
            _fold_provisional(self)

    @property
    def known(self) -> bool:
        """True once any mail went either way."""
        return self.inbound + self.outbound > 0

    def values(self, kind: str) -> Mapping[str, int]:
        """Value -> count for one fact kind."""
        return self.facts.get(kind, _EMPTY)

    def seen(self, kind: str, value: str) -> int:
        """How many messages carried ``value`` for ``kind``."""
        return self.values(kind).get(value, 0)

    def observations(self, kind: str) -> int:
        """How many observations of ``kind`` were recorded."""
        return sum(self.values(kind).values())

    @property
    def vouched(self) -> bool:
        """Known from untagged mail: our users wrote to it, or it sent mail that was not tagged."""
        return self.outbound > 0 or self.inbound > self.tagged

    @property
    def tagged(self) -> int:
        """Tagged messages from this scope: delivered, but learned only provisionally."""
        return self.values(TAGGED).get("messages", 0)

    def seen_provisionally(self, kind: str, value: str) -> int:
        """How many tagged messages carried ``value`` for ``kind`` (not counted by :meth:`seen`)."""
        return self.values(provisional(kind)).get(value, 0)


def _fold_provisional(p: Profile) -> None:
    """Count provisional values as ordinary facts: all of them for a scope known from tagged mail only,
    those seen in ``PROVISIONAL_RECUR`` tagged messages for one with untagged history (see PROVISIONAL)."""
    tagged = p.facts[TAGGED].get("messages", 0)
    recur = 1 if p.inbound <= tagged and p.outbound == 0 else PROVISIONAL_RECUR
    merged: dict[str, Mapping[str, int]] = dict(p.facts)
    for kind, values in p.facts.items():
        if not kind.startswith(PROVISIONAL) or kind == TAGGED:
            continue
        recurring = {v: n for v, n in values.items() if n >= recur}
        if recurring:
            plain = kind[len(PROVISIONAL):]
            combined = dict(merged.get(plain, _EMPTY))
            for value, n in recurring.items():
                combined[value] = combined.get(value, 0) + n
            merged[plain] = MappingProxyType(combined)
    object.__setattr__(p, "facts", MappingProxyType(merged))


@dataclass(frozen=True, slots=True)
class ThreadView:
    """What history knows about the conversation a message claims to continue."""

    referenced: tuple[str, ...] = ()          # Message-IDs from In-Reply-To and References
    known: frozenset[str] = frozenset()       # those that history has seen
    ours: frozenset[str] = frozenset()        # those that our users sent
    participants: frozenset[str] = frozenset()  # everyone on the known messages of the thread
    messages: int = 0                         # known messages in the thread


@dataclass(frozen=True, slots=True)
class KnownDomain:
    """A domain we have corresponded with, for lookalike comparison (``messages`` weighs its history)."""

    domain: str
    messages: int
    local: bool = False


@dataclass(frozen=True, slots=True)
class Baseline:
    """Everything detectors may know about history for one message."""

    sender: Profile = Profile()
    org: Profile = Profile()
    relationships: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    thread: ThreadView = ThreadView()
    # candidate domain (sender org, reply-to org, link sites) -> known domains sharing a lookalike index key
    similar: Mapping[str, tuple[KnownDomain, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # reply-to address or org -> its profile, for "Reply-To moves somewhere new"
    reply_to: Mapping[str, Profile] = field(default_factory=lambda: MappingProxyType({}))
    # Local users this message's sender may impersonate, filled by the store for inbound mail only: the
    # display names (casefolded) of local users whose name equals the sender's display name, and the
    # addresses of local users whose local part equals the sender's.
    local_names: frozenset[str] = frozenset()
    local_addresses: frozenset[str] = frozenset()
    # The people an inbound sender copies at the known domains its organisation resembles (those of
    # ``similar`` for the sender's organisation): known domain -> known correspondents there with the
    # sender's local part or the sender's display name. gward@python.net copies nobody at python.org;
    # jane.doe@vendor.co copies jane.doe@vendor.com.
    copied: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # The To/Cc addresses of this message that are mailing lists we receive (learn.LIST) -> list posts
    # learned from them: a message copied to one is part of a list discussion even without list headers.
    known_lists: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

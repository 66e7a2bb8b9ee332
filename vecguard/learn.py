"""What a decided message teaches the baseline, as data (pure); the store applies it.

Kept apart from reading, like rspamd's REPLIES_CHECK / REPLIES_SET: lessons are drawn after the decision
and never change the current message's score. Held mail teaches nothing but the held counter; a release
by an analyst replays the message with ``action="pass"``.

Tagged mail is delivered but suspicious, so it must not vouch for itself: its facts are learned
provisionally (see ``baseline.PROVISIONAL``), it is counted as tagged, and it adds no relationship. A
second attack like the first from a compromised correspondent therefore still meets a "new" link site,
client or Reply-To; values the correspondent had already shown in untagged mail stay known, and
untagged mail with the same values (or a release) makes them ordinary facts. The thread index still
learns the message, so a real reply to it is not taken for a fake one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import baseline as b
from .domains import registered_domain
from .features import Address, Features, parse_addresses

SENDER = "sender"
ORG = "org"
LOCAL = "local"
# A mailing list we receive: the posting address of the list a learned message came through (own_list), so
# that a copy of a list discussion sent to us directly (To: the list, Cc: us) is known as list traffic.
LIST = "list"
# A correspondent at a subdomain (bstengle@houston.quik.com) filed again under its organisation
# (bstengle@quik.com), so that a lookalike of quik.com that copies the person can be found by key.
PERSON = "person"


@dataclass(frozen=True, slots=True)
class ScopeLesson:
    """Increments for one scope: counters plus one observation per (kind, value) fact."""

    scope: str  # sender | org | local | person | list
    key: str
    name: str = ""
    inbound: int = 0
    outbound: int = 0
    link_messages: int = 0
    held: int = 0
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ThreadLesson:
    """A message joining the thread index."""

    message_id: str
    parents: tuple[str, ...]
    participants: tuple[str, ...]
    ours: bool
    sender: str


@dataclass(frozen=True, slots=True)
class Lesson:
    """Everything one message teaches."""

    seen_at: datetime | None
    scopes: tuple[ScopeLesson, ...] = ()
    relationships: tuple[tuple[str, str], ...] = ()  # (from address, to address)
    thread: ThreadLesson | None = None
    known_domains: tuple[str, ...] = ()  # organisations now known, for the lookalike index


def inbound_facts(f: Features) -> tuple[tuple[str, str], ...]:
    """The (kind, value) observations an inbound message adds to its sender's and org's profile."""
    facts: list[tuple[str, str]] = [(b.LINK_SITE, s) for s in f.link_sites]
    facts.append((b.CLIENT, f.client))
    if f.hop.network:
        facts.append((b.NETWORK, f.hop.network))
    if f.hop.helo and "." in f.hop.helo:
        facts.append((b.HELO, registered_domain(f.hop.helo)))
    facts.extend((b.DKIM, d) for d in f.auth.dkim_domains)
    # Results of trusted or verified authentication, for "fails where it always passed". temperror is
    # our DNS, not the sender: not learned.
    for method, result in (("spf", f.auth.spf), ("dkim", f.auth.dkim), ("dmarc", f.auth.dmarc)):
        if result and result != "temperror":
            facts.append((b.AUTH_KINDS[method], result))
    facts.append((b.REPLY_TO, reply_to_value(f)))
    if f.hour is not None:
        facts.append((b.HOUR, str(f.hour)))
    facts.append((b.RECIPIENTS, b.recipient_bucket(max(f.recipient_count, 1))))
    return tuple(facts)


def reply_to_value(f: Features) -> str:
    """The Reply-To organisation, or "(none)" when absent, the same organisation as the sender, or the
    mailing list the message came through (a list that sets Reply-To to itself moves nothing)."""
    if f.sender is None:
        return "(none)"
    orgs = [a.org for a in f.reply_to if a.org and a.org != f.sender.org and a.address != f.own_list]
    return orgs[0] if orgs else "(none)"


def thread_lesson(f: Features, ours: bool) -> ThreadLesson | None:
    """The thread-index entry for a message, if it has a Message-ID."""
    if not f.message_id:
        return None
    parents = tuple(dict.fromkeys(f.in_reply_to + f.references))
    return ThreadLesson(f.message_id, parents, tuple(sorted(f.participants)), ours,
                        f.sender.address if f.sender else "")


def lesson(f: Features, action: str) -> Lesson:
    """Draw the lesson of a decided message. ``action`` is the final action: pass, tag, hold or error."""
    sender = f.sender
    if sender is None:
        return Lesson(f.date)
    if f.direction == "inbound":
        if action == "hold":
            return Lesson(f.date, scopes=(ScopeLesson(SENDER, sender.address, held=1),
                                          ScopeLesson(ORG, sender.org, held=1)))
        facts = inbound_facts(f)
        if action == "tag":
            return _tagged_lesson(f, sender, facts)
        has_links = 1 if f.links else 0
        return Lesson(
            f.date,
            scopes=(
                ScopeLesson(SENDER, sender.address, sender.name, inbound=1, link_messages=has_links, facts=facts),
                ScopeLesson(ORG, sender.org, inbound=1, link_messages=has_links, facts=facts),
                *_person(sender, inbound=1),
                *_list(f),
            ),
            relationships=tuple((sender.address, r) for r in f.local_recipients),
            thread=thread_lesson(f, ours=False),
            known_domains=(sender.org,),
        )
    # outbound or internal: our own user wrote it, so every external recipient becomes known
    external = [a for a in f.to + f.cc if a.address not in f.local_recipients]
    named = {a.address for a in external}
    external += [a for a in parse_addresses(f.envelope_rcpts)
                 if a.address not in f.local_recipients and a.address not in named]
    scopes = [ScopeLesson(LOCAL, sender.address, sender.name, outbound=1)]
    for rcpt in external:
        scopes.append(ScopeLesson(SENDER, rcpt.address, rcpt.name, outbound=1))
        scopes.append(ScopeLesson(ORG, rcpt.org, outbound=1))
        scopes.extend(_person(rcpt, outbound=1))
    return Lesson(
        f.date,
        scopes=tuple(scopes),
        relationships=tuple((sender.address, r.address) for r in external),
        thread=thread_lesson(f, ours=True),
        known_domains=tuple(dict.fromkeys(r.org for r in external if r.org)),
    )



def _person(address: Address, inbound: int = 0, outbound: int = 0) -> tuple[ScopeLesson, ...]:
    """The PERSON scope of a correspondent at a subdomain of its organisation; none at the organisation
    itself, where its SENDER scope already has that key."""
    if not address.org or address.domain == address.org:
        return ()
    local_part = address.address.rsplit("@", 1)[0]
    return (ScopeLesson(PERSON, f"{local_part}@{address.org}", address.name, inbound=inbound, outbound=outbound),)


def _list(f: Features) -> tuple[ScopeLesson, ...]:
    """The LIST scope of the mailing list an inbound message came through, if it names it."""
    return (ScopeLesson(LIST, f.own_list, inbound=1),) if f.own_list else ()


def _tagged_lesson(f: Features, sender: Address, facts: tuple[tuple[str, str], ...]) -> Lesson:
    """What a tagged inbound message teaches: provisional facts and the tagged count, nothing that vouches."""
    provisional = tuple((b.provisional(kind), value) for kind, value in facts) + ((b.TAGGED, "messages"),)
    return Lesson(
        f.date,
        scopes=(ScopeLesson(SENDER, sender.address, inbound=1, facts=provisional),
                ScopeLesson(ORG, sender.org, inbound=1, facts=provisional),
                *_person(sender, inbound=1), *_list(f)),
        thread=thread_lesson(f, ours=False),
        known_domains=(sender.org,),  # its real domain must be indexed, or a lookalike of it would pass
    )

"""Features: everything the detectors need to know about one message, extracted by pure functions.

``extract(envelope, message, context)`` never does I/O and never visits a URL. Features that are absent
stay empty (``None`` / ``()``); detectors decide what absence means.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .auth import authserv_id, forged_results
from .domains import is_ip, normalise_host, registered_domain
from .envelope import Envelope
from .links import Link, extract_links
from .lists import link_site, payment_change_patterns
from .message import Message, decode_header, unsurrogate


@dataclass(frozen=True, slots=True)
class Context:
    """Deployment facts the features depend on: which domains are ours, which authserv-ids we trust."""

    local_domains: frozenset[str] = frozenset()
    authserv_ids: frozenset[str] = frozenset()  # empty: trust hosts inside a local domain (our own MX)
    max_links: int = 200

    def is_local(self, domain: str) -> bool:
        """Local domains match exactly: a subdomain or sibling domain is not automatically ours."""
        return domain in self.local_domains


@dataclass(frozen=True, slots=True)
class Address:
    """A mailbox: lower-cased address, decoded display name, domain and its registered domain (org)."""

    address: str
    name: str = ""
    domain: str = ""
    org: str = ""


@dataclass(frozen=True, slots=True)
class AuthResults:
    """Authentication-Results from a trusted authserv-id: method -> result, plus passing DKIM domains."""

    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None
    dkim_domains: tuple[str, ...] = ()
    dmarc_policy: str | None = None  # the policy in force when DMARC was evaluated: none | quarantine | reject
    source: str = ""  # the authserv-id the results came from, or "vecguard" when verified by vecguard.authcheck


@dataclass(frozen=True, slots=True)
class Hop:
    """The first external Received hop: who handed the message to our side."""

    ip: str | None = None
    helo: str | None = None
    rdns: str | None = None

    @property
    def network(self) -> str | None:
        """A stable name for the sending infrastructure: rDNS organisation, else the IP's /16 or /32."""
        if self.rdns and "." in self.rdns and not is_ip(self.rdns):
            return registered_domain(self.rdns)
        if self.ip:
            return _ip_network(self.ip)
        return None


# Hop.network is read by several detectors and the lesson for every message, and the ipaddress objects cost
# ~2% of a scan: the same few IPs recur, so the /16 (or /32) of each is remembered.
@functools.lru_cache(maxsize=65536)
def _ip_network(ip: str) -> str | None:
    """The /16 of an IPv4 address or the /32 of an IPv6 one, None if ``ip`` is not an address."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 16 if addr.version == 4 else 32
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


@dataclass(frozen=True, slots=True)
class Features:
    """What one message says about itself. Addresses are lower-case."""

    sender: Address | None
    from_header: Address | None
    via_list: str | None
    reply_to: tuple[Address, ...]
    return_path: str | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    envelope_rcpts: tuple[str, ...]
    local_recipients: tuple[str, ...]
    recipient_count: int
    undisclosed_count: int
    direction: str  # inbound | outbound | internal
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    subject_norm: str
    reply_subject: bool
    links: tuple[Link, ...]
    link_sites: tuple[str, ...]  # distinct lists.link_site() of the links, in order
    client: str
    hop: Hop
    auth: AuthResults
    date: datetime | None
    hour: int | None
    bulk: bool
    body_scanned: bool
    size: int
    attachments: tuple[str, ...] = ()
    defects: tuple[str, ...] = field(default=())
    payment_change: tuple[str, ...] = ()  # phrases asking to change where payments go
    own_list: str | None = None  # the mailing list it came through, when To or Cc names it (list_addresses)

    @property
    def participants(self) -> frozenset[str]:
        """Everyone named on the message: author, To, Cc and envelope recipients."""
        people = {a.address for a in self.to + self.cc}
        people.update(self.envelope_rcpts)
        if self.sender:
            people.add(self.sender.address)
        return frozenset(people)


_MSGID = re.compile(r"<[^<>\s]+>")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|vs|antw|fw|fwd|wg|tr|r|rif|odp)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_REPLY_ONLY = re.compile(r"^\s*(re|aw|sv|vs|antw|r|rif|odp)\s*(\[\d+\])?\s*:", re.IGNORECASE)
_LIST_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")
_VIA = re.compile(r"^(?P<name>.+?)\s+via\s+\S.*$", re.IGNORECASE)
_RECEIVED_FROM = re.compile(
    r"from\s+(?P<helo>[^\s()]+)?\s*(?:\((?P<info>[^)]*)\))?", re.IGNORECASE)
_BRACKET_IP = re.compile(r"\[(?:IPv6:)?(?P<ip>[0-9a-fA-F:.]+)\]")
_MAILER_VERSION = re.compile(r"[\s/(]*[v]?\d[\w.\-]*[)]?", re.IGNORECASE)
_AR_METHOD = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)([^;]*)", re.IGNORECASE)
_AR_HEADER_D = re.compile(r"header\.(?:d|i)\s*=\s*@?([^\s;]+)", re.IGNORECASE)
# "dmarc=fail (p=REJECT sp=REJECT dis=NONE)" (Google, Microsoft, OpenDMARC) or "policy.dmarc=reject"
_AR_DMARC_POLICY = re.compile(r"(?:\bp|policy\.dmarc|policy\.published-domain-policy)\s*=\s*(none|quarantine|reject)\b",
                              re.IGNORECASE)


def _simple_pairs(value: str) -> list[tuple[str, str]] | None:
    """(name, address) pairs of a plain list (``a@b, Name <c@d>``), or None when the value needs the full
    RFC 5322 parser (quotes, comments, groups). Real mail is mostly plain, and email.utils is slow."""
    if any(ch in value for ch in '"():;\\'):
        return None
    pairs = []
    for part in value.split(","):
        name, _, rest = part.partition("<")
        if rest:
            pairs.append((name.strip(), rest.split(">", 1)[0].strip()))
        elif part.strip():
            pairs.append(("", part.strip()))
    return pairs


def parse_addresses(values: Iterable[str]) -> tuple[Address, ...]:
    """Parse address headers into Address values; malformed entries are dropped, never raised."""
    result: list[Address] = []
    pairs: list[tuple[str, str]] = []
    for value in values:
        if not value:
            continue
        value = unsurrogate(value)
        simple = _simple_pairs(value)
        if simple is not None:
            pairs.extend(simple)
            continue
        with contextlib.suppress(Exception):  # getaddresses has raised on pathological input in past releases
            pairs.extend(email.utils.getaddresses([value]))
    for name, addr in pairs:
        addr = addr.strip().strip("<>").lower()
        if "@" not in addr:
            continue
        domain = normalise_host(addr.rsplit("@", 1)[1])
        result.append(Address(addr, decode_header(name).strip(" \"'"), domain, registered_domain(domain)))
    return tuple(result)


def message_ids(value: str | None) -> tuple[str, ...]:
    """Message-IDs in a header value, in order, lower-cased without brackets."""
    if not value:
        return ()
    return tuple(m[1:-1].lower() for m in _MSGID.findall(value))


def normalise_subject(subject: str) -> str:
    """Subject without reply/forward prefixes, list tags and case, for thread grouping."""
    previous = None
    s = subject
    while s != previous:
        previous = s
        s = _REPLY_PREFIX.sub("", _LIST_TAG.sub("", s))
    return " ".join(s.lower().split())


def client_family(message: Message) -> str:
    """The mail client family from X-Mailer / User-Agent with versions removed; '(none)' when absent."""
    raw = message.get("x-mailer") or message.get("user-agent")
    if not raw:
        return "(none)"
    text = decode_header(raw).lower()
    for family in ("thunderbird", "outlook", "apple mail", "iphone mail", "android", "roundcube",
                   "horde", "zimbra", "sogo", "evolution", "kmail", "mutt", "phpmailer", "swiftmailer",
                   "gmail", "yahoo", "lotus notes"):
        if family in text:
            return family
    text = text.split("(", 1)[0]
    return " ".join(_MAILER_VERSION.sub(" ", text).split())[:60] or "(none)"


def _private(ip: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return True
    return not addr.is_global


def first_external_hop(received: list[str], ctx: Context, envelope: Envelope) -> Hop:
    """The hop that handed the message to our infrastructure.

    In the milter that is the SMTP client itself. Offline, walk the Received headers from the top (the
    newest, added by our MX) and take the first ``from`` part with a public IP whose names are not ours.
    """
    if envelope.client_address and not _private(envelope.client_address):
        return Hop(envelope.client_address, envelope.helo, envelope.client_name)
    for header in received[:12]:
        text = " ".join(header.split())
        match = _RECEIVED_FROM.search(text)
        if not match:
            continue
        helo = (match.group("helo") or "").lower() or None
        info = match.group("info") or ""
        ip_match = _BRACKET_IP.search(info) or _BRACKET_IP.search(text[: match.end() + 80])
        ip = ip_match.group("ip") if ip_match else None
        rdns_text = info.split("[", 1)[0].strip().lower()
        rdns = rdns_text.split()[0] if rdns_text and rdns_text.split()[0] != "unknown" else None
        if not ip or _private(ip):
            continue
        names = [n for n in (helo, rdns) if n]
        if any(ctx.is_local(registered_domain(n)) for n in names):
            continue
        return Hop(ip, helo, rdns)
    return Hop()


def auth_results(headers: list[str], ctx: Context) -> AuthResults:
    """Read Authentication-Results only from trusted authserv-ids; forged ones are ignored.

    Forged means from an untrusted authserv-id, or claiming a trusted one below the first (topmost) header
    with that id: our MX writes one header on top, anything lower was in the message when it arrived
    (see vecguard.auth.forged_results)."""
    found: dict[str, str] = {}
    dkim_domains: list[str] = []
    policy: str | None = None
    source = ""
    forged = set(forged_results(headers, ctx.authserv_ids, ctx.local_domains))
    for position, header in enumerate(headers, 1):
        if position in forged:
            continue
        text = " ".join(decode_header(header).split())
        source = source or authserv_id(header)
        for method, result, props in _AR_METHOD.findall(text):
            method, result = method.lower(), result.lower()
            found.setdefault(method, result)
            if method == "dkim" and result == "pass":
                found[method] = "pass"  # one good signature is a DKIM pass, whatever a second one says
                d = _AR_HEADER_D.search(props)
                if d:
                    dkim_domains.append(normalise_host(d.group(1)))
            if method == "dmarc" and policy is None and (p := _AR_DMARC_POLICY.search(props)):
                policy = p.group(1).lower()
    return AuthResults(found.get("spf"), found.get("dkim"), found.get("dmarc"), tuple(dict.fromkeys(dkim_domains)),
                       policy, source if found else "")


_TAGS = re.compile(r"<[^>]*>")
PAYMENT_TEXT_LIMIT = 20_000
PAYMENT_WINDOW = 80  # characters around a prefilter word; longer than any phrase's reach from it


def payment_phrases(subject: str, text: str) -> tuple[str, ...]:
    """Phrases asking to change bank or payment details, from the subject and the start of the text.

    A phrase inside a warning sentence ("we will never change our bank details by email") is skipped.
    """
    words, phrases, warnings = payment_change_patterns()
    body = subject + "\n" + " ".join(text[:PAYMENT_TEXT_LIMIT].split())
    lower = body.lower()
    found: dict[str, None] = {}
    # The regular expressions only run in windows around the prefilter words: on 20 KB of business mail
    # a full scan costs milliseconds, the windows microseconds.
    for start, end in _windows(lower, words, PAYMENT_WINDOW):
        for match in phrases.finditer(body, start, end):
            first = max(body.rfind(".", 0, match.start()), body.rfind("\n", 0, match.start())) + 1
            last = body.find(".", match.end())
            if not warnings.search(body[first: last if last >= 0 else len(body)]):
                found.setdefault(match.group(0).lower(), None)
    return tuple(found)[:3]


def _windows(text: str, words: tuple[str, ...], radius: int) -> list[tuple[int, int]]:
    """Merged [start, end) spans of ``radius`` characters around every occurrence of ``words``."""
    spans = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            spans.append((max(0, at - radius), min(len(text), at + len(word) + radius)))
            at = text.find(word, at + len(word))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def local_hour(date: datetime | None) -> int | None:
    """Hour of day in the sender's own timezone, as written in its Date header."""
    return date.hour if date else None


def parse_date(value: str | None) -> datetime | None:
    """Date header -> aware datetime in the writer's offset; None if missing or broken."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_tz(decode_header(value))
    except (TypeError, ValueError, IndexError):
        return None
    if not parsed:
        return None
    try:
        offset = timezone(timedelta(seconds=parsed[9] or 0))
        return datetime(*parsed[:6], tzinfo=offset)
    except (ValueError, OverflowError, TypeError):
        return None


def _disclosed(rcpt: str, shown: set[str], ctx: Context) -> bool:
    """An envelope recipient named on To/Cc, directly or under another of our domains: mail to
    yyyy@example-corp.com delivered as yyyy@mail.example-corp.net (an alias domain) was not Bcc'd."""
    if rcpt in shown:
        return True
    local, _, domain = rcpt.rpartition("@")
    if not ctx.is_local(domain):
        return False
    return any(a.rpartition("@")[0] == local and ctx.is_local(a.rpartition("@")[2]) for a in shown)


_MAILTO = re.compile(r"<mailto:([^>?\s]+)", re.IGNORECASE)
_LIST_COMMAND = re.compile(r"-(unsubscribe|subscribe|request|leave|join|owner)(?=@)", re.IGNORECASE)


def list_addresses(message: Message) -> frozenset[str]:
    """The posting addresses of the mailing list a message came through, from its RFC 2369/2919
    headers: List-Post's mailto, the list's -request/-unsubscribe mailto with the command stripped
    (ilug-request@linux.ie, zzzzteana-unsubscribe@yahoogroups.com), and List-Id's ``name.domain`` read as
    ``name@domain`` at each dot. Empty for mail without list headers."""
    found: set[str] = set()
    for header in ("list-post", "list-unsubscribe", "list-subscribe"):
        for value in message.get_all(header) or ():
            found.update(_LIST_COMMAND.sub("", m.lower()) for m in _MAILTO.findall(str(value)))
    list_id = _MSGID.search(str(message.get("list-id") or ""))
    if list_id:
        ident = list_id.group(0)[1:-1].lower()
        found.update(f"{ident[:i]}@{ident[i + 1:]}" for i, c in enumerate(ident) if c == ".")
    return frozenset(found)


def _author(message: Message, from_header: Address | None, reply_to: tuple[Address, ...]) -> tuple[Address | None, str | None]:
    """The correspondent is the author, not a list that rewrote From for DMARC ("Name via List")."""
    if from_header is None:
        return None, None
    listed = message.get("list-id") is not None
    original = parse_addresses(message.get_all("x-original-from"))
    if listed and original:
        return original[0], from_header.address
    via = _VIA.match(from_header.name)
    if listed and via and len(reply_to) == 1 and reply_to[0].address != from_header.address:
        author = reply_to[0]
        return Address(author.address, author.name or via.group("name"), author.domain, author.org), from_header.address
    return from_header, None


def extract(envelope: Envelope, message: Message, ctx: Context) -> Features:
    """Extract the features of one message. Pure: same inputs, same features."""
    from_header = next(iter(parse_addresses(message.get_all("from"))), None)
    if from_header is None and envelope.mail_from:
        from_header = next(iter(parse_addresses([envelope.mail_from])), None)
    reply_to = parse_addresses(message.get_all("reply-to"))
    sender, via_list = _author(message, from_header, reply_to)
    to = parse_addresses(message.get_all("to"))
    cc = parse_addresses(message.get_all("cc"))
    rcpts = tuple(dict.fromkeys(a.lower().strip("<>") for a in envelope.rcpt_to if a))
    if not rcpts:
        # X-Original-To is the address the sender used (before alias expansion); Delivered-To the final
        # mailbox. Prefer the former, so mail to sales@ delivered to a person is not "undisclosed".
        envelope_headers = message.get_all("x-original-to") or message.get_all("delivered-to")
        rcpts = tuple(dict.fromkeys(a.address for a in parse_addresses(envelope_headers)))
    shown = {a.address for a in to + cc}
    undisclosed = sum(1 for r in rcpts if not _disclosed(r, shown, ctx))
    if not rcpts and not shown and message.get("to") is not None:
        # offline with no envelope and a To naming nobody ("undisclosed-recipients:;"): at least the
        # mailbox owner was a hidden recipient. A message with no To header at all says nothing.
        undisclosed = 1
    all_rcpts = list(rcpts) + [a for a in shown if a not in rcpts]
    local_rcpts = tuple(r for r in all_rcpts if ctx.is_local(r.rsplit("@", 1)[-1]))
    direction = "inbound"
    # An authenticated client (SMTP AUTH, or our submission listener) is one of our users, whatever
    # domain it writes From: its mail is ours and teaches the baseline like mail from a local domain.
    if sender is not None and (ctx.is_local(sender.domain) or envelope.authenticated):
        direction = "internal" if all_rcpts and len(local_rcpts) == len(all_rcpts) else "outbound"
    subject = decode_header(message.get("subject"))
    date = parse_date(message.get("date"))
    # Mail our own users send is learned, not scored: its links and wording are not read (half the work
    # of a typical mailbox, and none of it on the inbound path).
    scored = direction == "inbound"
    body_links = extract_links(message.text, message.html, ctx.max_links) if message.body_scanned and scored else ()
    rp = parse_addresses(message.get_all("return-path"))
    bulk = bool(message.get("list-id") or message.get("list-unsubscribe") or
                (message.get("precedence") or "").strip().lower() in ("bulk", "list", "junk"))
    own_list = min(shown & list_addresses(message), default=None) if bulk else None
    return Features(
        sender=sender,
        from_header=from_header,
        via_list=via_list,
        reply_to=reply_to,
        return_path=rp[0].address if rp else None,
        to=to,
        cc=cc,
        envelope_rcpts=rcpts,
        local_recipients=local_rcpts,
        recipient_count=len(shown) + undisclosed,
        undisclosed_count=undisclosed,
        direction=direction,
        message_id=next(iter(message_ids(message.get("message-id"))), None),
        in_reply_to=message_ids(message.get("in-reply-to")),
        references=message_ids(" ".join(message.get_all("references"))),
        subject=subject,
        subject_norm=normalise_subject(subject),
        reply_subject=bool(_REPLY_ONLY.match(subject)),
        links=body_links,
        link_sites=tuple(dict.fromkeys(link_site(x.host) for x in body_links if x.host)),
        client=client_family(message),
        hop=first_external_hop(message.get_all("received"), ctx, envelope),
        auth=auth_results(message.get_all("authentication-results"), ctx),
        date=date,
        hour=local_hour(date),
        bulk=bulk,
        own_list=own_list,
        body_scanned=message.body_scanned,
        size=message.size,
        attachments=tuple(a.filename for a in message.attachments),
        defects=message.defects,
        payment_change=payment_phrases(subject, message.text or _TAGS.sub(" ", message.html)) if scored else (),
    )

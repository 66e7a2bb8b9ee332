"""Sender authentication, the pure part: which Authentication-Results to trust, DMARC records and alignment.

Reading trusted results is done by :func:`vecguard.features.auth_results`; the DNS lookups that verify a
message when no trusted results exist live in :mod:`vecguard.authcheck`. Nothing here does I/O.

Passing authentication is never a reason to trust a message: VEC mail from a compromised vendor mailbox
passes SPF, DKIM and DMARC. What matters is a *change*: failing where the sender always passed, a DKIM
domain never seen for the sender, or a DMARC failure the domain owner asked receivers to act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .domains import normalise_host, registered_domain
from .message import decode_header

__all__ = [
    "FAILING",
    "DmarcRecord",
    "aligned",
    "authserv_id",
    "dmarc_result",
    "forged_results",
    "parse_dmarc_record",
]

# Results that say the sender's domain did not vouch for the message. temperror (our DNS, not the sender)
# and neutral are left out; "none" counts for a method the sender always used (an unsigned message from
# a sender whose mail was always signed).
FAILING = frozenset({"fail", "softfail", "permerror", "none"})

_TAG = re.compile(r"^\s*([a-z]+)\s*=\s*(.*?)\s*$", re.IGNORECASE)
_POLICIES = ("none", "quarantine", "reject")


def authserv_id(header: str) -> str:
    """The authserv-id of an Authentication-Results header value: the token before the first ';'."""
    text = " ".join(decode_header(header).split())
    head = text.split(";", 1)[0].strip()
    return head.split()[0].lower() if head else ""


def forged_results(headers: Iterable[str], trusted: frozenset[str], local_domains: frozenset[str]) -> tuple[int, ...]:
    """1-based positions of Authentication-Results headers that must be removed or ignored (RFC 8601 §5).

    A header is kept only if its authserv-id is trusted (one of ``trusted``; if that is empty, a host
    inside a local domain) and it is the first (topmost, hence newest: ours) header carrying that id.
    A header lower down claiming our own id was written by the sender to look like our verdict. The
    positions are what a milter passes to ``chgheader(name, index, "")`` to delete them."""
    seen: set[str] = set()
    drop: list[int] = []
    for position, header in enumerate(headers, 1):
        serv = authserv_id(header)
        ok = serv in trusted if trusted else registered_domain(serv) in local_domains
        if not ok or serv in seen:
            drop.append(position)
        else:
            seen.add(serv)
    return tuple(drop)


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    """The tags of a DMARC record that decide a receiver's verdict (RFC 7489 §6.3)."""

    policy: str             # p=: none | quarantine | reject
    subdomain_policy: str   # sp=, defaults to p=
    adkim: str = "r"        # r(elaxed) | s(trict)
    aspf: str = "r"
    pct: int = 100


def parse_dmarc_record(record: str) -> DmarcRecord | None:
    """The DMARC tags of a ``v=DMARC1; p=...`` record; None if it is not a valid DMARC record.

    An unknown p= makes the record invalid; a bad sp=/adkim/aspf/pct falls back to its default, as
    RFC 7489 §6.6.3 asks receivers to do."""
    tags: dict[str, str] = {}
    for part in record.split(";"):
        match = _TAG.match(part)
        if match:
            tags.setdefault(match.group(1).lower(), match.group(2).lower())
    if tags.get("v", "").upper() != "DMARC1" or tags.get("p") not in _POLICIES:
        return None
    policy = tags["p"]
    sp = tags.get("sp", policy)
    try:
        pct = max(0, min(100, int(tags.get("pct", "100"))))
    except ValueError:
        pct = 100
    return DmarcRecord(policy, sp if sp in _POLICIES else policy,
                       "s" if tags.get("adkim") == "s" else "r", "s" if tags.get("aspf") == "s" else "r", pct)


def aligned(domain: str, from_domain: str, mode: str) -> bool:
    """DMARC identifier alignment: strict needs equal domains, relaxed the same organisational domain."""
    a, b = normalise_host(domain), normalise_host(from_domain)
    if not a or not b:
        return False
    return a == b if mode == "s" else registered_domain(a) == registered_domain(b)


def dmarc_result(from_domain: str, record: DmarcRecord, at_org_domain: bool, spf: str | None, spf_domain: str,
                 dkim_passing: Iterable[str]) -> tuple[str, str]:
    """(result, policy in force) for a message under ``record``.

    pass when SPF passed for an aligned MAIL FROM domain or a DKIM signature of an aligned d= verified;
    fail otherwise. The policy in force is sp= when the record was found at the organisational domain
    (the From domain is a subdomain without its own record), else p=."""
    policy = record.subdomain_policy if at_org_domain else record.policy
    if spf == "pass" and aligned(spf_domain, from_domain, record.aspf):
        return "pass", policy
    if any(aligned(d, from_domain, record.adkim) for d in dkim_passing):
        return "pass", policy
    return "fail", policy

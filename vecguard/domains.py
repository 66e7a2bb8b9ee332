"""Registered domains and host lists, offline only.

tldextract is built once at import with its bundled Public Suffix List snapshot and no download URLs:
the default extractor would fetch the list on first use and can hang on a dead network (POSTFIX.md).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

import tldextract

_PUBLIC = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
_PRIVATE = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def normalise_host(host: str) -> str:
    """Lower-case, strip brackets, port, trailing dot and userinfo; decode IDNA (xn--) labels to Unicode."""
    host = host.strip().lower()
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    if host.startswith("["):
        return host.strip("[]")
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.rstrip(".")
    if "xn--" in host:
        labels = []
        for label in host.split("."):
            if label.startswith("xn--"):
                try:
                    label = label[4:].encode("ascii").decode("punycode")
                except (UnicodeError, ValueError):
                    pass
            labels.append(label)
        host = ".".join(labels)
    return host


def is_ip(host: str) -> bool:
    """True for an IPv4 or IPv6 literal."""
    # Fast path (measured: ipaddress's ValueError path was ~3% of a scan, called for every host name):
    # an IPv4 literal has only ASCII digits and dots, an IPv6 one has a colon.
    if ":" not in host and host.strip("0123456789."):
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=65536)
def registered_domain(host: str) -> str:
    """The domain under the ICANN public suffix (``a.b.co.uk`` -> ``b.co.uk``).

    An IP literal is returned as is; a name without a known suffix (``localhost``, ``corp.internal``)
    returns its last two labels so that it still groups sensibly.
    """
    host = normalise_host(host)
    if not host or is_ip(host):
        return host
    result = _PUBLIC(host).top_domain_under_public_suffix
    if result:
        return result
    labels = host.split(".")
    return ".".join(labels[-2:])


@functools.lru_cache(maxsize=65536)
def site(host: str) -> str:
    """The registered domain including the PSL private section: ``pub-1.r2.dev`` and ``x.github.io`` are
    their own sites, because every tenant of such a platform is a different party."""
    host = normalise_host(host)
    if not host or is_ip(host):
        return host
    return _PRIVATE(host).top_domain_under_public_suffix or registered_domain(host)


@functools.lru_cache(maxsize=65536)
def domain_name_part(domain: str) -> str:
    """The registrable label without its public suffix: ``harborlogistics.co.uk`` -> ``harborlogistics``."""
    domain = normalise_host(domain)
    if not domain or is_ip(domain):
        return domain
    return _PUBLIC(domain).domain or domain.split(".")[0]


def public_suffix(domain: str) -> str:
    """The ICANN public suffix of a domain (``co.uk``), empty if none is known."""
    return _PUBLIC(normalise_host(domain)).suffix


class HostList:
    """A set of domains matched by host suffix: ``sharepoint.com`` matches ``acme.sharepoint.com``."""

    __slots__ = ("_entries", "_matches", "name")

    def __init__(self, name: str, entries: Iterable[str]) -> None:
        self.name = name
        self._entries = frozenset(e.strip().lower().lstrip(".") for e in entries if e.strip())
        # The same hosts are looked up in the same lists many times a message (the lookalike detector
        # checks every local domain against the free-mail list): ~2% of a scan before this cache.
        self._matches = functools.lru_cache(maxsize=16384)(self._match)

    def __len__(self) -> int:
        return len(self._entries)

    def match(self, host: str) -> str | None:
        """The list entry that covers ``host``, or None."""
        return self._matches(host)

    def _match(self, host: str) -> str | None:
        labels = host.lower().split(".")
        for i in range(len(labels) - 1):
            candidate = ".".join(labels[i:])
            if candidate in self._entries:
                return candidate
        return None

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and self.match(host) is not None

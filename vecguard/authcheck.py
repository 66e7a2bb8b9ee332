"""Sender authentication by DNS, for mail that carries no trusted Authentication-Results: DKIM (dkimpy),
SPF (pyspf) and DMARC (record discovery here, parsing, alignment and policy in vecguard.auth).

checkdmarc is not used on this path: its lookups go through a module-wide cache that keeps answers for 30
minutes whatever their TTL and whichever resolver asked, and its DMARC discovery walks up to 8 names.

Off unless configured: the offline scanner verifies only with ``--verify-auth``, and nothing else in the
scoring path touches the network. Every lookup goes through one resolver object per message that
clamps each query to what is left of the message's time budget, so a nameserver that never answers
costs at most the budget (measured without it: pyspf 21 s, dkimpy 5 s); a method whose
lookups ran out of time is ``temperror``. Answers, including NXDOMAIN and empty answers, are cached
across messages by TTL in dnspython's thread-safe LRU cache.

Install with the ``auth`` extra (``pip install 'vecguard[auth]'``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dkim
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
import spf

from .auth import dmarc_result, parse_dmarc_record
from .domains import normalise_host, registered_domain
from .errors import ConfigError
from .features import AuthResults, Features
from .settings import nameserver

log = logging.getLogger(__name__)

SOURCE = "vecguard"
MAX_SIGNATURES = 3  # DKIM signatures tried per message; more only cost lookups


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """How to verify: nameservers ((host, port); empty: the system's resolv.conf), the hard time budget
    per message, the longest single query, and the size of the shared answer cache."""

    nameservers: tuple[tuple[str, int], ...] = ()
    budget_seconds: float = 2.0
    query_timeout_seconds: float = 1.0
    cache_entries: int = 10_000


def parse_nameserver(text: str) -> tuple[str, int]:
    """``127.0.0.1``, ``127.0.0.1:5353``, ``[::1]:5353`` -> (host, port); ConfigError if malformed."""
    server = nameserver(text)
    if server is None:
        raise ConfigError(f"--resolver {text!r}: expected HOST or HOST:PORT")
    return server


class _OutOfTime(dns.exception.Timeout):
    """The message's budget is spent; raised before a query is even sent."""


class _BudgetResolver(dns.resolver.Resolver):
    """A dnspython resolver whose every query ends by the message's deadline.

    One per message (the deadline is per message); the cache is shared. ``timed_out`` records that a
    query ran out of time, so a library that turns a timeout into "no record" is not believed."""

    def __init__(self, settings: AuthSettings, cache: dns.resolver.LRUCache, deadline: float) -> None:
        super().__init__(configure=not settings.nameservers)
        if settings.nameservers:
            self.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in settings.nameservers]
        self.cache = cache
        self.deadline = deadline
        self.query_timeout = settings.query_timeout_seconds
        self.timed_out = False

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def resolve(self, qname: Any, rdtype: Any = dns.rdatatype.A, *args: Any, **kwargs: Any) -> dns.resolver.Answer:
        left = self.remaining()
        if left <= 0.01:
            self.timed_out = True
            raise _OutOfTime()  # type: ignore[no-untyped-call]  # dnspython leaves __init__ untyped
        kwargs["lifetime"] = min(left, self.query_timeout, kwargs.get("lifetime") or left)
        self.timeout = kwargs["lifetime"]
        try:
            return super().resolve(qname, rdtype, *args, **kwargs)
        except dns.exception.Timeout:
            self.timed_out = True
            raise

    def txt(self, name: str) -> list[bytes]:
        """TXT strings of ``name`` joined per record; [] for NXDOMAIN or no TXT. Timeouts and SERVFAIL
        raise dns.exception.Timeout."""
        try:
            answer = self.resolve(name, "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.resolver.NoNameservers:
            self.timed_out = True  # SERVFAIL from every server: as temporary as a timeout
            raise _OutOfTime() from None  # type: ignore[no-untyped-call]
        except dns.exception.Timeout:
            raise
        except (dns.exception.DNSException, ValueError, UnicodeError):
            return []  # not a name DNS can be asked about (empty or overlong label): nothing is published there
        return [b"".join(r.strings) for r in answer]


class _SPFQuery(spf.query):  # type: ignore[misc]  # pyspf ships no type information
    """pyspf's query with its DNS routed through the message's budget resolver (pyspf would use the
    module-wide default resolver and its own 20-second timeouts)."""

    def __init__(self, resolver: _BudgetResolver, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._resolver = resolver

    def dns(self, name: str, qtype: str, cnames: Any = None, ignore_void: bool = False) -> list[Any]:
        name = str(name).rstrip(".").lower()
        if not name or not all(0 < len(label) < 64 for label in name.split(".")):
            return []
        try:
            answer = self._resolver.resolve(name, qtype)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            result: list[Any] = []
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            raise spf.TempError(f"DNS {exc}") from None
        except (dns.exception.DNSException, ValueError, UnicodeError):
            result = []  # a name DNS cannot ask about: treated as absent (a void lookup)
        else:
            if qtype in ("A", "AAAA"):
                result = [r.address for r in answer]
            elif qtype == "MX":
                result = [(r.preference, r.exchange.to_text(True)) for r in answer]
            elif qtype == "PTR":
                result = [r.target.to_text(True) for r in answer]
            else:
                result = [tuple(r.strings) for r in answer]
        if not result and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return result


class Verifier:
    """Verifies DKIM, SPF and DMARC for one message at a time within a time budget. Thread-safe: the
    only shared state is the answer cache, which locks itself."""

    def __init__(self, settings: AuthSettings) -> None:
        if settings.budget_seconds <= 0 or settings.query_timeout_seconds <= 0:
            raise ConfigError("authentication time budget and query timeout must be positive")
        self.settings = settings
        self.cache = dns.resolver.LRUCache(settings.cache_entries)

    def verify(self, raw: bytes, f: Features, mail_from: str | None = None, client_ip: str | None = None,
               helo: str | None = None) -> AuthResults:
        """Authentication results for a message, as if our MX had written them (source ``vecguard``).

        ``mail_from``/``client_ip``/``helo`` come from the SMTP session when there is one; offline they
        default to Return-Path and the first external Received hop. Never raises for DNS trouble: what
        could not be decided in time is ``temperror``."""
        resolver = _BudgetResolver(self.settings, self.cache, time.monotonic() + self.settings.budget_seconds)
        dkim_result, passing = self._dkim(raw, resolver)
        envelope_from = mail_from or f.return_path or ""
        spf_result, spf_domain = self._spf(resolver, envelope_from, client_ip or f.hop.ip, helo or f.hop.helo)
        from_domain = f.from_header.domain if f.from_header else ""
        dmarc, policy = self._dmarc(resolver, from_domain, spf_result, spf_domain, passing)
        if dmarc == "fail" and "temperror" in (spf_result, dkim_result):
            dmarc = "temperror"  # the check that did not finish might have passed aligned (RFC 7489 §6.6.2)
        return AuthResults(spf_result, dkim_result, dmarc, passing, policy, SOURCE)

    # ------------------------------------------------------------------------------------------ DKIM

    def _dkim(self, raw: bytes, resolver: _BudgetResolver) -> tuple[str, tuple[str, ...]]:
        def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes:
            text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
            records = resolver.txt(text)
            return records[0] if records else b""

        try:
            verifier = dkim.DKIM(raw, logger=log)
        except Exception:  # noqa: BLE001  dkimpy raises assorted errors on malformed messages
            return "permerror", ()
        count = sum(1 for name, _ in getattr(verifier, "headers", ()) if name.lower() == b"dkim-signature")
        if count == 0:
            return "none", ()
        passing: list[str] = []
        result = "fail"
        for index in range(min(count, MAX_SIGNATURES)):
            try:
                ok = verifier.verify(idx=index, dnsfunc=dnsfunc)
            except dns.exception.Timeout:
                result = "temperror"
                break
            except Exception:  # noqa: BLE001  dkimpy raises on bad keys, bad tags, bad syntax: a failed signature
                ok = False
            if resolver.timed_out:
                result = "temperror"
                break
            if ok and verifier.domain:
                passing.append(normalise_host(verifier.domain.decode("ascii", "replace")))
        if passing:
            return "pass", tuple(dict.fromkeys(passing))
        return result, ()

    # ------------------------------------------------------------------------------------------- SPF

    def _spf(self, resolver: _BudgetResolver, mail_from: str, ip: str | None, helo: str | None) -> tuple[str | None, str]:
        """(result, the domain SPF was checked for). No client IP (offline without Received): None."""
        if not ip:
            return None, ""
        sender = mail_from if "@" in mail_from else (f"postmaster@{helo}" if helo else "")
        if not sender:
            return "none", ""
        domain = normalise_host(sender.rsplit("@", 1)[1])
        left = max(0.01, resolver.remaining())
        try:
            query = _SPFQuery(resolver, i=ip, s=sender, h=helo or "unknown", timeout=left, querytime=left)
            result = str(query.check()[0])
        except Exception:  # noqa: BLE001  pyspf raises on malformed input (bad IP, bad sender)
            return "permerror", domain
        if resolver.timed_out and result in ("none", "temperror"):
            result = "temperror"
        return result, domain

    # ----------------------------------------------------------------------------------------- DMARC

    def _dmarc(self, resolver: _BudgetResolver, from_domain: str, spf_result: str | None, spf_domain: str,
               passing: Sequence[str]) -> tuple[str | None, str | None]:
        """DMARC record discovery as RFC 7489 §6.6.3 asks: ``_dmarc.<From domain>``, else
        ``_dmarc.<organisational domain>`` (whose sp= then applies). No record, or more than one: none."""
        if not from_domain:
            return None, None
        org = registered_domain(from_domain)
        for name, at_org in ((from_domain, False), (org, True)):
            if at_org and org == from_domain:
                break
            try:
                records = [r for r in resolver.txt(f"_dmarc.{name}") if r[:8].upper() == b"V=DMARC1"]
            except dns.exception.Timeout:
                return "temperror", None
            if len(records) > 1:
                return "none", None
            if records:
                record = parse_dmarc_record(records[0].decode("utf-8", "replace"))
                if record is None:
                    return "permerror", None
                return dmarc_result(from_domain, record, at_org, spf_result, spf_domain, passing)
        return "none", None

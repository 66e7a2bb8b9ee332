"""Sender authentication, read for change, never for trust.

A compromised vendor mailbox passes SPF, DKIM and DMARC, so a pass lowers nothing here. What these
detectors look for is authentication that *changed* against the sender's history, a DMARC failure the
domain owner asked receivers to act on, and a sender dressed up as one of our own users. Results come
from Features.auth: a trusted Authentication-Results header, or vecguard.authcheck when verification is
configured; with neither, the authentication detectors stay silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from ..auth import FAILING
from ..baseline import AUTH_KINDS, DKIM, Baseline, Profile
from ..features import Context, Features
from ..lists import free_email
from ..scoring import Hit
from . import surprise

_ADDRESS_IN_NAME = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")


def _history(b: Baseline, kind: str, min_history: float) -> Profile | None:
    """The sender's profile if it has ``min_history`` observations of ``kind``, else its organisation's
    (a new colleague at a vendor whose mail always passed), else None."""
    for profile in (b.sender, b.org):
        if profile.observations(kind) >= min_history:
            return profile
    return None


class AuthFailForUsuallyPassing:
    """AUTH_FAIL_FOR_USUALLY_PASSING: SPF, DKIM or DMARC fails (or is absent) for a sender whose mail
    always passed it.

    A vendor's own infrastructure authenticates the same way every time; mail that suddenly does not is
    sent from somewhere else: a spoof, or a mailbox driven from new infrastructure. Needs ``min_history``
    earlier results for the method (the sender's own, else its organisation's) and a pass share of at
    least ``min_pass_share``. temperror (our DNS) never counts. Strength n/(n+2) for n earlier passes;
    one hit naming every failing method. Evidence: the method, its result now, and the history."""

    names = ("AUTH_FAIL_FOR_USUALLY_PASSING",)
    settings: Mapping[str, float] = {"auth_min_history": 3, "auth_min_pass_share": 1.0}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound":
            return
        evidence: list[str] = []
        strength = 0.0
        for method, kind in AUTH_KINDS.items():
            result = getattr(f.auth, method)
            if result not in FAILING:
                continue
            profile = _history(b, kind, cfg["auth_min_history"])
            if profile is None:
                continue
            total, passes = profile.observations(kind), profile.seen(kind, "pass")
            if passes < total * cfg["auth_min_pass_share"] or passes == 0:
                continue
            evidence.append(f"{method}={result}, passed {passes}/{total} before ({profile.key})")
            strength = max(strength, passes / (passes + 2))
        if evidence:
            yield Hit("AUTH_FAIL_FOR_USUALLY_PASSING", strength, tuple(evidence))


class DmarcFailEnforced:
    """DMARC_FAIL_ENFORCED: DMARC fails and the From domain's owner publishes p=reject or p=quarantine.

    The owner says that mail failing DMARC is not theirs: a spoof of the domain. Strength 1.0 for reject,
    ``quarantine_strength`` for quarantine; mail through a mailing list (which breaks DKIM and SPF
    alignment without any fraud) is damped by ``list_factor``. Evidence: the result and policy."""

    names = ("DMARC_FAIL_ENFORCED",)
    settings: Mapping[str, float] = {"quarantine_strength": 0.8, "list_factor": 0.3}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.auth.dmarc != "fail" or f.auth.dmarc_policy not in ("reject", "quarantine"):
            return
        strength = 1.0 if f.auth.dmarc_policy == "reject" else cfg["quarantine_strength"]
        if f.via_list or f.bulk:
            strength *= cfg["list_factor"]
        domain = f.from_header.domain if f.from_header else "-"
        yield Hit("DMARC_FAIL_ENFORCED", strength,
                  (f"dmarc=fail p={f.auth.dmarc_policy} for {domain} ({f.auth.source or 'authentication'})",))


class NewDkimDomain:
    """NEW_DKIM_DOMAIN: the message's passing DKIM signatures are all by domains never seen for this sender.

    A sender's mail is signed by the same domains (its own, its mail provider's); a new d= means the
    mail left from new infrastructure: a webmail or bulk-mail account an attacker opened, or a
    compromised mailbox used through another service. Needs ``min_history`` earlier DKIM observations for
    the sender; a d= already seen for the organisation halves the strength (a colleague's service).
    Strength: the novelty surprise. Evidence: the new d= and the usual ones."""

    names = ("NEW_DKIM_DOMAIN",)
    settings: Mapping[str, float] = {"dkim_min_history": 3, "novelty_prior": 2}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        domains = f.auth.dkim_domains
        if f.direction != "inbound" or not domains:
            return
        observations = b.sender.observations(DKIM)
        if observations < cfg["dkim_min_history"] or any(b.sender.seen(DKIM, d) for d in domains):
            return
        strength = surprise(len(b.sender.values(DKIM)), observations, cfg["novelty_prior"])
        if any(b.org.seen(DKIM, d) for d in domains):
            strength *= 0.5
        usual = ", ".join(sorted(b.sender.values(DKIM), key=lambda v: -b.sender.seen(DKIM, v))[:2])
        yield Hit("NEW_DKIM_DOMAIN", strength, (f"dkim d={', '.join(domains)}", f"usual: {usual}"))


class LocalUserImpersonation:
    """LOCAL_USER_IMPERSONATION: inbound mail whose sender poses as one of our own users.

    The classic CEO/colleague fraud: "Lena Fischer <lena.fischer.acme@gmail.com>" writing to accounts.
    Fires when the display name equals a local user's (the store finds local users of that name through
    the usual address conventions, first.last@ and the like; two words or more only, so "Sales" never
    matches), when the display name carries an
    address at a local domain, or when the address's local part is a local user's at a free mailbox
    provider (lena.fischer@outlook.com; a lookalike of our domain is LOOKALIKE_LOCAL_DOMAIN's).
    Strength 1.0 from a free mailbox provider, where anyone can take any name; ``company_domain_factor``
    from a company's domain (a namesake at another firm is common: Johan Johansson); at most
    ``known_sender_factor`` for a known external address (a user's own private mailbox). Mailing lists
    are skipped. Evidence: what was imitated."""

    names = ("LOCAL_USER_IMPERSONATION",)
    settings: Mapping[str, float] = {"known_sender_factor": 0.3, "company_domain_factor": 0.5}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None or f.via_list or f.bulk:
            return
        evidence: list[str] = []
        # A local part at a free mailbox provider is anyone's to register; at a company domain it is most
        # often the same person at a partner or after a merger (jane.joyce@dynegy.com, once @enron.com).
        free = free_email().match(f.sender.domain) is not None
        name = " ".join(f.sender.name.casefold().split())
        if len(name.split()) >= 2 and name in b.local_names:
            evidence.append(f"display name '{f.sender.name}' is a local user's, from {f.sender.address}")
        for match in _ADDRESS_IN_NAME.finditer(f.sender.name.lower()):
            if ctx.is_local(match.group(1)) and match.group(0) != f.sender.address:
                evidence.append(f"display name shows {match.group(0)}, sent from {f.sender.address}")
        for address in sorted(b.local_addresses):
            if free and address != f.sender.address:
                evidence.append(f"address imitates local user {address}: {f.sender.address}")
        if evidence:
            strength = 1.0 if free else cfg["company_domain_factor"]
            if b.sender.known:
                strength = min(strength, cfg["known_sender_factor"])
            yield Hit("LOCAL_USER_IMPERSONATION", strength, tuple(evidence[:3]))

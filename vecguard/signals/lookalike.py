"""Lookalike domains and disguised tokens: homoglyph, leet and edit-distance neighbours."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping, Sequence

from ..baseline import Baseline, KnownDomain
from ..domains import domain_name_part, is_ip, public_suffix, registered_domain
from ..features import Address, Context, Features
from ..lists import free_email
from ..lookalike import Resemblance, brand_index, is_mixed_script, lure_index, resemble_domain, tokens_of
from ..lookalike_edits import single_edit
from ..scoring import Hit

MAX_LINK_HOSTS = 10  # link hosts compared per message; bounds the per-message cost
# Resemblances that spell the known name right: under another suffix (google.de), with a hyphen (t-mobile)
# or with a word added (paypal-corp, microsoftonline). Brands register these for themselves, and people of
# other organisations use them (gward@python.net is not python.org's impostor); a sender domain of one of
# these kinds imitates the known one only as far as the sender copies one of its people (``copied``).
SPELLED_OUT = frozenset({"tld_swap", "hyphenation", "combo"})

# resemble_domain is a pure function of two names and the same pairs recur message after message (the
# sender's organisation against every local domain): remembered, it cost ~4% of a scan (benchmarks/scan_bench.py).
_resemble_domain = functools.lru_cache(maxsize=65536)(resemble_domain)


def lookalike_candidates(f: Features) -> tuple[str, ...]:
    """Names of a message to compare with known domains: sender and Reply-To organisations, and link
    hosts (whole hosts, so that ``harborlogistics.co.uk.evil.net`` can be recognised)."""
    found: dict[str, None] = {}
    if f.sender and f.direction == "inbound":
        found[f.sender.org] = None
        for a in f.reply_to:
            found[a.org] = None
        for host in dict.fromkeys(link.host for link in f.links if link.host and not is_ip(link.host)):
            if len(found) >= MAX_LINK_HOSTS + 1 + len(f.reply_to):
                break
            found[host] = None
    return tuple(d for d in found if d)


def _weight(known: KnownDomain) -> float:
    # a lookalike of a domain with long history is worth more: 1 message -> 0.4, 7 -> 0.7, 31+ -> 1.0
    if known.local:
        return 1.0
    return min(1.0, 0.25 + 0.15 * math.log2(1 + known.messages))


def _typo_suffix(seen: str, known: str, cfg: Mapping[str, float]) -> bool:
    """True if the seen domain's suffix is the known one's with a letter dropped (.co, .cm or .om for
    .com) and its name has ``tld_typo_min_name_length`` letters or more: quik.co for quik.com is made to
    be misread; ebay.be for ebay.de or gov.hk for gov.uk, one letter changed, are other countries."""
    seen_suffix, known_suffix = public_suffix(seen), public_suffix(known)
    edit = single_edit(seen_suffix, known_suffix)
    return len(domain_name_part(seen)) >= cfg["tld_typo_min_name_length"] and edit is not None and edit[0] == "delete"


def _best(domain: str, b: Baseline, ctx: Context, cfg: Mapping[str, float],
          sender: bool = False) -> tuple[Resemblance, float] | None:
    """The strongest resemblance of ``domain`` to a local or known domain and its strength. A tld swap
    of a short name counts only for a first-contact ``sender`` on a suffix one slip from the known one.
    For the ``sender``'s domain, a resemblance that spells a known correspondent's name right
    (:data:`SPELLED_OUT`) counts at ``spelled_out_uncopied_factor`` unless the sender copies one of its
    people (``b.copied``)."""
    best: tuple[Resemblance, float] | None = None
    targets = [KnownDomain(d, 0, True) for d in ctx.local_domains]
    targets += list(b.similar.get(domain, ()))
    own = registered_domain(domain)
    free = free_email()
    for known in targets:
        if known.domain == own:
            return None  # the domain itself is known: not a lookalike of anything
        if free.match(known.domain):
            continue  # a free mailbox provider is nobody's organisation to imitate
        found = _resemble_domain(domain, known.domain)
        if found is None:
            continue
        if (found.kind == "tld_swap" and len(domain_name_part(own)) < cfg["tld_swap_min_name_length"]
                and not (sender and not b.org.known and _typo_suffix(own, known.domain, cfg))):
            continue  # state.gov / state.tx.us, bank.de / bank.fr: short names recur under many suffixes
        strength = _weight(known) * (cfg["tld_swap_factor"] if found.kind == "tld_swap" else 1.0)
        if sender and found.kind in SPELLED_OUT and not known.local and not _copies(b, known.domain):
            strength *= cfg["spelled_out_uncopied_factor"]
        if strength > 0 and (best is None or strength > best[1]):
            best = (found, strength)
    return best


def _copies(b: Baseline, target: str) -> tuple[str, ...]:
    """The people the sender copies at ``target``, or at a known namesake of it (utmb.co copying
    brmartin@utmb.edu imitates utmb.com and utmb.edu alike)."""
    name = domain_name_part(target)
    return b.copied.get(target) or tuple(
        person for domain, people in b.copied.items() if domain_name_part(domain) == name for person in people)


def sender_lookalike(sender: Address, b: Baseline, ctx: Context,
                     cfg: Mapping[str, float]) -> tuple[Resemblance, float] | None:
    """What LookalikeDomain reports for an inbound ``sender``: the strongest resemblance of its domain to
    a local or known domain and its strength before the ``established_lookalike_factor``, or None. A free
    mailbox provider imitates nobody."""
    if free_email().match(sender.domain):
        return None
    return _best(sender.org, b, ctx, cfg, sender=True)


class LookalikeDomain:
    """A domain that imitates one we know: a local domain or a known correspondent's.

    LOOKALIKE_SENDER_DOMAIN / LOOKALIKE_LOCAL_DOMAIN: the sender's domain (``harb0rlogistics.co.uk`` for a
    vendor at ``harborlogistics.co.uk``). LOOKALIKE_REPLY_TO: the Reply-To domain. LOOKALIKE_LINK_DOMAIN: a
    link's domain. Strength grows with the imitated domain's history; a sender domain with its own clean
    history is damped by ``established_lookalike_factor`` (two real partners can have similar names).
    Free mailbox providers are neither suspects nor targets (yahoo.com is not yahoo.com.mx's impostor).
    A sender domain that spells a correspondent's name right (a tld swap, hyphenation or combo: python.net
    for python.org) counts only when the sender copies one of that correspondent's people, by address
    (jane.doe@vendor.co for jane.doe@vendor.com) or display name (``spelled_out_uncopied_factor``, 0 by
    default: those names are as often the owner's own or a neighbour's as an impostor's); a disguised name
    (homoglyph, leet, an edit) counts on its own. Evidence: seen ~ imitated (kind; copies ADDRESS).
    """

    names = ("LOOKALIKE_SENDER_DOMAIN", "LOOKALIKE_LOCAL_DOMAIN", "LOOKALIKE_REPLY_TO", "LOOKALIKE_LINK_DOMAIN")
    settings: Mapping[str, float] = {"established_lookalike_factor": 0.3, "tld_swap_factor": 0.5,
                                     "tld_swap_min_name_length": 6,
                                     "tld_typo_min_name_length": 3,
                                     "spelled_out_uncopied_factor": 0.0}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None:
            return
        checked: dict[str, tuple[Resemblance, float] | None] = {}

        def best(domain: str) -> tuple[Resemblance, float] | None:
            if domain not in checked:
                checked[domain] = _best(domain, b, ctx, cfg)
            return checked[domain]

        sender = sender_lookalike(f.sender, b, ctx, cfg)
        if sender:
            found, strength = sender
            if b.org.inbound - b.org.tagged > b.org.held:
                # More untagged deliveries than holds: a real organisation with history of its own (one
                # early hold of python.net for python.org must not keep it an impostor for ever); a tagged
                # message vouches for nothing.
                strength *= cfg["established_lookalike_factor"]
            local = ctx.is_local(found.target)
            copied = _copies(b, found.target)
            copies = f"; copies {', '.join(copied)}" if copied else ""
            yield Hit("LOOKALIKE_LOCAL_DOMAIN" if local else "LOOKALIKE_SENDER_DOMAIN", strength,
                      (f"{found.seen} ~ {found.target} ({found.kind}{copies})",))
        for a in f.reply_to:
            if a.org != f.sender.org and (hit := best(a.org)):
                yield Hit("LOOKALIKE_REPLY_TO", hit[1], (f"reply-to {hit[0].seen} ~ {hit[0].target} ({hit[0].kind})",))
        for host in dict.fromkeys(link.host for link in f.links if link.host):
            if registered_domain(host) != f.sender.org and host in b.similar and (hit := best(host)):
                yield Hit("LOOKALIKE_LINK_DOMAIN", hit[1], (f"link {host} ~ {hit[0].target} ({hit[0].kind})",))


class DisguisedLinkToken:
    """Leet or homoglyph tokens in link hosts and paths: ``s3cure0line`` for secure+online, ``micros0ft``.

    DISGUISED_LINK_TOKEN: a lure word, a brand or the correspondent's name written with digits or
    look-alike characters. MIXED_SCRIPT_LINK_HOST: a host label mixing scripts (Latin with Cyrillic...).
    Evidence: the token and what it imitates.
    """

    names = ("DISGUISED_LINK_TOKEN", "MIXED_SCRIPT_LINK_HOST")
    settings: Mapping[str, float] = {}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound":
            return
        lures, brands = lure_index(), brand_index()
        reported = 0
        for link in f.links:
            if not link.host:
                continue
            if any(is_mixed_script(label) for label in link.host.split(".")):
                yield Hit("MIXED_SCRIPT_LINK_HOST", 1.0, (f"mixed scripts in {link.host}",))
            for token in tokens_of(link.host, link.path):
                found = lures.disguised_in(token) or brands.disguised_in(token)
                if found and reported < 3:
                    reported += 1
                    yield Hit("DISGUISED_LINK_TOKEN", 1.0, (f"{found[0].seen} ~ {found[0].target} in {link.host}",))

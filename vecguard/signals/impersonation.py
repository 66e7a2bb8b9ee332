"""Phishing shapes from senders with no history: brand dress-up, credential-harvest links, raw-IP links,
senders on free hosting. Structural only: names, hosts and URL words are read, nothing is fetched.

These judge what a first contact *looks like*, where the behavioural detectors have nothing to compare
with. Each fires only for a sender without untagged history (``Profile.vouched`` false: a sender whose
earlier mail was all tagged is still judged on its looks), except the link ones, which read the link novelty of the
correspondent like the other link detectors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from ..baseline import Baseline
from ..domains import is_ip, normalise_host, registered_domain
from ..features import Context, Features
from ..lists import category, credential_words, impersonated_services, link_site
from ..scoring import Hit
from .links import RAW_IP, category_novelty, link_novelty, own_link

_WORDS = re.compile(r"[^a-z0-9]+")


def _clean(text: str) -> str:
    return " ".join(text.lower().split())


def _owned(owners: Sequence[str], domains: Sequence[str]) -> bool:
    """True when one of the sender's domains carries an owner's name (paypal in paypal-communication.com)."""
    squashed = [d.replace("-", "") for d in domains]
    return any(owner.replace("-", "") in d for owner in owners for d in squashed)


class BrandImpersonation:
    """BRAND_IMPERSONATION: a sender with no untagged history names a service its domain does not belong to.

    "PayPal Service <info@random-shop.example>", "Microsoft 365 Admin" from a Brazilian ISP, "Nachricht von
    T-Online" from an unrelated sender. The services are data (``data/impersonated_services.txt``, each with
    the domain names that own it); the sender belongs to a service when its domain's labels or a DKIM domain
    that passed contain an owner. A name in the display name counts fully, one only in the subject
    ``brand_subject_factor``, and not at all in a reply or list/bulk mail (they discuss brands). Evidence: the service and where it was named.
    """

    names = ("BRAND_IMPERSONATION",)
    settings: Mapping[str, float] = {"brand_subject_factor": 0.5}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None or b.sender.vouched:
            return
        display = _clean(f.from_header.name if f.from_header else f.sender.name)
        # A subject naming a service is only news in a message that starts something: replies and list or
        # bulk mail discuss brands all the time ("Re: yahoo groups bounce", a newsletter on Microsoft).
        subject = "" if f.reply_subject or f.bulk or f.via_list else _clean(f.subject)
        if not display and not subject:
            return
        domains = [normalise_host(f.sender.domain), *(normalise_host(d) for d in f.auth.dkim_domains)]
        for name, pattern, owners in impersonated_services():
            in_display = bool(display) and pattern.search(display) is not None
            if not in_display and not (subject and pattern.search(subject)):
                continue
            if _owned(owners, domains):
                return  # the sender is that service (or a part of it): nothing else here is dress-up
            where = "display name" if in_display else "subject"
            strength = 1.0 if in_display else cfg["brand_subject_factor"]
            yield Hit("BRAND_IMPERSONATION", strength, (f"'{name}' in {where}, sender {f.sender.domain}",))
            return


class HarvestLink:
    """Link shapes of credential harvesting, for links to sites this correspondent never shared.

    CREDENTIAL_LINK: the link's host labels or path carry a log-in word (login, signin, verify, webscr,
    password... ``data/credential_words.txt``) on a host that is not the sender's own; strength is the
    link's novelty. RAW_IP_LINK: the link goes to a bare IP address, which legitimate correspondents hardly
    ever send; strength the link's novelty, and for a known organisation whose links are too varied for a
    new site to surprise at least its :func:`category_novelty` among bare addresses (it never sent one).
    Evidence: the host and the word.
    """

    names = ("CREDENTIAL_LINK", "RAW_IP_LINK")
    settings: Mapping[str, float] = {}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        novel = link_novelty(f, b, ctx, cfg)
        if not novel:
            return
        words = credential_words()
        credential: tuple[float, str] | None = None
        raw_ip: tuple[float, str] | None = None
        for link in f.links:
            if not link.host or own_link(link, f, ctx):
                continue
            strength = novel.get(link_site(link.host))
            if strength is None:
                continue
            if raw_ip is None and is_ip(normalise_host(link.host)):
                habit = category_novelty(f, b, link_site(link.host), RAW_IP, cfg) if b.org.inbound > 0 else 0.0
                raw_ip = (max(strength, habit), link.host)
            if credential is None or strength > credential[0]:
                found = next((w for w in _WORDS.split(f"{link.host}/{link.path}".lower()) if w in words), None)
                if found:
                    credential = (strength, f"'{found}' in {link.host}{link.path[:40]}")
        if credential:
            yield Hit("CREDENTIAL_LINK", credential[0], (credential[1],))
        if raw_ip:
            yield Hit("RAW_IP_LINK", raw_ip[0], (f"link to {raw_ip[1]}",))


class SenderOnFreeHosting:
    """SENDER_ON_FREE_HOSTING: a sender with no history writes from a free-subdomain, site-builder or
    file-sharing host (``no-reply@promo-x.firebaseapp.com``): anyone can mint such a domain in a minute,
    and organisations that send business mail do not. Evidence: the sender's domain and its category."""

    names = ("SENDER_ON_FREE_HOSTING",)
    settings: Mapping[str, float] = {}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None or b.sender.vouched or not f.sender.domain:
            return
        cat = category(f.sender.domain)
        if cat in ("site_builder", "file_sharing") and registered_domain(f.sender.domain) != f.sender.domain:
            yield Hit("SENDER_ON_FREE_HOSTING", 1.0, (f"{f.sender.domain} ({cat})",))

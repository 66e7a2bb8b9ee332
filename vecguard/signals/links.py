"""Links: new link destinations for this correspondent, names planted in third-party links, presentation.

Nothing here visits a URL: only the URL text and the HTML around it are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from ..baseline import LINK_SITE, Baseline
from ..domains import domain_name_part, is_ip, registered_domain
from ..features import Context, Features
from ..links import Link
from ..lists import category, link_site, name_fragment, own_tenant
from ..lookalike import brand_index, tokens_of
from ..scoring import Hit
from . import surprise

# Categories judged on their own habit too (category_novelty): the pages VEC mail links to. Shorteners
# and trusted hosting (ad.doubleclick.net, facebook.com) are in every newsletter: for them the
# organisation's habit across all sites stays the measure.
HABIT_CATEGORIES = ("file_sharing", "site_builder")
RAW_IP = "raw_ip"   # a bare IP address as a link site: judged on its own habit too (HarvestLink)
CATEGORY_SIGNALS = {
    "file_sharing": "NEW_LINK_FILE_SHARING",
    "site_builder": "NEW_LINK_SITE_BUILDER",
    "shortener": "NEW_LINK_SHORTENER",
    "trusted_hosting": "NEW_LINK_TRUSTED_HOSTING",
}


def own_link(link: Link, f: Features, ctx: Context) -> bool:
    """A link to the sender's own organisation (its domain or its own enterprise tenant, such as
    ``harborlogistics.sharepoint.com``) or to one of our local domains is never "new"."""
    org = registered_domain(link.host)
    if ctx.is_local(org) or ctx.is_local(link.host):
        return True
    return f.sender is not None and (org == f.sender.org or own_tenant(link.host, domain_name_part(f.sender.org)))


def link_novelty(f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float]) -> dict[str, float]:
    """Site -> novelty strength for every link site this correspondent (and its org) never shared.

    For a known organisation the strength is the surprise given its history (messages received and
    distinct sites shared); for an unknown sender every third-party site is new with a fixed
    ``unknown_sender_link_strength``, because there is no habit to compare with. A site shown before only
    in tagged mail (a provisional fact) is still new, at ``provisional_repeat_factor`` of that strength.
    """
    result: dict[str, float] = {}
    if f.direction != "inbound" or f.sender is None:
        return result
    known_sites = set(b.org.values(LINK_SITE)) | set(b.sender.values(LINK_SITE))
    if b.org.inbound > 0:
        strength = surprise(len(b.org.values(LINK_SITE)), b.org.inbound, cfg["novelty_prior"])
    else:
        strength = cfg["unknown_sender_link_strength"]
    if f.bulk:
        strength *= cfg["bulk_link_factor"]
    for link in f.links:
        if not link.host or own_link(link, f, ctx):
            continue
        site = link_site(link.host)
        if site not in known_sites and site not in result:
            result[site] = strength
            if b.org.seen_provisionally(LINK_SITE, site) or b.sender.seen_provisionally(LINK_SITE, site):
                # Shown before, but only in tagged mail: still new, yet no more alarming than the first time.
                result[site] *= cfg["provisional_repeat_factor"]
    return result


def site_kind(site: str) -> str | None:
    """A link site's category (``lists.category``), or ``"raw_ip"`` for a bare IP address."""
    return RAW_IP if is_ip(site) else category(site)


def category_novelty(f: Features, b: Baseline, site: str, cat: str, cfg: Mapping[str, float]) -> float:
    """How new a first ``site`` of category ``cat`` (a :func:`site_kind`) is for a known organisation,
    judged on the sites of that category it shared (none, usually), at most ``category_novelty_cap``. An
    organisation whose links are too varied for a new site to surprise (five sites in three messages:
    novelty 0) has still never sent a file-sharing page or a link to a bare IP address; the cap keeps this
    below what a habit broken counts."""
    shared = sum(1 for known in b.org.values(LINK_SITE) if site_kind(known) == cat)
    strength = min(cfg["category_novelty_cap"], surprise(shared, b.org.inbound, cfg["novelty_prior"]))
    if f.bulk:
        strength *= cfg["bulk_link_factor"]
    if b.org.seen_provisionally(LINK_SITE, site) or b.sender.seen_provisionally(LINK_SITE, site):
        strength *= cfg["provisional_repeat_factor"]
    return strength


class NewLinkSite:
    """First link to a site this correspondent and its organisation never shared.

    NEW_LINK_FILE_SHARING, NEW_LINK_SITE_BUILDER, NEW_LINK_SHORTENER and NEW_LINK_TRUSTED_HOSTING are the
    strong forms: VEC mail links to a legitimate file-sharing or site-builder page that carries the real
    phishing link. NEW_LINK_SITE is the weak generic form. Strength: surprise given the organisation's
    history; for a file-sharing or site-builder site at least its :func:`category_novelty`. Evidence:
    the new sites.
    """

    names = ("NEW_LINK_SITE", *CATEGORY_SIGNALS.values())
    settings: Mapping[str, float] = {"unknown_sender_link_strength": 0.6, "bulk_link_factor": 0.5,
                                     "novelty_prior": 2, "provisional_repeat_factor": 0.6,
                                     "category_novelty_cap": 0.7}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        novel = link_novelty(f, b, ctx, cfg)
        by_signal: dict[str, list[tuple[str, float]]] = {}
        hosts = {link_site(link.host): link.host for link in f.links if link.host}
        for site, strength in novel.items():
            cat = category(hosts.get(site, site))
            name = CATEGORY_SIGNALS.get(cat or "", "NEW_LINK_SITE")
            if name == "NEW_LINK_SITE" and not b.org.known:
                continue  # an unknown sender's ordinary links are covered by FIRST_CONTACT
            if cat in HABIT_CATEGORIES and b.org.inbound > 0:
                strength = max(strength, category_novelty(f, b, site, cat, cfg))
            by_signal.setdefault(name, []).append((site, strength))
        for name, items in by_signal.items():
            strength = max(s for _, s in items)
            evidence = tuple(f"new site {site}" for site, _ in items[:4])
            if b.org.known:
                evidence += (f"org shared {len(b.org.values(LINK_SITE))} sites in {b.org.inbound} msgs",)
            yield Hit(name, strength, evidence)


_SEPARATORS = re.compile(r"[-_.~+%\s]")
_PARTS = re.compile(r"[/?&=#.]")


def _squashed_parts(subdomain: str, path: str) -> list[str]:
    """Subdomain labels and path segments with separators removed, lower-case:
    ``greenacre-farms-docs`` -> ``greenacrefarmsdocs``, ``/Greenacre_Farms/x`` -> ``greenacrefarms``."""
    parts = subdomain.lower().split(".") + _PARTS.split(path.lower())
    return [_SEPARATORS.sub("", p) for p in parts if p]


def _carried(name: str, parts: list[str], min_length: int) -> str | None:
    return next((frag for part in parts if (frag := name_fragment(name, part, min_length))), None)


class NameInLink:
    """A correspondent's or a brand's name inside a third-party host's subdomain or path.

    CORRESPONDENT_NAME_IN_LINK: ``harborlogistics.my.canva.site`` or ``dropbox.com/.../HarborLogistics``
    for mail from harborlogistics.co.uk, or a distinctive part of the name (``marlow-1427.web.app`` for
    themarlowcommercial.uk): the lure page dresses up as the vendor. Only for known correspondents. BRAND_IN_LINK: a
    well-known brand's name on a file-sharing, site-builder, shortener or trusted-hosting host
    (``microsoft-365.weebly.com``). Only links to sites the correspondent never shared count, with that
    site's novelty strength: a vendor's own SharePoint tenant, once shared, is its habit. A name in the
    path (often just a file name) counts ``name_in_path_factor`` of one in the host.
    Evidence: the name and where it appeared.
    """

    names = ("CORRESPONDENT_NAME_IN_LINK", "BRAND_IN_LINK")
    settings: Mapping[str, float] = {"min_name_length": 5, "name_in_path_factor": 0.7}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        if f.direction != "inbound" or f.sender is None:
            return
        novel = link_novelty(f, b, ctx, cfg)
        own = domain_name_part(f.sender.org).replace("-", "")
        min_len = int(cfg["min_name_length"])
        brands = brand_index()
        for link in f.links:
            strength = novel.get(link_site(link.host)) if link.host else None
            if strength is None:
                continue
            host_org = registered_domain(link.host)
            sub = link.host[: -len(host_org)].rstrip(".") if link.host.endswith(host_org) else ""
            tokens = tokens_of(sub, link.path)
            if b.org.known:  # an unknown sender's own name proves nothing
                in_host = _carried(own, _squashed_parts(sub, ""), min_len)
                in_path = None if in_host else _carried(own, _squashed_parts("", link.path), min_len)
                if in_host:
                    yield Hit("CORRESPONDENT_NAME_IN_LINK", strength, (f"'{in_host}' of {own} in host {link.host}",))
                elif in_path:
                    yield Hit("CORRESPONDENT_NAME_IN_LINK", strength * cfg["name_in_path_factor"],
                              (f"'{in_path}' of {own} in path {link.host}{link.path[:50]}",))
            if category(link.host) is None:
                continue
            for token in tokens:
                names = [n for n in brands.plainly_in(token) if n != domain_name_part(host_org)]
                if names:
                    yield Hit("BRAND_IN_LINK", strength, (f"{names[0]} in {link.host}",))
                    break


class LinkPresentation:
    """How links to new sites are shown.

    LINK_TEXT_MISMATCH: the anchor text displays one domain and the link goes to another.
    HIDDEN_LINK: an invisible link (display:none, zero size...). IMAGE_ONLY_LINK: the link wraps only an
    image. PROMINENT_LINK: one big button. Each counts only for links to sites the correspondent never
    shared, with the novelty strength of that site (newsletters are full of buttons to known places).
    Evidence: the host and what was displayed.
    """

    names = ("LINK_TEXT_MISMATCH", "HIDDEN_LINK", "IMAGE_ONLY_LINK", "PROMINENT_LINK")
    settings: Mapping[str, float] = {}

    def evaluate(self, f: Features, b: Baseline, ctx: Context, cfg: Mapping[str, float],
                 prior: Sequence[Hit]) -> Iterator[Hit]:
        novel = link_novelty(f, b, ctx, cfg)
        if not novel:
            return
        for link in f.links:
            strength = novel.get(link_site(link.host)) if link.host else None
            if strength is None:
                continue
            if link.shown_host and registered_domain(link.shown_host) != registered_domain(link.host):
                yield Hit("LINK_TEXT_MISMATCH", strength, (f"shows {link.shown_host}, goes to {link.host}",))
            if link.hidden:
                yield Hit("HIDDEN_LINK", strength, (f"hidden link to {link.host}",))
            if link.image_only:
                yield Hit("IMAGE_ONLY_LINK", strength, (f"image-only link to {link.host}",))
            if link.prominent:
                yield Hit("PROMINENT_LINK", strength, (f"button '{link.anchor_text[:30]}' to {link.host}",))

"""Reference host lists shipped in ``vecguard/data`` (see its README for origin, version, license).

Loaded once, at first use; detectors only read them.
"""

from __future__ import annotations

import functools
import re
from difflib import SequenceMatcher
from importlib import resources

from .domains import HostList, site

# Link-host categories, most specific first: a host in several lists takes the first category.
CATEGORIES = (
    ("file_sharing", ("file_sharing.txt",)),
    ("site_builder", ("site_builders.txt", "free_subdomain_hosts.txt")),
    ("shortener", ("shorteners.txt",)),
    ("trusted_hosting", ("trusted_hosting.txt",)),
)


def read_lines(name: str) -> list[str]:
    """Non-comment, non-empty lines of a shipped data file."""
    text = resources.files("vecguard.data").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@functools.cache
def host_lists() -> tuple[HostList, ...]:
    """The link-host category lists, in precedence order (upstream lists plus ``extra_hosts.txt``)."""
    extra: dict[str, list[str]] = {}
    for line in read_lines("extra_hosts.txt"):
        cat, _, host = line.partition(" ")
        extra.setdefault(cat, []).append(host.strip())
    return tuple(HostList(cat, [e for f in files for e in read_lines(f)] + extra.get(cat, []))
                 for cat, files in CATEGORIES)


@functools.cache
def free_email() -> HostList:
    """Free mailbox providers: a Reply-To moving there is a classic VEC step."""
    return HostList("free_email", read_lines("free_email.txt"))


def category(host: str) -> str | None:
    """The risk category of a link host (file_sharing, site_builder, shortener, trusted_hosting) or None."""
    for hosts in host_lists():
        if hosts.match(host):
            return hosts.name
    return None


@functools.cache
def _tenant_hosts() -> HostList:
    return HostList("tenant", read_lines("free_subdomain_hosts.txt") + read_lines("trusted_hosting.txt") +
                    ["sharepoint.com", "my.canva.site", "canva.site", "myclickfunnels.com"])


_NOT_TENANTS = frozenset({"www", "m", "mobile", "app", "web", "docs", "drive", "login", "accounts"})


@functools.lru_cache(maxsize=65536)
def link_site(host: str) -> str:
    """Who a link points at: its site (PSL private section included), or the tenant on a shared platform.

    ``vendora.sharepoint.com`` and ``attacker.sharepoint.com`` are different parties, so on hosts that give
    anyone a subdomain the label under the platform's domain is part of the identity.
    """
    base = site(host)
    entry = _tenant_hosts().match(host)
    if entry and host != entry and host.endswith("." + entry) and len(base) <= len(entry) + 1:
        label = host[: -len(entry) - 1].rsplit(".", 1)[-1]
        if label not in _NOT_TENANTS:
            return f"{label}.{entry}"
    return base


@functools.cache
def _enterprise_tenants() -> HostList:
    return HostList("enterprise_tenant", read_lines("enterprise_tenants.txt"))


def own_tenant(host: str, org_name: str) -> bool:
    """True for ``acme.sharepoint.com`` / ``acme-my.sharepoint.com`` when the sender's org name is acme
    (or carries it: ``rivoli.sharepoint.com`` for rivolilin.com, see name_fragment).

    On enterprise platforms the tenant name belongs to the organisation's account, so such a link is the
    organisation's own, like a link to its own domain.
    """
    entry = _enterprise_tenants().match(host)
    if not entry or not org_name or host == entry:
        return False
    label = host[: -len(entry) - 1].rsplit(".", 1)[-1].removesuffix("-my").replace("-", "")
    name = org_name.replace("-", "")
    return label == name or name_fragment(name, label, 5) == label


@functools.cache
def payment_change_patterns() -> tuple[tuple[str, ...], re.Pattern[str], re.Pattern[str]]:
    """(prefilter words, phrases, exclusions) from ``payment_change.txt``."""
    lines = read_lines("payment_change.txt")
    words = tuple(p[1:].lower() for p in lines if p.startswith("?"))
    phrases = [p for p in lines if not p.startswith(("!", "?"))]
    exclusions = [p[1:] for p in lines if p.startswith("!")] or ["(?!x)x"]
    return (words, re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE),
            re.compile("|".join(f"(?:{p})" for p in exclusions), re.IGNORECASE))


@functools.cache
def generic_name_words() -> frozenset[str]:
    """Words that do not identify an organisation (generic_name_words.txt plus the lure words)."""
    return frozenset(read_lines("generic_name_words.txt") + read_lines("lure_words.txt"))


def name_fragment(name: str, part: str, min_length: int) -> str | None:
    """The part of an organisation's name that ``part`` carries, if it identifies the organisation.

    The longest common substring of the two, at least ``min_length`` characters and either one more
    than that or half the name, and not a generic word (``services``, ``logistics``...):
    ``themarlowcommercial`` / ``marlow-1427`` -> ``marlow``; ``rivetcom`` / ``rivetshare`` -> ``rivet``.
    """
    if len(part) < min_length:
        return None
    match = SequenceMatcher(None, name, part, autojunk=False).find_longest_match(0, len(name), 0, len(part))
    if match.size < min_length or (match.size <= min_length and match.size * 2 < len(name)):
        return None
    fragment = name[match.a: match.a + match.size]
    if any(fragment in word for word in generic_name_words()):
        return None
    return fragment


@functools.cache
def impersonated_services() -> tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...]:
    """(name, whole-word pattern, owners) of the services in ``impersonated_services.txt``: a sender whose
    domain contains none of the owners and that names the service is dressing up as it."""
    entries = []
    for line in read_lines("impersonated_services.txt"):
        name, _, owners = line.partition("=")
        name = " ".join(name.lower().split())
        words = [re.escape(w) for w in re.split(r"[\s-]+", name)]
        pattern = re.compile(r"(?<![a-z0-9])" + r"[\s\-_.]*".join(words) + r"(?![a-z0-9])")
        owned = tuple(owners.lower().split()) or (re.sub(r"[\s-]", "", name),)
        entries.append((name, pattern, owned))
    return tuple(entries)


@functools.cache
def credential_words() -> frozenset[str]:
    """Words of a credential-harvest link (``credential_words.txt``: login, signin, verify, webscr...)."""
    return frozenset(w.lower() for w in read_lines("credential_words.txt"))

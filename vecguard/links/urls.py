"""URLs as mail writes them: made absolute, unwrapped from known rewriters offline (Microsoft Safe Links,
Proofpoint URL Defense v1-v3, Google's ``/url?q=``; Mimecast tokens stay opaque), trimmed out of running
text, and the host a piece of visible text displays. Nothing is ever fetched."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from typing import NamedTuple
from urllib.parse import unquote, urljoin

from vecguard.domains import normalise_host, public_suffix

_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*:")
_AUTHORITY_END = re.compile(r"[/?#]")
# Browsers drop tabs and newlines anywhere in a URL; attackers use them to split a URL past naive filters.
_URL_JUNK = re.compile(r"[\t\n\r]")


class Target(NamedTuple):
    # A NamedTuple, not a frozen dataclass: built for every link, and frozen dataclasses construct slowly.
    url: str
    host: str
    path: str
    wrapped_by: str | None


def absolute(raw: str, base: str | None) -> tuple[str, str, str] | None:
    """(url, host, raw path+query) of an http(s) href, resolved against ``base``; None for anything else."""
    url = raw.strip()
    if "\t" in url or "\n" in url or "\r" in url:
        url = _URL_JUNK.sub("", url)
    low = url[:6].lower()
    if low.startswith("https:"):
        scheme, rest = "https", url[6:]
    elif low.startswith("http:"):
        scheme, rest = "http", url[5:]
    elif url.startswith(("//", "\\\\")):
        scheme, rest = "https", url
    elif base is not None and url and not url.startswith("#") and not _SCHEME.match(url):
        try:
            joined = urljoin(base, url)
        except ValueError:  # e.g. an unbalanced "[" in an IPv6-looking base
            return None
        return absolute(joined, None) if joined.lower().startswith(("http:", "https:")) else None
    else:
        return None
    # WHATWG URL parsing for special schemes: any run of slashes or backslashes after the scheme, and
    # backslashes before the query, all mean "/". Browsers follow that, so must we.
    rest = rest.lstrip("/\\")
    if "\\" in rest:
        q = rest.find("?")
        if q < 0:
            q = rest.find("#")
        head, tail = (rest, "") if q < 0 else (rest[:q], rest[q:])
        rest = head.replace("\\", "/") + tail
    m = _AUTHORITY_END.search(rest)
    authority, pathq = (rest, "") if m is None else (rest[: m.start()], rest[m.start():])
    if "%" in authority:
        authority = unquote(authority, errors="replace")
    host = normalise_host(authority)
    if not host:
        return None
    hash_at = pathq.find("#")
    if hash_at >= 0:
        pathq = pathq[:hash_at]
    return f"{scheme}://{rest}", host, pathq


def _query_param(pathq: str, *names: str) -> str | None:
    """The decoded value of the first query parameter named one of ``names`` (lower case)."""
    q = pathq.find("?")
    if q < 0:
        return None
    # Not parse_qsl: it decodes every parameter, and Safe Links carry several long ones we never read.
    for pair in pathq[q + 1:].split("&"):
        key, eq, value = pair.partition("=")
        if eq and key.lower() in names:
            return unquote(value.replace("+", " "), errors="replace")
    return None


_PP_V2 = str.maketrans("-_", "%/")
_PP_V3 = re.compile(r"/v3/__(?P<url>.+?)__;(?P<enc>[^!]*)!")
_PP_V3_TOKEN = re.compile(r"\*(\*.)?")
_PP_V3_RUNS = {c: i + 2 for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}


def _proofpoint_v3(url: str) -> str | None:
    """Proofpoint v3 replaces some characters of the URL with ``*`` (or ``**X`` for a run of them) and
    stores the originals, base64url-encoded, after ``__;``. Same algorithm as Proofpoint's own decoder."""
    m = _PP_V3.search(url)
    if m is None:
        return None
    encoded = unquote(m.group("url"))
    try:
        chars = base64.urlsafe_b64decode(m.group("enc") + "==").decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    out: list[str] = []
    pos = used = 0
    for tok in _PP_V3_TOKEN.finditer(encoded):
        out.append(encoded[pos: tok.start()])
        run = 1 if tok.group(1) is None else _PP_V3_RUNS.get(tok.group(1)[1], 0)
        if run == 0 or used + run > len(chars):
            return None  # damaged token: better the wrapper than a made-up URL
        out.append(chars[used: used + run])
        used += run
        pos = tok.end()
    out.append(encoded[pos:])
    return "".join(out)


def _unwrap_once(url: str, host: str, pathq: str) -> tuple[str, str] | None:
    """(inner URL, rewriter) for a URL of a known rewriter, else None."""
    if host.endswith((".safelinks.protection.outlook.com", ".safelinks.protection.office365.us")):
        inner = _query_param(pathq, "url")
        return (inner, host.split(".", 1)[1]) if inner else None
    if host in ("urldefense.proofpoint.com", "urldefense.com", "urldefense.us"):
        if pathq.startswith("/v3/"):
            inner = _proofpoint_v3(url)
        elif pathq.startswith("/v2/url"):
            u = _query_param(pathq, "u")
            inner = unquote(u.translate(_PP_V2), errors="replace") if u else None
        elif pathq.startswith("/v1/url"):
            inner = _query_param(pathq, "u")
        else:
            inner = None
        return (inner, host) if inner else None
    if (host == "google.com" or host == "www.google.com") and pathq.startswith("/url?"):
        inner = _query_param(pathq, "q", "url")
        return (inner, host) if inner else None
    return None


def resolve(raw: str, base: str | None) -> Target | None:
    """The link target of an href or a text match: absolute, unwrapped; None if it is not http(s)."""
    found = absolute(raw, base)
    if found is None:
        return None
    url, host, pathq = found
    wrapped_by: str | None = None
    for _ in range(3):  # Safe Links around URL Defense happens; deeper nesting is not worth following
        unwrapped = _unwrap_once(url, host, pathq)
        if unwrapped is None:
            break
        inner = absolute(unwrapped[0], None)
        if inner is None:
            # The rewriter hides a mailto: or similar: the message does not link to the web here.
            return None
        url, host, pathq = inner
        wrapped_by = wrapped_by or unwrapped[1]
    path = unquote(pathq, errors="replace") if "%" in pathq else pathq
    if not path.startswith("/"):
        path = "/" + path
    return Target(url, host, path, wrapped_by)



# ------------------------------------------------------------------------------------------- text

_TRAILING = frozenset(".,;:!?'\"*")
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def trim_url(s: str) -> str:
    """Drop sentence punctuation after a URL, and closing brackets that have no opener inside it."""
    end = len(s)
    unmatched: dict[str, int] = {}  # closer -> closers minus openers, counted once (the input may be huge)
    while end:
        c = s[end - 1]
        if c in _TRAILING:
            end -= 1
            continue
        opener = _CLOSERS.get(c)
        if opener is None:
            break
        if c not in unmatched:
            unmatched[c] = s.count(c, 0, end) - s.count(opener, 0, end)
        if unmatched[c] <= 0:
            break
        unmatched[c] -= 1
        end -= 1
    return s[:end]



# ------------------------------------------------------------------------------------ shown hosts

_SHOWN_URL = re.compile(r"https?:[/\\]{0,3}[^\s<>\"']+", re.IGNORECASE)
_SHOWN_HOST = re.compile(
    r"(?<![\w@.\-/])((?:[^\W_][\w\-]{0,62}\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9\-]{1,59}))(?![\w\-]|\.[^\W_])",
    re.IGNORECASE,
)
# A tldextract lookup costs tens of microseconds; anchor texts repeat across a campaign.
_public_suffix = functools.lru_cache(maxsize=4096)(public_suffix)
# Public suffixes that are also common file extensions: "Invoice.zip" is a file name, not a host.
_FILE_LIKE_SUFFIXES = frozenset({"zip", "mov"})


def shown_host(text: str) -> str | None:
    """The host a piece of visible text displays: an http(s) URL, or a name under a known public suffix."""
    if "." not in text:
        return None  # most anchor texts ("Click here", "Read more") show no host: skip the regexes
    text = text[:300]
    m = _SHOWN_URL.search(text)
    if m is not None:
        found = absolute(trim_url(m.group()), None)
        if found is not None:
            return found[1]
    for i, m in enumerate(_SHOWN_HOST.finditer(text)):
        if i == 4:
            break
        host = normalise_host(m.group(1))
        if len(host) > 253 or host.startswith(".") or ".." in host:
            continue  # e.g. "xn--.com", whose empty label decodes to nothing
        suffix = _public_suffix(host)
        if not suffix or suffix == host:
            continue
        if suffix in _FILE_LIKE_SUFFIXES and host.count(".") == 1:
            continue
        return host
    return None


"""Links in a message body, with how each one is presented to the reader.

VEC mail is recognised less by *where* a link points (often a legitimate file-sharing host) than by how it
is shown: one big button, a clickable image, a link nobody can see, or anchor text that displays one
domain while the href goes to another. :func:`extract_links` reports those presentation features for every
http(s) link of the text and HTML parts, without ever fetching anything.

The HTML side is a single pass of the stdlib :class:`html.parser.HTMLParser`. It keeps a stack of open
elements, each sharing the inherited presentation context (:class:`_Ctx`) of its parent unless it carries
a style or is one of the few tags that change it, so an ordinary tag costs one tuple on the stack. Inline
styles are parsed once per distinct ``style`` string (an LRU cache: newsletters repeat the same few
dozen styles hundreds of times).

Known rewriters are unwrapped offline: Microsoft Safe Links, Proofpoint URL Defense (v1, v2, v3) and
Google's ``/url?q=`` redirect. Mimecast links are opaque tokens and stay as they are.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import unquote, urljoin

from vecguard.domains import normalise_host, public_suffix

__all__ = ["Link", "extract_links"]

log = logging.getLogger(__name__)

#: HTML beyond this many characters is not looked at: the milter has its own size limit, this one only
#: bounds the worst case of this module.
MAX_HTML_CHARS = 2_000_000
#: Same for the text part.
MAX_TEXT_CHARS = 2_000_000
#: A URL in the text part is cut at this length.
MAX_TEXT_URL_CHARS = 8192
#: Anchor text kept on a :class:`Link`.
MAX_ANCHOR_CHARS = 200


@dataclass(frozen=True, slots=True)
class Link:
    """One http(s) link of a message body and how it is presented.

    ``prominent`` marks a button-like link. It holds when the link is not hidden and any of these is true:

    - the ``<a>`` has a background (``background``/``background-color`` style or ``bgcolor``) that is not
      none, transparent or white;
    - the ``<a>`` has a padding of at least 8px on some side;
    - the ``<a>`` is ``display: block|inline-block|table`` and has a border or a border radius;
    - the ``<a>``'s ``class`` or ``role`` contains "button" or "btn";
    - its nearest table cell has a non-white background (``bgcolor`` or style) or a button class, and the
      link is the only link in that cell with no other visible text beside it (the classic bulletproof
      button; a coloured cell full of prose and inline links does not count);
    - its visible text is bold at an explicitly set size of at least 16px, or at least 24px whatever the
      weight (explicit means a CSS ``font-size``, ``<font size>`` or ``<h1>``-``<h3>``: a bold link in
      default 16px body text is not a button).

    ``hidden`` holds when the link's box is not rendered (``display: none``, ``visibility: hidden``,
    ``opacity`` near 0, zero ``width``/``height``/``max-height`` with ``overflow: hidden``, far
    off-screen positioning or ``text-indent``, the ``hidden`` attribute, all inherited from ancestors), or
    when it shows no visible text and no visible image (text hidden by ``font-size`` below 2px or a
    transparent colour does not count as visible; an image of at most 1px is a tracking pixel, not a
    visible image). A hidden link is never prominent.

    Besides ``<a href>``, an ``<area href>`` is reported as an image-only link, and a ``<form action>`` as a
    link without text: a form in a mail body submits to somewhere, which matters as much as a link.
    """

    url: str
    host: str
    path: str
    anchor_text: str
    shown_host: str | None
    image_only: bool
    hidden: bool
    prominent: bool
    source: str
    wrapped_by: str | None


def extract_links(text: str | None, html: str | None, max_links: int = 200) -> tuple[Link, ...]:
    """The http(s) links of a message's HTML part, then those of its text part, at most ``max_links``.

    Identical links are reported once, and a text-part link whose host and path also appear in the HTML
    part is dropped: multipart/alternative repeats every link, and the HTML one carries the presentation
    features. Never raises; HTML beyond :data:`MAX_HTML_CHARS` is ignored.
    """
    if max_links <= 0:
        return ()
    seen: set[Link] = set()
    out: list[Link] = []
    html_keys: set[tuple[str, str]] = set()
    if isinstance(html, str) and html:
        html = html[:MAX_HTML_CHARS]
    if isinstance(html, str) and ("href" in html or _HAS_LINKISH.search(html)):  # "in" is 10x a re.I search
        for link in _html_links(html, max_links):
            html_keys.add(_dedupe_key(link))
            if link not in seen:
                seen.add(link)
                out.append(link)
    if isinstance(text, str) and text and len(out) < max_links:
        for link in _text_links(text[:MAX_TEXT_CHARS]):
            if link in seen or _dedupe_key(link) in html_keys:
                continue
            seen.add(link)
            out.append(link)
            if len(out) >= max_links:
                break
    return tuple(out[:max_links])


# --------------------------------------------------------------------------------------------- URLs

_HAS_LINKISH = re.compile(r"href|action", re.IGNORECASE)
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*:")
_AUTHORITY_END = re.compile(r"[/?#]")
# Browsers drop tabs and newlines anywhere in a URL; attackers use them to split a URL past naive filters.
_URL_JUNK = re.compile(r"[\t\n\r]")


class _Target(NamedTuple):
    # A NamedTuple, not a frozen dataclass: built for every link, and frozen dataclasses construct slowly.
    url: str
    host: str
    path: str
    wrapped_by: str | None


def _absolute(raw: str, base: str | None) -> tuple[str, str, str] | None:
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
        return _absolute(joined, None) if joined.lower().startswith(("http:", "https:")) else None
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


def _resolve(raw: str, base: str | None) -> _Target | None:
    """The link target of an href or a text match: absolute, unwrapped; None if it is not http(s)."""
    found = _absolute(raw, base)
    if found is None:
        return None
    url, host, pathq = found
    wrapped_by: str | None = None
    for _ in range(3):  # Safe Links around URL Defense happens; deeper nesting is not worth following
        unwrapped = _unwrap_once(url, host, pathq)
        if unwrapped is None:
            break
        inner = _absolute(unwrapped[0], None)
        if inner is None:
            # The rewriter hides a mailto: or similar: the message does not link to the web here.
            return None
        url, host, pathq = inner
        wrapped_by = wrapped_by or unwrapped[1]
    path = unquote(pathq, errors="replace") if "%" in pathq else pathq
    if not path.startswith("/"):
        path = "/" + path
    return _Target(url, host, path, wrapped_by)


def _dedupe_key(link: Link) -> tuple[str, str]:
    # The text alternative often writes http:// for https:// or drops a trailing slash.
    return link.host, link.path.rstrip("/")


# ------------------------------------------------------------------------------------------- text

_TEXT_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_TRAILING = frozenset(".,;:!?'\"*")
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _trim_url(s: str) -> str:
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


def _text_links(text: str) -> Iterator[Link]:
    seen: set[str] = set()
    for m in _TEXT_URL.finditer(text):
        # The cap keeps trimming linear on garbage; a longer URL keeps its host and the start of its path.
        raw = _trim_url(m.group()[:MAX_TEXT_URL_CHARS])
        if raw in seen:
            continue  # a repeated URL costs a set lookup, not a parse
        seen.add(raw)
        if raw[:4].lower() == "www.":
            raw = "http://" + raw
        target = _resolve(raw, None)
        if target is not None:
            yield Link(target.url, target.host, target.path, "", None, False, False, False, "text",
                       target.wrapped_by)


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


def _shown_host(text: str) -> str | None:
    """The host a piece of visible text displays: an http(s) URL, or a name under a known public suffix."""
    if "." not in text:
        return None  # most anchor texts ("Click here", "Read more") show no host: skip the regexes
    text = text[:300]
    m = _SHOWN_URL.search(text)
    if m is not None:
        found = _absolute(_trim_url(m.group()), None)
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


# ----------------------------------------------------------------------------------------- styles

_DECL = re.compile(r"([a-zA-Z\-]+)\s*:\s*([^;]*)")
_LENGTH = re.compile(r"(-?\d*\.?\d+)\s*(px|pt|em|rem|%|ex|ch|vw|vh|pc|cm|mm|in)?")
_ZERO_ALPHA = re.compile(r"(?:rgba|hsla)\([^)]*[,/]\s*0*\.?0*\s*%?\s*\)|#[0-9a-f]{6}00\b|#[0-9a-f]{3}0\b")
_FONT_KEYWORDS = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
                  "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0}
_UNIT_PX = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
_NO_BACKGROUND = frozenset({"", "none", "transparent", "inherit", "initial", "unset", "white", "#fff",
                            "#ffffff", "rgb(255,255,255)", "rgba(0,0,0,0)"})
_BORDERLESS = frozenset({"", "none", "0", "0px", "hidden", "initial", "unset"})
_BOXY_DISPLAY = frozenset({"block", "inline-block", "table", "table-cell", "flex", "inline-flex"})
_HIDDEN_OVERFLOW = frozenset({"hidden", "clip"})


def _length(value: str) -> tuple[float, str] | None:
    m = _LENGTH.match(value)
    return None if m is None else (float(m.group(1)), m.group(2) or "")


def _px(value: str) -> float | None:
    """An absolute length in px; None for relative or unparsable values."""
    parsed = _length(value)
    if parsed is None:
        return None
    num, unit = parsed
    if num == 0:
        return 0.0
    scale = _UNIT_PX.get(unit or "px")
    return None if scale is None else num * scale


def _background(value: str) -> bool:
    return value.replace(" ", "") not in _NO_BACKGROUND


@dataclass(frozen=True, slots=True)
class _Style:
    """What an inline style means here; ``None`` fields are not set by the style (inherit)."""

    gone: bool  # the box is not rendered, whatever descendants say
    visible: bool | None  # visibility (descendants can override it)
    transparent: bool | None  # text colour is transparent (descendants can override it)
    font_px: float | None  # absolute font size
    font_scale: float | None  # font size relative to the parent's
    bold: bool | None
    background: bool
    padding_px: float
    boxy: bool  # block-ish display with a border or rounded corners
    tiny: bool  # width or height of at most 1px: on an image, a tracking pixel
    inherited: bool  # changes something descendants inherit (most styles only set colours and spacing)

    def changes(self, parent: _Ctx) -> bool:
        """Whether content under this style is presented differently from content under ``parent``."""
        return self.inherited or (parent.transparent and self.transparent is False)


_PLAIN = _Style(False, None, None, None, None, None, False, 0.0, False, False, False)


@functools.lru_cache(maxsize=4096)
def _parse_style(style: str) -> _Style:
    """Interpret an inline ``style`` attribute; cached, since mail repeats the same styles."""
    props: dict[str, str] = {}
    important: set[str] = set()
    for m in _DECL.finditer(style.lower()):
        name, value = m.group(1), m.group(2).strip()
        if "!important" in value:
            value = value.replace("!important", "").strip()
            important.add(name)
        elif name in important:
            continue  # an earlier !important declaration wins over a later plain one
        props[name] = value
    if not props:
        return _PLAIN
    get = props.get

    gone = get("display") == "none"
    opacity = get("opacity")
    if opacity is not None and not gone:
        parsed = _length(opacity)
        if parsed is not None:
            gone = parsed[0] / (100 if parsed[1] == "%" else 1) < 0.1
    if not gone and (get("overflow") in _HIDDEN_OVERFLOW or get("overflow-y") in _HIDDEN_OVERFLOW
                     or get("overflow-x") in _HIDDEN_OVERFLOW):
        # Zero size alone lets content overflow visibly; with overflow hidden nothing shows.
        gone = any(_px(get(p) or "x") == 0.0 for p in ("height", "max-height", "width", "max-width"))
    if not gone:
        for prop in ("left", "top", "text-indent", "margin-left"):
            value = get(prop)
            if value is not None:
                offset = _px(value)
                if offset is not None and offset <= -999:
                    gone = True
                    break

    visibility = get("visibility")
    visible = None if visibility is None else visibility not in ("hidden", "collapse")
    color = get("color")
    transparent = None if color is None else (color == "transparent" or _ZERO_ALPHA.search(color) is not None)

    font_px: float | None = None
    font_scale: float | None = None
    size = get("font-size")
    if size is not None:
        if size in _FONT_KEYWORDS:
            font_px = _FONT_KEYWORDS[size]
        elif size == "larger":
            font_scale = 1.2
        elif size == "smaller":
            font_scale = 1 / 1.2
        else:
            parsed = _length(size)
            if parsed is not None:
                num, unit = parsed
                if num == 0:
                    font_px = 0.0
                elif unit == "em":
                    font_scale = num
                elif unit in ("ex", "ch"):
                    font_scale = num / 2
                elif unit == "%":
                    font_scale = num / 100
                elif unit == "rem":
                    font_px = num * 16
                else:
                    font_px = _px(size)
    weight = get("font-weight")
    bold: bool | None = None
    if weight is not None:
        if weight in ("bold", "bolder"):
            bold = True
        elif weight.isdigit() and len(weight) <= 4:  # int() refuses absurdly long digit strings
            bold = int(weight) >= 600
        else:
            bold = False

    background = _background(get("background-color") or "") or _background(get("background") or "")
    padding = 0.0
    for prop in ("padding", "padding-top", "padding-bottom", "padding-left", "padding-right"):
        value = get(prop)
        if value:
            for part in value.split():
                px = _px(part)
                if px is not None and px > padding:
                    padding = px
    boxy = False
    if get("display") in _BOXY_DISPLAY:
        for name, value in props.items():
            if name.startswith("border") and name not in ("border-collapse", "border-spacing"):
                if name.endswith("radius"):
                    radius = _px(value.split()[0]) if value.split() else None
                    boxy = radius is None or radius > 0  # a % or em radius is still a rounded corner
                else:
                    boxy = value not in _BORDERLESS and not value.startswith(("0 ", "0px ", "none "))
                if boxy:
                    break
    tiny = False
    for prop in ("width", "height"):
        value = get(prop)
        if value is not None:
            px = _px(value)
            tiny = tiny or (px is not None and px <= 1)
    inherited = (gone or visible is not None or transparent is True or font_px is not None
                 or font_scale is not None or bold is not None)
    return _Style(gone, visible, transparent, font_px, font_scale, bold, background, padding, boxy, tiny, inherited)


# ------------------------------------------------------------------------------------------- HTML

class _Cell:
    """A table cell that could be the body of a button (it has a background or a button class)."""

    __slots__ = ("links", "text_beside")

    def __init__(self) -> None:
        self.links: list[_Pending] = []
        self.text_beside = False


class _Pending:
    """A link being read; becomes a :class:`Link` once the whole document has been seen."""

    __slots__ = (
        "alt",
        "bold_px",
        "hidden_parts",
        "images",
        "kind",
        "masked",
        "max_px",
        "nchars",
        "parts",
        "prominent",
        "target",
        "title",
    )

    def __init__(self, target: _Target, kind: str, masked: bool, prominent: bool, title: str | None) -> None:
        self.target = target
        self.kind = kind  # "a" | "area" | "form"
        self.masked = masked
        self.prominent = prominent
        self.title = title
        self.parts: list[str] = []
        self.nchars = 0
        self.hidden_parts: list[str] = []  # reported only when nothing is visible, as evidence
        self.images = 0
        self.alt: str | None = None
        self.max_px = 0.0  # largest explicit font size of visible text
        self.bold_px = 0.0  # largest explicit font size of visible bold text


class _Ctx:
    """Presentation context inherited by an element's content. Shared by all elements that change nothing."""

    __slots__ = ("bold", "cell", "font_px", "gone", "hidden", "invisible", "link", "masked", "transparent")

    def __init__(self, gone: bool, invisible: bool, transparent: bool, font_px: float | None, bold: bool,
                 cell: _Cell | None, link: _Pending | None) -> None:
        self.gone = gone
        self.invisible = invisible
        self.transparent = transparent
        self.font_px = font_px  # None: never set explicitly (the reader's default)
        self.bold = bold
        self.cell = cell
        self.link = link
        self.masked = gone or invisible  # the box itself is not shown (images included)
        self.hidden = self.masked or transparent or (font_px is not None and font_px < 2)  # text not shown

    def child(self, style: _Style, gone: bool = False, bold: bool | None = None, font_px: float | None = None,
              ) -> _Ctx:
        """The context inside an element with ``style`` (plus what its tag or attributes imply)."""
        size = self.font_px
        if style.font_px is not None:
            size = style.font_px
        elif style.font_scale is not None:
            size = (16.0 if size is None else size) * style.font_scale
        elif font_px is not None:
            size = font_px
        if style.bold is not None:
            bold = style.bold
        return _Ctx(
            self.gone or gone or style.gone,
            self.invisible if style.visible is None else not style.visible,
            self.transparent if style.transparent is None else style.transparent,
            size,
            self.bold if bold is None else bold,
            self.cell,
            self.link,
        )

    def with_(self, cell: _Cell | None, link: _Pending | None) -> _Ctx:
        """The same presentation, inside another button cell or link."""
        return _Ctx(self.gone, self.invisible, self.transparent, self.font_px, self.bold, cell, link)


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr", "basefont", "bgsound", "frame", "keygen", "image"})
# Elements whose content is never rendered as text.
_NOT_RENDERED = frozenset({"style", "script", "template", "title", "noframes", "xmp"})
_HEADINGS = {"h1": 32.0, "h2": 24.0, "h3": 18.72}
_FONT_SIZES = {1: 10.0, 2: 13.0, 3: 16.0, 4: 18.0, 5: 24.0, 6: 32.0, 7: 48.0}
# Tags that change the context even without attributes.
_CONTEXT_TAGS = _NOT_RENDERED | {"b", "strong", "h1", "h2", "h3"}
_TABLE = frozenset({"table", "tbody", "thead", "tfoot"})
_P_SCOPE = frozenset({"td", "th", "table", "button", "template", "caption", "object"})
_ENDS_P = (frozenset({"p"}), _P_SCOPE)
# Start tags that implicitly end an open element, and where the search for it stops (a simplified
# version of the HTML tree builder's rules). Without this, unclosed <p>/<td>/<li> pile up on the stack
# and an earlier hidden element would seem to contain everything after it.
_IMPLIED_END: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "td": (frozenset({"td", "th"}), _TABLE | {"tr"}),
    "th": (frozenset({"td", "th"}), _TABLE | {"tr"}),
    "tr": (frozenset({"tr"}), _TABLE),
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "td", "th", "table"})),
    "a": (frozenset({"a"}), frozenset({"td", "th", "table", "template", "button"})),
    **{tag: _ENDS_P for tag in (
        "p", "div", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
        "form", "center", "section", "article", "header", "footer", "nav", "aside", "address", "figure",
        "fieldset", "main", "details", "menu")},
}
# An end tag is ignored when an element of these kinds lies between it and its start tag, as browsers do.
_END_SCOPE = frozenset({"td", "th", "table", "caption", "template", "button", "object"})
_TABLE_END_SCOPE = frozenset({"template"})
_TABLE_PARTS = frozenset({"td", "th", "tr", "tbody", "thead", "tfoot", "caption"})
_IGNORED_END = frozenset({"html", "body"})  # content after </body> is still shown
_MAX_DEPTH = 512
_END_SEARCH = 64
_MAX_TEXT = 1000
# Zero-width and other invisible characters: text made only of them shows nothing.
_INVISIBLE_CHARS = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]+")


class _Full(Exception):
    """Raised inside the parser to stop once ``max_links`` links have been read."""


def _is_buttonish(value: str) -> bool:
    value = value.lower()
    return "button" in value or "btn" in value


class _LinkParser(HTMLParser):
    """Collects :class:`_Pending` links while tracking the presentation context of every open element.

    Browser behaviour is followed where it decides what a reader sees: ``<div/>`` stays open, stray end
    tags are ignored, block starts end an open ``<p>``, a new cell ends the previous one, and the tree is
    at most 512 levels deep.
    """

    def __init__(self, max_links: int) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[_Pending] = []
        self._max = max_links
        self._root = _Ctx(False, False, False, None, False, None, None)
        self._ctx = self._root
        self._stack: list[tuple[str, _Ctx, _Cell | None]] = []
        self._base: str | None = None
        self._open_p = 0  # most start tags could end an open <p>; counting them saves a stack walk each

    # -- HTMLParser callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "img":
                if self._ctx.link is not None:
                    self._image(self._ctx.link, attrs)
            elif tag == "area":
                self._area(attrs)
            elif tag == "base":
                self._set_base(attrs)
            return
        stack = self._stack
        implied = _IMPLIED_END.get(tag)
        if implied is not None and stack and (self._open_p or implied is not _ENDS_P):
            top = stack[-1][0]
            if top in implied[0]:
                self._pop_to(len(stack) - 1)
            elif top not in implied[1]:
                self._end_implied(*implied)
        if len(stack) >= _MAX_DEPTH:
            # Like Blink, which caps the tree at 512 levels: deeper elements become siblings of the last.
            self._pop_to(len(stack) - 1)
        parent = self._ctx
        cell: _Cell | None = None
        if tag == "a":
            ctx = self._anchor(parent, attrs)
        elif tag == "td" or tag == "th":
            ctx, cell = self._cell(parent, attrs)
        elif tag == "form":
            ctx = self._element(tag, parent, attrs)
            self._form(ctx, attrs)
        elif attrs or tag in _CONTEXT_TAGS:
            ctx = self._element(tag, parent, attrs)
        else:
            ctx = parent
        stack.append((tag, ctx, cell))
        self._ctx = ctx
        if tag == "p":
            self._open_p += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # HTML ignores the "/" of <div/>: the element stays open, as in a browser.
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _IGNORED_END:
            return
        stack = self._stack
        scope = _TABLE_END_SCOPE if tag == "table" else _TABLE if tag in _TABLE_PARTS else _END_SCOPE
        stop = max(-1, len(stack) - 1 - _END_SEARCH)
        for i in range(len(stack) - 1, stop, -1):
            open_tag = stack[i][0]
            if open_tag == tag:
                self._pop_to(i)
                return
            if open_tag in scope:
                return  # a stray end tag, ignored like a browser does

    def handle_data(self, data: str) -> None:
        ctx = self._ctx
        link = ctx.link
        if link is not None:
            if ctx.hidden and not link.masked:
                # Hidden text inside a visible link is not part of what the reader sees.
                if link.nchars < _MAX_TEXT:
                    link.hidden_parts.append(data)
                    link.nchars += len(data)
                return
            if link.nchars < _MAX_TEXT:
                link.parts.append(data)
                link.nchars += len(data)
            size = ctx.font_px
            if size is not None and size > link.max_px and not data.isspace():
                link.max_px = size
                if ctx.bold and size > link.bold_px:
                    link.bold_px = size
        elif ctx.cell is not None and not ctx.hidden and not data.isspace():
            ctx.cell.text_beside = True

    def parse_html_declaration(self, i: int) -> int:
        # In HTML content a browser reads "<![...", including Outlook's "<![if !mso]>" and "<![CDATA[", as a
        # bogus comment that ends at the first ">". The stdlib instead looks for "]>" (a scan to the end of
        # the document for every unterminated one) and raises AssertionError on unknown section names.
        rawdata = self.rawdata
        if rawdata.startswith("<![", i):
            end = rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1
        try:
            return super().parse_html_declaration(i)
        except AssertionError:
            end = rawdata.find(">", i + 2)
            return -1 if end < 0 else end + 1

    # -- elements

    def _element(self, tag: str, parent: _Ctx, attrs: list[tuple[str, str | None]]) -> _Ctx:
        style = _PLAIN
        gone = False
        font_px: float | None = None
        for name, value in attrs:
            if name == "style":
                if value:
                    style = _parse_style(value)
            elif name == "hidden":
                gone = True
            elif name == "size" and tag == "font" and value:
                font_px = _font_size(value)
        bold: bool | None = None
        if tag in _CONTEXT_TAGS:
            if tag in _NOT_RENDERED:
                # Not even part of an enclosing link or cell: a <style> block is not text beside a button.
                return parent.child(style, True).with_(None, None)
            bold = True
            font_px = _HEADINGS.get(tag)
        if not gone and bold is None and font_px is None and not style.changes(parent):
            return parent
        return parent.child(style, gone, bold, font_px)

    def _cell(self, parent: _Ctx, attrs: list[tuple[str, str | None]]) -> tuple[_Ctx, _Cell | None]:
        style = _PLAIN
        gone = buttonish = False
        for name, value in attrs:
            if name == "style":
                if value:
                    style = _parse_style(value)
            elif name == "bgcolor":
                buttonish = buttonish or (value is not None and _background(value.lower()))
            elif name == "class":
                buttonish = buttonish or (value is not None and _is_buttonish(value))
            elif name == "hidden":
                gone = True
        cell = _Cell() if buttonish or style.background else None
        restyled = gone or style.changes(parent)
        if not restyled and cell is None and parent.cell is None:
            return parent, None
        ctx = parent.child(style, gone) if restyled else parent
        return ctx.with_(cell, ctx.link), cell

    def _anchor(self, parent: _Ctx, attrs: list[tuple[str, str | None]]) -> _Ctx:
        href = title = style_attr = None
        gone = buttonish = background = False
        for name, value in attrs:
            if value is None:
                gone = gone or name == "hidden"
            elif name == "href":
                href = value
            elif name == "style":
                style_attr = value
            elif name == "title":
                title = value
            elif name in ("class", "role"):
                buttonish = buttonish or _is_buttonish(value)
            elif name == "bgcolor":
                background = _background(value.lower())
            elif name == "hidden":
                gone = True
        style = _parse_style(style_attr) if style_attr else _PLAIN
        ctx = parent.child(style, gone) if gone or style.changes(parent) else parent
        target = _resolve(href, self._base) if href else None
        if target is None:
            # Not a web link, but still an <a>: its content must not count as part of an outer link.
            return ctx.with_(ctx.cell, None) if ctx.link is not None else ctx
        prominent = buttonish or background or style.background or style.padding_px >= 8 or style.boxy
        link = self._add(target, "a", ctx.masked, prominent, title)
        if parent.cell is not None:
            parent.cell.links.append(link)
        return ctx.with_(ctx.cell, link)

    def _image(self, link: _Pending, attrs: list[tuple[str, str | None]]) -> None:
        ctx = self._ctx
        masked = ctx.masked
        alt = None
        for name, value in attrs:
            if name == "hidden":
                masked = True
            elif value is None:
                continue
            elif name == "alt":
                alt = value
            elif name == "style":
                style = _parse_style(value)
                masked = masked or style.gone or style.visible is False or style.tiny
            elif name in ("width", "height"):
                px = _px(value.strip())
                masked = masked or (px is not None and px <= 1)
        if masked and not link.masked:
            return
        link.images += 1
        if alt and link.alt is None:
            link.alt = alt

    def _area(self, attrs: list[tuple[str, str | None]]) -> None:
        href = title = alt = None
        for name, value in attrs:
            if name == "href":
                href = value
            elif name == "title":
                title = value
            elif name == "alt":
                alt = value
        target = _resolve(href, self._base) if href else None
        if target is not None:
            link = self._add(target, "area", self._ctx.masked, False, title)
            link.images = 1  # an image-map region is a clickable part of an image
            link.alt = alt

    def _form(self, ctx: _Ctx, attrs: list[tuple[str, str | None]]) -> None:
        # A form in a mail body submits to its action URL: a destination like any link, with no text.
        for name, value in attrs:
            if name == "action" and value:
                target = _resolve(value, self._base)
                if target is not None:
                    self._add(target, "form", ctx.masked, False, None)
                return

    def _set_base(self, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value and self._base is None:
                found = _absolute(value, None)
                if found is not None:
                    self._base = found[0]

    def _add(self, target: _Target, kind: str, masked: bool, prominent: bool, title: str | None) -> _Pending:
        if len(self.links) >= self._max:
            raise _Full
        link = _Pending(target, kind, masked, prominent, title)
        self.links.append(link)
        return link

    # -- the stack

    def _end_implied(self, targets: frozenset[str], boundaries: frozenset[str]) -> None:
        stack = self._stack
        stop = max(-1, len(stack) - 1 - _END_SEARCH)
        for i in range(len(stack) - 1, stop, -1):
            open_tag = stack[i][0]
            if open_tag in targets:
                self._pop_to(i)
                return
            if open_tag in boundaries:
                return

    def _pop_to(self, index: int) -> None:
        stack = self._stack
        for i in range(len(stack) - 1, index - 1, -1):
            tag, _, cell = stack[i]
            if tag == "p":
                self._open_p -= 1
            elif cell is not None and len(cell.links) == 1 and not cell.text_beside:
                cell.links[0].prominent = True
        del stack[index:]
        self._ctx = stack[-1][1] if stack else self._root

    def finish(self) -> None:
        """Close every open element, so that open cells are judged too."""
        self._pop_to(0)


def _font_size(value: str) -> float | None:
    """px of ``<font size=N>`` (absolute 1-7 or relative +N/-N to the default 3)."""
    value = value.strip()
    try:
        n = int(value)
    except ValueError:
        return None
    if value[0] in "+-":
        n += 3
    return _FONT_SIZES[min(7, max(1, n))]


_COMMENT_OPEN = re.compile(r"<!--")
_COMMENT_CLOSE = re.compile(r"--\s*>")
_TAG_START = re.compile(r"<[a-zA-Z/!?]")


def _defuse(html: str) -> tuple[str, str]:
    """Split ``html`` into markup the stdlib parser handles in linear time, and trailing plain text.

    Python's HTMLParser before 3.11.13 (CVE-2025-6069) rescans to the end of the input for every construct
    it cannot terminate: 1.6 MB of unterminated ``<!--`` took over ten minutes here. Two cheap rewrites
    remove those cases and keep the parser's own results:

    - After the last ``>`` there is no complete tag, only text (a browser drops an unterminated tag at the
      end of a document), so that text is returned apart and every ``>`` search in the markup succeeds.
    - A ``<!--`` after the last comment close can never close; it becomes a bogus comment (``<!-x``),
      which the parser ends at the next ``>``, as its own fallback for an unterminated comment does, but
      without rescanning the rest of the document first.
    """
    last_gt = html.rfind(">")
    markup, tail = html[: last_gt + 1], html[last_gt + 1:]
    m = _TAG_START.search(tail)
    if m is not None:
        tail = tail[: m.start()]
    start = 0
    for m in _COMMENT_CLOSE.finditer(markup):
        start = m.end()
    if markup.find("<!--", start) >= 0:
        markup = markup[:start] + _COMMENT_OPEN.sub("<!-x", markup[start:])
    return markup, tail


def _html_links(html: str, max_links: int) -> list[Link]:
    parser = _LinkParser(max_links)
    markup, tail = _defuse(html)
    try:
        parser.feed(markup)
        parser.close()
        if tail:
            parser.handle_data(unescape(tail))
    except _Full:
        pass
    except Exception:  # hostile markup must cost the rest of the document, never the message
        log.warning("HTML link extraction stopped early", exc_info=True)
    try:
        parser.finish()
    except Exception:  # same reason: the links read so far are still good
        log.warning("HTML link extraction could not finish", exc_info=True)
    links = []
    for pending in parser.links:
        try:
            links.append(_finished(pending))
        except Exception:  # same reason: one odd link is dropped, the others stay
            log.warning("dropped a link that could not be read: %r", pending.target.url[:200], exc_info=True)
    return links


def _collapse(parts: list[str]) -> str:
    if not parts:
        return ""
    text = "".join(parts)
    if not text.isascii():
        text = _INVISIBLE_CHARS.sub("", text)
    return " ".join(text.split())


def _finished(p: _Pending) -> Link:
    t = p.target
    text = _collapse(p.parts)
    image_only = not text and p.images > 0
    hidden = p.masked or (p.kind == "a" and not text and p.images == 0)
    if hidden and not text:
        text = _collapse(p.hidden_parts)  # an invisible link: its invisible text is the evidence
    shown = None
    if p.kind != "form":
        if text:
            shown = _shown_host(text)
        if shown is None and p.title:
            shown = _shown_host(p.title)
        if shown is None and image_only and p.alt:
            # Many readers block images by default, and then the alt text is what the reader sees.
            shown = _shown_host(p.alt)
    prominent = not hidden and (p.prominent or p.bold_px >= 16 or p.max_px >= 24)
    return Link(t.url, t.host, t.path, text[:MAX_ANCHOR_CHARS], shown, image_only, hidden, prominent, "html",
                t.wrapped_by)

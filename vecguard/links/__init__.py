"""Links in a message body, with how each one is presented to the reader.

VEC mail is recognised less by *where* a link points (often a legitimate file-sharing host) than by how it
is shown: one big button, a clickable image, a link nobody can see, or anchor text that displays one
domain while the href goes to another. :func:`extract_links` reports those presentation features for every
http(s) link of the text and HTML parts, without ever fetching anything.

The modules, in the order a link meets them: :mod:`.urls` (absolute URLs, rewriters unwrapped, shown
hosts), :mod:`.presentation` (the HTML part: styles and the parser), :mod:`.link` (the record); this
module joins the HTML and text parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .link import Link
from .presentation import html_links
from .urls import resolve, trim_url

__all__ = ["Link", "extract_links"]

#: HTML beyond this many characters is not looked at: the milter has its own size limit, this one only
#: bounds the worst case of this module.
MAX_HTML_CHARS = 2_000_000
#: Same for the text part.
MAX_TEXT_CHARS = 2_000_000
#: A URL in the text part is cut at this length.
MAX_TEXT_URL_CHARS = 8192

_HAS_LINKISH = re.compile(r"href|action", re.IGNORECASE)
_TEXT_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)


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
        for link in html_links(html, max_links):
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


def _dedupe_key(link: Link) -> tuple[str, str]:
    # The text alternative often writes http:// for https:// or drops a trailing slash.
    return link.host, link.path.rstrip("/")



def _text_links(text: str) -> Iterator[Link]:
    seen: set[str] = set()
    for m in _TEXT_URL.finditer(text):
        # The cap keeps trimming linear on garbage; a longer URL keeps its host and the start of its path.
        raw = trim_url(m.group()[:MAX_TEXT_URL_CHARS])
        if raw in seen:
            continue  # a repeated URL costs a set lookup, not a parse
        seen.add(raw)
        if raw[:4].lower() == "www.":
            raw = "http://" + raw
        target = resolve(raw, None)
        if target is not None:
            yield Link(target.url, target.host, target.path, "", None, False, False, False, "text",
                       target.wrapped_by)


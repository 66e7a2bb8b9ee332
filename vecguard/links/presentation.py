"""How the links of an HTML part are presented: inline styles and a single-pass HTML parser.

A single pass of the stdlib :class:`html.parser.HTMLParser` keeps a stack of open elements, each sharing
the inherited presentation context (:class:`_Ctx`) of its parent unless it carries a style or is one of the
few tags that change it, so an ordinary tag costs one tuple on the stack. Inline styles are parsed once per
distinct ``style`` string (an LRU cache: newsletters repeat the same few dozen styles hundreds of times).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

from .link import MAX_ANCHOR_CHARS, Link
from .urls import Target, absolute, resolve, shown_host

log = logging.getLogger(__name__)


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

    def __init__(self, target: Target, kind: str, masked: bool, prominent: bool, title: str | None) -> None:
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
        target = resolve(href, self._base) if href else None
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
        target = resolve(href, self._base) if href else None
        if target is not None:
            link = self._add(target, "area", self._ctx.masked, False, title)
            link.images = 1  # an image-map region is a clickable part of an image
            link.alt = alt

    def _form(self, ctx: _Ctx, attrs: list[tuple[str, str | None]]) -> None:
        # A form in a mail body submits to its action URL: a destination like any link, with no text.
        for name, value in attrs:
            if name == "action" and value:
                target = resolve(value, self._base)
                if target is not None:
                    self._add(target, "form", ctx.masked, False, None)
                return

    def _set_base(self, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value and self._base is None:
                found = absolute(value, None)
                if found is not None:
                    self._base = found[0]

    def _add(self, target: Target, kind: str, masked: bool, prominent: bool, title: str | None) -> _Pending:
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


def html_links(html: str, max_links: int) -> list[Link]:
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
            shown = shown_host(text)
        if shown is None and p.title:
            shown = shown_host(p.title)
        if shown is None and image_only and p.alt:
            # Many readers block images by default, and then the alt text is what the reader sees.
            shown = shown_host(p.alt)
    prominent = not hidden and (p.prominent or p.bold_px >= 16 or p.max_px >= 24)
    return Link(t.url, t.host, t.path, text[:MAX_ANCHOR_CHARS], shown, image_only, hidden, prominent, "html",
                t.wrapped_by)

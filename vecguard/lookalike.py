"""Lookalike domains and disguised names: skeletons, edit distance and precomputed name indexes.

Two questions are answered here, both without visiting anything:

* does a domain imitate a known one (``harb0rlogistics.co.uk`` for ``harborlogistics.co.uk``)?
  :func:`resemble_domain` compares two domains; :func:`index_keys` gives the keys under which the store
  files every known domain so that the few candidates for a new domain are found by key, not by a loop.
* does a host label or path token hide a brand or a lure word behind digits or look-alike characters
  (``s3cure0line``, ``micros0ft``, Cyrillic ``pаypal``)? :class:`NameIndex` answers in microseconds and
  rejects the ordinary all-lowercase token before doing any work.

Everything rests on :func:`skeleton`, a UTS #39-style fold where look-alike strings become equal. The
Unicode confusables table (``data/confusables.txt``, Unicode 17.0.0) is compiled lazily, once per process,
into ``str.translate`` tables so the per-call path is a handful of C-level string operations.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .domains import is_ip, normalise_host, registered_domain
from .lookalike_edits import is_typo_edit, single_edit

__all__ = [
    "KINDS",
    "NameIndex",
    "Resemblance",
    "brand_index",
    "embedded_keys",
    "index_keys",
    "is_mixed_script",
    "lure_index",
    "resemble_domain",
    "skeleton",
    "tokens_of",
]

_DATA = Path(__file__).with_name("data")

# Kinds of resemblance, as reported in Resemblance.kind.
KINDS = ("homoglyph", "leet", "mixed_script", "edit", "transposition", "hyphenation", "tld_swap",
         "subdomain", "combo")

# Digits and symbols read as letters. "1" is also in the confusables table (-> l); the others are not.
_LEET = {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "|": "l"}
# Multi-character look-alikes, folded to the single letter after the per-character map. UTS #39 maps
# m -> rn; folding the other way keeps skeletons readable and has the same collisions.
_MULTI = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_MULTI_MAP = dict(_MULTI)
# Scripts that UTS #39's "highly restrictive" level allows together (Japanese, Chinese, Korean with Latin).
_ALLOWED_SCRIPT_SETS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_IGNORED_SCRIPTS = frozenset({"COMMON", "INHERITED", "Unknown"})
# "LATIN SMALL LETTER L WITH STROKE", "LATIN LETTER SMALL CAPITAL R", "LATIN SMALL LETTER DOTLESS I", ...
_LATIN_NAME = re.compile(
    r"LATIN (?:SMALL |CAPITAL )?LETTER (?:SMALL CAPITAL |DOTLESS |SCRIPT )?(AE|OE|[A-Z])(?: WITH .+)?")
# Latin blocks scanned for letters with diacritics, strokes, hooks and small capitals.
_LATIN_RANGES = ((0x00C0, 0x02AF), (0x1D00, 0x1DBF), (0x1E00, 0x1EFF), (0x2C60, 0x2C7F), (0xA720, 0xA7FF),
                 (0xAB30, 0xAB6F))
# An ASCII token is worth a closer look only if it has one of these (leet digits/symbols, capital I for l).
_ASCII_DISGUISE = re.compile(r"[013457@$|I]")
_HEX_ID = re.compile(r"[0-9a-f]+")
# A run of 2+ digits that does not sit between two letters is a number (27bank, covid19, x86); one
# inside a word (micr05oft, rn1cr0s0ft) is a disguise.
_LONG_NUMBER = re.compile(r"[0-9]{5,}")
_NUMBER_RUN = re.compile(r"(?<![a-z])[0-9]{2,}|[0-9]{2,}(?![a-z])")
_DIGITS = re.compile(r"[0-9]+")
_TOKEN_SPLIT = re.compile(r"[\W_]+")
_FUZZY_MIN = 6  # shortest name (skeleton) matched with an edit; shorter names must match exactly


@dataclass(frozen=True, slots=True)
class Resemblance:
    """One thing that imitates another.

    ``seen`` is the domain or token as it appeared in the message, ``target`` the known domain or name it
    imitates, ``kind`` one of :data:`KINDS`, ``distance`` the edit distance between the two skeletons
    (0 when they are equal: homoglyph, leet, mixed_script, tld_swap, hyphenation, subdomain; for combo the
    length of the added part).
    """

    seen: str
    target: str
    kind: str
    distance: int


@dataclass(frozen=True, slots=True)
class _Tables:
    """The compiled fold: ``names`` drops separators, ``dotted`` keeps them as '.'; ``ignorable`` only
    removes invisible characters (for tokenising)."""

    names: dict[int, str | None]
    dotted: dict[int, str | None]
    ignorable: dict[int, None]


def _read_confusables(path: Path) -> dict[str, str]:
    """Source character -> prototype string from a UTS #39 confusables.txt."""
    table: dict[str, str] = {}
    with path.open(encoding="utf-8-sig") as handle:
        for line in handle:
            data = line.split("#", 1)[0].strip()
            if not data:
                continue
            fields = [f.strip() for f in data.split(";")]
            if len(fields) < 2:
                continue
            source = chr(int(fields[0], 16))
            table[source] = "".join(chr(int(h, 16)) for h in fields[1].split())
    return table


def _ignorable() -> dict[int, None]:
    """Default-ignorable and invisible code points: format characters (zero-width, bidi controls, soft
    hyphen, tags), combining/variation marks that NFKC did not compose, and the Hangul fillers."""
    drop: dict[int, None] = {}
    for cp in (*range(0x10000), *range(0xE0000, 0xE1000), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B)):
        if unicodedata.category(chr(cp)) in ("Cf", "Mn", "Me"):
            drop[cp] = None
    for cp in (0x115F, 0x1160, 0x3164, 0xFFA0):
        drop[cp] = None
    return drop


def _latin_letters() -> dict[str, str]:
    """Latin letters with diacritics, strokes, hooks, and small capitals -> their ASCII base letter(s).

    UTS #39 keeps a composed ``é`` as ``e`` + combining acute, which never equals ``e``; for domain names an
    accent is a look-alike like any other (IDN homographs), so it is folded away here."""
    found: dict[str, str] = {}
    for low, high in _LATIN_RANGES:
        for cp in range(low, high + 1):
            char = chr(cp).casefold()
            if len(char) != 1 or char.isascii():
                continue
            base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
            if base.isascii() and base.isalpha():
                found[char] = base
                continue
            match = _LATIN_NAME.fullmatch(unicodedata.name(char, ""))
            if match:
                found[char] = match.group(1).lower()
    # Letters named after what they are, not what they look like: TONE SIX is a b, and the confusables
    # table sends Cyrillic soft sign (ь) to it (dnstwist's Cyrillic еьау for ebay).
    found.update({"\u0185": "b", "\u0184": "b"})
    return found


@functools.cache
def _tables() -> _Tables:
    """Compile the fold once: confusables -> prototypes, Latin letters -> base letters, leet -> letters,
    invisible characters -> nothing. Targets are folded again until stable, so every value is final."""
    drop = _ignorable()
    latin = _latin_letters()
    simple: dict[str, str] = {**latin, **_LEET}

    def settle(text: str) -> str:
        for _ in range(3):
            folded = "".join(simple.get(c, "" if ord(c) in drop else c) for c in text.casefold())
            if folded == text:
                break
            text = folded
        return text

    base: dict[str, str] = {}
    for source, target in _read_confusables(_DATA / "confusables.txt").items():
        # ASCII letters stay themselves (the table's only one is m -> rn, handled by _MULTI); everything
        # looking like a Latin letter, digit or symbol goes to its prototype.
        if source.isascii() and source.isalpha():
            continue
        base[source] = settle(target)
    for source, target in latin.items():
        # The table wins where it has an opinion (it knows that ɑ is a); letters it lacks fold by name.
        base.setdefault(source, target)
    for source, target in _LEET.items():
        base[source] = target
    names: dict[int, str | None] = {ord(s): t.replace("-", "").replace(".", "") for s, t in base.items()}
    dotted: dict[int, str | None] = {ord(s): t.replace("-", ".") for s, t in base.items()}
    for cp in drop:
        names[cp] = None
        dotted[cp] = None
    names[ord("-")] = names[ord(".")] = None
    dotted[ord("-")] = dotted[ord("_")] = "."
    return _Tables(names, dotted, drop)


def _fold(text: str, table: dict[int, str | None]) -> str:
    """NFKC, casefold, per-character map (confusables, Latin bases, leet, invisibles dropped)."""
    return unicodedata.normalize("NFKC", text).casefold().translate(table)


def _finish(folded: str) -> str:
    """Multi-character look-alikes (rn -> m, vv -> w, cl -> d), then i and l become one letter."""
    for pair, single in _MULTI:
        if pair in folded:
            folded = folded.replace(pair, single)
    return folded.replace("i", "l")


@functools.lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """The look-alike skeleton of a name: strings that look alike get the same skeleton.

    Steps, in order: (1) NFKC (fullwidth and compatibility forms become plain letters); (2) casefold;
    (3) each character through one table: default-ignorable and invisible characters (zero-width,
    bidi controls, soft hyphen, stray combining marks) are dropped, Unicode confusables (UTS #39 17.0.0)
    go to their prototype (Cyrillic а -> a, Greek ο -> o, ℓ -> l), Latin letters with diacritics,
    strokes or hooks go to their base letter (é -> e, ł -> l; UTS #39 would keep the accent), leet
    digits and symbols go to letters (0 o, 1 l, 3 e, 4 a, 5 s, 7 t, @ a, $ s, | l), and hyphens and dots
    are removed; (4) multi-character look-alikes fold: rn -> m, vv -> w, cl -> d; (5) i becomes l, so
    paypa1, paypaI and paypal collide. Other digits (2, 6, 8, 9) stay as they are.

    >>> skeleton("PaypaI"), skeleton("pаypal"), skeleton("harb0r-logistics")
    ('paypal', 'paypal', 'harborloglstlcs')
    """
    return _finish(_fold(text, _tables().names))


@functools.lru_cache(maxsize=65536)
def _letters(text: str) -> str:
    """The skeleton without step (4): a second view that keeps edit distances honest when an edit breaks
    or makes an rn/vv/cl pair (``cxloudflare`` is one insertion from ``cloudflare`` here, three in the
    skeleton)."""
    return _fold(text, _tables().names).replace("i", "l")


@functools.lru_cache(maxsize=65536)
def _dotted(text: str) -> str:
    """The skeleton with separators kept as '.', for finding a whole domain inside a longer host."""
    return _finish(_fold(text, _tables().dotted))


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Steps (1)-(3) of :func:`skeleton` for one character."""
    return unicodedata.normalize("NFKC", char).casefold().translate(_tables().names)


@functools.lru_cache(maxsize=4096)
def _aligned(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The skeleton of ``text`` built character by character, with, for each skeleton character, the
    first and last index of the characters of ``text`` it came from (to tell where a match came from)."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in _fold_char(char):
            chars.append(piece)
            origin.append(index)
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    k = 0
    while k < len(chars):
        pair = chars[k] + chars[k + 1] if k + 1 < len(chars) else ""
        if pair in _MULTI_MAP:
            out.append(_MULTI_MAP[pair])
            spans.append((origin[k], origin[k + 1]))
            k += 2
        else:
            out.append(chars[k])
            spans.append((origin[k], origin[k]))
            k += 1
    return "".join(out).replace("i", "l"), tuple(spans)


def _is_disguise(char: str) -> bool:
    """A character that only a disguise puts in a word: non-ASCII, a leet digit or symbol, a capital I."""
    return not char.isascii() or char in _LEET or char == "I"


def _is_strong_disguise(char: str) -> bool:
    """A disguise that no ordinary word has: leet, a capital I, a non-Latin letter in a Latin-looking word.
    Latin letters with accents are ordinary in most European languages."""
    if char.isascii():
        return char in _LEET or char == "I"
    return not unicodedata.name(char, "").startswith("LATIN ")


def _mask_number(match: re.Match[str]) -> str:
    """A run of digits is a number, not leet: mask it (``#`` matches no name), unless it is 00.. or 11.."""
    run = match.group()
    return run if run.count(run[0]) == len(run) and run[0] in "01" else "#" * len(run)


def is_mixed_script(label: str) -> bool:
    """True if a label mixes letters of scripts that are not normally written together.

    Digits, hyphens and combining marks (scripts Common and Inherited) are ignored; Latin with Han and
    Hiragana/Katakana, Bopomofo or Hangul is allowed, as in UTS #39's highly restrictive level. Latin with
    Cyrillic or Greek (``pаypal``) is the case that matters. An ``xn--`` label is decoded first."""
    if label[:4].lower() == "xn--":
        label = normalise_host(label)
    if label.isascii():
        return False
    # Imported here: its script table costs ~50 ms to load and most labels are ASCII.
    from confusable_homoglyphs import categories

    scripts: set[str] = set()
    for char in label:
        if char.isascii():
            if char.isalpha():
                scripts.add("LATIN")
            continue
        if not char.isalpha():
            continue
        script = categories.alias(char)
        if script not in _IGNORED_SCRIPTS:
            scripts.add(script)
    if len(scripts) < 2:
        return False
    return not any(scripts <= allowed for allowed in _ALLOWED_SCRIPT_SETS)


def _deletions(text: str) -> set[str]:
    """Every string with one character of ``text`` removed."""
    return {text[:i] + text[i + 1:] for i in range(len(text))}


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment (restricted Damerau-Levenshtein) distance, or ``limit + 1`` if larger.

    Common prefixes and suffixes are cut first: lookalikes share almost everything, so the table left to
    fill is tiny."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if limit == 1:
        return _within_one(a, b)
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    start = max(0, start - 1)  # keep one character before the difference for transpositions
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    end_a, end_b = min(len(a), end_a + 1), min(len(b), end_b + 1)
    a, b = a[start:end_a], b[start:end_b]
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        char = a[i - 1]
        best = i
        for j in range(1, len(b) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != b[j - 1]))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def _within_one(a: str, b: str) -> int:
    """:func:`_distance` for limit 1 (the common case), without a table: 1 if one substitution,
    insertion, deletion or adjacent swap turns ``a`` into ``b`` (which differ), else 2."""
    return 1 if single_edit(a, b) is not None else 2


def _is_transposition(a: str, b: str) -> bool:
    """True if ``b`` is ``a`` with two adjacent characters swapped."""
    edit = single_edit(b, a)
    return edit is not None and edit[0] == "swap"


@dataclass(frozen=True, slots=True)
class _Domain:
    """A host taken apart once: the registered domain, its name part and suffix, the name's skeletons,
    and the labels left of the registered domain (``sub``)."""

    host: str
    org: str
    name: str
    suffix: str
    sub: str
    skeleton: str
    letters: str


@functools.lru_cache(maxsize=65536)
def _parse(host: str) -> _Domain | None:
    """Take a host apart (cached: the same domains recur in every message); None for IPs and blanks."""
    host = normalise_host(host)
    if not host or (_maybe_ip(host) and is_ip(host)):
        return None
    org = registered_domain(host)
    # A registered domain is one label on its public suffix: splitting it gives domain_name_part() and
    # public_suffix() without two more (uncached) tldextract calls.
    name, _, suffix = org.partition(".")
    sub = host[: -len(org) - 1] if host != org and host.endswith("." + org) else ""
    return _Domain(host, org, name, suffix, sub, skeleton(name), _letters(name))


def _maybe_ip(host: str) -> bool:
    """Cheap pre-check before ipaddress parsing (slow on failure): no top-level domain ends in a digit."""
    return ":" in host or host[-1:].isdigit()


@functools.lru_cache(maxsize=65536)
def index_keys(domain: str) -> frozenset[str]:
    """Keys of a symmetric-delete index over the registrable name of ``domain`` (its name part).

    The keys are the name's skeleton, and for skeletons of 5 characters or more each single-character
    deletion of it; the same again for the per-character fold without rn/vv/cl folding when that differs.
    Two domains whose names are skeleton-equal, or within Damerau-Levenshtein 1 of each other (on
    skeletons, or on the per-character fold), share at least one key. The store files every known
    correspondent domain under its keys and looks a new domain up by its own: the cost is proportional
    to the name's length, not to the number of known domains. Not retrieved by these keys: distance-2
    lookalikes of long names, and subdomain tricks and combos, which :func:`embedded_keys` finds."""
    parsed = _parse(domain)
    if parsed is None:
        return frozenset()
    keys: set[str] = set()
    for view in {parsed.skeleton, parsed.letters}:
        if not view:
            continue
        keys.add(view)
        if len(view) >= 5:
            keys |= _deletions(view)
    return frozenset(keys)


@functools.lru_cache(maxsize=65536)
def embedded_keys(host: str) -> frozenset[str]:
    """Exact-skeleton keys of names a host may carry inside it, to look up among stored :func:`index_keys`.

    Skeletons (5 characters or more) of each label and hyphen-separated part left of the registered
    domain (``harborlogistics.co.uk.evil.net``, ``harborlogistics-co-uk.evil.net``); of the labels left
    of the public suffix joined (``harbor.logistics.co.uk``); of each hyphen-separated part of the name
    (``harborlogistics-invoice.com``); of the name without a leading or trailing lure or company word
    (``harborlogisticsinvoice.com``) or without its last 2-4 characters (a suffix glued on:
    ``paypalcom.com``). Query-side only: the store saves index_keys, so these meet a known domain's
    exact skeleton, and :func:`resemble_domain` confirms (kind ``subdomain`` or ``combo``)."""
    parsed = _parse(host)
    if parsed is None:
        return frozenset()
    parts = re.split(r"[.\-_]+", parsed.sub) if parsed.sub else []
    if "-" in parsed.name:
        parts += parsed.name.split("-")
    keys = {key for key in map(skeleton, parts) if len(key) >= 5}
    if (bare := _without_designator(parsed.name)) is not None:
        keys.add(skeleton(bare))  # pira-inc.com: a short name (pira.com) is filed under its skeleton alone
    joined = _joined_labels(parsed)
    if joined:
        keys.add(joined)
    words = _combo_words()
    name = parsed.skeleton
    for length in _combo_lengths():
        if len(name) - length >= 5:
            if name[:length] in words:
                keys.add(name[length:])
            if name[-length:] in words:
                keys.add(name[:-length])
    for length in (2, 3, 4):  # a suffix glued on: paypalcom.com, harborlogisticscouk.com
        if len(name) - length >= 5:
            keys.add(name[:-length])
    return frozenset(keys)


def _disguise_kind(seen: str, known: str) -> str:
    """How ``seen`` disguises itself when its skeleton equals that of ``known``."""
    if not seen.isascii():
        return "mixed_script" if is_mixed_script(seen) else "homoglyph"
    if any(c in _LEET and c not in known for c in seen):
        return "leet"
    return "homoglyph"


def _embedded(sub: str, target: str) -> bool:
    """True if the domain ``target`` appears, whole labels only, in the subdomain part ``sub`` (dots or
    hyphens as separators, look-alikes folded)."""
    wanted = _dotted(target)
    return f".{wanted}." in f".{_dotted(sub)}."


def _joined_labels(parsed: _Domain) -> str:
    """The skeleton of a host's labels left of its public suffix, joined (``harbor.logistics.co.uk`` ->
    ``harborloglstlcs``); empty if there is only one such label."""
    if not parsed.sub or not parsed.suffix:
        return ""
    return skeleton(parsed.sub + parsed.name)


# Names (per-character folds) shorter than this are one edit from a known name only by a typo-shaped edit
# (lookalike_edits.is_typo_edit), and only under the same suffix; from this length on two edits count.
TYPO_ONLY_BELOW = 10
SAME_SUFFIX_BELOW = 10
# Company designators and regions make a combo only with a known name this long (harborlogistics-ltd);
# a short brand with them is usually the brand's own corporate or regional site (paypal-corp, zillowgroup).
COMPANY_WORDS_MIN_NAME = 8


def _is_slip(seen: _Domain, known: _Domain) -> bool:
    """True if one typo-shaped edit (:func:`~vecguard.lookalike_edits.is_typo_edit`) turns the known
    name into the seen one: as written (hyphens dropped) when they are one edit apart as written
    (``d4opbox`` is r -> 4, a keyboard neighbour), else on the per-character folds or the skeletons
    (``rnetros`` for metro: an addition at the end once rn reads as m).
    An IDN name that folds to within one edit of a known name is a homoglyph attempt whatever the edit
    (a letter the confusables table does not fold is left as it is)."""
    if not seen.name.isascii():
        return True
    plain, plain_known = seen.name.replace("-", ""), known.name.replace("-", "")
    if single_edit(plain, plain_known) is not None:
        # One edit as written decides: the folds would only blur it (anthroiic's i is no p's neighbour,
        # though l, which i folds to, is).
        return is_typo_edit(plain, plain_known)
    return is_typo_edit(seen.letters, known.letters) or is_typo_edit(seen.skeleton, known.skeleton)


def _doubles_a_digit(seen: str, known: str) -> bool:
    """True if ``seen`` is ``known`` with a digit doubled or a doubled digit dropped, in a number of 3
    digits or more (em50000 for em5000): the slip of a finger held down, not the next number of a series
    (ns1/ns2, cdn77/cdn78)."""
    edit = single_edit(seen, known)
    if edit is None or edit[0] not in ("insert", "delete"):
        return False
    op, at, old, new = edit
    digit, shorter = (new, known) if op == "insert" else (old, seen)
    if not digit.isdigit() or at == 0 or shorter[at - 1] != digit:
        return False
    first, last = at, at
    while first > 0 and shorter[first - 1].isdigit():
        first -= 1
    while last < len(shorter) and shorter[last].isdigit():
        last += 1
    return last - first >= 3


def _short_part_changed(seen: str, known: str) -> bool:
    """True if two hyphenated names differ only in parts of at most two characters (a-msedge/c-msedge,
    au-msedge/a-msedge): codes for regions or variants, not typing slips."""
    if "-" not in seen and "-" not in known:
        return False
    parts_s, parts_k = seen.split("-"), known.split("-")
    if len(parts_s) != len(parts_k):
        return False
    changed = [(a, b) for a, b in zip(parts_s, parts_k, strict=True) if a != b]
    return bool(changed) and all(len(a) <= 2 and len(b) <= 2 for a, b in changed)


def _edits_short_stem(seen: str, known: str) -> bool:
    """True if ``known`` is a generic word (cdn, static, times, cloud...) with a stem of under 5 letters
    before or after it, and the one edit turning it into ``seen`` falls in that stem: like a name under 5
    letters, a short stem is told apart from its neighbours by exactly those letters (rbxcdn / ebxcdn,
    latimes / atimes, myqcloud / mycloud)."""
    edit = single_edit(seen, known)
    if edit is None:
        return False
    _, at, old, _ = edit
    last = at + max(len(old), 1) - 1  # the last position of known the edit touches (an insertion: at)
    generic = _generic_names()
    for cut in range(1, _FUZZY_MIN - 1):  # stems of 1-4 letters
        if len(known) - cut < 3:
            break
        if known[cut:] in generic and at < cut:
            return True
        if known[:-cut] in generic and last >= len(known) - cut:
            return True
    return False


def _near_names(seen: _Domain, known: _Domain) -> Resemblance | None:
    """An edit-distance neighbour: the edit and transposition cases of :func:`resemble_domain`."""
    # Lengths of the per-character folds: an rn/cl/vv pair must not make a name count as shorter.
    shortest = min(len(seen.letters), len(known.letters))
    if shortest < 5:
        return None
    if shortest < SAME_SUFFIX_BELOW and seen.suffix != known.suffix:
        # One letter apart and a different suffix: for a name under 10 letters, another organisation
        # (tiktokv.us, appier.net for apple.com, stripchats.io for stripchat.com). dnstwist's edits, and
        # typosquats of such names, keep the suffix.
        return None
    if (any(c.isdigit() for c in known.name) and _DIGITS.sub("", seen.name) == _DIGITS.sub("", known.name)
            and not _doubles_a_digit(seen.name, known.name)):
        return None  # numbered siblings: ns1/ns2, cdn77/cdn78, and the parent of one (ezviz for ezviz7)
    limit = 2 if shortest >= TYPO_ONLY_BELOW else 1
    distance = _distance(seen.skeleton, known.skeleton, limit)
    if distance > limit:
        distance = _distance(seen.letters, known.letters, limit)
    if distance > limit:
        return None
    if ("-" in seen.name or "-" in known.name) and _distance(
            _dotted(seen.name), _dotted(known.name), limit) > limit:
        return None  # a whole hyphen-separated part added or changed (t-msedge): not a typo
    if _short_part_changed(seen.name, known.name):
        return None  # a one- or two-letter code in a hyphenated name changed (a-msedge, c-msedge): a sibling
    swapped = _is_transposition(seen.skeleton, known.skeleton) or _is_transposition(seen.letters, known.letters)
    if distance == 1 and not (swapped and shortest >= TYPO_ONLY_BELOW) and (
            _edits_short_stem(seen.skeleton, known.skeleton) or _edits_short_stem(seen.letters, known.letters)):
        # The edit changes the few letters that tell ytimg from etimg, alicdn from aicdn; two of them
        # swapped in a long name keep them all (rciefinancial for ricefinancial).
        return None
    if shortest < TYPO_ONLY_BELOW and not _is_slip(seen, known):
        return None  # a short name with an edit no slip makes: another name (tekla/tesla, weber/webex)
    return Resemblance(seen.host, known.org, "transposition" if swapped else "edit", distance)


def resemble_domain(seen: str, known: str) -> Resemblance | None:
    """How ``seen`` imitates the ``known`` domain, or None if it does not (or is the same organisation).

    Both are hosts or domains; their registered domains are compared. In order of precedence:

    * skeleton-equal names: ``tld_swap`` (same name, other suffix: harborlogistics.com for .co.uk),
      ``hyphenation`` (harbor-logistics), else ``mixed_script``/``homoglyph``/``leet`` (xn-- decoded,
      Cyrillic а, paypaI, harb0r); names under 5 characters only under the same suffix (hyphenations
      of names under 10 too), two-letter names only with a digit, symbol or foreign letter in them
      (f5.com, not ig.com for lg.com);
    * names within edit distance 1 on the skeleton (2 when both have 10 or more characters):
      ``transposition`` or ``edit`` (omission, insertion, replacement, repetition). Not for names under
      5 characters; names under 10 must keep the suffix and the edit must be one a slip makes
      (:func:`~vecguard.lookalike_edits.is_typo_edit`: keyboard neighbour, one bit, vowel, look-alike,
      doubled, dropped or swapped letters, an addition at the end; tekla is not tesla); names that differ
      only in their numbers (ns1/ns2, ezviz/ezviz7), by a whole hyphen-separated part (t-msedge) or in a one- or
      two-letter hyphenated code (a-msedge/c-msedge), and edits inside a stem of under 5 letters before
      or after a generic word (ytimg/etimg, rbxcdn/ebxcdn) are not edits;
    * the known registered domain inside the seen host's subdomain part, or the seen host's labels
      joined giving the known name: ``subdomain`` (harborlogistics.co.uk.evil.net,
      harborlogistics-co-uk.evil.net, harbor.logistics.co.uk);
    * the known name (6 characters or more, not a generic word) with lure words (invoice, secure...)
      added, hyphenated or glued, or, for names of 8 or more, company designators and regions (ltd,
      group, uk...): ``combo`` (harborlogistics-invoice.com, paypal-secure.com,
      secureharborlogistics.com, harborlogistics-ltd.com)."""
    seen_d, known_d = _parse(seen), _parse(known)
    if seen_d is None or known_d is None or seen_d.org == known_d.org:
        return None
    if not seen_d.skeleton or not known_d.skeleton:
        return None
    if seen_d.skeleton == known_d.skeleton:
        if seen_d.name == known_d.name:
            kind = "tld_swap"
        elif len(known_d.skeleton) < 5 and seen_d.suffix != known_d.suffix:
            # Two- to four-letter names fold together by chance under another suffix (dol.gov / doi.org,
            # tum.de / turn.com, we.tl / w3.org, vi-vo.link / vivo.com.cn); a disguised short name keeps
            # the suffix (dh1.com).
            return None
        elif seen_d.name.replace("-", "") == known_d.name.replace("-", ""):
            if seen_d.suffix != known_d.suffix and len(known_d.letters) < SAME_SUFFIX_BELOW:
                return None  # a hyphen and another suffix, like an edit and another suffix (strip-chat.io)
            kind = "hyphenation"
        elif len(known_d.skeleton) < 3 and not any(_is_strong_disguise(c) for c in seen_d.name):
            # Two-letter names of ordinary letters fold together by chance (ig/lg, ul/ui, ml/mi): only a
            # digit, symbol or foreign letter written into one (f5.com) is a disguise.
            return None
        else:
            kind = _disguise_kind(seen_d.name, known_d.name)
        return Resemblance(seen_d.host, known_d.org, kind, 0)
    near = _near_names(seen_d, known_d)
    if near is not None:
        return near
    if seen_d.sub and (_embedded(seen_d.sub, known_d.org) or _joined_labels(seen_d) == known_d.skeleton):
        return Resemblance(seen_d.host, known_d.org, "subdomain", 0)
    if (len(known_d.skeleton) >= COMBO_MIN_NAME and known_d.skeleton not in _generic_names()
            and _is_combo(seen_d.name, known_d.name, known_d.suffix)):
        return Resemblance(seen_d.host, known_d.org, "combo", len(seen_d.skeleton) - len(known_d.skeleton))
    bare = _without_designator(seen_d.name)
    if (bare is not None and len(known_d.letters) >= DESIGNATOR_MIN_NAME
            and skeleton(bare) == known_d.skeleton and known_d.skeleton not in _generic_names()):
        # A legal form joined by a hyphen to a known name (pira-inc.com, pdq-inc.net): not a free word that
        # other names are made of, so the short names a lure-word combo needs 6 letters for count too.
        return Resemblance(seen_d.host, known_d.org, "combo", len(seen_d.skeleton) - len(known_d.skeleton))
    return None


def _without_designator(name: str) -> str | None:
    """The name without one legal form joined to it by a hyphen (``pira-inc`` -> ``pira``,
    ``ltd-acme`` -> ``acme``), or None if it has none or what is left is shorter than
    :data:`DESIGNATOR_MIN_NAME`."""
    if "-" not in name:
        return None
    parts = name.split("-")
    if parts[-1] in _DESIGNATORS:  # as written: folded, pic would read as plc (pic-time.com)
        bare = "-".join(parts[:-1])
    elif parts[0] in _DESIGNATORS:
        bare = "-".join(parts[1:])
    else:
        return None
    return bare if len(_letters(bare)) >= DESIGNATOR_MIN_NAME else None


def _is_combo(seen_name: str, known_name: str, known_suffix: str) -> bool:
    """The known name with lure or company words added before or after it, with or without hyphens:
    harborlogistics-invoice, secure-harborlogistics, harborlogisticsltd (company words and regions only
    for known names of :data:`COMPANY_WORDS_MIN_NAME` or more: paypal-corp, zillowgroup and
    mozilla-europe are the brands' own); or with its own suffix glued on (paypalcom.com,
    harborlogistics-co-uk.com). Any other added part (the brand's own kaspersky-labs, azure-dns,
    apple-mapkit) is not a combo."""
    seen, known = _dotted(seen_name), _dotted(known_name)
    if seen.startswith(known):
        rest = seen[len(known):]
    elif seen.endswith(known):
        rest = seen[: -len(known)]
    else:
        return False
    glued = not rest.startswith(".") and not rest.endswith(".")
    if len(known.replace(".", "")) >= COMPANY_WORDS_MIN_NAME:
        words = _combo_words()
    else:  # shorter names: lure words, and a legal designator only behind a hyphen (kudlow-inc, not kudlowinc)
        words = _lure_words() if glued else _lure_words() | _designators()
    parts = [part for part in rest.split(".") if part]
    if parts and "".join(parts) == known_suffix.replace(".", ""):
        return True
    # a two-letter region glued on is usually just a word ending (birch-es, fr-linux), not harbor-uk
    regions = _region_keys()
    return bool(parts) and all(part in words and not (glued and part in regions) for part in parts)


# Company designators that a combo may add to a name (harborlogistics-ltd.com), besides lure words.
# Regions that impostors append with a hyphen: harborlogistics-uk.com (glued on, only 3+ letters count).
_REGIONS = frozenset({"uk", "us", "eu", "de", "fr", "nl", "au", "ca", "it", "es", "se", "ie", "ch", "at", "be",
                      "dk", "no", "fi", "pl"})
_DESIGNATORS = ("ltd", "llc", "inc", "corp", "gmbh", "plc", "limited")  # legal forms: vendor-inc.com
_COMPANY_WORDS = (*_DESIGNATORS, "company", "group", "holdings", "intl", "global", "usa", "europe", "emea",
                  *sorted(_REGIONS))
COMBO_MIN_NAME = 6  # a known name shorter than this (linux, apple) is too common a part of other names
DESIGNATOR_MIN_NAME = 3  # but a legal form behind a hyphen makes a combo of any name this long (pdq-inc)


@functools.cache
def _region_keys() -> frozenset[str]:
    """The regions as skeletons, as the parts of a combo are compared (ie -> le, fi -> fl)."""
    return frozenset(skeleton(r) for r in _REGIONS)


@functools.cache
def _generic_names() -> frozenset[str]:
    """Skeletons of generic words (online.com, services.net): another name containing one is no combo."""
    return frozenset(skeleton(w) for w in _read_list("generic_name_words.txt"))


@functools.cache
def _combo_words() -> frozenset[str]:
    return frozenset(skeleton(w) for w in (*_read_list("lure_words.txt"), *_COMPANY_WORDS))


@functools.cache
def _designators() -> frozenset[str]:
    return frozenset(skeleton(w) for w in _DESIGNATORS)


@functools.cache
def _lure_words() -> frozenset[str]:
    return frozenset(skeleton(w) for w in _read_list("lure_words.txt"))


@functools.cache
def _combo_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(w) for w in _combo_words()}))


class NameIndex:
    """A precomputed index of names (brands, lure words, a correspondent's name) for finding them inside
    host labels and path tokens.

    Built once; every lookup is a few dictionary probes. Names shorter than ``min_length`` characters are
    left out (they occur by chance inside too many tokens). Exact matches use a dictionary of skeletons
    probed at the token positions whose first characters start some name; near matches (edit distance 1,
    names of 6 or more) use a symmetric-delete dictionary."""

    __slots__ = (
        "_by_skeleton",
        "_head",
        "_heads",
        "_lengths",
        "_names",
        "_near",
        "_plain",
        "_plain_head",
        "_plain_heads",
        "_plain_lengths",
        "min_length",
    )

    def __init__(self, names: Iterable[str], min_length: int = 5) -> None:
        self.min_length = min_length
        cleaned = sorted({n.strip().lower() for n in names if len(n.strip()) >= min_length})
        self._names: tuple[str, ...] = tuple(cleaned)
        by_skeleton: dict[str, list[str]] = {}
        near: dict[str, set[str]] = {}
        for name in cleaned:
            key = skeleton(name)
            if len(key) < 3:
                continue
            by_skeleton.setdefault(key, []).append(name)
            if len(key) >= _FUZZY_MIN:
                for deleted in {key} | _deletions(key):
                    near.setdefault(deleted, set()).add(key)
        self._by_skeleton = {k: tuple(v) for k, v in by_skeleton.items()}
        self._lengths = tuple(sorted({len(k) for k in by_skeleton}))
        self._head = min(self._lengths, default=3)
        self._heads = frozenset(k[: self._head] for k in by_skeleton)
        self._near = {k: tuple(sorted(v)) for k, v in near.items()}
        self._plain = frozenset(cleaned)
        self._plain_lengths = tuple(sorted({len(n) for n in cleaned}))
        self._plain_head = min(self._plain_lengths, default=min_length)
        self._plain_heads = frozenset(n[: self._plain_head] for n in cleaned)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._plain

    def _exact(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, skeleton) of every indexed skeleton occurring in ``text``."""
        found: list[tuple[int, int, str]] = []
        head, heads, known = self._head, self._heads, self._by_skeleton
        for start in range(len(text) - head + 1):
            if text[start:start + head] in heads:
                for length in self._lengths:
                    end = start + length
                    if end > len(text):
                        break
                    if text[start:end] in known:
                        found.append((start, end, text[start:end]))
        return found

    def _nearby(self, text: str) -> list[tuple[str, int]]:
        """(skeleton, distance) of indexed skeletons within edit distance 1 of ``text`` (not equal)."""
        if len(text) < _FUZZY_MIN - 1:
            return []
        candidates: set[str] = set()
        for key in {text} | _deletions(text):
            candidates.update(self._near.get(key, ()))
        out = []
        for candidate in sorted(candidates):
            if candidate != text and _distance(text, candidate, 1) <= 1:
                out.append((candidate, 1))
        return out

    def disguised_in(self, token: str) -> list[Resemblance]:
        """Names hidden in ``token`` behind leet digits/symbols or look-alike characters.

        A name is reported when the token's skeleton contains it and the stretch of the token it comes
        from holds a disguise (a leet digit or symbol, a capital I, a non-ASCII character) while the plain
        lower-cased token does not contain the name literally: ``office365`` hides nothing, ``0ffice365``
        does, ``permalink`` does not hide mail (l for i is only a disguise in a domain). A token holding no
        name whole may still be within edit distance 1 of one (``micros0fft``) if its plain form is not
        and its disguise is more than accents (``sécurité`` is French, not a disguised security); and once a name is found, the rest of the token may be within edit distance 1 of a second one
        (``s3cure0line`` -> secure + online). A run of two or more digits is a number, not leet (``27bank``,
        ``emal15``), unless it repeats one of 0 and 1 (``g00gle``).

        Cheap exits first: all-lowercase ASCII letters, the common case, return at once; so do ASCII
        tokens without leet characters or a capital I, hex ids, dates and other numbers. Kinds: leet,
        homoglyph or mixed_script for a name found whole, edit for a near match, combo for the second name
        of a concatenation."""
        if token.isascii():
            if token.isalpha() and token.islower():
                return []
            if _ASCII_DISGUISE.search(token) is None:
                return []
            lower = token.lower()
            if _HEX_ID.fullmatch(lower) and sum(c.isdigit() for c in lower) >= 2:
                return []  # hex ids, dates, numbers
            if _LONG_NUMBER.search(lower):
                return []  # a token carrying a long number (011101emal16img) is an id, not a word
        else:
            lower = token.casefold()
        # Where the disguises may be: the token with its numbers masked (same length, same positions).
        work = _NUMBER_RUN.sub(_mask_number, token) if _NUMBER_RUN.search(token) else token
        if work.isascii() and _ASCII_DISGUISE.search(work) is None:
            return []
        folded = skeleton(token)
        if len(folded) < self._head:
            return []
        kind = _disguise_kind(token, "")
        found: dict[str, Resemblance] = {}
        exact = self._exact(folded)
        if exact:
            folded, origin = _aligned(token)
            if folded != skeleton(token):  # NFKC composed across characters: align on the per-char fold
                exact = self._exact(folded)

            def disguised(start: int, end: int) -> bool:
                return start < end and any(_is_disguise(c) for c in work[origin[start][0]:origin[end - 1][1] + 1])

            # A name inside a longer name found at the same place (office in office365) is not news.
            spans = [(start, end, key) for start, end, key in exact
                     if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in exact)]
            first, last = len(folded), 0
            for start, end, key in spans:
                if not disguised(start, end):
                    continue
                for name in self._by_skeleton[key]:
                    if name not in lower and name not in found:
                        found[name] = Resemblance(token, name, kind, 0)
                        first, last = min(first, start), max(last, end)
            if found:
                for rest_start, rest_end in ((0, first), (last, len(folded))):
                    if not disguised(rest_start, rest_end):
                        continue
                    for key, distance in self._nearby(folded[rest_start:rest_end]):
                        for name in self._by_skeleton[key]:
                            if name not in lower and name not in found:
                                found[name] = Resemblance(token, name, "combo", distance)
            # Names that are plainly there (Invoice) end the search: a near match would only be the
            # same word again (invoices).
            return list(found.values())
        if not any(_is_strong_disguise(c) for c in work):
            return []  # only accents: sécurité is a French word one edit from security, not a disguise
        for key, distance in self._nearby(folded):
            for name in self._by_skeleton[key]:
                # The disguise must be what brings the token near the name: "invoce" is a typo, not one.
                if name not in found and _distance(lower, name, 1) > 1:
                    found[name] = Resemblance(token, name, "edit", distance)
        return list(found.values())

    def plainly_in(self, token: str) -> list[str]:
        """Names that occur literally (case-insensitively) in ``token``, in order of position: a brand's or
        correspondent's name inside a third-party host label or path. Plain substring semantics: the
        caller decides what a hit is worth."""
        text = token.lower()
        head, heads, names = self._plain_head, self._plain_heads, self._plain
        found: dict[str, None] = {}
        for start in range(len(text) - head + 1):
            if text[start:start + head] in heads:
                for length in self._plain_lengths:
                    end = start + length
                    if end > len(text):
                        break
                    if text[start:end] in names:
                        found[text[start:end]] = None
        return list(found)


def _read_list(name: str) -> tuple[str, ...]:
    """Entries of a one-per-line data file, without comments and blank lines."""
    entries: list[str] = []
    with (_DATA / name).open(encoding="utf-8") as handle:
        for line in handle:
            entry = line.split("#", 1)[0].strip().lower()
            if entry:
                entries.append(entry)
    return tuple(entries)


@functools.cache
def brand_index() -> NameIndex:
    """The index of distinctive brand names (``data/brands.txt``), built on first use."""
    return NameIndex(_read_list("brands.txt"))


@functools.cache
def lure_index() -> NameIndex:
    """The index of phishing lure words (``data/lure_words.txt``: secure, login, invoice, office365...),
    built on first use. Four-letter words (bank, mail) are included here: only their disguised forms
    matter, and an id rarely hides b4nk by chance."""
    return NameIndex(_read_list("lure_words.txt"), min_length=4)


def tokens_of(host: str, path: str) -> list[str]:
    """Words of a link for :meth:`NameIndex.disguised_in` and :meth:`NameIndex.plainly_in`.

    The host is normalised (xn-- labels decoded), the path/query percent-decoded, invisible characters
    removed (so ``pay<ZWSP>pal`` stays one word), both split on everything that is not a letter or digit
    (digits stay inside words: ``s3cure0line``), lower-cased; words under 4 characters are dropped and
    repeats removed, first occurrence kept. Lower-casing loses a capital I written for l in a path
    (``paypaI`` becomes ``paypai``); hosts are case-insensitive anyway."""
    text = normalise_host(host) + "/" + (unquote(path, errors="replace") if "%" in path else path)
    if not text.isascii():
        text = text.translate(_tables().ignorable)
    found: dict[str, None] = {}
    for token in _TOKEN_SPLIT.split(text.lower()):
        if len(token) >= 4:
            found[token] = None
    return list(found)

"""Which single edits are typos: keyboard neighbours, bit flips, vowels and letters that look alike.

A one-letter difference between two short names is usually two different names (tekla/tesla,
weber/webex), while a typosquat makes the edits that hands and machines make by mistake: a key next to
the intended one, a doubled or dropped letter, two letters swapped, one bit flipped in memory, one
vowel for another, or a letter that looks like the other one (rn/m, u/v, g/q). :func:`is_typo_edit`
tells them apart for a pair of names one edit apart. Pure functions, no data files: the keyboard
layouts are QWERTY, QWERTZ and AZERTY as typosquatting tools (dnstwist) model them.
"""

from __future__ import annotations

import functools

__all__ = ["is_typo_edit", "single_edit"]

# Rows of three keyboard layouts, digits first. A key's neighbours are the keys left and right of it,
# the two above it (same index and the next) and the two below it (the previous index and the same).
_LAYOUTS = (
    ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"),
    ("1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm"),
    ("1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn"),
)
_VOWELS = frozenset("aeiouy")
# Letters that pass for each other in a lower-case sans-serif font (besides those the skeleton already
# folds: i/l/1, o/0, rn/m, vv/w, cl/d).
_LOOK_ALIKE = ("bd", "ce", "gq", "mn", "nr", "uv", "38", "69")


@functools.cache
def _near_keys() -> frozenset[frozenset[str]]:
    pairs: set[frozenset[str]] = set()
    for rows in _LAYOUTS:
        for r, row in enumerate(rows):
            for i, key in enumerate(row):
                around = [row[i - 1] if i else "", row[i + 1: i + 2]]
                if r:
                    around += [rows[r - 1][i: i + 1], rows[r - 1][i + 1: i + 2]]
                if r + 1 < len(rows):
                    around += [rows[r + 1][i - 1: i] if i else "", rows[r + 1][i: i + 1]]
                pairs.update(frozenset((key, other)) for other in around if other and other != key)
    return frozenset(pairs)


# What a character may stand for: the skeleton writes i as l, and a leet digit is typed for its letter
# (d4opbox: r -> 4 is a keyboard slip and a -> 4 a disguise).
_STANDS_FOR = {"l": ("l", "i"), "1": ("1", "l", "i"), "0": ("0", "o"), "3": ("3", "e"), "4": ("4", "a"),
               "5": ("5", "s"), "7": ("7", "t")}


def _variants(char: str) -> tuple[str, ...]:
    return _STANDS_FOR.get(char, (char,))


def _adjacent(a: str, b: str) -> bool:
    """Keyboard neighbours (or the same key)."""
    near = _near_keys()
    return any(x == y or frozenset((x, y)) in near for x in _variants(a) for y in _variants(b))


def _replaceable(a: str, b: str) -> bool:
    """One character typed, flipped or read for the other. A character outside ASCII that the skeleton
    did not fold is a look-alike from another script (Cyrillic ԛ for q) until shown otherwise."""
    if not (a + b).isascii() or _adjacent(a, b):
        return True
    for x in _variants(a):
        for y in _variants(b):
            if x in _VOWELS and y in _VOWELS:
                return True
            if (ord(x) ^ ord(y)).bit_count() == 1:
                return True  # bitsquatting
            if x + y in _LOOK_ALIKE or y + x in _LOOK_ALIKE:
                return True
    return False


def single_edit(seen: str, known: str) -> tuple[str, int, str, str] | None:
    """The one edit turning ``known`` into ``seen``: (op, position in known, character in known,
    character in seen) with op one of replace, insert, delete, swap; None if they are not one edit apart."""
    start, shortest = 0, min(len(seen), len(known))
    while start < shortest and seen[start] == known[start]:
        start += 1
    end_s, end_k = len(seen), len(known)
    while end_s > start and end_k > start and seen[end_s - 1] == known[end_k - 1]:
        end_s -= 1
        end_k -= 1
    rest_s, rest_k = seen[start:end_s], known[start:end_k]
    if len(rest_s) == 1 and len(rest_k) == 1:
        return ("replace", start, rest_k, rest_s)
    if len(rest_s) == 1 and not rest_k:
        return ("insert", start, "", rest_s)
    if len(rest_k) == 1 and not rest_s:
        return ("delete", start, rest_k, "")
    if len(rest_s) == len(rest_k) == 2 and rest_s == rest_k[::-1]:
        return ("swap", start, rest_k, rest_s)
    return None


def is_typo_edit(seen: str, known: str) -> bool:
    """True if ``seen`` is ``known`` with one slip: a letter dropped, two swapped, a letter doubled, a
    key's neighbour inserted next to it, a character added at the end, or a letter replaced by a keyboard
    neighbour, a one-bit flip, another vowel or a look-alike. False for other single edits (tesla ->
    tekla: k and s are neither) and for names not one edit apart."""
    edit = single_edit(seen, known)
    if edit is None:
        return False
    op, at, old, new = edit
    if op in ("delete", "swap") or not new.isascii():
        return True
    if op == "replace":
        return _replaceable(old, new)
    # insert: a repeated letter or a neighbour key of a letter beside it, or anything at the end (addition)
    if at >= len(known):
        return True
    beside = known[max(0, at - 1): at + 1]
    return any(_adjacent(new, c) for c in beside)

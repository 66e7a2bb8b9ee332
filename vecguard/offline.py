"""Offline readers: mbox, maildir, a directory of .eml files or one .eml, yielded in Date order.

A first pass reads only each message's Date header to sort; a second pass reads messages one at a time,
so memory holds the index, not the corpus. Messages without a usable Date keep their place in file order.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .envelope import Envelope
from .errors import InputError
from .features import parse_date

_DATE = re.compile(rb"^Date:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Ref:
    """Where one message lives: (kind, path, key)."""

    kind: str  # mbox | maildir | eml
    path: Path
    key: str


def header_date(raw: bytes) -> datetime | None:
    """The Date of a message from its header block only."""
    end = raw.find(b"\n\n")
    head = raw if end < 0 else raw[:end]
    match = _DATE.search(head)
    if not match:
        return None
    return parse_date(match.group(1).decode("latin-1"))


def detect_kind(path: Path) -> str:
    """mbox, maildir, emldir or eml; InputError for anything unreadable."""
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            return "maildir"
        return "emldir"
    if not path.is_file():
        raise InputError(f"{path}: no such file or directory")
    try:
        with path.open("rb") as fh:
            head = fh.read(5)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return "mbox" if head == b"From " else "eml"


def _refs(path: Path, boxes: dict[Path, mailbox.mbox]) -> Iterator[tuple[Ref, bytes]]:
    kind = detect_kind(path)
    try:
        if kind == "mbox":
            # kept open in ``boxes`` for the second pass: building an mbox's table of contents reads it all
            box = boxes.get(path) or boxes.setdefault(path, mailbox.mbox(path, create=False))
            for key in box.iterkeys():
                yield Ref("mbox", path, str(key)), box.get_bytes(key)
        elif kind == "maildir":
            md = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(md.iterkeys()):
                yield Ref("maildir", path, key), md.get_bytes(key)
        elif kind == "emldir":
            for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                yield Ref("eml", file, ""), file.read_bytes()
        else:
            yield Ref("eml", path, ""), path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def check_paths(paths: Iterable[str]) -> list[Path]:
    """Validate input paths up front so a typo fails before any work."""
    result = []
    for p in paths:
        path = Path(p)
        detect_kind(path)
        result.append(path)
    return result


def _read(ref: Ref, boxes: dict[Path, mailbox.mbox]) -> bytes:
    """The raw bytes of one message; mbox files stay open in ``boxes`` for the next message."""
    if ref.kind == "mbox":
        box = boxes.get(ref.path)
        if box is None:
            box = boxes[ref.path] = mailbox.mbox(ref.path, create=False)
        return box.get_bytes(int(ref.key))  # type: ignore[arg-type]  # mbox keys are ints (typeshed: str)
    if ref.kind == "maildir":
        return mailbox.Maildir(ref.path, factory=None, create=False).get_bytes(ref.key)
    return ref.path.read_bytes()


def in_date_order(paths: Iterable[Path]) -> tuple[int, Iterator[Envelope]]:
    """(count, envelopes sorted by Date). The index pass keeps only dates and positions, not messages."""
    index: list[tuple[datetime, int, Ref]] = []
    boxes: dict[Path, mailbox.mbox] = {}
    last = _EPOCH
    try:
        for ref, raw in (item for path in paths for item in _refs(path, boxes)):
            date = header_date(raw)
            if date is not None:
                last = date
            index.append((date or last, len(index), ref))
    except BaseException:
        _close(boxes)
        raise
    index.sort(key=lambda item: (item[0], item[1]))
    return len(index), _envelopes(index, boxes)


def _close(boxes: dict[Path, mailbox.mbox]) -> None:
    for box in boxes.values():
        box.close()


def _envelopes(index: list[tuple[datetime, int, Ref]], boxes: dict[Path, mailbox.mbox]) -> Iterator[Envelope]:
    try:
        for _, _, ref in index:
            try:
                raw = _read(ref, boxes)
            except OSError as exc:
                raise InputError(f"{ref.path}: cannot read: {exc.strerror or exc}") from None
            source = f"{ref.path}#{ref.key}" if ref.kind == "mbox" else (
                str(ref.path) if ref.kind == "eml" else f"{ref.path}/{ref.key}")
            yield Envelope(raw=raw, source=source)
    finally:
        _close(boxes)

"""``vecguard eval``: replay a labelled mailbox chronologically and report how well it was judged.

The replay is the scan loop itself (``cli.replay``) on a fresh temporary SQLite baseline unless ``--db``
is given; the numbers come from ``evaluation.assess`` (pure). With ``--jsonl`` the records are written with
their label, campaign and each signal's strength, which is what ``vecguard tune`` fits on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import InputError, VecguardError
from .evaluation import assess, normalise_id


def read_jsonl(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-empty line of a JSON-lines file; InputError naming the line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise InputError(f"{path}:{n}: not a JSON object")
        yield n, row


def read_labels(path: str) -> list[dict[str, Any]]:
    """Labels JSONL: one object per line with at least message_id and label ("legit" or "attack")."""
    labels = []
    for n, row in read_jsonl(path):
        if not row.get("message_id") or row.get("label") not in ("legit", "attack"):
            raise InputError(f"{path}:{n}: a label needs message_id and label 'legit' or 'attack'")
        labels.append(row)
    if not labels:
        raise InputError(f"{path}: no labels")
    return labels


def labelled_record(outcome: Any, label: dict[str, Any] | None) -> dict[str, Any]:
    """The scan record plus label, campaign and each counted signal's strength (for tune)."""
    rec = dict(outcome.record)
    strengths = {c.name: c.strength for c in outcome.decision.report.contributions}
    rec["signals"] = [dict(s, strength=strengths.get(s["name"], 0.0)) for s in rec["signals"]]
    rec["label"] = label.get("label") if label else None
    rec["campaign"] = label.get("campaign") if label else None
    return rec


def run_eval(args: argparse.Namespace, replay: Callable[..., Iterator[Any]]) -> int:
    """Replay, assess, print (text or JSON); exit 0."""
    from .cli import _context, _open_store, _policy
    from .engine import Engine
    from .offline import check_paths, in_date_order

    labels = read_labels(args.labels)
    by_id = {normalise_id(lb["message_id"]): lb for lb in labels}
    paths = check_paths(args.paths)
    if args.worst < 0:
        raise VecguardError("--worst: must be 0 or more")
    engine = Engine(_policy(args.policy), _context(args.local_domain))
    records: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        db = args.db
        if not db:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="vecguard-eval-"))
            db = f"sqlite:///{Path(tmp) / 'history.db'}"
        store = _open_store(db)
        stack.callback(store.close)
        session = stack.enter_context(store.session())
        _, envelopes = in_date_order(paths)
        for outcome in replay(engine, session, envelopes):
            records.append(labelled_record(outcome, by_id.get(normalise_id(outcome.record.get("message_id")))))
    if args.jsonl:
        try:
            with open(args.jsonl, "w", encoding="utf-8") as out:
                out.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
        except OSError as exc:
            raise InputError(f"{args.jsonl}: cannot write: {exc.strerror or exc}") from None
    result = assess(records, labels, worst=args.worst)
    if args.json:
        json.dump(result.as_dict(), sys.stdout, ensure_ascii=False)
        print()
    else:
        print("\n".join(result.lines()))
    return 0

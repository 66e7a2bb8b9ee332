"""``vecguard held list|show|release|delete|export``, ``vecguard correspondent show``, ``vecguard hunt``.

The I/O edge of the review workflow: the history store, Postfix's queue commands, the audit log and the
terminal. Checks come before actions: an unknown or not-held id, Postfix unreachable, no permission or
a store outage stops the whole command with one line and exit status 2, nothing changed.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from . import review, review_text
from .cli import _settings
from .errors import VecguardError

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``30m``, ``12h``, ``7d``, ``2w``."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise VecguardError(f"--since {text!r}: a duration such as 30m, 12h, 7d or 2w")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def actor() -> str:
    """Who is acting: the login behind sudo when there is one, else the current user."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Any]:
    """A session on the milter's history store (never creates one: a wrong URL is an error)."""
    from .history.store import Store

    store = Store(_settings(args).db_url, create=False)
    try:
        with store.session() as session:
            yield session
    finally:
        store.close()


def _queue(args: argparse.Namespace) -> Any:
    from .postfix import Queue

    return Queue(args.postfix_config)


def _json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def _since(args: argparse.Namespace) -> datetime | None:
    return datetime.now(UTC) - parse_duration(args.since) if args.since else None


def _sender_matches(address: str | None, who: str) -> bool:
    address, who = (address or "").lower(), who.strip().lower()
    return address == who if "@" in who else address.endswith(("@" + who, "." + who))


# ------------------------------------------------------------------------------------------ held list


def cmd_held_list(args: argparse.Namespace) -> int:
    from .history.review import audit_log, decisions

    since = _since(args)
    queue = _queue(args).entries()
    with _session(args) as session:
        records = decisions(session, actions=("hold",), since=since, min_score=args.min_score, sender=args.sender,
                            limit=args.limit)
        audit = audit_log(session, queue_ids=[str(r["queue_id"]) for r in records if r.get("queue_id")])
    rows = review.held_rows(records, queue, audit, unrecorded=args.min_score is None)
    rows = [r for r in rows if r.state != review.UNRECORDED or (
        (since is None or (r.arrival is not None and r.arrival >= since))
        and (not args.sender or _sender_matches(r.sender, args.sender)))]
    if args.json:
        _json([r.as_json() for r in rows])
    else:
        review_text.held_list(sys.stdout, rows)
    return 0


# ------------------------------------------------------------------------------------------ held show


def _record(session: Any, queue_id: str) -> dict[str, Any]:
    from .history.review import held_decision
    from .postfix import valid_queue_id

    if not valid_queue_id(queue_id):
        raise VecguardError(f"{queue_id!r} is not a Postfix queue id")
    record = held_decision(session, queue_id)
    if record is None:
        raise VecguardError(f"{queue_id}: vecguard holds no record of this message (not held by vecguard, or pruned)")
    return record


def investigation(session: Any, record: dict[str, Any], state: str, by: str | None) -> dict[str, Any]:
    """The investigation view of one held decision, read from the store."""
    from .domains import registered_domain
    from .history.review import audit_log, conversation, correspondent

    sender = str(record.get("sender") or "")
    details = record.get("details") or {}
    domain = sender.rpartition("@")[2]
    thread = details.get("thread", {})
    return review.investigation(
        record, state, by,
        correspondent(session, sender) if sender else None,
        correspondent(session, registered_domain(domain)) if domain else None,
        conversation(session, list(thread.get("in_reply_to", [])) + list(thread.get("references", []))),
        audit_log(session, queue_ids=[str(record["queue_id"])]))


def cmd_held_show(args: argparse.Namespace) -> int:
    from .history.review import audit_log
    from .postfix import PostfixError

    with _session(args) as session:
        record = _record(session, args.id)
        try:
            queue = _queue(args).entries()
            state, by = review.state_of(args.id, queue, audit_log(session, queue_ids=[args.id]))
        except PostfixError as exc:  # the record still explains the decision
            state, by = f"unknown ({exc})", None
        view = investigation(session, record, state, by)
    if args.json:
        _json(view)
    else:
        review_text.investigation(sys.stdout, view)
    return 0


# ------------------------------------------------------------------------------ release, delete, export


def _targets(args: argparse.Namespace, session: Any, held: dict[str, Any]) -> list[str]:
    """The queue ids named, plus every held message from ``--all-from`` (by vecguard's record or envelope);
    each must be on hold, checked before anything is done."""
    from .history.review import audit_log, decisions
    from .postfix import valid_queue_id

    ids = list(dict.fromkeys(args.ids))
    if getattr(args, "all_from", None):
        records = {str(r["queue_id"]): r for r in decisions(session, actions=("hold",), sender=args.all_from)
                   if r.get("queue_id")}
        for queue_id, entry in held.items():
            if queue_id in records or _sender_matches(entry.sender, args.all_from):
                ids.append(queue_id)
        ids = list(dict.fromkeys(ids))
        if not ids:
            raise VecguardError(f"--all-from {args.all_from}: no held message from that sender")
    if not ids:
        raise VecguardError("name at least one queue id (or --all-from SENDER)")
    for queue_id in ids:
        if not valid_queue_id(queue_id):
            raise VecguardError(f"{queue_id!r} is not a Postfix queue id")
        if queue_id not in held:
            done = next((a for a in audit_log(session, queue_ids=[queue_id])
                         if a["action"] in ("release", "delete")), None)
            if done is not None:
                raise VecguardError(f"{queue_id}: already {done['action']}d by {done['actor']} at "
                                    f"{done['at']:%Y-%m-%d %H:%M:%S} UTC; nothing changed")
            raise VecguardError(f"{queue_id}: not on hold (no such message, or it already left the hold queue); "
                                "nothing changed")
    return ids


def _learner(args: argparse.Namespace) -> Any:
    """A function raw bytes + queue entry -> Lesson for ``release --learn``, set up (and checked) first."""
    from .cli import _context, _policy
    from .envelope import Envelope
    from .learn import lesson
    from .pipeline import analyse

    settings = _settings(args)
    ctx = _context(settings.local_domains)
    if not ctx.local_domains:
        raise VecguardError("release --learn needs the local domains (--local-domain or local_domains in the settings)")
    policy = _policy(settings.policy_dir)

    def learn(raw: bytes, entry: Any) -> Any:
        envelope = Envelope(raw, mail_from=entry.sender, rcpt_to=entry.recipients, queue_id=entry.queue_id)
        return lesson(analyse(envelope, policy, ctx), "pass")

    return learn


def cmd_held_release(args: argparse.Namespace) -> int:
    from .history.review import append_audit, held_decision

    queue = _queue(args)
    held = queue.held()  # Postfix first: no permission on the queue stops us before anything is opened
    with _session(args) as session:
        ids = _targets(args, session, held)
        learner = _learner(args) if args.learn else None
        for queue_id in ids:
            raw = queue.message(queue_id) if learner else b""
            queue.release(queue_id)
            learned = False
            if learner is not None:
                session.learn(learner(raw, held[queue_id]))
                learned = True
            record = held_decision(session, queue_id)
            append_audit(session, actor=actor(), action="release", queue_id=queue_id, reason=args.reason or "",
                         decision_id=int(str(record["id"])) if record else None,
                         sender=str(record["sender"]) if record and record.get("sender") else held[queue_id].sender,
                         detail={"learned": learned})
            session.commit()
            print(f"released {queue_id}" + (" (the baseline learned it)" if learned else ""))
    return 0


def cmd_held_delete(args: argparse.Namespace) -> int:
    from .history.review import append_audit, held_decision

    queue = _queue(args)
    held = queue.held()
    with _session(args) as session:
        for queue_id in _targets(args, session, held):
            queue.delete(queue_id)
            record = held_decision(session, queue_id)
            append_audit(session, actor=actor(), action="delete", queue_id=queue_id, reason=args.reason or "",
                         decision_id=int(str(record["id"])) if record else None,
                         sender=str(record["sender"]) if record and record.get("sender") else held[queue_id].sender)
            session.commit()
            print(f"deleted {queue_id}")
    return 0


def cmd_held_export(args: argparse.Namespace) -> int:
    from .history.review import append_audit

    if sys.stdout.isatty():
        raise VecguardError("export writes the raw message: redirect it to a file (vecguard held export ID > msg.eml)")
    queue = _queue(args)
    held = queue.held()
    with _session(args) as session:
        args.ids = [args.id]
        _targets(args, session, held)
        raw = queue.message(args.id)
        append_audit(session, actor=actor(), action="export", queue_id=args.id, reason=args.reason or "",
                     sender=held[args.id].sender, detail={"bytes": len(raw)})
    sys.stdout.buffer.write(raw)
    sys.stdout.flush()
    return 0


# -------------------------------------------------------------------------------- correspondent, hunt


def cmd_correspondent_show(args: argparse.Namespace) -> int:
    from .domains import registered_domain
    from .history.review import correspondent, decisions

    who = args.who.strip().lower()
    if not who or " " in who or "." not in who.rpartition("@")[2]:
        raise VecguardError(f"{args.who!r}: an address (name@domain) or a domain")
    key = who if "@" in who else registered_domain(who) or who
    with _session(args) as session:
        view = review.history(correspondent(session, key), decisions(session, sender=key, limit=args.recent))
    if args.json:
        _json(view)
    else:
        review_text.correspondent(sys.stdout, view)
    return 0


def cmd_hunt(args: argparse.Namespace) -> int:
    from .cli import _policy
    from .history.review import decisions
    from .hunt import SignalQuery, matching_signals, rescorable, rescore
    from .signals import registered_signals

    detector_signals = set(registered_signals())
    queries = []
    for text in args.signal or ():
        try:
            query = SignalQuery.parse(text)
        except ValueError as exc:
            raise VecguardError(f"--signal {text!r}: {exc}") from None
        if query.name not in detector_signals:
            raise VecguardError(f"--signal {query.name}: no detector emits this signal")
        queries.append(query)
    new_policy = _policy(args.rescore) if args.rescore else None
    with _session(args) as session:
        records = decisions(session, actions=tuple(args.action or ()), since=_since(args), min_score=args.min_score,
                            sender=args.sender)
    found: list[dict[str, Any]] = []
    changes: Counter[str] = Counter()
    skipped = 0
    for record in records:
        matched = matching_signals(record, queries)
        if matched is None:
            continue
        item = dict(record, matched=matched)
        if new_policy is not None:
            if record.get("direction") != "inbound" or not rescorable(record):
                skipped += record.get("direction") == "inbound"
                continue
            decision = rescore(record, new_policy, detector_signals)
            changes[f"{record['action']} -> {decision.action}"] += 1
            if decision.action == record["action"] and not args.all:
                continue
            item.update(new_action=decision.action, new_score=decision.report.score, new_reason=decision.reason)
        found.append(item)
        if args.limit and len(found) >= args.limit:
            break
    if args.json:
        _json({"decisions": found, "rescored": dict(changes) if new_policy else None, "not_rescorable": skipped})
    else:
        review_text.hunt(sys.stdout, found, dict(changes) if new_policy else None)
        if skipped:
            print(f"{skipped} inbound decisions were logged before signal strengths were stored: not re-scored")
    return 0


# -------------------------------------------------------------------------------------------- parser


def add_parsers(sub: Any, common_config: Any) -> None:
    """Register ``held``, ``correspondent`` and ``hunt`` on the main parser's subparsers."""

    def store(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", metavar="URL", default=None, help="history store (default: the settings' db_url)")
        common_config(p)
        p.add_argument("--json", action="store_true", help="print JSON instead of tables")

    def postfix(p: argparse.ArgumentParser) -> None:
        p.add_argument("--postfix-config", metavar="DIR", default=None,
                       help="Postfix configuration directory of a non-default instance (postqueue -c DIR)")

    held = sub.add_parser("held", help="review held mail: list, show, release, delete, export")
    held_sub = held.add_subparsers(dest="held_command", required=True, metavar="ACTION")

    lst = held_sub.add_parser("list", help="held mail, newest first, with where it is now")
    store(lst)
    postfix(lst)
    lst.add_argument("--since", metavar="DURATION", help="only decisions of the last 30m / 12h / 7d / 2w")
    lst.add_argument("--min-score", metavar="N", type=float, default=None)
    lst.add_argument("--sender", metavar="ADDR|DOMAIN", default=None)
    lst.add_argument("--limit", metavar="N", type=int, default=200, help="at most N records (default 200)")
    lst.set_defaults(func=cmd_held_list)

    show = held_sub.add_parser("show", help="the investigation view of one held message")
    show.add_argument("id", metavar="QUEUE_ID")
    store(show)
    postfix(show)
    show.set_defaults(func=cmd_held_show)

    def batch(p: argparse.ArgumentParser) -> None:
        p.add_argument("ids", nargs="*", metavar="QUEUE_ID")
        p.add_argument("--all-from", metavar="ADDR|DOMAIN", help="every held message from this sender")
        p.add_argument("--reason", metavar="TEXT", default="", help="why, for the audit log")
        store(p)
        postfix(p)

    release = held_sub.add_parser("release", help="deliver held messages (postsuper -H, postqueue -i)")
    batch(release)
    release.add_argument("--learn", dest="learn", action="store_true", default=True,
                         help="teach the baseline the released message (default)")
    release.add_argument("--no-learn", dest="learn", action="store_false", help="release without learning")
    release.add_argument("--policy", metavar="DIR", default=None, help="policy directory (default: the settings')")
    release.add_argument("--local-domain", metavar="D", action="append", default=None,
                         help="a local domain (default: the settings' local_domains)")
    release.set_defaults(func=cmd_held_release)

    delete = held_sub.add_parser("delete", help="delete held messages (postsuper -d ID hold)")
    batch(delete)
    delete.set_defaults(func=cmd_held_delete)

    export = held_sub.add_parser("export", help="write the held message to stdout (postcat)")
    export.add_argument("id", metavar="QUEUE_ID")
    export.add_argument("--reason", metavar="TEXT", default="", help="why, for the audit log")
    store(export)
    postfix(export)
    export.set_defaults(func=cmd_held_export)

    corr = sub.add_parser("correspondent", help="what history knows about a correspondent")
    corr_sub = corr.add_subparsers(dest="correspondent_command", required=True, metavar="ACTION")
    show_c = corr_sub.add_parser("show", help="history of an address or an organisation (domain)")
    show_c.add_argument("who", metavar="ADDRESS|DOMAIN")
    show_c.add_argument("--recent", metavar="N", type=int, default=10, help="recent decisions listed (default 10)")
    store(show_c)
    show_c.set_defaults(func=cmd_correspondent_show)

    hunt = sub.add_parser("hunt", help="search logged decisions; re-score them with another policy")
    hunt.add_argument("--since", metavar="DURATION", help="only decisions of the last 30m / 12h / 7d / 2w")
    hunt.add_argument("--signal", metavar="NAME[:STRENGTH]", action="append",
                      help="the signal fired (with at least this strength, 0..1); repeatable, all must match")
    hunt.add_argument("--action", choices=("pass", "tag", "hold", "error"), action="append",
                      help="only decisions with this action (repeatable)")
    hunt.add_argument("--sender", metavar="ADDR|DOMAIN", default=None)
    hunt.add_argument("--min-score", metavar="N", type=float, default=None)
    hunt.add_argument("--rescore", metavar="POLICY_DIR",
                      help="re-score with this policy and list the decisions whose action would change")
    hunt.add_argument("--all", action="store_true", help="with --rescore, list unchanged decisions too")
    hunt.add_argument("--limit", metavar="N", type=int, default=0, help="list at most N decisions")
    store(hunt)
    hunt.set_defaults(func=cmd_hunt)

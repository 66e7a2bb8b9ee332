"""Command line: ``vecguard scan | explain | check``.

Every user-facing failure (bad path, bad policy, bad database URL) is a VecguardError: one line on stderr,
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from . import __version__
from .envelope import Envelope
from .errors import InputError, VecguardError
from .features import Context
from .policy import Policy, load_policy

EXIT_USAGE = 2
COMMIT_EVERY = 500  # scan commits learning in batches; reads in the session see uncommitted writes


def default_policy_dir() -> Path:
    """$VECGUARD_POLICY, else /etc/vecguard/policies if present, else the source tree's policies/."""
    env = os.environ.get("VECGUARD_POLICY")
    if env:
        return Path(env)
    etc = Path("/etc/vecguard/policies")
    if etc.is_dir():
        return etc
    return Path(__file__).resolve().parent.parent / "policies"


def _context(local_domains: Sequence[str] | None) -> Context:
    domains = frozenset(d.strip().lower().rstrip(".") for d in (local_domains or ()) if d.strip())
    for d in domains:
        if "." not in d or "@" in d or " " in d:
            raise VecguardError(f"--local-domain {d!r}: not a domain name")
    return Context(local_domains=domains)


def _policy(path: str | None) -> Policy:
    return load_policy(path or default_policy_dir())


def _open_store(url: str | None) -> Any:
    from .history.store import Store

    return Store(url)


# ------------------------------------------------------------------------------------------------ scan


def cmd_scan(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .offline import check_paths, in_date_order
    from .summary import Summary

    paths = check_paths(args.paths)
    policy = _policy(args.policy)
    engine = Engine(policy, _context(args.local_domain))
    with contextlib.ExitStack() as stack:
        out = _output(args.jsonl, stack)
        store = _open_store(args.db)
        stack.callback(store.close)
        total, envelopes = in_date_order(paths)
        summary = Summary(total)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        session = stack.enter_context(store.session())
        tick = stack.enter_context(summary.progress(enabled=sys.stderr.isatty() and not args.quiet))
        for i, envelope in enumerate(envelopes, 1):
            outcome = engine.decide(envelope, session)
            if not args.no_learn:
                engine.learn(outcome, session, source=envelope.source)
            if out is not None:
                out.write(json.dumps(outcome.record, ensure_ascii=False) + "\n")
            summary.add(outcome)
            tick()
            if i % COMMIT_EVERY == 0:
                session.commit()
    summary.finish(time.process_time() - cpu0, time.perf_counter() - wall0)
    if not args.quiet:
        summary.print(sys.stdout if args.jsonl != "-" else sys.stderr)
    return 0


def _output(path: str | None, stack: contextlib.ExitStack) -> IO[str] | None:
    """The JSONL destination: None, stdout for '-', or a file closed with the stack."""
    if not path:
        return None
    if path == "-":
        return sys.stdout
    try:
        return stack.enter_context(open(path, "w", encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------------------------- explain


def cmd_explain(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .report import summary_line

    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    policy = _policy(args.policy)
    engine = Engine(policy, _context(args.local_domain))
    store = _open_store(args.db)
    try:
        with store.session() as session:
            outcome = engine.decide(Envelope(raw=raw, source=str(path)), session)
    finally:
        store.close()
    if outcome.error:
        raise VecguardError(f"{path}: {outcome.decision.reason}")
    if args.json:
        print(json.dumps(outcome.record, ensure_ascii=False))
        return 0
    rec, report = outcome.record, outcome.decision.report
    print(f"message  {rec['message_id']}\nfrom     {rec['from']}\ndate     {rec['date']}")
    print(f"to       {', '.join(rec['recipients'])}\ndirection {rec['direction']}")
    print(f"result   {summary_line(outcome.decision, policy).split(';', 1)[0]}   ({outcome.decision.reason})")
    if report.contributions or report.shadow:
        width = max(len(c.name) for c in report.contributions + report.shadow)
        for c in report.contributions:
            print(f"  {c.name:<{width}} {c.score:>7.2f}  {'; '.join(c.evidence)}")
        for c in report.shadow:
            print(f"  {c.name:<{width}} {'(shadow)':>7}  would add {c.score:g}; {'; '.join(c.evidence)}")
    for note in report.adjustments:
        print(f"  note: {note}")
    return 0


# ----------------------------------------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace) -> int:
    policy = _policy(args.policy)
    _context(args.local_domain)
    print(f"policy ok: {len(policy.signals)} signals, {len(policy.rules)} rules, {len(policy.overrides)} overrides, "
          f"tag {policy.tag:g}, hold {policy.hold:g} ({', '.join(policy.sources)})")
    if args.db:
        store = _open_store(args.db)
        store.close()
        print("database ok")
    return 0


# ------------------------------------------------------------------------------------------------ main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vecguard", description="Catch vendor email compromise by behaviour.")
    parser.add_argument("--version", action="version", version=f"vecguard {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log per-message lines (-vv: debug)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser, local_required: bool = False) -> None:
        p.add_argument("--db", metavar="URL", default=None,
                       help="SQLAlchemy URL of the history store (default: $VECGUARD_DB or "
                            "~/.local/state/vecguard/history.db)")
        p.add_argument("--policy", metavar="DIR", default=None,
                       help="policy directory (default: $VECGUARD_POLICY, /etc/vecguard/policies, ./policies)")
        p.add_argument("--local-domain", metavar="D", action="append", required=local_required,
                       help="a domain of this organisation (repeatable; matched exactly)")

    scan = sub.add_parser("scan", help="score an mbox, maildir, .eml directory or .eml in Date order, learning")
    scan.add_argument("paths", nargs="+", metavar="PATH")
    common(scan, local_required=True)
    scan.add_argument("--jsonl", metavar="OUT", help="write one JSON record per message ('-' for stdout)")
    scan.add_argument("--no-learn", action="store_true", help="score only; leave the baseline unchanged")
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    scan.set_defaults(func=cmd_scan)

    explain = sub.add_parser("explain", help="score one .eml against the current baseline; learns nothing")
    explain.add_argument("file", metavar="FILE.eml")
    common(explain)
    explain.add_argument("--json", action="store_true", help="print the JSONL record instead of a table")
    explain.set_defaults(func=cmd_explain)

    check = sub.add_parser("check", help="validate the policy (and the database URL with --db)")
    common(check)
    check.set_defaults(func=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return int(args.func(args))
    except VecguardError as exc:
        print(f"vecguard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("vecguard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

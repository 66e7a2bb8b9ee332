"""Command line: ``vecguard scan | explain | eval | tune | check | milter | prune | db`` (and the review
commands of review_cli: ``held``, ``correspondent``, ``hunt``).

Every user-facing failure (bad path, bad policy, bad database URL) is a VecguardError: one line on stderr,
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
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


def _scan_context(args: argparse.Namespace) -> Context:
    """The context of scan and explain: local domains plus the trusted authserv-ids (--authserv-id)."""
    ids = frozenset(i.strip().lower() for i in (args.authserv_id or ()) if i.strip())
    return dataclasses.replace(_context(args.local_domain), authserv_ids=ids)


def _verifier(args: argparse.Namespace) -> Any:
    """A DNS authentication verifier with --verify-auth, else None: without it nothing queries DNS."""
    if not args.verify_auth:
        if args.resolver:
            raise VecguardError("--resolver needs --verify-auth")
        return None
    try:
        from .authcheck import AuthSettings, Verifier, parse_nameserver
    except ImportError as exc:
        raise VecguardError(f"--verify-auth: {exc}; pip install 'vecguard[auth]'") from None
    budget = 2.0 if args.auth_budget is None else args.auth_budget
    if not 0 < budget <= 30:
        raise VecguardError("--auth-budget: between 0 and 30 seconds")
    servers = tuple(parse_nameserver(r) for r in args.resolver or ())
    return Verifier(AuthSettings(servers, budget, min(1.0, budget)))


def _policy(path: str | None) -> Policy:
    return load_policy(path or default_policy_dir())


def _open_store(url: str | None) -> Any:
    from .history.store import Store

    return Store(url)


# ------------------------------------------------------------------------------------------------ scan


def replay(engine: Any, session: Any, envelopes: Iterable[Envelope], *, learn: bool = True) -> Iterator[Any]:
    """Decide each message in order (learning after each decision), yielding the engine's Outcomes;
    learning is committed in batches. The one scan loop of ``scan`` and ``eval``."""
    for i, envelope in enumerate(envelopes, 1):
        outcome = engine.decide(envelope, session)
        if learn:
            engine.learn(outcome, session, source=envelope.source)
        yield outcome
        if i % COMMIT_EVERY == 0:
            session.commit()


def cmd_scan(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .offline import check_paths, in_date_order
    from .summary import Summary

    paths = check_paths(args.paths)
    policy = _policy(args.policy)
    engine = Engine(policy, _scan_context(args), _verifier(args))
    with contextlib.ExitStack() as stack:
        out = _output(args.jsonl, stack)
        store = _open_store(args.db)
        stack.callback(store.close)
        total, envelopes = in_date_order(paths)
        summary = Summary(total)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        session = stack.enter_context(store.session())
        tick = stack.enter_context(summary.progress(enabled=sys.stderr.isatty() and not args.quiet))
        for outcome in replay(engine, session, envelopes, learn=not args.no_learn):
            if out is not None:
                out.write(json.dumps(outcome.record, ensure_ascii=False) + "\n")
            summary.add(outcome)
            tick()
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
    engine = Engine(policy, _scan_context(args), _verifier(args))
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


# ------------------------------------------------------------------------------------------ eval, tune


def cmd_eval(args: argparse.Namespace) -> int:
    from .evalrun import run_eval

    return run_eval(args, replay)


def cmd_tune(args: argparse.Namespace) -> int:
    from .tune import run_tune

    return run_tune(args)


# ----------------------------------------------------------------------------------------------- check


def _settings(args: argparse.Namespace) -> Any:
    """Daemon settings: the file (--config, $VECGUARD_CONFIG, /etc/vecguard/vecguard.toml), env, flags."""
    from .settings import load_settings

    budget = getattr(args, "auth_budget", None)
    if budget is not None and not 0 < budget <= 30:
        raise VecguardError("--auth-budget: between 0 and 30 seconds")
    return load_settings(args.config, overrides={
        "socket": getattr(args, "socket", None), "db_url": args.db, "policy_dir": getattr(args, "policy", None),
        "local_domains": getattr(args, "local_domain", None), "authserv_ids": getattr(args, "authserv_id", None),
        "verify_auth": getattr(args, "verify_auth", None) or None, "resolvers": getattr(args, "resolver", None),
        "auth_budget_ms": None if budget is None else max(10, round(budget * 1000)),
        "workers": getattr(args, "workers", None)})


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.source and not settings.local_domains and not args.local_domain:
        raise VecguardError(f"{settings.source}: local_domains: the milter needs at least one local domain")
    if settings.source:
        print(f"settings ok: {settings.source} (socket {settings.socket}, fail mode {settings.fail_mode}, "
              f"time budget {settings.time_budget_ms} ms, {len(settings.local_domains)} local domains)")
    if settings.verify_auth:
        from .settings import dns_verifier

        dns_verifier(settings)
        print(f"sender authentication by DNS: on ({settings.auth_budget_ms} ms a message, "
              f"{', '.join(f'{h}:{p}' for h, p in settings.resolvers) or '/etc/resolv.conf'})")
    args.policy = settings.policy_dir
    policy = _policy(args.policy)
    _context(args.local_domain)
    print(f"policy ok: {len(policy.signals)} signals, {len(policy.rules)} rules, {len(policy.overrides)} overrides, "
          f"tag {policy.tag:g}, hold {policy.hold:g} ({', '.join(policy.sources)})")
    if args.db:
        store = _open_store(args.db)
        store.close()
        print("database ok")
    return 0


# ---------------------------------------------------------------------------------- milter, prune, db


def cmd_milter(args: argparse.Namespace) -> int:
    settings = _settings(args)
    policy = _policy(settings.policy_dir)
    if not settings.local_domains:
        raise VecguardError("milter: no local domains (--local-domain or local_domains in the settings file)")
    try:
        from .milter import run
    except ImportError as exc:
        raise VecguardError(f"milter: pymilter is not installed ({exc}); pip install 'vecguard[milter]'") from None
    # The daemon logs one INFO line per message, from the milter glue (it alone knows the final action).
    logging.getLogger().setLevel(min(logging.getLogger().level, logging.INFO))
    logging.getLogger("vecguard.engine").setLevel(logging.WARNING)
    run(settings, policy)
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    if args.older_than < 1:
        raise VecguardError("prune: --older-than must be at least 1 day")
    db = args.db or _settings(args).db_url
    store = _open_store(db)
    try:
        with store.session() as session:
            removed = session.prune(datetime.now(UTC) - timedelta(days=args.older_than))
    finally:
        store.close()
    print(f"pruned {removed} rows older than {args.older_than} days")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from .history.schema import upgrade

    before, after = upgrade(args.db or _settings(args).db_url)
    if before == after:
        print(f"schema version {after}: up to date")
    else:
        print(f"schema version {before or '(none)'} -> {after}")
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

    def auth(p: argparse.ArgumentParser) -> None:
        p.add_argument("--authserv-id", metavar="ID", action="append",
                       help="trust Authentication-Results from this authserv-id (repeatable; default: hosts in a "
                            "local domain)")
        p.add_argument("--verify-auth", action="store_true",
                       help="verify DKIM/SPF/DMARC by DNS for mail without trusted Authentication-Results")
        p.add_argument("--resolver", metavar="HOST[:PORT]", action="append",
                       help="nameserver for --verify-auth (repeatable; default: /etc/resolv.conf)")
        p.add_argument("--auth-budget", metavar="SECONDS", type=float, default=None,
                       help="hard time limit of the DNS checks per message (default 2)")

    scan = sub.add_parser("scan", help="score an mbox, maildir, .eml directory or .eml in Date order, learning")
    scan.add_argument("paths", nargs="+", metavar="PATH")
    common(scan, local_required=True)
    auth(scan)
    scan.add_argument("--jsonl", metavar="OUT", help="write one JSON record per message ('-' for stdout)")
    scan.add_argument("--no-learn", action="store_true", help="score only; leave the baseline unchanged")
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    scan.set_defaults(func=cmd_scan)

    explain = sub.add_parser("explain", help="score one .eml against the current baseline; learns nothing")
    explain.add_argument("file", metavar="FILE.eml")
    common(explain)
    auth(explain)
    explain.add_argument("--json", action="store_true", help="print the JSONL record instead of a table")
    explain.set_defaults(func=cmd_explain)

    ev = sub.add_parser("eval", help="replay a labelled mailbox on a fresh baseline and report detection and "
                                     "false positives")
    ev.add_argument("paths", nargs="+", metavar="MAILBOX")
    ev.add_argument("--labels", metavar="FILE", required=True, help="labels JSONL beside the mailbox")
    common(ev, local_required=True)
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.add_argument("--jsonl", metavar="OUT", help="also write the labelled records with signal strengths "
                                                   "(input of vecguard tune)")
    ev.add_argument("--worst", metavar="N", type=int, default=10, help="worst cases listed (default 10)")
    ev.set_defaults(func=cmd_eval)

    tune = sub.add_parser("tune", help="fit signal weights and thresholds on eval records (needs the fit extra)")
    from .tune import add_arguments as tune_arguments

    tune_arguments(tune)
    tune.set_defaults(func=cmd_tune)

    def config(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", metavar="FILE", default=None,
                       help="daemon settings (default: $VECGUARD_CONFIG or /etc/vecguard/vecguard.toml if present)")

    check = sub.add_parser("check", help="validate the settings file, the policy (and the database URL with --db)")
    common(check)
    config(check)
    check.set_defaults(func=cmd_check)

    milter = sub.add_parser("milter", help="run the Postfix milter daemon")
    common(milter)
    config(milter)
    milter.add_argument("--socket", metavar="SPEC", default=None,
                        help="libmilter socket: unix:/PATH or inet:PORT@HOST (default: unix:/run/vecguard/milter.sock)")
    auth(milter)
    milter.add_argument("--workers", metavar="N", type=int, default=None,
                        help="milter processes pre-forked on the one socket (default 1)")
    milter.set_defaults(func=cmd_milter)

    prune = sub.add_parser("prune", help="delete decision-log and thread-index rows older than DAYS")
    prune.add_argument("--older-than", metavar="DAYS", type=int, required=True)
    prune.add_argument("--db", metavar="URL", default=None, help="history store (default: the settings' db_url)")
    prune.add_argument("--policy", default=None, help=argparse.SUPPRESS)
    prune.add_argument("--local-domain", action="append", default=None, help=argparse.SUPPRESS)
    config(prune)
    prune.set_defaults(func=cmd_prune)

    db = sub.add_parser("db", help="history database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_sub.add_parser("upgrade", help="create the schema, or upgrade it to this version's")
    db_upgrade.add_argument("--db", metavar="URL", default=None, help="history store (default: the settings' db_url)")
    db_upgrade.add_argument("--policy", default=None, help=argparse.SUPPRESS)
    db_upgrade.add_argument("--local-domain", action="append", default=None, help=argparse.SUPPRESS)
    config(db_upgrade)
    db_upgrade.set_defaults(func=cmd_db_upgrade)

    from .review_cli import add_parsers

    add_parsers(sub, config)
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

"""The Postfix milter: glue between libmilter's callbacks and the engine, nothing else.

Lifecycle (pymilter's template.py): connect/hello/envfrom/envrcpt keep envelope fields; header/eoh/body
append to a size-capped buffer. None of them replies (``@noreply``: Postfix does not wait for a round
trip per command, which under load costs a thread wake-up and a wait for the GIL each); all work happens
at end-of-message (``eom``): build the Envelope, run ``Engine.decide`` and ``Engine.learn`` in one store session, act:

- ``hold``: quarantine (Postfix's hold queue) plus the headers, so a released message still says why;
  the decision record, with the ``{i}`` queue id, is stored by ``learn`` (Postfix drops the reason text);
- ``tag``: ``X-VECGuard-Score``, ``-Action``, ``-Signals`` and the optional subject prefix;
- ``pass``: the score header only, or nothing (``pass_header``);
- ``error`` (exception, store outage, time budget overrun): the fail mode, ``accept`` with
  ``X-VECGuard-Action: error`` or ``tempfail`` (451, the client retries). Mail is never lost.

The time budget bounds the whole end-of-message work, store included. libmilter already runs one thread
per SMTP connection, but that thread cannot be interrupted while a database call hangs, so the work runs
on a small worker pool and the connection thread waits at most ``time_budget_ms`` for it. On overrun the
message gets the fail mode at once; the abandoned worker rolls its transaction back when it returns (so
a message answered with the fail mode teaches nothing), and on PostgreSQL a ``statement_timeout`` equal
to the budget makes the server cancel the hung statement, so a worker is never stuck for long.

Sender authentication (``verify_auth``): DKIM/SPF/DMARC by DNS for mail without trusted
Authentication-Results, with the SMTP session's client address, HELO and MAIL FROM, within
``auth_budget_ms`` (below the time budget). With SQLite the DNS wait happens outside the writers' lock.

Forged Authentication-Results (``remove_forged_auth``, on by default with ``authserv_ids``): for each
trusted authserv-id the topmost header is the writer's (it inserts at the top) and any lower header claiming
the same id was in the message when it arrived: those are deleted with ``chgheader`` (RFC 8601 section 5),
exactly the ones the scorer already ignores (vecguard.auth.forged_results). Headers of other ids are left
alone. Postfix shows a milter the headers added by milters listed before it in ``smtpd_milters``, in place,
and counts them in ``chgheader`` indexes (measured with Postfix 3.7), so OpenDKIM/OpenDMARC listed before
vecguard are read and kept, provided each writes one header under its own authserv-id.

Mail from our own users teaches the baseline: From a local domain, authenticated (``{auth_authen}``), or
received on a submission listener (Postfix ``{daemon_name}`` in ``submission_daemon_names``).

libmilter treats SIGTERM, SIGINT and SIGHUP as "stop": ``Milter.main()`` returns after the running
connections finish, and :func:`run` then closes the pool and the store. With ``workers`` > 1 the socket
is opened once and pre-forked worker processes accept on it; the parent forwards the stop signals.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from functools import wraps
from typing import Any, Final, TypeVar

import Milter

from .auth import authserv_id
from .engine import Engine, Outcome
from .envelope import Envelope
from .errors import StoreError, VecguardError
from .features import Context
from .history.store import Store
from .policy import Policy
from .report import signal_list, summary_line
from .settings import Settings, dns_verifier, removes_forged_auth

log = logging.getLogger(__name__)

NAME: Final = "vecguard"
WORKERS: Final = 16  # end-of-message jobs at once; more connections queue (and meet the time budget)
STORE_RETRY_SECONDS: Final = 5.0  # after a failed open, messages get the fail mode at once until then
SIGNAL_LIMIT: Final = 8  # signals in the header (the rest are in the log and the decision record)

F = TypeVar("F", bound=Callable[..., Any])

# pymilter is untyped: its constants and decorators, typed once here.
CONTINUE: Final[int] = Milter.CONTINUE
TEMPFAIL: Final[int] = Milter.TEMPFAIL
noreply: Callable[[F], F] = Milter.noreply
as_bytes: Callable[[F], F] = Milter.decode("bytes")


class _Abandoned(Exception):
    """Raised in a worker whose message was already answered with the fail mode: roll back."""


@dataclass(frozen=True, slots=True)
class Result:
    """What the end-of-message work produced: an outcome, or why the fail mode applies."""

    outcome: Outcome | None
    error: str | None = None
    learned: bool = False
    elapsed_ms: float = 0.0


class _LockReleasingVerifier:
    """The DNS verifier, run with the SQLite writers' lock released: a message waiting on DNS must not
    hold up every other message (nothing has touched the database yet when the engine verifies)."""

    def __init__(self, verifier: Any, lock: threading.Lock) -> None:
        self.verifier = verifier
        self.lock = lock
        self.held = threading.local()

    def verify(self, *args: Any, **kwargs: Any) -> Any:
        if not getattr(self.held, "value", False):
            return self.verifier.verify(*args, **kwargs)
        self.lock.release()
        try:
            return self.verifier.verify(*args, **kwargs)
        finally:
            self.lock.acquire()


class Runtime:
    """What every connection shares: settings, the engine, the store (opened lazily), the worker pool.

    The engine and policy are immutable; the store is thread-safe (each message opens its own session).
    """

    def __init__(self, settings: Settings, policy: Policy, store_factory: Callable[[str | None], Store] | None = None,
                 writer_lock: Any = None) -> None:
        self.settings = settings
        # The buffer cap and the parser's limit are the same number, so a capped buffer is always seen as
        # over the limit: headers only, BODY_NOT_SCANNED, never a silently truncated body.
        cap = min(settings.max_message_bytes, policy.max_message_bytes)
        self.policy = replace(policy, max_message_bytes=cap)
        self.max_bytes = cap
        # One SQLite writer at a time; shared by the pre-forked workers (a process-shared lock) if any.
        self._sqlite_lock = writer_lock if writer_lock is not None else threading.Lock()
        verifier = dns_verifier(settings)
        self.dns = _LockReleasingVerifier(verifier, self._sqlite_lock) if verifier is not None else None
        self.engine = Engine(self.policy, Context(local_domains=frozenset(settings.local_domains),
                                                  authserv_ids=frozenset(settings.authserv_ids),
                                                  max_links=policy.max_links), self.dns)
        self.remove_forged = removes_forged_auth(settings)
        self.our_ids = frozenset(settings.authserv_ids)
        self.budget = settings.time_budget_ms / 1000.0
        self._store_factory = store_factory or (lambda url: Store(url))
        self._store: Store | None = None
        self._store_lock = threading.Lock()
        self._retry_at = 0.0
        self._store_error = ""
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="vecguard-eom")

    def warm_up(self) -> None:
        """Score one made-up message against an empty baseline, so the first real message does not pay
        for lazy imports and tables (about 130 ms here)."""
        from .baseline import Baseline
        from .pipeline import analyse, judge

        raw = (b"From: Warm Up <warm@up.example>\r\nTo: someone@" + (self.settings.local_domains or ("x.example",))[0]
               .encode() + b"\r\nSubject: invoice\r\nMessage-ID: <w@up.example>\r\nContent-Type: text/html\r\n\r\n"
               b'<a href="https://files.up.example/doc">doc</a>\r\n')
        judge(analyse(Envelope(raw=raw), self.policy, self.engine.ctx), Baseline(), self.policy, self.engine.ctx)

    # ------------------------------------------------------------------------------------------ store

    def store_url(self) -> str | None:
        """The database URL, with a PostgreSQL ``statement_timeout`` of the time budget added."""
        url = self.settings.db_url
        if url and url.startswith("postgresql"):
            from sqlalchemy.engine import make_url

            parsed = make_url(url)
            options = parsed.query.get("options", "")
            if isinstance(options, str) and "statement_timeout" not in options:
                timeout = f"-c statement_timeout={self.settings.time_budget_ms}"
                parsed = parsed.update_query_dict({"options": f"{options} {timeout}".strip()})
                return parsed.render_as_string(hide_password=False)
        return url

    def store(self) -> Store:
        """The open store, opening it if needed; StoreError while it cannot be opened (retried at most
        every STORE_RETRY_SECONDS, so an outage costs each message nothing but the fail mode)."""
        with self._store_lock:
            if self._store is not None:
                return self._store
            now = time.monotonic()
            if now < self._retry_at:
                raise StoreError(self._store_error)
            try:
                self._store = self._store_factory(self.store_url())
            except StoreError as exc:
                self._retry_at = now + STORE_RETRY_SECONDS
                self._store_error = str(exc)
                raise
            return self._store

    def close(self) -> None:
        """Stop the pool (queued jobs are cancelled) and close the store's connections."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    # ------------------------------------------------------------------------------------------- work

    def evaluate(self, envelope: Envelope) -> Result:
        """Decide and learn one message within the time budget; never raises."""
        start = time.perf_counter()
        abandoned = threading.Event()
        try:
            future: Future[tuple[Outcome, bool]] = self._pool.submit(self._work, envelope, abandoned)
        except RuntimeError as exc:  # the pool is shut down: we are stopping
            return Result(None, f"shutting down: {exc}")
        try:
            outcome, learned = future.result(timeout=self.budget)
        except FutureTimeout:
            abandoned.set()
            future.cancel()
            return Result(None, f"time budget of {self.settings.time_budget_ms} ms exceeded",
                          elapsed_ms=(time.perf_counter() - start) * 1000)
        except StoreError as exc:
            return Result(None, f"store unavailable: {exc}", elapsed_ms=(time.perf_counter() - start) * 1000)
        except Exception as exc:  # fail safe: any bug becomes the fail mode, never a lost message
            log.exception("%s: end-of-message work failed", envelope.queue_id or "-")
            return Result(None, f"internal error: {type(exc).__name__}: {exc}",
                          elapsed_ms=(time.perf_counter() - start) * 1000)
        elapsed = (time.perf_counter() - start) * 1000
        if outcome.error is not None:
            return Result(outcome, outcome.decision.reason, learned, elapsed)
        return Result(outcome, None, learned, elapsed)

    def _work(self, envelope: Envelope, abandoned: threading.Event) -> tuple[Outcome, bool]:
        store = self.store()
        # SQLite has one writer at a time, and a writer that finds the lock taken sleeps in growing steps
        # (1, 2, 5 ... 100 ms) before retrying: eight connections at once made the 99th percentile 800 ms.
        # Queueing on a lock in the process instead costs nothing (the GIL serialises the work anyway).
        # PostgreSQL sessions run in parallel; the server orders the row locks.
        serial = self._sqlite_lock if store.dialect == "sqlite" else contextlib.nullcontext()
        outcome: Outcome | None = None
        learned = False
        if self.dns is not None:
            self.dns.held.value = store.dialect == "sqlite"
        try:
            with serial, store.session() as session:
                outcome = self.engine.decide(envelope, session)
                if outcome.error is None:
                    learned = self.engine.learn(outcome, session, queue_id=envelope.queue_id)
                if abandoned.is_set():
                    raise _Abandoned
        except _Abandoned:
            log.warning("%s: finished after the time budget; nothing learned", envelope.queue_id or "-")
            learned = False
        except StoreError:
            if outcome is None:
                raise
            # The decision stands; only its commit failed (engine.learn logged nothing for this).
            log.warning("%s: storing the decision failed; nothing learned", envelope.queue_id or "-")
            learned = False
        assert outcome is not None
        return outcome, learned


def _address(hostaddr: Any) -> str | None:
    """The client IP of libmilter's ``hostaddr``: a tuple (ip, port, ...) for IPv4/IPv6, else nothing
    (pymilter's TestCtx passes the bare string)."""
    value = hostaddr[0] if isinstance(hostaddr, tuple) and hostaddr else hostaddr
    try:
        return str(ipaddress.ip_address(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _header_value(text: str) -> str:
    """ASCII, one logical line per signal: a folded header survives every MTA and stays under 998."""
    parts = [p.encode("ascii", "backslashreplace").decode("ascii") for p in text.split("; ") if p]
    return ";\n\t".join(parts)


def fail_safe(method: F) -> F:
    """Turn an unexpected exception in a callback into the configured fail mode, logged with the queue id.

    pymilter would otherwise answer 451 itself (POSTFIX.md), whatever the configured fail mode says.
    """

    @wraps(method)
    def wrapper(self: VecguardMilter, *args: Any) -> Any:
        try:
            return method(self, *args)
        except Exception as exc:  # the one place callbacks fail safe (STYLE.md section 3)
            name = method.__name__
            log.exception("%s: %s failed", self.queue_id(), name)
            reason = f"internal error in {name}: {type(exc).__name__}"
            if name in ("connect", "hello"):
                self._conn_failure = reason
            else:
                self._failure = reason
            if name != "eom":
                # Answer CONTINUE (@noreply callbacks may not answer anything else); eom applies the mode.
                return CONTINUE
            if self.runtime.settings.fail_mode == "tempfail":
                with contextlib.suppress(Exception):  # best effort: without it Postfix still says 451
                    self.setreply("451", "4.3.0", "vecguard: temporary failure, please try again later")
                return TEMPFAIL
            with contextlib.suppress(Exception):  # the header is best effort; the message goes on regardless
                self.addheader("X-VECGuard-Action", "error")
            with contextlib.suppress(Exception):
                self._remove_forged(self.queue_id())
            return CONTINUE

    return wrapper  # type: ignore[return-value]


class VecguardMilter(Milter.Base):  # type: ignore[misc]
    """One SMTP connection. libmilter calls it from that connection's thread only."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._client_address: str | None = None
        self._client_name: str | None = None
        self._helo: str | None = None
        self._submission = False
        self._conn_failure: str | None = None
        self._reset()

    def _reset(self) -> None:
        # Per message: one connection can carry several (RSET, or a second MAIL FROM).
        self._buf = bytearray()
        self._mail_from: str | None = None
        self._rcpts: list[str] = []
        self._subject: str | None = None
        self._authenticated = False
        self._failure: str | None = None
        self._ar_count = 0  # Authentication-Results headers seen (chgheader counts them by name)
        self._ar_seen: set[str] = set()  # trusted authserv-ids met so far (the first one is the writer's)
        self._forged: list[int] = []  # lower copies of a trusted id: removed at end of message

    def queue_id(self) -> str:
        """Postfix's queue id (macro ``i``), "-" before it is known."""
        try:
            value = self.getsymval("i")
        except Exception:  # noqa: BLE001  no context (closed connection): the label is only for logs
            return "-"
        return str(value) if value else "-"

    def _append(self, data: bytes) -> None:
        room = self.runtime.max_bytes + 1 - len(self._buf)
        if room > 0:
            self._buf += data[:room]

    # --------------------------------------------------------------------------------- callbacks

    @noreply
    @fail_safe
    def connect(self, hostname: str, family: int, hostaddr: Any) -> int:
        """Keep the client's name and address (first external hop for the features)."""
        self._client_name = hostname
        self._client_address = _address(hostaddr)
        daemon = self.getsymval("{daemon_name}")
        self._submission = bool(daemon) and daemon in self.runtime.settings.submission_daemon_names
        return CONTINUE

    @noreply
    @fail_safe
    def hello(self, heloname: str) -> int:
        """Keep the HELO name."""
        self._helo = heloname
        return CONTINUE

    @noreply
    @fail_safe
    def envfrom(self, mailfrom: str, *params: str) -> int:
        """A new message starts: reset, keep the sender and whether the client authenticated."""
        self._reset()
        self._mail_from = mailfrom.strip("<>") or None
        self._authenticated = bool(self.getsymval("{auth_authen}")) or self._submission
        return CONTINUE

    @noreply
    @fail_safe
    def envrcpt(self, to: str, *params: str) -> int:
        """Keep each envelope recipient."""
        self._rcpts.append(to.strip("<>"))
        return CONTINUE

    @noreply
    @as_bytes
    @fail_safe
    def header(self, field: str, value: bytes) -> int:
        """Buffer one header field as received (bytes: no decoding on the hot path)."""
        name = field.lower()
        if self._subject is None and name == "subject":
            self._subject = value.decode("utf-8", "replace")
        elif name == "authentication-results" and self.runtime.remove_forged:
            self._ar_count += 1
            serv = authserv_id(value.decode("utf-8", "replace"))
            if serv in self.runtime.our_ids:
                if serv in self._ar_seen:
                    self._forged.append(self._ar_count)  # below the writer's own: arrived from outside
                self._ar_seen.add(serv)
        self._append(field.encode("ascii", "replace") + b": " + value + b"\r\n")
        return CONTINUE

    @noreply
    @fail_safe
    def eoh(self) -> int:
        """The blank line between header and body."""
        self._append(b"\r\n")
        return CONTINUE

    @noreply
    @fail_safe
    def body(self, chunk: bytes) -> int:
        """Buffer body bytes up to the size limit (one byte over marks the message as oversized)."""
        self._append(chunk)
        return CONTINUE

    @fail_safe
    def eom(self) -> int:
        """All the work: decide, learn, act. Never loses the message."""
        queue_id = self.queue_id()
        failure = self._failure or self._conn_failure
        if failure is not None:
            result = Result(None, failure)
        else:
            envelope = Envelope(
                raw=bytes(self._buf), mail_from=self._mail_from, rcpt_to=tuple(self._rcpts),
                client_address=self._client_address, client_name=self._client_name, helo=self._helo,
                queue_id=None if queue_id == "-" else queue_id, authenticated=self._authenticated,
            )
            result = self.runtime.evaluate(envelope)
        rc = self._act(result)
        if rc != TEMPFAIL:
            self._remove_forged(queue_id)
        self._log(queue_id, result)
        self._reset()
        if rc == TEMPFAIL:
            self.setreply("451", "4.3.0", "vecguard: temporary failure, please try again later")
        return rc

    def abort(self) -> int:
        """The client gave up (or RSET): forget the message."""
        self._reset()
        return CONTINUE

    # ------------------------------------------------------------------------------------- acting

    def _act(self, result: Result) -> int:
        settings = self.runtime.settings
        if result.error is not None or result.outcome is None:
            if settings.fail_mode == "tempfail":
                return TEMPFAIL
            self.addheader("X-VECGuard-Action", "error")
            return CONTINUE
        decision = result.outcome.decision
        score = f"{decision.report.score:g}"
        if decision.action == "pass":
            if settings.pass_header == "score":
                self.addheader("X-VECGuard-Score", score)
            return CONTINUE
        self.addheader("X-VECGuard-Score", score)
        self.addheader("X-VECGuard-Action", decision.action)
        signals = signal_list(decision, limit=SIGNAL_LIMIT)
        if signals:
            self.addheader("X-VECGuard-Signals", _header_value(signals))
        if decision.action == "tag" and settings.subject_prefix:
            subject = settings.subject_prefix + (self._subject or "").lstrip()
            if self._subject is None:
                self.addheader("Subject", subject)
            else:
                self.chgheader("Subject", 1, subject)
        if decision.action == "hold":
            # Postfix ignores the reason text; the decision record keeps it (with the queue id).
            self.quarantine(summary_line(decision, self.runtime.policy)[:200] or "vecguard hold")
        return CONTINUE

    def _remove_forged(self, queue_id: str) -> None:
        """Delete the forged copies of trusted Authentication-Results (highest index first, so the lower
        indexes still name the same headers)."""
        for index in reversed(self._forged):
            self.chgheader("Authentication-Results", index, "")
        if self._forged:
            log.info("%s: removed %d forged Authentication-Results", queue_id, len(self._forged))

    def _log(self, queue_id: str, result: Result) -> None:
        """The one INFO line per message."""
        mode = self.runtime.settings.fail_mode
        if result.outcome is None or result.error is not None:
            log.info("%s: from=<%s> rcpts=%d action=error fail_mode=%s ms=%.1f reason=%s", queue_id,
                     self._mail_from or "", len(self._rcpts), mode, result.elapsed_ms, result.error)
            return
        decision = result.outcome.decision
        log.info("%s: from=<%s> rcpts=%d score=%g action=%s%s ms=%.1f %s", queue_id, self._mail_from or "",
                 len(self._rcpts), decision.report.score, decision.action, "" if result.learned else " unlearned",
                 result.elapsed_ms, signal_list(decision, limit=5, evidence=False))


def run(settings: Settings, policy: Policy) -> None:
    """Serve the milter on ``settings.socket`` until SIGTERM; then close the pool and the store.

    With ``workers`` > 1 the socket is opened once and that many processes are forked to accept on it
    (libmilter in pre-forked children): each has its own threads, engine and store connections, so the
    message work is no longer serialised by one interpreter's GIL. SQLite writers still take turns, on a
    lock shared by the processes. The parent only forwards SIGTERM/SIGINT/SIGHUP and waits."""
    if settings.workers <= 1:
        runtime = Runtime(settings, policy)
        _serve(runtime, settings, policy)
        return
    import multiprocessing

    writer_lock = multiprocessing.get_context("fork").Lock()
    parent = Runtime(settings, policy)
    parent.warm_up()  # imports and lazy tables once, shared copy-on-write by the children
    with contextlib.suppress(StoreError):  # create the schema once, not in a race between the workers
        parent.store()
    parent.close()  # no connection crosses the fork
    _register(settings)
    before = _listening_sockets()
    _open_socket(settings)
    for fd in _listening_sockets() - before:
        # Every worker polls the one socket and all of them wake for a connection; with a blocking socket
        # the losers of the race would sleep in accept() and miss SIGTERM until the next connection came.
        os.set_blocking(fd, False)  # accept() then fails with EAGAIN and libmilter goes back to polling
    children = []
    parent_pid = os.getpid()
    for _ in range(settings.workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own runtime (threads and connections do not survive a fork)
            _die_with(parent_pid)
            code = 0
            try:
                _serve(Runtime(settings, policy, writer_lock=writer_lock), settings, policy, registered=True)
            except BaseException:  # logged; the parent sees the exit status
                log.exception("milter worker failed")
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    _supervise(children)


def _register(settings: Settings) -> None:
    """libmilter's callbacks, connection spec and registration: pymilter's runmilter() up to opensocket."""
    Milter.set_connect_callback(Milter.connect_callback)
    Milter.set_helo_callback(lambda ctx, host: ctx.getpriv().hello(host))
    Milter.set_envfrom_callback(lambda ctx, *b: ctx.getpriv().envfrom_bytes(*b))
    Milter.set_envrcpt_callback(lambda ctx, *b: ctx.getpriv().envrcpt_bytes(*b))
    Milter.set_header_callback(lambda ctx, f, v: ctx.getpriv().header_bytes(f, v))
    Milter.set_eoh_callback(lambda ctx: ctx.getpriv().eoh())
    Milter.set_body_callback(lambda ctx, chunk: ctx.getpriv().body(chunk))
    Milter.set_eom_callback(lambda ctx: ctx.getpriv().eom())
    Milter.set_abort_callback(lambda ctx: ctx.getpriv().abort())
    Milter.set_close_callback(Milter.close_callback)
    Milter.setconn(settings.socket)
    Milter.register(NAME, data=lambda ctx: ctx.getpriv().data(), unknown=lambda ctx, cmd: ctx.getpriv().unknown(cmd),
                    negotiate=Milter.negotiate_callback if Milter.getversion() >= (1, 0, 1) else None)
    Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.QUARANTINE)


def _die_with(parent_pid: int) -> None:
    """Linux: a worker gets SIGTERM when the parent dies (even by SIGKILL), so no worker outlives it."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)


def _open_socket(settings: Settings) -> None:
    """libmilter's listening socket; a one-line error (no traceback) when it cannot be created."""
    try:
        Milter.opensocket(True)
    except Milter.error as exc:
        raise VecguardError(f"milter: cannot open socket {settings.socket}: {exc} (does the directory exist, "
                            "and may this user write to it?)") from None


def _listening_sockets() -> set[int]:
    """This process's listening sockets (Linux /proc; empty where there is none)."""
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc/self/fd"):
            try:
                sock = socket.socket(fileno=int(name))
            except OSError:  # not a socket (or already closed: the listing's own descriptor)
                continue
            try:
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                    found.add(sock.fileno())
            except OSError:
                pass
            finally:
                sock.detach()
    return found


def _supervise(children: list[int]) -> None:
    """Forward stop signals to the workers and wait for all of them; if one dies, stop the others (the
    service manager restarts the lot)."""
    def forward(signum: int, _frame: Any) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    log.info("vecguard milter: %d worker processes", len(children))
    remaining = set(children)
    failed = False
    while remaining:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid in remaining:
            remaining.discard(pid)
            if status != 0 and remaining:
                failed = True
                log.error("milter worker %d exited with status %d; stopping the others", pid, status)
                forward(signal.SIGTERM, None)
    log.info("vecguard milter stopped")
    if failed:
        raise SystemExit(1)


def _serve(runtime: Runtime, settings: Settings, policy: Policy, registered: bool = False) -> None:
    runtime.warm_up()
    try:
        runtime.store()
    except StoreError as exc:  # not fatal: each message gets the fail mode until the store opens
        log.warning("history store unavailable at start (fail mode %s until it opens): %s",
                    settings.fail_mode, exc)
    Milter.factory = lambda: VecguardMilter(runtime)
    Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.QUARANTINE)
    log.info("vecguard milter listening on %s (policy %s, fail mode %s, time budget %d ms)", settings.socket,
             ", ".join(policy.sources) or "-", settings.fail_mode, settings.time_budget_ms)
    try:
        if registered:
            Milter.main()
        else:
            _register(settings)
            _open_socket(settings)
            Milter.main()
    finally:
        runtime.close()
        if not registered:
            log.info("vecguard milter stopped")

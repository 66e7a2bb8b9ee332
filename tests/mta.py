"""Real parts for milter tests: a throwaway Postfix instance, an aiosmtpd sink, a `vecguard milter` process.

Recipes from ../shared/POSTFIX.md. Postfix needs root (the ``postfix`` command is reserved for the
superuser) and every parent directory of its instance directory must be enterable by user postfix, so
instances live in ``tempfile.mkdtemp(dir="/tmp")`` with mode 755, not in pytest's tmp_path (mode 700).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# How long the tests wait for something that must happen (mail reaching the sink, a hold, a log line): a
# deadline, not a delay, so it costs nothing when things work and only has to outlast a loaded CI machine.
DEADLINE = 60.0
# The milter's time budget in tests that are not about the budget: the default 3 s is a production
# trade-off, and a loaded 2-core CI machine must not turn a test's hold or tag into the fail mode. Below
# Postfix's milter_content_timeout (30 s, MAIN_CF).
GENEROUS_BUDGET_MS = 20_000


def with_budget(config: str = "") -> str:
    """Settings-file text: ``config`` plus the generous time budget, unless ``config`` sets one."""
    return config if "time_budget_ms" in config else f"time_budget_ms = {GENEROUS_BUDGET_MS}\n{config}"


def missing_parts() -> str | None:
    """Why the real-Postfix tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "real Postfix tests need root (the postfix command is reserved for the superuser)"
    if not shutil.which("postfix") and not Path("/usr/sbin/postfix").exists():
        return "postfix not installed (apt-get install postfix; .ci/run does)"
    try:
        import aiosmtpd  # noqa: F401
        import Milter  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} not installed (pip install -e '.[milter,test]'; needs libmilter-dev)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def world_dir(prefix: str) -> Path:
    """A temporary directory user postfix can enter (see the module docstring)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


# ------------------------------------------------------------------------------------------------ sink


@dataclass
class Sink:
    """An aiosmtpd server standing in for the mailbox server behind the gateway."""

    port: int
    messages: list[Message] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content or envelope.content)
        with self._lock:
            self.messages.append(msg)
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def find(self, message_id: str) -> Message | None:
        with self._lock:
            return next((m for m in self.messages if (m.get("Message-ID") or "").strip() == message_id), None)

    def wait_for(self, message_id: str, timeout: float = DEADLINE) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find(message_id)
            if found is not None:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{message_id} never reached the sink")

    def count(self) -> int:
        with self._lock:
            return len(self.messages)


# --------------------------------------------------------------------------------------------- postfix


MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {dir}/spool
data_directory = {dir}/data
maillog_file_prefixes = /var, /dev/stdout, {dir}
maillog_file = {dir}/postfix.log
myhostname = mx.gateway.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
smtp_dns_support_level = disabled
relayhost = [127.0.0.1]:{sink_port}
smtpd_milters = {milters}unix:{milter_socket}
non_smtpd_milters =
milter_protocol = 6
milter_default_action = {default_action}
milter_connect_timeout = 5s
milter_command_timeout = 10s
milter_content_timeout = 30s
queue_run_delay = 5s
default_process_limit = {process_limit}
smtp_connection_cache_on_demand = yes
"""


class Postfix:
    """One Postfix instance with its own config and queue under ``dir``, relaying to a sink."""

    def __init__(self, dir: Path, sink_port: int, milter_socket: Path, default_action: str = "accept",
                 process_limit: int = 50, milters_before: Sequence[str] = ()) -> None:
        """``milters_before``: milter socket specs listed before vecguard's in smtpd_milters."""
        self.dir = dir
        self.etc = dir / "etc"
        self.smtp_port = free_port()
        self.milter_socket = milter_socket
        self.etc.mkdir()
        (dir / "spool").mkdir()
        (dir / "data").mkdir()
        shutil.chown(dir / "data", "postfix", "postfix")
        (self.etc / "main.cf").write_text(MAIN_CF.format(
            dir=dir, sink_port=sink_port, milter_socket=milter_socket, default_action=default_action,
            process_limit=process_limit, milters="".join(f"{spec}, " for spec in milters_before)))
        (self.etc / "master.cf").write_text(self._master_cf())

    def _master_cf(self) -> str:
        lines = [f"127.0.0.1:{self.smtp_port} inet n - n - - smtpd"]
        for line in Path("/usr/share/postfix/master.cf.dist").read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split()
            if line[0].isspace():
                continue  # the -o / argv continuation lines of services we drop or keep bare
            if fields[0] == "smtp" and fields[1] == "inet":
                continue  # port 25: the test instance listens on its own port only
            if fields[1] == "unix" and fields[-1] in ("pipe",):
                continue
            if len(fields) >= 8:
                fields[4] = "n"  # no chroot: the instance directory is not a chroot jail
            lines.append(" ".join(fields))
        return "\n".join(lines) + "\n"

    def cmd(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*argv[:1], "-c", str(self.etc), *argv[1:]], capture_output=True, text=True,
                              timeout=60, check=check)

    def start(self) -> None:
        done = self.cmd("postfix", "start", check=False)
        if done.returncode != 0:
            raise RuntimeError(f"postfix start failed: {done.stderr.strip()} {self.log()[-2000:]}")
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"postfix did not listen: {self.log()[-2000:]}")

    def stop(self) -> None:
        self.cmd("postfix", "stop", check=False)

    def log(self) -> str:
        path = self.dir / "postfix.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_log(self, text: str, count: int = 1, timeout: float = DEADLINE) -> str:
        """The Postfix log once ``text`` is in it ``count`` times. Postfix daemons log through postlogd,
        which writes the file after the daemon moved on: a line may appear after what it describes."""
        return wait_in_log(self.log, "Postfix", text, count, timeout)

    def _smtpd_pids(self) -> set[int]:
        """The smtpd processes of this instance's master."""
        master = int((self.dir / "spool" / "pid" / "master.pid").read_text().split()[0])
        pids = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with suppress_missing(), suppress_gone():
                    stat = (entry / "stat").read_text()
                    name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
                    if name == "smtpd" and int(rest[1]) == master:
                        pids.add(int(entry.name))
        return pids

    def reload(self, timeout: float = DEADLINE) -> None:
        """``postfix reload`` and wait until it took effect: the master logged it, and every smtpd started
        under the old configuration has exited (idle ones do when the master lets them go), so that the
        next connection meets the new settings. ``postfix reload`` itself returns at once."""
        old = self._smtpd_pids()
        reloads = self.log().count("reload -- version")
        self.cmd("postfix", "reload")
        self.wait_log("reload -- version", count=reloads + 1, timeout=timeout)
        deadline = time.monotonic() + timeout
        while old & self._smtpd_pids():
            if time.monotonic() > deadline:
                raise AssertionError(f"smtpd {old & self._smtpd_pids()} still running after postfix reload")
            time.sleep(0.05)

    def queue(self) -> list[dict[str, Any]]:
        """``postqueue -j``: one dict per queued message (queue_name: incoming, active, deferred, hold)."""
        out = self.cmd("postqueue", "-j").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def held(self) -> list[dict[str, Any]]:
        return [q for q in self.queue() if q.get("queue_name") == "hold"]

    def wait_held(self, count: int, timeout: float = DEADLINE) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            held = self.held()
            if len(held) >= count:
                return held
            time.sleep(0.1)
        raise AssertionError(f"expected {count} held messages, queue: {self.queue()}")

    def wait_empty_except_hold(self, timeout: float = DEADLINE) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(q.get("queue_name") == "hold" for q in self.queue()):
                return
            time.sleep(0.1)
        raise AssertionError(f"queue did not drain: {self.queue()}")

    def postcat(self, queue_id: str) -> str:
        return self.cmd("postcat", "-q", queue_id).stdout

    def delete_held(self) -> None:
        self.cmd("postsuper", "-d", "ALL", "hold", check=False)

    def send(self, raw: bytes, mail_from: str, rcpts: Sequence[str]) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=60) as smtp:
            smtp.sendmail(mail_from, list(rcpts), raw)


# ---------------------------------------------------------------------------------------------- milter


class MilterProcess:
    """``vecguard milter`` in a subprocess, on a unix socket user postfix can write to."""

    def __init__(self, socket_path: Path, args: Iterable[str], log_path: Path, env: dict[str, str] | None = None,
                 config: str = ""):
        """``config``: settings-file text (``--config``), with the generous time budget unless it sets one."""
        self.socket_path = socket_path
        self.log_path = log_path
        self.args = list(args)
        self.env = env
        self.config = with_budget(config)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = DEADLINE) -> MilterProcess:
        with suppress_missing():
            self.socket_path.unlink()
        config = self.log_path.with_suffix(".toml")
        config.write_text(self.config)
        self._log = open(self.log_path, "ab")  # noqa: SIM115  closed by stop() or kill()
        environment = dict(os.environ, **(self.env or {}))
        environment.pop("VECGUARD_CONFIG", None)
        # umask 0: libmilter creates the socket with the process umask, and Postfix connects as user postfix.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vecguard", "milter", "--socket", f"unix:{self.socket_path}", "--config", str(config),
             *self.args],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT, env=environment, umask=0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.socket_path.exists():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"milter exited with {self.proc.returncode}: {self.log()}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"milter did not open its socket: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = DEADLINE) -> int | None:
        """SIGTERM and wait (libmilter stops after running connections finish); SIGKILL as a last resort."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if not self._log.closed:
            self._log.close()
        return self.proc.returncode

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(5)
        self._log.close()


@contextmanager
def suppress_missing() -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        pass


@contextmanager
def suppress_gone() -> Iterator[None]:
    """A /proc entry read while its process exits: ProcessLookupError, or a torn read."""
    try:
        yield
    except (ProcessLookupError, ValueError, IndexError):
        pass


@contextmanager
def running(milter: MilterProcess) -> Iterator[MilterProcess]:
    """Start a milter; always stop it, even when the test fails.

    Stopped with SIGKILL: libmilter notices SIGTERM only at its listener's next poll, about 5 s later,
    which would dominate the test time (graceful SIGTERM has its own test).
    """
    milter.start()
    try:
        yield milter
    finally:
        if milter.proc is not None and milter.proc.poll() is None:
            milter.kill()


def listening_socket_flags(pid: int, path: Path) -> int:
    """The file status flags (O_NONBLOCK ...) of process ``pid``'s listening unix socket at ``path``."""
    inodes = set()
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[7] == str(path) and int(fields[3], 16) & 0x10000:  # __SO_ACCEPTCON
            inodes.add(fields[6])
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with suppress_missing():
            if os.readlink(fd).removeprefix("socket:[").removesuffix("]") in inodes:
                fdinfo = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                return int(next(line.split()[1] for line in fdinfo.splitlines() if line.startswith("flags:")), 8)
    raise AssertionError(f"process {pid} has no listening socket at {path}")


def wait_for_log(milter: MilterProcess, text: str, timeout: float = DEADLINE, count: int = 1) -> str:
    """The milter log once ``text`` is in it ``count`` times."""
    return wait_in_log(milter.log, "milter", text, count, timeout)


def wait_in_log(read: Callable[[], str], what: str, text: str, count: int, timeout: float) -> str:
    """``read()`` once ``text`` is in it ``count`` times, polled until ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = read()
        if log.count(text) >= count:
            return log
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not {count} times in the {what} log: {read()[-3000:]}")

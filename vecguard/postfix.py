"""Postfix's hold queue, through Postfix's own commands (the I/O edge of ``vecguard held``).

    postqueue -j            the queue as JSON lines (queue_name "hold" for held mail)
    postcat -bh -q ID       the queued message: header and body as they will be delivered
    postsuper -H ID         release from hold (to the deferred queue) ... then
    postqueue -i ID         ... deliver it now
    postsuper -d ID hold    delete it, only if it is still on hold

Each takes ``-c DIR`` for a non-default instance. postsuper and postcat need root (or the postfix user);
every failure becomes a :class:`PostfixError` with one line saying why, never a traceback.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from .errors import VecguardError

TIMEOUT_S: Final = 30.0
QUEUE_ID: Final = re.compile(r"^[0-9A-Za-z]{5,32}$")  # short (hex) and long (base-52 + 'z'...) queue ids
SBIN_DIRS: Final = ("/usr/sbin", "/usr/local/sbin", "/sbin")


class PostfixError(VecguardError):
    """A Postfix command failed or could not be run; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One message in Postfix's queue, as ``postqueue -j`` reports it."""

    queue_id: str
    queue_name: str  # incoming | active | deferred | hold | maildrop
    arrival: datetime | None
    sender: str
    recipients: tuple[str, ...]
    size: int

    @property
    def held(self) -> bool:
        return self.queue_name == "hold"


def parse_queue(text: str) -> dict[str, QueueEntry]:
    """``postqueue -j`` output -> queue id -> entry. Lines that are not JSON objects are skipped."""
    entries: dict[str, QueueEntry] = {}
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict) or "queue_id" not in item:
            continue
        arrival = item.get("arrival_time")
        entries[str(item["queue_id"])] = QueueEntry(
            queue_id=str(item["queue_id"]),
            queue_name=str(item.get("queue_name", "")),
            arrival=datetime.fromtimestamp(arrival, UTC) if isinstance(arrival, int | float) else None,
            sender=str(item.get("sender", "")),
            recipients=tuple(str(r.get("address", "")) for r in item.get("recipients", []) if isinstance(r, dict)),
            size=int(item.get("message_size", 0) or 0),
        )
    return entries


def valid_queue_id(queue_id: str) -> bool:
    """Postfix queue ids are short hex or long base-52 names: anything else is refused before any command."""
    return bool(QUEUE_ID.match(queue_id))


class Queue:
    """One Postfix instance's queue; ``config_dir`` None means the default instance (/etc/postfix)."""

    def __init__(self, config_dir: str | Path | None = None) -> None:
        self.config_dir = str(config_dir) if config_dir else None
        if self.config_dir and not Path(self.config_dir, "main.cf").is_file():
            raise PostfixError(f"no Postfix configuration in {self.config_dir} (main.cf missing)")

    def _run(self, command: str, *args: str, text: bool = True) -> subprocess.CompletedProcess[str] | subprocess.CompletedProcess[bytes]:
        binary = shutil.which(command) or next((f"{d}/{command}" for d in SBIN_DIRS if Path(d, command).exists()), None)
        if binary is None:
            raise PostfixError(f"{command} not found: is Postfix installed? (apt-get install postfix)")
        argv = [binary, *(["-c", self.config_dir] if self.config_dir else []), *args]
        try:
            return subprocess.run(argv, capture_output=True, text=text, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise PostfixError(f"{command} did not answer within {TIMEOUT_S:g} s") from None
        except OSError as exc:
            raise PostfixError(f"cannot run {command}: {exc.strerror or exc}") from None

    @staticmethod
    def _why(command: str, done: subprocess.CompletedProcess[str] | subprocess.CompletedProcess[bytes]) -> str:
        err = done.stderr.decode(errors="replace") if isinstance(done.stderr, bytes) else done.stderr
        lines = [line for line in err.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        reason = re.sub(r"^\S*(postqueue|postsuper|postcat)(\[\d+\])?:\s*(fatal:\s*)?", "", reason)
        if "ermission denied" in reason or "super-user" in reason or "superuser" in reason:
            return f"{command}: no permission on the Postfix queue ({reason}); run as root"
        return f"{command}: {reason}"

    def entries(self) -> dict[str, QueueEntry]:
        """Every queued message (all queues), by queue id."""
        done = self._run("postqueue", "-j")
        if done.returncode != 0:
            raise PostfixError(self._why("postqueue", done))
        out = done.stdout if isinstance(done.stdout, str) else done.stdout.decode()
        return parse_queue(out)

    def held(self) -> dict[str, QueueEntry]:
        """The messages on hold, by queue id."""
        return {qid: e for qid, e in self.entries().items() if e.held}

    def message(self, queue_id: str) -> bytes:
        """The queued message (header and body, as Postfix will deliver it), as bytes with LF line ends."""
        done = self._run("postcat", "-bh", "-q", queue_id, text=False)
        if done.returncode != 0 or not done.stdout:
            raise PostfixError(self._why("postcat", done))
        assert isinstance(done.stdout, bytes)
        return done.stdout

    def release(self, queue_id: str) -> None:
        """Take the message off hold and ask for delivery now."""
        done = self._run("postsuper", "-H", queue_id)
        if done.returncode != 0 or "released from hold" not in str(done.stderr):
            raise PostfixError(self._why("postsuper", done) if done.returncode else
                               f"postsuper: {queue_id} was not released (no longer on hold?)")
        done = self._run("postqueue", "-i", queue_id)
        if done.returncode != 0:  # released but not flushed: the next queue run delivers it
            raise PostfixError(self._why("postqueue", done) + " (released; delivery at the next queue run)")

    def delete(self, queue_id: str) -> None:
        """Delete the message, only from the hold queue."""
        done = self._run("postsuper", "-d", queue_id, "hold")
        if done.returncode != 0 or "removed" not in str(done.stderr):
            raise PostfixError(self._why("postsuper", done) if done.returncode else
                               f"postsuper: {queue_id} was not deleted (no longer on hold?)")


"""CPU per message of a running rspamd (or spamd) daemon over the first N messages of a corpus.

    .venv/bin/python benchmarks/peer_bench.py rspamd MBOX [--count 2000] [--clients 2]

The daemon must already be running (see docs/PERFORMANCE.md for the local-rules-only rspamd setup). The
first N messages are written to a temporary directory, then sent with ``rspamc -n CLIENTS`` (rspamd) or
one ``spamc`` per message over CLIENTS parallel workers (spamd); the daemon's CPU time is the sum of
utime + stime + cutime + cstime of all its processes (from /proc, the master, its workers and the reaped
workers) after minus before, divided by
N. The client's own CPU is not counted, as it is not counted for vecguard's scan either.
"""

from __future__ import annotations

import argparse
import mailbox
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def daemon_cpu(name: str) -> float:
    """Seconds of CPU used so far by every process whose command name starts with ``name``."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        if comm.startswith(name):
            fields = stat[stat.rindex(")") + 2:].split()
            # utime, stime, and cutime, cstime: spamd recycles its children, whose CPU then shows up in the
            # parent's cutime/cstime once reaped (fields 14-17 of stat)
            total += sum(int(v) for v in fields[11:15])
    return total / TICK


def write_messages(mbox: Path, count: int, out: Path) -> list[Path]:
    box = mailbox.mbox(mbox, create=False)
    paths = []
    for n, key in enumerate(box.iterkeys()):
        if n >= count:
            break
        path = out / f"{n:05d}.eml"
        path.write_bytes(box.get_bytes(key))
        paths.append(path)
    box.close()
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("daemon", choices=("rspamd", "spamd"))
    parser.add_argument("mbox", type=Path)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vecguard-peer-") as tmp:
        paths = write_messages(args.mbox, args.count, Path(tmp))
        proc = "rspamd" if args.daemon == "rspamd" else "spamd"
        cpu0, wall0 = daemon_cpu(proc), time.perf_counter()
        if args.daemon == "rspamd":
            subprocess.run(["rspamc", "-n", str(args.clients), "-t", "60", tmp], check=True,
                           stdout=subprocess.DEVNULL)
        else:
            def one(path: Path) -> None:
                with path.open("rb") as f:
                    subprocess.run(["spamc", "-c"], stdin=f, stdout=subprocess.DEVNULL, check=False)
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(one, paths))
        cpu, wall = daemon_cpu(proc) - cpu0, time.perf_counter() - wall0
    n = len(paths)
    print(f"{args.daemon} {args.mbox.name}: {n} messages, daemon CPU {1000 * cpu / n:.2f} ms/msg, "
          f"wall {n / wall:.0f} msg/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

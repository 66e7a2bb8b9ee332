"""Postfix with and without the vecguard milter: added latency, throughput, milter RSS, nothing lost.

    sudo .venv/bin/python benchmarks/milter_bench.py [--mbox PATH] [--messages 2000] [--connections 8]
                                                     [--rate MSGS_PER_S] [--workers N]

Needs root, Postfix and pymilter (see .ci/run). A throwaway Postfix instance (tests/mta.py, the recipe of
../shared/POSTFIX.md) relays to an aiosmtpd sink; the same messages are sent twice over ``--connections``
concurrent SMTP sessions, first with no milter, then with `vecguard milter` on a unix socket and a fresh
SQLite history (so the run also learns the mailbox as it goes). A message's latency is the time from
MAIL FROM to the 250 after its data, as the sending server sees it. "Added" compares the two runs'
percentiles. The count check waits for the queue to drain: sent = delivered to the sink + held.

Offered load: without ``--rate`` every connection sends its next message as soon as the last one is
accepted (flat out: on a small machine that measures the queue at saturation). With ``--rate R`` the
messages are scheduled at R per second in total, spread evenly over the connections (connection i sends
at t0 + (i + k * connections) / R); a message's latency still starts when it is actually sent, and
``late_p99_ms`` reports how far behind schedule the senders fell (a large value means the rate was
above what the system sustains, so the run was saturated after all). ``--workers N`` runs the milter
with N pre-forked processes on its one socket.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import shutil
import smtplib
import statistics
import sys
import threading
import time
from email.utils import getaddresses
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mta import MilterProcess, Postfix, Sink, free_port, missing_parts, world_dir

SMALL = 50_000  # the latency targets apply to messages up to 50 KB


def load(mbox: Path, count: int) -> list[tuple[bytes, str, list[str]]]:
    """The first ``count`` messages with an envelope sender and recipients taken from their headers."""
    box = mailbox.mbox(str(mbox), create=False)
    out: list[tuple[bytes, str, list[str]]] = []
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        msg = box.get_message(key)
        sender = next((a for _, a in getaddresses(msg.get_all("from") or []) if "@" in a), "bench@example.net")
        rcpts = [a for _, a in getaddresses((msg.get_all("x-original-to") or msg.get_all("delivered-to") or [])
                                            + (msg.get_all("to") or [])) if "@" in a][:20]
        out.append((raw, sender, list(dict.fromkeys(rcpts)) or ["someone@enron.com"]))
        if len(out) >= count:
            break
    return out


def send_all(port: int, messages: list[tuple[bytes, str, list[str]]], connections: int, rate: float | None = None,
             ) -> tuple[list[tuple[int, float]], float, int, list[float]]:
    """Send over ``connections`` sessions, flat out or at ``rate`` messages/s in total; returns
    ((size, seconds) per accepted message, wall time, refused, seconds behind schedule per message)."""
    latencies: list[tuple[int, float]] = []
    late: list[float] = []
    refused = 0
    lock = threading.Lock()
    t0 = time.perf_counter() + 0.5  # every connection is open by then

    def worker(index: int, share: list[tuple[bytes, str, list[str]]]) -> None:
        nonlocal refused
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
            for k, (raw, sender, rcpts) in enumerate(share):
                if rate is not None:
                    due = t0 + (index + k * connections) / rate
                    now = time.perf_counter()
                    if due > now:
                        time.sleep(due - now)
                    with lock:
                        late.append(max(0.0, time.perf_counter() - due))
                started = time.perf_counter()
                try:
                    smtp.sendmail(sender, rcpts, raw)
                except smtplib.SMTPException:
                    with lock:
                        refused += 1
                    smtp.rset()
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append((len(raw), elapsed))

    threads = [threading.Thread(target=worker, args=(i, messages[i::connections])) for i in range(connections)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - wall, refused, late


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(latencies: list[tuple[int, float]], wall: float, late: list[float]) -> dict[str, float]:
    small = [s for n, s in latencies if n <= SMALL]
    every = [s for _, s in latencies]
    return {
        "late_p99_ms": percentile(late, 0.99) * 1000 if late else 0.0,
        "messages": len(latencies), "wall_s": wall, "throughput_msg_s": len(latencies) / wall,
        "p50_ms": percentile(every, 0.50) * 1000, "p99_ms": percentile(every, 0.99) * 1000,
        "small_p50_ms": percentile(small, 0.50) * 1000, "small_p99_ms": percentile(small, 0.99) * 1000,
        "mean_ms": statistics.fmean(every) * 1000,
    }


def drain(postfix: Postfix, sink: Sink, sent: int, timeout: float = 300) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = len(postfix.held())
        if sink.count() + held >= sent and all(q.get("queue_name") == "hold" for q in postfix.queue()):
            return sink.count(), held
        time.sleep(0.5)
    return sink.count(), len(postfix.held())


def family(pid: int) -> list[int]:
    """The milter process and its pre-forked workers."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(c) for c in children.read_text().split())] if children.exists() else [pid]


def rss_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM summed over the milter's processes (workers share pages: an upper bound)."""
    fields = {"VmRSS": 0, "VmHWM": 0}
    for p in family(pid):
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in fields:
                fields[key] += int(value.split()[0])
    return fields


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the milter's processes so far (a CPU-time measure: not disturbed by load)."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in family(pid):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def engine_cpu_ms(messages: list[tuple[bytes, str, list[str]]], local_domain: str, base: Path) -> float:
    """CPU per message of the engine and store alone, as the milter uses them (one session and commit per
    message, fresh SQLite history), in this process: the milter's own overhead is its CPU minus this."""
    import logging

    from vecguard.cli import default_policy_dir
    from vecguard.engine import Engine
    from vecguard.envelope import Envelope
    from vecguard.features import Context
    from vecguard.history.store import Store
    from vecguard.policy import load_policy

    logging.disable(logging.INFO)
    engine = Engine(load_policy(default_policy_dir()), Context(local_domains=frozenset({local_domain})))
    store = Store(f"sqlite:///{base}/engine-only.db")
    try:
        started = time.process_time()
        for raw, sender, rcpts in messages:
            with store.session() as session:
                outcome = engine.decide(Envelope(raw=raw, mail_from=sender, rcpt_to=tuple(rcpts)), session)
                engine.learn(outcome, session)
        return (time.process_time() - started) * 1000 / len(messages)
    finally:
        store.close()
        logging.disable(logging.NOTSET)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mbox", type=Path, default=ROOT.parent / "shared/corpora/enron/enron_inbox_subset.mbox")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rate", type=float, default=None, metavar="MSGS_PER_S",
                        help="offered load in messages per second over all connections (default: flat out)")
    parser.add_argument("--workers", type=int, default=1, help="milter processes on the one socket (default 1)")
    parser.add_argument("--local-domain", default="enron.com")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    why = missing_parts()
    if why:
        print(f"milter_bench: {why}", file=sys.stderr)
        return 2
    messages = load(args.mbox, args.messages)
    sizes = [len(m[0]) for m in messages]
    print(f"{len(messages)} messages from {args.mbox.name}: median {statistics.median(sizes) / 1000:.1f} KB, "
          f"{sum(1 for s in sizes if s <= SMALL)} up to 50 KB; {args.connections} connections, "
          f"{f'{args.rate:g} msg/s offered' if args.rate else 'flat out'}, {args.workers} milter process(es)")

    base = world_dir("vecguard-bench-")
    sink = Sink(free_port())
    postfix: Postfix | None = None
    milter: MilterProcess | None = None
    results: dict[str, Any] = {}
    try:
        sink.start()
        postfix = Postfix(base, sink.port, base / "milter.sock")
        postfix.cmd("postconf", "-e", "smtpd_milters =")
        postfix.start()

        latencies, wall, refused, late = send_all(postfix.smtp_port, messages, args.connections, args.rate)
        delivered, held = drain(postfix, sink, len(messages))
        results["without"] = dict(summary(latencies, wall, late), refused=refused, delivered=delivered, held=held)

        milter = MilterProcess(base / "milter.sock", ["--db", f"sqlite:///{base}/history.db",
                                                      "--local-domain", args.local_domain,
                                                      *(["--workers", str(args.workers)] if args.workers > 1 else [])],
                               base / "milter.log")
        milter.start()
        postfix.cmd("postconf", "-e", f"smtpd_milters = unix:{base / 'milter.sock'}")
        postfix.cmd("postfix", "reload")
        time.sleep(1.0)
        before = sink.count()
        sink.messages.clear()
        assert milter.proc is not None
        cpu_before = cpu_seconds(milter.proc.pid)
        latencies, wall, refused, late = send_all(postfix.smtp_port, messages, args.connections, args.rate)
        delivered, held = drain(postfix, sink, len(messages))
        assert milter.proc is not None
        results["with"] = dict(summary(latencies, wall, late), refused=refused, delivered=delivered, held=held,
                               milter_rss_kb=rss_kb(milter.proc.pid),
                               milter_cpu_ms_per_msg=(cpu_seconds(milter.proc.pid) - cpu_before) * 1000 / len(messages))
        log = milter.log()
        results["with"]["actions"] = {a: log.count(f" action={a}") for a in ("pass", "tag", "hold", "error")}
        results["with"]["errors"] = [line for line in log.splitlines() if " action=error" in line][:3]
        # The milter's own end-of-message time (decide + learn + commit), from its per-message log line.
        work = [float(part[3:]) for line in log.splitlines() for part in line.split() if part.startswith("ms=")]
        results["with"]["eom_work_ms"] = {"p50": percentile(work, 0.5), "p99": percentile(work, 0.99)} if work else {}
        results["without"]["sink_before_second_run"] = before
        results["with"]["engine_alone_cpu_ms_per_msg"] = engine_cpu_ms(messages, args.local_domain, base)
    finally:
        if milter is not None:
            milter.stop()
        if postfix is not None:
            postfix.stop()
        sink.stop()
        shutil.rmtree(base, ignore_errors=True)

    w, wo = results["with"], results["without"]
    print(f"{'':>22} {'without':>10} {'with milter':>12} {'added':>8}")
    for key, label in (("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("small_p50_ms", "p50 ms (<=50 KB)"),
                       ("small_p99_ms", "p99 ms (<=50 KB)"), ("mean_ms", "mean ms"),
                       ("throughput_msg_s", "throughput msg/s"), ("late_p99_ms", "behind schedule p99 ms")):
        print(f"{label:>22} {wo[key]:>10.2f} {w[key]:>12.2f} {w[key] - wo[key]:>8.2f}")
    for name, run in (("without", wo), ("with", w)):
        lost = len(messages) - run["delivered"] - run["held"] - run["refused"]
        print(f"{name}: sent {len(messages)} = delivered {run['delivered']} + held {run['held']} "
              f"+ refused {run['refused']}; lost {lost}")
    print(f"milter RSS {w['milter_rss_kb']['VmRSS'] / 1024:.0f} MB (peak {w['milter_rss_kb']['VmHWM'] / 1024:.0f} MB); "
          f"actions {w['actions']}; end-of-message work in the milter p50 {w['eom_work_ms'].get('p50', 0):.2f} ms, "
          f"p99 {w['eom_work_ms'].get('p99', 0):.2f} ms")
    print(f"CPU a message: milter processes {w['milter_cpu_ms_per_msg']:.2f} ms, engine + store alone (one session "
          f"each) {w['engine_alone_cpu_ms_per_msg']:.2f} ms")
    for line in w["errors"]:
        print(f"error: {line[:300]}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    ok = all(len(messages) == r["delivered"] + r["held"] + r["refused"] for r in (w, wo))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

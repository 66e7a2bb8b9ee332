"""Time the offline scan per message: the first N messages of a corpus, with 0 or more messages of history.

    .venv/bin/python benchmarks/scan_bench.py MBOX --local-domain D [--count 2000] [--history 0 1000 10000 100000]

For each history size: a fresh SQLite store in a temporary directory is filled with that many synthetic
messages of history (benchmarks/store_bench.py's generator: ~1,400 organisations, threads, links, learned
through the store as the scanner learns them, not timed), then the first ``--count`` messages of MBOX are
scanned in Date order with learning on, through the scan loop itself (``vecguard.cli.replay``: decide,
learn, commit every 500). Per message it records the process CPU time and the wall time between two
results; it prints CPU per message (mean), messages per second (by CPU and by wall), p50/p99 wall latency
and the process's peak RSS (which, from 10k on, includes the synthetic history the benchmark keeps in
memory). One untimed warm-up scan comes first. Run one corpus at a time; CPU time is the steadier number.
"""

from __future__ import annotations

import argparse
import mailbox
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_bench import learn_all, synthesize

from vecguard.cli import default_policy_dir, replay
from vecguard.engine import Engine
from vecguard.evaluation import percentile
from vecguard.features import Context
from vecguard.history.store import Store
from vecguard.learn import lesson
from vecguard.offline import in_date_order
from vecguard.policy import load_policy


def first_messages(path: Path, count: int, out: Path) -> Path:
    """The first ``count`` messages of an mbox, copied to a temporary mbox (the scanner reads paths)."""
    src, dst = mailbox.mbox(path, create=False), mailbox.mbox(out)
    for n, key in enumerate(src.iterkeys()):
        if n >= count:
            break
        dst.add(src.get_bytes(key))
    dst.flush()
    dst.close()
    src.close()
    return out


def history_db(history: int, path: Path, cache: Path | None) -> None:
    """A SQLite store at ``path`` holding ``history`` synthetic messages; with ``cache``, the store is
    built once there (h{N}.db) and copied for every run (1M messages take about ten minutes to learn)."""
    if not history:
        return
    if cache is not None:
        built = cache / f"h{history}.db"
        if not built.exists():
            cache.mkdir(parents=True, exist_ok=True)
            history_db(history, cache / f"h{history}.building.db", None)
            (cache / f"h{history}.building.db").rename(built)
        shutil.copyfile(built, path)
        return
    store = Store(f"sqlite:///{path}")
    learn_all(store, [(f, lesson(f, "pass")) for f in synthesize(history)])
    store.close()


def run(sample: Path, local: list[str], history: int, tmp: Path, cache: Path | None = None) -> dict[str, float]:
    """Scan ``sample`` on a fresh store holding ``history`` synthetic messages; timings per message."""
    tmp.mkdir(exist_ok=True)
    db = tmp / f"h{history}.db"
    for old in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        old.unlink(missing_ok=True)
    history_db(history, db, cache)
    store = Store(f"sqlite:///{db}")
    engine = Engine(load_policy(default_policy_dir()), Context(local_domains=frozenset(local)))
    cpu: list[float] = []
    wall: list[float] = []
    with store.session() as session:
        _, envelopes = in_date_order([sample])
        c0, w0 = time.process_time(), time.perf_counter()
        start_c, start_w = c0, w0
        for _ in replay(engine, session, envelopes):
            c1, w1 = time.process_time(), time.perf_counter()
            cpu.append(c1 - c0)
            wall.append(w1 - w0)
            c0, w0 = c1, w1
        total_c, total_w = time.process_time() - start_c, time.perf_counter() - start_w
    store.close()
    n = len(cpu)
    return {"history": history, "messages": n, "cpu_ms": 1000 * total_c / n, "msgs_per_cpu_s": n / total_c,
            "msgs_per_wall_s": n / total_w, "p50_ms": 1000 * percentile(wall, 50),
            "p99_ms": 1000 * percentile(wall, 99),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mbox", type=Path)
    parser.add_argument("--local-domain", action="append", required=True)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--history", type=int, nargs="+", default=[0])
    parser.add_argument("--history-cache", type=Path, default=None,
                        help="directory keeping each synthetic history store (built once, copied per run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vecguard-bench-") as tmpdir:
        tmp = Path(tmpdir)
        sample = first_messages(args.mbox, args.count, tmp / "sample.mbox")
        print(f"{'history':>8} {'msgs':>5} {'CPU ms/msg':>10} {'msg/s CPU':>9} {'msg/s wall':>10} "
              f"{'p50 ms':>7} {'p99 ms':>7} {'peak RSS MB':>11}")
        run(sample, args.local_domain, 0, tmp / "warm")  # lazy imports and caches: not part of any row
        for history in args.history:
            r = run(sample, args.local_domain, history, tmp, args.history_cache)
            print(f"{r['history']:>8} {r['messages']:>5} {r['cpu_ms']:>10.2f} {r['msgs_per_cpu_s']:>9.0f} "
                  f"{r['msgs_per_wall_s']:>10.0f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} {r['peak_rss_mb']:>11.0f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time the history store: baseline() + learn() per message with 1k vs 20k messages of history.

    .venv/bin/python benchmarks/store_bench.py [--url URL] [--messages 20000] [--sample 1000]

Synthetic mail: about 1,400 vendor organisations (random syllable names) with 1-4 senders each, 300
local users, a third of the messages replies into recent threads of up to nine messages, one in ten
outbound, some with links and a Reply-To. Features are built directly (no parsing) and lessons are drawn
before timing, so the numbers are the store's alone. Modes:

- read: baseline() alone over the sample (best of three passes, nothing written);
- batch: the offline scanner, one session, baseline() + learn() per message, commit every 100;
- milter: one session per message (connection checkout, baseline, learn, commit).

Wall and CPU time are both printed: on a shared machine the CPU time is the steadier of the two.
With --url, the database must be empty (or hold only a previous run's schema).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vecguard.features import Address, AuthResults, Features, Hop
from vecguard.history.store import Store
from vecguard.learn import Lesson, lesson

LOCAL = "ours.example"
CLIENTS = ("outlook", "thunderbird", "apple mail", "gmail", "(none)")
SITES = ("dropbox.com", "sharepoint.com", "docs.google.com", "wetransfer.com", "canva.com", "r2.dev",
         "box.com", "onedrive.live.com")
SYLLABLES = ("har", "bor", "lo", "gis", "tic", "sup", "ply", "part", "con", "sult", "mar", "tin", "del",
             "ta", "nor", "vik", "sol", "ar", "quin", "tex", "ron", "ver", "dal", "mo")

Pairs = Sequence[tuple[Features, Lesson]]


def keys(domain: str) -> frozenset[str]:
    """vecguard.lookalike.index_keys when present, else symmetric deletes at distance 1."""
    try:
        from vecguard.lookalike import index_keys
    except ImportError:
        return frozenset({domain} | {domain[:i] + domain[i + 1:] for i in range(len(domain))})
    return index_keys(domain)


def _address(addr: str, name: str = "") -> Address:
    domain = addr.rsplit("@", 1)[1]
    parts = domain.split(".")
    return Address(addr, name, domain, ".".join(parts[-3:] if domain.endswith(".co.uk") else parts[-2:]))


def synthesize(count: int, seed: int = 1) -> list[Features]:
    """``count`` messages in date order."""
    rng = random.Random(seed)
    names = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(1500)}
    orgs = sorted(name + rng.choice((".com", ".co.uk", ".de")) for name in names)
    senders = [f"{rng.choice(('ann', 'bob', 'cy', 'dee', 'ed'))}{n}@{org}"
               for org in orgs for n in range(rng.randint(1, 4))]
    rng.shuffle(senders)
    users = [f"user{n}@{LOCAL}" for n in range(300)]
    threads: list[tuple[str, tuple[str, ...]]] = []  # (message id, references)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    result = []
    for n in range(count):
        date = start + timedelta(minutes=20 * n)
        outbound = rng.random() < 0.1
        external = rng.choice(senders[: 200 + n // 4])  # new correspondents keep arriving
        user = rng.choice(users)
        if outbound:
            sender, rcpts = user, [external]
        else:
            sender, rcpts = external, [user, *rng.sample(users, rng.choice((0, 0, 1, 3)))]
        message_id = f"{n}.{rng.getrandbits(32):x}@{sender.split('@')[1]}"
        in_reply_to: tuple[str, ...] = ()
        references: tuple[str, ...] = ()
        if threads and rng.random() < 0.33:
            parent, parent_refs = threads[-rng.randint(1, min(len(threads), 300))]
            if len(parent_refs) < 8:  # real threads are short: most under ten messages
                in_reply_to, references = (parent,), (*parent_refs, parent)
        threads.append((message_id, references))
        who = _address(sender, sender.split("@")[0].title())
        result.append(Features(
            sender=who, from_header=who, via_list=None,
            reply_to=(_address(f"billing@{rng.choice(orgs)}"),) if rng.random() < 0.05 else (),
            return_path=sender, to=tuple(_address(a) for a in rcpts), cc=(), envelope_rcpts=tuple(rcpts),
            local_recipients=tuple(a for a in rcpts if a.endswith("@" + LOCAL)),
            recipient_count=len(rcpts), undisclosed_count=0, direction="outbound" if outbound else "inbound",
            message_id=message_id, in_reply_to=in_reply_to, references=references,
            subject="s", subject_norm="s", reply_subject=bool(in_reply_to), links=(),
            link_sites=tuple(rng.sample(SITES, rng.choice((0, 0, 0, 1, 2)))),
            client=rng.choice(CLIENTS), hop=Hop(f"198.51.{rng.randint(0, 40)}.{rng.randint(1, 254)}", None, None),
            auth=AuthResults(dkim_domains=(who.org,)), date=date, hour=date.hour, bulk=False,
            body_scanned=True, size=2000,
        ))
    return result


def learn_all(store: Store, pairs: Pairs) -> None:
    """Learn without timing, committing every 500 messages."""
    with store.session() as s:
        for n, (_, item) in enumerate(pairs, 1):
            s.learn(item)
            if n % 500 == 0:
                s.commit()


def _clock(run: Callable[[], None], count: int) -> tuple[float, float]:
    """µs per message, wall and CPU."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return (time.perf_counter() - wall) / count * 1e6, (time.process_time() - cpu) / count * 1e6


def time_read(store: Store, pairs: Pairs) -> tuple[float, float]:
    """baseline() alone, best of three passes."""
    def run() -> None:
        with store.session() as s:
            for f, _ in pairs:
                s.baseline(f)
    return min((_clock(run, len(pairs)) for _ in range(3)), key=lambda t: t[1])


def time_batch(store: Store, pairs: Pairs) -> tuple[float, float]:
    """Offline mode: one session, baseline() + learn(), commit every 100."""
    def run() -> None:
        with store.session() as s:
            for n, (f, item) in enumerate(pairs, 1):
                s.baseline(f)
                s.learn(item)
                if n % 100 == 0:
                    s.commit()
    return _clock(run, len(pairs))


def time_milter(store: Store, pairs: Pairs) -> tuple[float, float]:
    """Milter mode: a session and a commit per message."""
    def run() -> None:
        for f, item in pairs:
            with store.session() as s:
                s.baseline(f)
                s.learn(item)
    return _clock(run, len(pairs))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print µs per message."""
    parser = argparse.ArgumentParser(description="Time the vecguard history store.")
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args(argv)
    small, sample = 1000, args.sample
    if args.messages < small + 2 * sample:
        parser.error(f"--messages must be at least {small + 2 * sample}")
    pairs = [(f, lesson(f, "pass")) for f in synthesize(args.messages + 2 * sample)]
    keys("warm-up.example")  # the lookalike tables load once per process; not the store's cost
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.url or f"sqlite:///{Path(tmp) / 'history.db'}", keys=keys)
        at = 0
        for history in (small, args.messages):
            learn_all(store, pairs[at:history])
            window = pairs[history:history + sample]
            read = time_read(store, window)
            batch = time_batch(store, window)
            milter = time_milter(store, pairs[history + sample:history + 2 * sample])
            at = history + 2 * sample
            rows.append((history, read, batch, milter))
        store.close()
    print(f"store: {args.url or 'sqlite (temp file)'}; µs per message, wall / cpu")
    print(f"{'history':>8} {'read (baseline)':>17} {'batch (baseline+learn)':>24} {'milter (session each)':>23}")
    for history, read, batch, milter in rows:
        print(f"{history:>8} {read[0]:>8.0f} / {read[1]:<6.0f} {batch[0]:>12.0f} / {batch[1]:<9.0f} "
              f"{milter[0]:>11.0f} / {milter[1]:<9.0f}")


if __name__ == "__main__":
    main()

"""Several gateways, one baseline: two `vecguard milter` processes learning into one PostgreSQL at once
must end with exactly the counts that one process learning the same mail alone produces.

Traffic goes over the milter protocol (miltertest, tests/lua.py), four streams at once, two per milter,
with the same users and vendors in every stream so that the upserts really meet on the same rows.
"""

from __future__ import annotations

import concurrent.futures
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from .helpers import LOCAL, START, message
from .lua import Feed, miltertest, run_script, script
from .mta import MilterProcess, running, world_dir
from .postgres import fresh_database

pytestmark = pytest.mark.skipif(miltertest() is None,
                                reason="miltertest not installed (apt-get install miltertest; .ci/run does)")
pytest.importorskip("Milter", reason="pymilter not installed (pip install -e '.[milter]'; needs libmilter-dev)")
psycopg = pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[test]')")

USERS = [f"user{i}@{LOCAL}" for i in range(3)]
VENDORS = [f"rep@vendor{i}.example" for i in range(12)]


def traffic() -> list[Feed]:
    """Outbound requests and inbound replies between three buyers and twelve vendors; nothing holds."""
    feeds: list[Feed] = []
    for v, vendor in enumerate(VENDORS):
        for round_ in range(3):
            user = USERS[(v + round_) % len(USERS)]
            day = START + timedelta(days=v * 3 + round_, hours=round_)
            ours = f"<req{v}.{round_}@{LOCAL}>"
            feeds.append(Feed(message(sender=f"Buyer <{user}>", to=f"Rep <{vendor}>", message_id=ours, date=day,
                                      subject=f"Order {v}-{round_}", hop=None, delivered_to=None), user, [vendor]))
            html = None
            if round_ == 2:
                html = f'<p>Invoice: <a href="https://portal.vendor{v}.example/inv/{round_}">invoice</a></p>'
            feeds.append(Feed(message(sender=f"Rep <{vendor}>", to=f"Buyer <{user}>", in_reply_to=ours, references=ours,
                                      message_id=f"<rep{v}.{round_}@vendor{v}.example>", html=html,
                                      date=day + timedelta(hours=2), subject=f"RE: Order {v}-{round_}",
                                      body="Confirmed.\n", delivered_to=None), vendor, [user]))
    return feeds


def _snapshot(url: str) -> dict[str, Any]:
    """Every learned count, keyed so that two databases can be compared row by row."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        q = lambda sql: [tuple(r) for r in conn.execute(sql).fetchall()]
        return {
            "scope": q("SELECT scope, key, name, inbound, outbound, link_messages, held, first_seen, last_seen "
                       "FROM scope ORDER BY scope, key"),
            "fact": q("SELECT s.scope, s.key, f.kind, f.value, f.count, f.first_seen, f.last_seen FROM fact f "
                      "JOIN scope s ON s.id = f.scope_id ORDER BY 1, 2, 3, 4"),
            "relationship": q("SELECT sender, recipient, count, first_seen, last_seen FROM relationship ORDER BY 1, 2"),
            "threads": q("SELECT count(*), count(DISTINCT sender) FROM thread_message"),
            "domain_key": q("SELECT key, domain FROM domain_key ORDER BY 1, 2"),
            "decisions": q("SELECT action, count(*) FROM decision GROUP BY action ORDER BY 1"),
        }


@pytest.fixture()
def base() -> Iterator[Path]:
    path = world_dir("vecguard-pgm-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _milter(base: Path, name: str, url: str) -> MilterProcess:
    return MilterProcess(base / f"{name}.sock", ["--db", url, "--local-domain", LOCAL], base / f"{name}.log")


def test_two_milters_learn_exactly_what_one_learns(postgres_url: str, base: Path) -> None:
    feeds = traffic()
    # Each reply travels in the stream of its request, right after it, so that every message's score is
    # the same in any interleaving (a reply scored before its request would be tagged, and tagged mail
    # teaches differently); the streams still share users and vendors, so the upserts meet.
    pairs = list(zip(feeds[0::2], feeds[1::2], strict=True))
    streams = [[feed for pair in pairs[i::4] for feed in pair] for i in range(4)]

    alone = fresh_database(postgres_url, "vecguard_alone")
    with running(_milter(base, "alone", alone)) as milter:
        for i, stream in enumerate(streams):
            done = run_script(base / f"alone{i}.lua", script(f"unix:{milter.socket_path}", stream))
            assert done.returncode == 0, done.stderr + milter.log()
        assert "unlearned" not in milter.log() and "action=error" not in milter.log()

    shared = fresh_database(postgres_url, "vecguard_shared")
    # Both start on the empty database at once: schema creation must not race either.
    a, b = _milter(base, "a", shared), _milter(base, "b", shared)
    with running(a), running(b):
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            runs = [pool.submit(run_script, base / f"shared{i}.lua",
                                script(f"unix:{(a if i % 2 else b).socket_path}", stream))
                    for i, stream in enumerate(streams)]
            for run in runs:
                done = run.result()
                assert done.returncode == 0, done.stderr + a.log() + b.log()
        logs = a.log() + b.log()
        assert logs.count(" action=") == len(feeds)
        assert "unlearned" not in logs and "action=error" not in logs and "deadlock" not in logs

    expected, got = _snapshot(alone), _snapshot(shared)
    # Tagged and held mail teach less than passed mail (provisional facts, held counts), so the traffic
    # is built to pass in any order: then the counts may not depend on the interleaving at all.
    for snapshot in (expected, got):
        assert dict(snapshot.pop("decisions")) == {"pass": len(feeds)}
    assert expected["scope"] and expected["fact"] and expected["relationship"]
    for table in expected:
        assert got[table] == expected[table], table

"""The history store: roll-ups, threads, lookalike index, decision log, errors, query plans.

Every ``store`` test runs on SQLite and on a real PostgreSQL server (started by conftest.py, or the one
named by VECGUARD_TEST_POSTGRES).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from vecguard import baseline as b
from vecguard.errors import StoreError
from vecguard.features import Address, AuthResults, Features, Hop
from vecguard.history import models
from vecguard.history.store import Store, resolve_url
from vecguard.learn import ORG, SENDER, Lesson, ScopeLesson, ThreadLesson, lesson

LOCAL_DOMAIN = "ours.example"
T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def keys(domain: str) -> frozenset[str]:
    """A small symmetric-delete index over the first label: the label and every one-character deletion."""
    label = domain.split(".", 1)[0]
    return frozenset({label} | {label[:i] + label[i + 1:] for i in range(len(label))})


def address(addr: str, name: str = "") -> Address:
    domain = addr.rsplit("@", 1)[1]
    org = ".".join(domain.split(".")[-3:]) if domain.endswith(".co.uk") else ".".join(domain.split(".")[-2:])
    return Address(addr, name, domain, org)


def features(
    sender: str = "alice@vendor.example",
    name: str = "Alice",
    to: tuple[str, ...] = ("bob@ours.example",),
    message_id: str | None = "m1@vendor.example",
    in_reply_to: tuple[str, ...] = (),
    references: tuple[str, ...] = (),
    reply_to: tuple[str, ...] = (),
    date: datetime | None = T0,
    client: str = "outlook",
) -> Features:
    """Features as extract() would give them, built directly."""
    to_addresses = tuple(address(a) for a in to)
    local = tuple(a for a in to if a.endswith("@" + LOCAL_DOMAIN))
    from_local = sender.endswith("@" + LOCAL_DOMAIN)
    if from_local:
        direction = "internal" if len(local) == len(to) else "outbound"
    else:
        direction = "inbound"
    who = address(sender, name)
    return Features(
        sender=who, from_header=who, via_list=None,
        reply_to=tuple(address(a) for a in reply_to), return_path=sender,
        to=to_addresses, cc=(), envelope_rcpts=(), local_recipients=local,
        recipient_count=len(to), undisclosed_count=0, direction=direction,
        message_id=message_id, in_reply_to=in_reply_to, references=references,
        subject="Invoice", subject_norm="invoice", reply_subject=bool(in_reply_to),
        links=(), link_sites=(), client=client, hop=Hop("192.0.2.1", "mail.vendor.example", None),
        auth=AuthResults(), date=date, hour=date.hour if date else None, bulk=False,
        body_scanned=True, size=1000,
    )


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    st = Store(store_url, keys=keys)
    yield st
    st.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'history.db'}", keys=keys)
    yield st
    st.close()


def test_counts_roll_up(store: Store) -> None:
    with store.session() as s:
        s.learn(lesson(features(), "pass"))
        s.learn(lesson(features(message_id="m2@vendor.example", date=T0 + timedelta(days=2), client="outlook"), "pass"))
    with store.session() as s:
        base = s.baseline(features(message_id="m3@vendor.example"))
    assert base.sender.key == "alice@vendor.example"
    assert (base.sender.inbound, base.sender.outbound, base.sender.held) == (2, 0, 0)
    assert base.sender.names == ("Alice",)
    assert base.sender.seen(b.CLIENT, "outlook") == 2
    assert base.sender.seen(b.RECIPIENTS, "1") == 2
    assert base.sender.seen(b.HOUR, "9") == 2
    assert base.sender.first_seen == T0
    assert base.sender.last_seen == T0 + timedelta(days=2)
    assert base.org.key == "vendor.example"
    assert base.org.inbound == 2
    assert base.org.seen(b.CLIENT, "outlook") == 2
    assert base.relationships == {"bob@ours.example": 2}


def test_lesson_naming_a_scope_twice_adds_both(store: Store) -> None:
    twice = Lesson(T0, scopes=(ScopeLesson(ORG, "vendor.example", outbound=1, facts=(("hour", "9"),)),
                               ScopeLesson(ORG, "vendor.example", outbound=1, facts=(("hour", "9"),))))
    with store.session() as s:
        s.learn(twice)
        base = s.baseline(features())
    assert base.org.outbound == 2
    assert base.org.seen(b.HOUR, "9") == 2


def test_never_seen_sender_is_an_empty_profile(store: Store) -> None:
    with store.session() as s:
        base = s.baseline(features(sender="nobody@new.example"))
    assert base.sender == b.Profile(key="nobody@new.example")
    assert not base.sender.known
    assert base.org == b.Profile(key="new.example")
    assert base.relationships == {}
    assert base.thread == b.ThreadView()


def test_held_lesson_only_bumps_held(store: Store) -> None:
    with store.session() as s:
        s.learn(lesson(features(sender="eve@evil.example"), "hold"))
        s.learn(lesson(features(), "pass"))
        s.learn(lesson(features(message_id="m2@vendor.example", date=T0 + timedelta(days=5)), "hold"))
        evil = s.baseline(features(sender="eve@evil.example"))
        known = s.baseline(features())
    assert (evil.sender.held, evil.sender.inbound, evil.org.held) == (1, 0, 1)
    assert evil.sender.first_seen is None and evil.sender.last_seen is None
    assert not evil.sender.known
    assert evil.sender.facts == {}
    assert (known.sender.inbound, known.sender.held) == (1, 1)
    assert known.sender.last_seen == T0  # the held message did not move it


def test_outbound_makes_the_recipient_known(store: Store) -> None:
    out = features(sender="bob@ours.example", name="Bob", to=("carol@supplier.co.uk",), message_id="o1@ours.example")
    assert out.direction == "outbound"
    with store.session() as s:
        s.learn(lesson(out, "pass"))
    with store.session() as s:
        reply = s.baseline(features(sender="carol@supplier.co.uk", to=("bob@ours.example",)))
        ours = s.baseline(out)
    assert reply.sender.known
    assert (reply.sender.inbound, reply.sender.outbound) == (0, 1)
    assert (reply.org.key, reply.org.outbound) == ("supplier.co.uk", 1)
    assert reply.relationships == {"bob@ours.example": 1}
    # Our own user's profile and relationships, for outbound and internal mail.
    assert (ours.sender.key, ours.sender.outbound, ours.sender.names) == ("bob@ours.example", 1, ("Bob",))
    assert ours.org == b.Profile()
    assert ours.relationships == {"carol@supplier.co.uk": 1}


def test_reply_joins_the_parents_thread(store: Store) -> None:
    first = features(message_id="a@vendor.example", to=("bob@ours.example",))
    answer = features(sender="bob@ours.example", to=("alice@vendor.example", "dan@partner.example"),
                      message_id="b@ours.example", in_reply_to=("a@vendor.example",),
                      references=("a@vendor.example",))
    with store.session() as s:
        s.learn(lesson(first, "pass"))
        s.learn(lesson(answer, "pass"))
        hijack = s.baseline(features(sender="mallory@vendor.example", message_id="c@vendor.example",
                                     in_reply_to=("b@ours.example",),
                                     references=("a@vendor.example", "b@ours.example", "x@unknown")))
        keys_by_id = dict(s.connection.execute(text("SELECT message_id, thread_key FROM thread_message")).all())
    assert keys_by_id == {"a@vendor.example": "a@vendor.example", "b@ours.example": "a@vendor.example"}
    with store.session() as s:
        # In-Reply-To names a message never seen; the first known parent (from References) decides.
        s.learn(lesson(features(message_id="d@vendor.example", in_reply_to=("lost@vendor.example",),
                                references=("a@vendor.example", "lost@vendor.example")), "pass"))
        row = s.connection.execute(text("SELECT thread_key FROM thread_message WHERE message_id = 'd@vendor.example'"))
        assert row.scalar() == "a@vendor.example"
    view = hijack.thread
    assert view.referenced == ("b@ours.example", "a@vendor.example", "x@unknown")
    assert view.known == {"a@vendor.example", "b@ours.example"}
    assert view.ours == {"b@ours.example"}
    assert view.participants == {"alice@vendor.example", "bob@ours.example", "dan@partner.example"}
    assert view.messages == 2


def test_unknown_parent_names_the_thread(store: Store) -> None:
    late = features(message_id="r2@vendor.example", in_reply_to=("r1@vendor.example",),
                    references=("r1@vendor.example",))
    with store.session() as s:
        s.learn(lesson(late, "pass"))
        s.learn(lesson(features(message_id="solo@vendor.example"), "pass"))
        rows = dict(s.connection.execute(text("SELECT message_id, thread_key FROM thread_message")).all())
        view = s.baseline(features(message_id="r3@x", in_reply_to=("r1@vendor.example",))).thread
    assert rows == {"r2@vendor.example": "r1@vendor.example", "solo@vendor.example": "solo@vendor.example"}
    assert view.known == frozenset() and view.messages == 0  # r1 itself was never seen


def test_similar_domains_use_the_keys_function(store: Store) -> None:
    with store.session() as s:
        s.learn(lesson(features(sender="ann@harborlogistics.co.uk"), "pass"))
        s.learn(lesson(features(sender="ann@harborlogistics.co.uk", message_id="m2@h"), "pass"))
        s.learn(lesson(features(sender="x@unrelated.example", message_id="m3@u"), "pass"))
        s.learn(Lesson(T0, known_domains=("dropbox.com",)))  # indexed, never corresponded
        base = s.baseline(features(sender="ann@harb0rlogistics.co.uk", reply_to=("pay@harborlogistic.co.uk",)),
                          lookalike_candidates=["dr0pbox.com", "nothing.example"])
    assert base.similar["harb0rlogistics.co.uk"] == (b.KnownDomain("harborlogistics.co.uk", 2),)
    assert base.similar["harborlogistic.co.uk"] == (b.KnownDomain("harborlogistics.co.uk", 2),)
    assert base.similar["dr0pbox.com"] == (b.KnownDomain("dropbox.com", 0),)
    assert base.similar["nothing.example"] == ()
    with store.session() as s:
        s.learn(lesson(features(sender="ann@harb0rlogistics.co.uk", message_id="m4@h"), "pass"))
        again = s.baseline(features(sender="ann@harb0rlogistics.co.uk"))
    assert again.similar["harb0rlogistics.co.uk"] == (b.KnownDomain("harborlogistics.co.uk", 2),)  # not itself


def test_reply_to_profiles(store: Store) -> None:
    with store.session() as s:
        s.learn(lesson(features(sender="billing@pay.example"), "pass"))
        base = s.baseline(features(reply_to=("billing@pay.example", "x@elsewhere.example")))
    assert base.reply_to["billing@pay.example"].inbound == 1
    assert base.reply_to["pay.example"].inbound == 1
    assert not base.reply_to["x@elsewhere.example"].known
    assert base.reply_to["elsewhere.example"] == b.Profile(key="elsewhere.example")


def test_session_reads_its_own_writes_and_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session() as s:
        s.learn(lesson(features(), "pass"))
        assert s.baseline(features()).sender.inbound == 1
        raise RuntimeError("boom")
    with store.session() as s:
        assert s.baseline(features()).sender.inbound == 0
        s.learn(lesson(features(), "pass"))
        s.commit()
        s.learn(lesson(features(message_id="m2@vendor.example"), "pass"))
        assert s.baseline(features()).sender.inbound == 2
    with store.session() as s:
        assert s.baseline(features()).sender.inbound == 2


def test_counts_survive_two_writers(store: Store) -> None:
    other = Store(store.url, keys=keys)
    try:
        with store.session() as s1, other.session() as s2:
            s1.learn(lesson(features(), "pass"))
            s1.commit()
            s2.learn(lesson(features(message_id="m2@vendor.example"), "pass"))
    finally:
        other.close()
    with store.session() as s:
        base = s.baseline(features())
    assert base.sender.inbound == 2 and base.sender.seen(b.CLIENT, "outlook") == 2


def test_concurrent_sessions_lose_no_counts(store: Store) -> None:
    """Milter threads, one session per message, all upserting the same sender and organisation."""
    def work(worker: int) -> None:
        for n in range(10):
            with store.session() as s:
                s.baseline(features())
                s.learn(lesson(features(message_id=f"w{worker}.{n}@vendor.example"), "pass"))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.session() as s:
        base = s.baseline(features())
    assert (base.sender.inbound, base.org.inbound) == (40, 40)
    assert base.sender.seen(b.CLIENT, "outlook") == 40
    assert base.relationships == {"bob@ours.example": 40}


def test_datetimes_are_aware_utc(store: Store) -> None:
    plus2 = datetime(2024, 3, 1, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    with store.session() as s:
        s.learn(Lesson(plus2, scopes=(ScopeLesson(SENDER, "a@b.example", inbound=1),)))
        s.learn(Lesson(datetime(2024, 3, 1, 8, 0), scopes=(ScopeLesson(SENDER, "a@b.example", inbound=1),)))
        s.learn(Lesson(None, scopes=(ScopeLesson(SENDER, "a@b.example", inbound=1),)))
        base = s.baseline(features(sender="a@b.example"))
    assert base.sender.first_seen == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert base.sender.last_seen == T0
    assert base.sender.last_seen is not None and base.sender.last_seen.utcoffset() == timedelta(0)


def test_long_values_are_clipped(store: Store) -> None:
    long_id = "x" * 2000 + "@example"
    with store.session() as s:
        s.learn(Lesson(T0, scopes=(ScopeLesson(SENDER, "a@b.example", "N" * 5000, inbound=1,
                                               facts=(("link_site", "s" * 5000),)),),
                       thread=ThreadLesson(long_id, (), ("a@b.example",), False, "a@b.example")))
        base = s.baseline(features(sender="a@b.example", message_id="r@b.example", in_reply_to=(long_id,)))
    assert base.sender.names == ("N" * models.MAX_TEXT,)
    assert base.sender.seen("link_site", "s" * models.MAX_TEXT) == 1
    assert base.thread.messages == 1


def test_decision_log_and_prune(store: Store) -> None:
    old = datetime.now(UTC) - timedelta(days=400)
    with store.session() as s:
        s.learn(lesson(features(message_id="old@vendor.example", date=old), "pass"))
        s.learn(lesson(features(message_id="new@vendor.example", date=datetime.now(UTC),
                                in_reply_to=("old@vendor.example",)), "pass"))
        s.learn(lesson(features(message_id="gone@vendor.example", date=old, to=("zed@ours.example",)), "pass"))
        for n, action in enumerate(("pass", "hold")):
            s.record({
                "message_id": f"d{n}@vendor.example", "queue_id": f"Q{n}", "date": T0,
                "sender": "alice@vendor.example", "recipients": ["bob@ours.example"], "direction": "inbound",
                "score": 12.5 * (n + 1), "action": action,
                "signals": [{"name": "FIRST_CONTACT", "score": 30.0, "evidence": ["from=alice@vendor.example"]}],
                "source": "milter",
            })
        logged = s.decisions()
        assert [d["queue_id"] for d in logged] == ["Q1", "Q0"]
        assert logged[0]["action"] == "hold" and logged[0]["score"] == 25.0
        assert logged[0]["date"] == T0 and logged[0]["recipients"] == ["bob@ours.example"]
        assert logged[0]["signals"] == [{"name": "FIRST_CONTACT", "score": 30.0,
                                         "evidence": ["from=alice@vendor.example"]}]
        created = logged[0]["created_at"]
        assert isinstance(created, datetime) and created.tzinfo is not None
        assert len(s.decisions(limit=1)) == 1
        assert s.decisions(since=created + timedelta(seconds=1)) == []
        # two old thread messages, one orphaned thread's participants (two addresses), no decisions
        assert s.prune(datetime.now(UTC) - timedelta(days=30)) == 4
        assert dict(s.connection.execute(text("SELECT message_id, thread_key FROM thread_message")).all()) == {
            "new@vendor.example": "old@vendor.example"}
        assert len(s.decisions()) == 2
        assert s.prune(datetime.now(UTC) + timedelta(days=1)) == 2 + 1 + 2
        assert s.decisions() == []
        # rolled-up history stays
        assert s.baseline(features()).sender.inbound == 3


@pytest.mark.parametrize("url", [
    "nosuchdialect://x",
    "mysql://localhost/x",
    "not a url://",
    "postgresql://127.0.0.1:1/x",
])
def test_bad_urls_raise_a_one_line_store_error(url: str) -> None:
    with pytest.raises(StoreError) as info:
        Store(url, keys=keys)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message


def test_unwritable_sqlite_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create the directory") as info:
        Store(f"sqlite:///{blocker / 'sub' / 'x.db'}", keys=keys)
    assert "\n" not in str(info.value)


def test_missing_schema_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no vecguard history"):
        Store(f"sqlite:///{tmp_path / 'new' / 'empty.db'}", keys=keys, create=False)
    assert not (tmp_path / "new").exists()  # a read-only open leaves nothing behind
    sqlite3.connect(tmp_path / "empty.db").close()
    with pytest.raises(StoreError, match="no vecguard history"):
        Store(f"sqlite:///{tmp_path / 'empty.db'}", keys=keys, create=False)
    Store(f"sqlite:///{tmp_path / 'empty.db'}", keys=keys).close()
    Store(f"sqlite:///{tmp_path / 'empty.db'}", keys=keys, create=False).close()


def test_sqlite_runs_in_wal_mode(sqlite_store: Store, tmp_path: Path) -> None:
    with sqlite_store.session() as s:
        assert s.connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert s.connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert s.connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with sqlite3.connect(tmp_path / "history.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_resolve_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VECGUARD_DB", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert resolve_url(None) == f"sqlite:///{tmp_path}/vecguard/history.db"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_url(None) == f"sqlite:///{tmp_path}/.local/state/vecguard/history.db"
    monkeypatch.setenv("VECGUARD_DB", "postgresql://db/vecguard")
    assert resolve_url(None) == "postgresql://db/vecguard"
    assert resolve_url("/var/lib/vecguard/h.db") == "sqlite:////var/lib/vecguard/h.db"
    assert resolve_url("sqlite://") == "sqlite://"


def test_every_hot_path_statement_uses_an_index(sqlite_store: Store) -> None:
    """No statement of baseline() or learn() scans a table, so their cost does not grow with history."""
    with sqlite_store.session() as s:
        s.learn(lesson(features(message_id="a@vendor.example"), "pass"))
        s.learn(lesson(features(sender="bob@ours.example", to=("alice@vendor.example",), message_id="b@ours.example",
                                in_reply_to=("a@vendor.example",)), "pass"))
        raw = s.connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        statements: list[str] = []
        raw.set_trace_callback(statements.append)  # the hot path runs on the driver's cursor
        reply = features(message_id="c@vendor.example", in_reply_to=("b@ours.example",), reply_to=("x@pay.example",))
        s.baseline(reply, ["vend0r.example"])
        assert len(statements) == 7  # scopes, facts, relationships, thread x3, similar
        s.learn(lesson(reply, "pass"))
        s.record({"message_id": "c@vendor.example", "action": "pass"})
        raw.set_trace_callback(None)
        for sql in statements:
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
            scans = [step for step in plan if step.startswith("SCAN")]
            assert not scans, (sql, plan)


def test_database_errors_in_a_session_become_store_errors(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        s.connection.exec_driver_sql("DROP TABLE thread_participant")
    with pytest.raises(StoreError, match="history database error: no such table") as info, \
            sqlite_store.session() as s:
        s.learn(lesson(features(), "pass"))  # fails at the last write, the thread participants
    assert "\n" not in str(info.value)
    with sqlite_store.session() as s:  # rolled back, nothing half-written
        assert s.baseline(features(message_id="x@y")).sender.inbound == 0
        assert s.connection.exec_driver_sql("SELECT count(*) FROM thread_message").scalar() == 0


def test_in_memory_store() -> None:
    st = Store("sqlite://", keys=keys)
    with st.session() as s:
        s.learn(lesson(features(), "pass"))
        assert s.baseline(features()).sender.inbound == 1
    st.close()


def test_decision_json_columns_hold_json(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        s.record({"message_id": "m@x", "action": "pass", "recipients": ("a@b",), "signals": []})
        stored = s.connection.execute(text("SELECT recipients, signals, queue_id FROM decision")).one()
    assert json.loads(stored[0]) == ["a@b"] and json.loads(stored[1]) == [] and stored[2] is None

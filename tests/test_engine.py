"""The engine fails safe: a broken store or a bug gives an ``error`` decision, never a lost message."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vecguard.engine import Engine
from vecguard.envelope import Envelope
from vecguard.features import Context
from vecguard.history.store import Store

from .helpers import LOCAL, default_policy, eml


def test_store_outage_gives_error_decision_with_record(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = Store(f"sqlite:///{db}")
    engine = Engine(default_policy(), Context(local_domains=frozenset({LOCAL})))
    con = sqlite3.connect(db)
    con.execute("DROP TABLE scope")  # the store's schema breaks under it, as on a corrupted or wrong DB
    con.commit()
    con.close()
    with store.session() as session:
        outcome = engine.decide(Envelope(raw=eml("first_contact.eml"), queue_id="4XyZ1"), session)
    assert outcome.decision.action == "error"
    assert outcome.error
    assert outcome.record["action"] == "error" and outcome.record["from"] == "maria.lopez@ibercast-metals.es"
    store.close()


def test_learning_failure_is_reported_not_raised(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = Store(f"sqlite:///{db}")
    engine = Engine(default_policy(), Context(local_domains=frozenset({LOCAL})))
    with store.session() as session:
        outcome = engine.decide(Envelope(raw=eml("first_contact.eml")), session)
    assert outcome.decision.action == "pass"
    con = sqlite3.connect(db)
    con.execute("DROP TABLE decision")
    con.commit()
    con.close()
    with store.session() as session:
        assert engine.learn(outcome, session) is False
    store.close()

"""Labelled evaluation arithmetic."""

from __future__ import annotations

from vecguard.evaluation import evaluate


def test_rates_per_campaign_and_false_holds() -> None:
    records = [
        {"message_id": "a1", "action": "hold", "score": 80, "signals": []},
        {"message_id": "a2", "action": "tag", "score": 40, "signals": []},
        {"message_id": "l1", "action": "pass", "score": 0, "signals": []},
        {"message_id": "l2", "action": "hold", "score": 70, "signals": [], "from": "x@y.com"},
    ]
    labels = [
        {"message_id": "<A1>", "label": "attack", "campaign": "fanout"},
        {"message_id": "<a2>", "label": "attack", "campaign": "fanout"},
        {"message_id": "<a3>", "label": "attack", "campaign": "fake_reply"},
        {"message_id": "<l1>", "label": "legit"},
        {"message_id": "<l2>", "label": "legit"},
    ]
    result = evaluate(records, labels)
    assert result.campaigns["fanout"].held_rate == 0.5
    assert result.campaigns["fanout"].flagged_rate == 1.0
    assert result.campaigns["fake_reply"].missing == 1
    assert result.attacks.total == 3 and result.attacks.held == 1
    assert result.legit.held == 1 and result.legit.held_rate == 0.5
    assert [rec["message_id"] for _, rec in result.false_holds] == ["l2"]
    assert [rec["message_id"] for _, rec in result.misses] == ["a2"]
    assert any("fanout" in line for line in result.lines())

"""``vecguard eval`` and ``vecguard tune``: a small labelled mailbox replayed end to end, and the arithmetic."""

from __future__ import annotations

import json
import mailbox
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from vecguard.cli import main
from vecguard.evaluation import assess, percentile

from .helpers import LOCAL, MESSAGES, POLICY_DIR, vendor_history

LEGIT_FILES = ("vendor_normal.eml", "new_colleague.eml")
ATTACK_FILES = {"thread_hijack.eml": "thread_hijack", "lookalike_sender.eml": "lookalike",
                "new_sender_bcc.eml": "new_sender_bcc", "fanout.eml": "fanout"}


class _Collect:
    """Stands in for tests.helpers.World: collects the history instead of learning it."""

    def __init__(self) -> None:
        self.raws: list[bytes] = []

    def learn(self, raw: bytes) -> None:
        self.raws.append(raw)


def _header(raw: bytes, name: str) -> str:
    m = re.search(rb"^" + name.encode() + rb": *(.*)$", raw, re.MULTILINE | re.IGNORECASE)
    return m.group(1).decode().strip() if m else ""


def labelled_mailbox(tmp: Path) -> tuple[Path, Path]:
    """Four months of a vendor relationship (legit), two legit scenario files, four attacks; labels beside."""
    history = _Collect()
    vendor_history(history)  # type: ignore[arg-type]
    box = mailbox.mbox(tmp / "eval.mbox")
    labels = []
    for raw in history.raws:
        box.add(raw)
        mid = _header(raw, "Message-ID")
        week = re.sub(r"\D", "", mid.split("@")[0])
        labels.append({"message_id": mid, "label": "legit", "campaign": None, "thread": f"po{week}"})
    for name in LEGIT_FILES:
        raw = (MESSAGES / name).read_bytes()
        box.add(raw)
        labels.append({"message_id": _header(raw, "Message-ID"), "label": "legit", "campaign": None})
    for name, campaign in ATTACK_FILES.items():
        raw = (MESSAGES / name).read_bytes()
        box.add(raw)
        parent = _header(raw, "In-Reply-To")
        thread = f"po{re.sub(r'[^0-9]', '', parent.split('@')[0])}" if parent else None
        labels.append({"message_id": _header(raw, "Message-ID"), "label": "attack", "campaign": campaign,
                       "thread": thread})
    box.flush()
    box.close()
    path = tmp / "eval.labels.jsonl"
    path.write_text("".join(json.dumps(lb) + "\n" for lb in labels))
    return tmp / "eval.mbox", path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_eval_json_reports_campaigns_false_positives_percentiles_and_signals(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box, labels = labelled_mailbox(tmp_path)
    code, out, err = run(capsys, "eval", str(box), "--labels", str(labels), "--local-domain", LOCAL, "--json",
                         "--jsonl", str(tmp_path / "records.jsonl"))
    assert code == 0, err
    report = json.loads(out)
    assert set(report["campaigns"]) == set(ATTACK_FILES.values())
    assert report["attacks"]["total"] == 4 and report["attacks"]["missing"] == 0
    assert report["attacks"]["held"] == 4, report["worst_misses"]
    assert report["legit"]["held"] == 0
    assert report["legit"]["total"] == 2 * 16 + len(LEGIT_FILES)
    assert report["legit_inbound"]["total"] == 16 + len(LEGIT_FILES)  # our own mail is not scored
    assert report["percentiles"]["attack"]["p50"] >= 70
    assert report["percentiles"]["legit"]["p50"] <= 5
    by_name = {s["name"]: s for s in report["signals"]}
    assert by_name["THREAD_HIJACK"]["attack_hits"] == 1 and by_name["THREAD_HIJACK"]["legit_hits"] == 0
    assert by_name["LOOKALIKE_SENDER_DOMAIN"]["attack_rate"] == 0.25
    # the hijacked thread: its real messages score low, the inserted reply high
    assert report["hijacked_threads"]["real"] == 2
    assert report["hijacked_threads"]["real_median"] <= 5
    assert report["hijacked_threads"]["inserted_median"] >= 90
    # records for tune carry the label and each signal's strength
    records = [json.loads(line) for line in (tmp_path / "records.jsonl").read_text().splitlines()]
    hijack = next(r for r in records if r["campaign"] == "thread_hijack")
    assert hijack["label"] == "attack"
    assert all(0 < s["strength"] <= 1 for s in hijack["signals"])


def test_eval_text_lists_worst_cases_with_explanations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box, labels = labelled_mailbox(tmp_path)
    # relabel a held attack as legitimate: it must show up as the worst false positive, with its signals
    rows = [json.loads(line) for line in labels.read_text().splitlines()]
    for row in rows:
        if row.get("campaign") == "lookalike":
            row.update(label="legit", campaign=None)
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, _ = run(capsys, "eval", str(box), "--labels", str(labels), "--local-domain", LOCAL,
                       "--db", f"sqlite:///{tmp_path / 'kept.db'}")
    assert code == 0
    assert "false holds 1 (" in out
    worst = out.split("worst false positives:")[1]
    assert "harb0rlogistics.co.uk" in worst.splitlines()[1] and "LOOKALIKE_SENDER_DOMAIN(" in worst
    assert (tmp_path / "kept.db").exists()  # --db keeps the baseline


@pytest.mark.parametrize("content, reason", [
    ("", "no labels"),
    ("{not json\n", "not JSON"),
    ('{"message_id": "<a@b>", "label": "spam"}\n', "label 'legit' or 'attack'"),
])
def test_eval_bad_labels_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         content: str, reason: str) -> None:
    box, _ = labelled_mailbox(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    code, _, err = run(capsys, "eval", str(box), "--labels", str(bad), "--local-domain", LOCAL)
    assert code == 2 and reason in err and len(err.strip().splitlines()) == 1


def test_percentile_and_assess_arithmetic() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([10.0], 99) == 10.0
    assert percentile([0.0, 10.0, 20.0, 30.0, 40.0], 50) == 20.0
    assert percentile([0.0, 100.0], 90) == pytest.approx(90.0)
    records = [
        {"message_id": "a1", "action": "hold", "score": 90, "signals": [{"name": "X", "score": 60}]},
        {"message_id": "a2", "action": "pass", "score": 10, "signals": [{"name": "Y", "score": 10}]},
        {"message_id": "l1", "action": "tag", "score": 45, "signals": [{"name": "Y", "score": 45}]},
        {"message_id": "l2", "action": "pass", "score": 0, "signals": []},
    ]
    labels = [{"message_id": "a1", "label": "attack", "campaign": "c"},
              {"message_id": "a2", "label": "attack", "campaign": "c"},
              {"message_id": "l1", "label": "legit"}, {"message_id": "l2", "label": "legit"}]
    result = assess(records, labels)
    rates = {s.name: s for s in result.signals}
    assert rates["X"].attack_rate == 0.5 and rates["X"].legit_rate == 0.0
    assert rates["Y"].legit_rate == 0.5 and rates["Y"].legit_mean == 45.0
    assert [r["message_id"] for _, r in result.worst_false_positives] == ["l1"]
    assert [r["message_id"] for _, r in result.worst_misses] == ["a2"]
    assert result.percentiles["attack"]["p50"] == 50.0
    assert json.loads(json.dumps(result.as_dict()))["legit"]["tagged"] == 1


# ------------------------------------------------------------------------------------------------ tune


def _record(label: str, signals: dict[str, float], campaign: str | None = None) -> dict[str, Any]:
    return {"direction": "inbound", "label": label, "campaign": campaign,
            "signals": [{"name": n, "score": 0.0, "strength": s} for n, s in signals.items()]}


def synthetic_records(n_legit: int = 3000, seed: int = 1) -> list[dict[str, Any]]:
    """THREAD_HIJACK separates perfectly; FIRST_CONTACT is noise (as common on legit as on attacks);
    LONG_CLEAN_HISTORY (a trust signal) only fires on legit mail."""
    import random

    rng = random.Random(seed)
    rows = []
    for _ in range(n_legit):
        sig = {}
        if rng.random() < 0.3:
            sig["FIRST_CONTACT"] = 1.0
        if rng.random() < 0.5:
            sig["LONG_CLEAN_HISTORY"] = 1.0
        rows.append(_record("legit", sig))
    for i in range(200):
        sig = {"THREAD_HIJACK": 1.0}
        if rng.random() < 0.3:
            sig["FIRST_CONTACT"] = 1.0
        rows.append(_record("attack", sig, "hijack" if i % 2 else "other"))
    return rows


def test_tune_signs_thresholds_and_policy_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    from vecguard.policy import load_policy
    from vecguard.tune import fit, rates, rescore

    policy = load_policy(POLICY_DIR)
    rows = synthetic_records()
    result = fit(rows, policy, centre="zero")   # the plain L2 fit (test_tune.py: the centred one)
    assert result.weights["THREAD_HIJACK"] > 0
    assert result.weights["LONG_CLEAN_HISTORY"] <= 0          # a trust signal never raises suspicion
    assert all(w >= 0 for n, w in result.weights.items() if policy.signals[n].weight > 0)
    assert result.weights["FIRST_CONTACT"] < result.weights["THREAD_HIJACK"] / 3   # noise gets little weight
    assert 0 < result.tag < result.hold <= 100
    assert "FAN_OUT" in result.unseen   # never fired: kept, as the same share of the hold threshold
    assert result.weights["FAN_OUT"] == pytest.approx(policy.signals["FAN_OUT"].weight * result.hold / policy.hold,
                                                      rel=0.05)
    r = rates(rows, rescore(rows, result.policy), result.tag, result.hold)
    assert r["legit"].held_rate <= 0.001 and r["legit"].flagged_rate <= 0.01
    assert r["attacks"].held_rate == 1.0

    fit_path, held_path = tmp_path / "fit.jsonl", tmp_path / "held.jsonl"
    fit_path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    held_path.write_text("".join(json.dumps(r) + "\n" for r in synthetic_records(seed=2)))
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy_dir)
    code, out, err = run(capsys, "tune", "--fit", str(fit_path), "--held-out", str(held_path),
                         "--out", str(policy_dir / "fitted.toml"), "--centre", "zero")
    assert code == 0, err
    assert "held-out part: 3200 inbound messages" in out
    layer = load_policy(policy_dir)                            # the layer is a valid policy on top of default
    assert layer.hold == result.hold and layer.signals["THREAD_HIJACK"].weight == result.weights["THREAD_HIJACK"]


def test_tune_needs_both_classes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    path = tmp_path / "fit.jsonl"
    path.write_text(json.dumps(_record("legit", {"FIRST_CONTACT": 1.0})) + "\n")
    code, _, err = run(capsys, "tune", "--fit", str(path), "--out", str(tmp_path / "x.toml"))
    assert code == 2 and "both attacks and legitimate" in err

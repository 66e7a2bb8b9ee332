"""End-to-end quality on whole mailboxes: the committed demo, generated companies, and real Enron mail.

The generated companies (corpus/company.py) were written independently of the demo, with their own
vendors, threads and attack wording; the seeds used here are not the ones the default weights were
first tuned on (1-3). Targets from the issue: >= 90% of attacks held, <= 1% of legitimate mail held.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from vecguard.cli import main
from vecguard.evaluation import evaluate

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
sys.path.insert(0, str(ROOT / "corpus"))


def scan(mailbox: Path, local: str, tmp: Path) -> list[dict[str, object]]:
    out = tmp / "scan.jsonl"
    code = main(["scan", str(mailbox), "--local-domain", local, "--db", f"sqlite:///{tmp / 'h.db'}",
                 "--jsonl", str(out), "-q"])
    assert code == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def labels_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_demo_every_attack_held_and_hijacked_thread_clean(tmp_path: Path) -> None:
    corpus = ROOT / "corpus"
    local = (corpus / "demo.local-domain").read_text().strip()
    records = scan(corpus / "demo.mbox", local, tmp_path)
    labels = labels_of(corpus / "demo.labels.jsonl")
    result = evaluate(records, labels)
    assert result.attacks.total >= 8 and result.attacks.missing == 0
    assert result.attacks.held == result.attacks.total, "\n".join(result.lines())
    assert result.legit.held == 0, "\n".join(result.lines())
    by_id = {r["message_id"]: r for r in records}
    thread = [by_id[str(l["message_id"]).strip("<>").lower()] for l in labels
              if l["thread"] == "hijacked" and l["label"] == "legit"]
    assert len(thread) >= 5
    assert all(float(r["score"]) <= 5 for r in thread), [r["score"] for r in thread]  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [7, 8])
def test_independent_company(seed: int, tmp_path: Path) -> None:
    from company import generate  # corpus/company.py

    local = generate(seed, tmp_path)
    records = scan(tmp_path / "mailbox.mbox", local, tmp_path)
    result = evaluate(records, labels_of(tmp_path / "labels.jsonl"))
    report = "\n".join(result.lines())
    assert result.attacks.total >= 30 and result.attacks.missing == 0
    assert result.attacks.held_rate >= 0.90, report
    assert result.legit.held_rate <= 0.01, report


@pytest.mark.corpus
def test_enron_scan_completes_within_false_positive_targets(tmp_path: Path) -> None:
    mbox = SHARED / "enron" / "enron_inbox_subset.mbox"
    if not mbox.exists():
        pytest.skip(f"{mbox} not present (../shared/corpora is provided beside the repository)")
    records = scan(mbox, "enron.com", tmp_path)
    assert len(records) == 16777
    actions = [r["action"] for r in records]
    assert "error" not in actions
    assert actions.count("hold") / len(records) <= 0.005
    assert actions.count("tag") / len(records) <= 0.03

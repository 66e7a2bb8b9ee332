"""corpus/inject.py: attacks built from real mail, deterministic, labels beside the mailbox."""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
sys.path.insert(0, str(ROOT / "corpus"))

import inject  # corpus/inject.py


def test_lookalike_is_near_but_never_equal() -> None:
    rng = random.Random(3)
    for dom in ("pira.com", "carrfut.com", "nymex.com", "hoegh.no", "intcx.com"):
        for _ in range(20):
            fake, kind = inject.lookalike(dom, rng)
            assert fake != dom and kind
            assert abs(len(fake) - len(dom)) <= 4


def _real(i: int, sender: str, subject: str, day: datetime) -> inject.Msg:
    raw = (f"From x\nMessage-ID: <r{i}@thyme>\nDate: {day:%a, %d %b %Y %H:%M:%S} -0700\nFrom: {sender}\n"
           f"To: me@enron.com, c{i % 15}@enron.com\nSubject: {subject}\n\nbody\n").encode()
    return inject.read(raw, "me-x")


def test_injector_builds_each_campaign_from_the_real_relationship() -> None:
    start = datetime(2001, 5, 1, 9, tzinfo=UTC)
    msgs = [_real(i, "bob@pira.com" if i % 2 else "ann@carrfut.com", "RE: gas curve" if i % 3 else "gas curve",
                  start + timedelta(days=i)) for i in range(60)]
    made = list(inject.Injector(7, "me-x", "me@enron.com", msgs, ("enron.com",),
                                lambda m: inject.base_subject(m.subject)).attacks())
    again = list(inject.Injector(7, "me-x", "me@enron.com", msgs, ("enron.com",),
                                 lambda m: inject.base_subject(m.subject)).attacks())
    assert made == again  # deterministic from the seed
    # a takeover from the victim's own mailbox carries no new client or sending hop; the others do
    compromised = [(message_from_bytes(raw), variant) for raw, _, c, variant, _ in made if c.startswith("compromised")]
    for msg, variant in compromised:
        assert (msg["X-Mailer"] is None and msg["Received"] is None) == variant.endswith("+own_mailbox")
    campaigns = {c for _, _, c, _, _ in made}
    assert {"compromised_link", "compromised_payment", "lookalike_domain", "thread_hijack", "fanout",
            "new_sender_bcc", "fake_reply"} <= campaigns
    parents = {m.mid: m for m in msgs}
    late = msgs[int(len(msgs) * 0.6)].date
    for raw, mid, campaign, _, thread in made:
        msg = message_from_bytes(raw)
        assert msg["Message-ID"] == mid and msg["Delivered-To"] == "me@enron.com"
        if campaign == "thread_hijack":
            assert msg["In-Reply-To"] in parents and thread == "gas curve"
            assert msg["References"].split()[-1] == msg["In-Reply-To"]
            assert msg["Subject"].startswith("RE: gas curve")
        if campaign.startswith("compromised") or campaign == "fanout":
            assert msg["From"].endswith(("bob@pira.com>", "ann@carrfut.com>", "bob@pira.com", "ann@carrfut.com"))
        if campaign == "new_sender_bcc":
            assert msg["To"] == "undisclosed-recipients:;"
        if campaign == "fake_reply":  # a reply to a conversation that never happened
            assert msg["In-Reply-To"] and msg["In-Reply-To"] not in parents and msg["Subject"].startswith("RE: ")
            assert not msg["From"].endswith(("bob@pira.com>", "ann@carrfut.com>"))
        if campaign == "fanout":
            assert len(msg["To"].split(",")) >= 12
        if campaign != "thread_hijack":
            assert late is not None and inject.read(b"From x\n" + raw).date.date() >= late.date()  # type: ignore[union-attr]


@pytest.mark.corpus
@pytest.mark.skipif(not (SHARED / "enron").is_dir(), reason="needs ../shared/corpora")
def test_build_real_mailboxes(tmp_path: Path) -> None:
    counts = inject.build(SHARED, tmp_path, seed=1)
    assert set(counts) == {"enron-fit", "enron-heldout", "sa-fit", "sa-heldout"}
    assert counts["enron-fit"]["legit"] + counts["enron-heldout"]["legit"] == 16777
    # SpamAssassin ham: each part labels its own threads (about half each); both replay all of it
    assert counts["sa-fit"]["legit"] + counts["sa-heldout"]["legit"] == 4150
    assert min(counts["sa-fit"]["legit"], counts["sa-heldout"]["legit"]) >= 1500
    sa_labels = {name: {json.loads(line)["message_id"]: json.loads(line)
                        for line in (tmp_path / f"{name}.labels.jsonl").read_text().splitlines()}
                 for name in ("sa-fit", "sa-heldout")}
    assert not sa_labels["sa-fit"].keys() & sa_labels["sa-heldout"].keys()
    threads = {name: {lb["thread"] for lb in labels.values() if lb["thread"]} for name, labels in sa_labels.items()}
    assert not threads["sa-fit"] & threads["sa-heldout"]   # split by thread
    assert (tmp_path / "sa-fit.mbox").stat().st_size > 0.8 * (tmp_path / "sa-heldout.mbox").stat().st_size
    for name, c in counts.items():
        assert c["thread_hijack"] >= 10 and c["fake_reply"] >= 3, (name, c)
        assert c["phishing_pot"] >= 50 or name == "sa-fit", (name, c)
        labels = [json.loads(line) for line in (tmp_path / f"{name}.labels.jsonl").read_text().splitlines()]
        assert sum(1 for lb in labels if lb["label"] == "attack") == sum(v for k, v in c.items() if k != "legit")
        data = (tmp_path / f"{name}.mbox").read_bytes()
        assert not any(c.encode() in data for c in ("compromised_", "thread_hijack", "new_sender_bcc",
                                                      "lookalike_domain"))  # labels never inside a message
    def owners(name: str) -> set[str]:
        return {json.loads(line)["user"] for line in (tmp_path / f"{name}.labels.jsonl").read_text().splitlines()}

    fit, held = owners("enron-fit"), owners("enron-heldout")
    assert len(fit) >= 15 and len(held) >= 10 and not fit & held  # split by mailbox owner

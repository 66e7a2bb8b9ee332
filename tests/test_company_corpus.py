"""Checks of the labelled-company generator (corpus/company.py) itself, not of any detector."""

from __future__ import annotations

import email
import importlib.util
import json
import re
import sys
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location("vecguard_corpus_company", Path(__file__).resolve().parents[1] / "corpus" / "company.py")
company = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = company  # dataclasses look their module up while the class is being built
_SPEC.loader.exec_module(company)

FROM_LINE = re.compile(rb"^From \S+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n", re.MULTILINE)


def split_mbox(data: bytes) -> list[bytes]:
    starts = [m.start() for m in FROM_LINE.finditer(data)]
    out = []
    for i, s in enumerate(starts):
        chunk = data[s:starts[i + 1] if i + 1 < len(starts) else len(data)]
        out.append(chunk.split(b"\n", 1)[1])
    return out


@pytest.fixture(scope="module")
def seed1(tmp_path_factory):
    out = tmp_path_factory.mktemp("company1")
    domain = company.generate(1, out)
    data = (out / "mailbox.mbox").read_bytes()
    labels = [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]
    msgs = [email.message_from_bytes(raw) for raw in split_mbox(data)]
    return {"dir": out, "domain": domain, "data": data, "labels": labels, "msgs": msgs}


def test_same_seed_is_byte_identical(seed1, tmp_path):
    domain = company.generate(1, tmp_path)
    assert domain == seed1["domain"]
    assert (tmp_path / "mailbox.mbox").read_bytes() == seed1["data"]
    assert (tmp_path / "labels.jsonl").read_bytes() == (seed1["dir"] / "labels.jsonl").read_bytes()


def test_different_seed_is_a_different_company(seed1, tmp_path):
    domain = company.generate(2, tmp_path)
    assert domain != seed1["domain"]
    assert (tmp_path / "mailbox.mbox").read_bytes() != seed1["data"]
    assert not domain.endswith((".example", ".test", ".invalid", ".localhost"))


def test_every_message_parses_and_matches_its_label(seed1):
    msgs, labels = seed1["msgs"], seed1["labels"]
    assert 800 <= len(msgs) <= 1500
    assert len(labels) == len(msgs)
    for msg, lab in zip(msgs, labels):
        assert msg["Message-ID"] is not None and msg["Message-ID"].strip() == lab["message_id"]
        assert msg["From"] and msg["Date"]
        assert lab["label"] in ("legit", "attack")
        assert (lab["campaign"] is None) == (lab["label"] == "legit")
        assert isinstance(lab["hijacked_thread"], bool)
        for part in msg.walk():
            if not part.is_multipart():
                part.get_payload(decode=True)


def test_inbound_mail_carries_delivery_headers(seed1):
    domain = seed1["domain"]
    inbound = 0
    for msg in seed1["msgs"]:
        frm = email.utils.parseaddr(msg["From"])[1].lower()
        if frm.endswith("@" + domain):
            continue
        inbound += 1
        assert msg.get_all("Delivered-To"), msg["Message-ID"]
        assert all(d.endswith("@" + domain) for d in msg.get_all("Delivered-To"))
        assert f"by mx.{domain} " in msg.get_all("Received")[0]
        assert msg["Authentication-Results"].startswith(f"mx.{domain};")
    assert inbound > 400


def test_every_campaign_present(seed1):
    campaigns = {lab["campaign"] for lab in seed1["labels"] if lab["label"] == "attack"}
    assert campaigns == set(company.CAMPAIGNS)
    attacks = sum(lab["label"] == "attack" for lab in seed1["labels"])
    assert 0.03 <= attacks / len(seed1["labels"]) <= 0.07
    hijacked = [lab for lab in seed1["labels"] if lab["hijacked_thread"]]
    assert any(lab["label"] == "legit" for lab in hijacked) and any(lab["campaign"] == "thread_hijack" for lab in hijacked)


def test_attacks_only_in_second_half(seed1):
    dates = [parsedate_to_datetime(m["Date"]) for m in seed1["msgs"]]
    start, end = min(dates), max(dates)
    half = start + (end - start) / 2
    for d, lab in zip(dates, seed1["labels"]):
        if lab["label"] == "attack":
            assert d > half, lab


def test_legit_replies_point_to_earlier_messages(seed1):
    seen: set[str] = set()
    replies = 0
    for msg, lab in zip(seed1["msgs"], seed1["labels"]):
        irt = msg["In-Reply-To"]
        if irt and lab["label"] == "legit":
            replies += 1
            assert irt.strip() in seen, (lab, irt)
        seen.add(msg["Message-ID"].strip())
    assert replies > 100

"""The command line, driven through main(argv): scan, explain, check, and one-line errors with exit 2."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest

from vecguard.cli import main

from .helpers import LOCAL, MESSAGES, POLICY_DIR, eml, message


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def make_mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(path)
    for raw in messages:
        box.add(raw)
    box.flush()
    box.close()
    return path


def test_scan_writes_design_jsonl_records_in_date_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import timedelta

    from .helpers import START

    later = message(date=START + timedelta(days=2), message_id="<later@harborlogistics.co.uk>")
    earlier = message(date=START, message_id="<earlier@harborlogistics.co.uk>")
    box = make_mbox(tmp_path / "in.mbox", [later, earlier])
    out = tmp_path / "out.jsonl"
    code, stdout, _ = run(capsys, "scan", str(box), "--local-domain", LOCAL, "--db",
                          f"sqlite:///{tmp_path / 'h.db'}", "--jsonl", str(out))
    assert code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["message_id"] for r in records] == ["earlier@harborlogistics.co.uk", "later@harborlogistics.co.uk"]
    assert set(records[0]) == {"message_id", "date", "from", "recipients", "direction", "score", "action", "signals"}
    assert records[0]["signals"] and set(records[0]["signals"][0]) == {"name", "score", "evidence"}
    assert records[0]["direction"] == "inbound" and records[0]["action"] in ("pass", "tag", "hold")
    assert "msgs/s" in stdout and "pass" in stdout  # the summary table


def test_scan_learns_unless_no_learn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    first = make_mbox(tmp_path / "a.mbox", [message(message_id="<a1@harborlogistics.co.uk>")])
    again = make_mbox(tmp_path / "b.mbox", [message(message_id="<a2@harborlogistics.co.uk>")])
    out = tmp_path / "o.jsonl"
    assert run(capsys, "scan", str(first), "--local-domain", LOCAL, "--db", db, "--no-learn", "-q")[0] == 0
    assert run(capsys, "scan", str(again), "--local-domain", LOCAL, "--db", db, "--jsonl", str(out), "-q")[0] == 0
    names = {s["name"] for s in json.loads(out.read_text())["signals"]}
    assert "FIRST_CONTACT" in names  # the first scan learned nothing
    assert run(capsys, "scan", str(first), "--local-domain", LOCAL, "--db", db, "--jsonl", str(out), "-q")[0] == 0
    names = {s["name"] for s in json.loads(out.read_text())["signals"]}
    assert "FIRST_CONTACT" not in names  # the second scan did learn the sender


def test_scan_reads_maildir_eml_directory_and_single_eml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = mailbox.Maildir(tmp_path / "md")
    md.add(message(message_id="<m1@harborlogistics.co.uk>"))
    emls = tmp_path / "emls"
    emls.mkdir()
    (emls / "one.eml").write_bytes(message(message_id="<e1@harborlogistics.co.uk>"))
    (emls / "two.eml").write_bytes(message(message_id="<e2@harborlogistics.co.uk>"))
    single = MESSAGES / "first_contact.eml"
    out = tmp_path / "o.jsonl"
    code, _, _ = run(capsys, "scan", str(tmp_path / "md"), str(emls), str(single), "--local-domain", LOCAL,
                     "--db", f"sqlite:///{tmp_path / 'h.db'}", "--jsonl", str(out), "-q")
    assert code == 0
    ids = {json.loads(line)["message_id"] for line in out.read_text().splitlines()}
    assert ids == {"m1@harborlogistics.co.uk", "e1@harborlogistics.co.uk", "e2@harborlogistics.co.uk",
                   "rfq-1@ibercast-metals.es"}


def test_explain_prints_contributions_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    path = MESSAGES / "new_sender_bcc.eml"
    code, out, _ = run(capsys, "explain", str(path), "--db", db, "--local-domain", LOCAL)
    assert code == 0
    assert "NEW_SENDER_UNDISCLOSED" in out and "hold" in out
    code, out, _ = run(capsys, "explain", str(path), "--db", db, "--local-domain", LOCAL, "--json")
    record = json.loads(out)
    assert record["action"] == "hold" and record["message_id"] == "stmt-77@northgate-settlements.com"
    # explain learns nothing: a second run sees the same first contact
    again = json.loads(run(capsys, "explain", str(path), "--db", db, "--local-domain", LOCAL, "--json")[1])
    assert again["score"] == record["score"]


def test_check_validates_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--policy", str(POLICY_DIR))
    assert code == 0 and "policy ok" in out
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "default.toml").write_text((POLICY_DIR / "default.toml").read_text() + "\n[bogus]\nx = 1\n")
    code, _, err = run(capsys, "check", "--policy", str(bad))
    assert code == 2 and err.count("\n") == 1 and "bogus" in err and "Traceback" not in err


@pytest.mark.parametrize("argv,needle", [
    (["scan", "/nonexistent/box.mbox", "--local-domain", LOCAL], "no such file"),
    (["scan", "{eml}", "--local-domain", LOCAL, "--db", "nosuchdialect://x"], "nosuchdialect"),
    (["scan", "{eml}", "--local-domain", LOCAL, "--policy", "/nonexistent/policies"], "policy"),
    (["scan", "{eml}", "--local-domain", "not a domain"], "not a domain"),
    (["explain", "/nonexistent.eml"], "cannot read"),
    (["check", "--db", "postgresql://127.0.0.1:1/x"], "database"),
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          argv: list[str], needle: str) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(eml("first_contact.eml"))
    argv = [a.replace("{eml}", str(path)) for a in argv]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("vecguard: ") and err.count("\n") == 1, err
    assert needle.lower() in err.lower()


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["scan"])
    assert info.value.code == 2

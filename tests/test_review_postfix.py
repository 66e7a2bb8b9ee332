"""The review workflow against the real parts: a throwaway Postfix, `vecguard milter` on its unix socket,
an aiosmtpd sink, and the `vecguard held` commands run as an analyst would run them.

hold -> list shows it -> show explains it -> release delivers it (with its headers) and, with --learn, the
same behaviour is no longer held; delete removes it; export equals what was sent; and the error cases:
unknown, malformed or already-released ids, Postfix unreachable, no permission, store unreachable:
one line, exit status 2, nothing changed.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from vecguard.cli import main

from .helpers import BUYER_ADDR, LOCAL, VENDOR_ADDR, World, eml, vendor_history
from .mta import ROOT, MilterProcess, Postfix, Sink, free_port, missing_parts, world_dir

pytestmark = pytest.mark.skipif(missing_parts() is not None, reason=missing_parts() or "")


@dataclass
class Gateway:
    base: Path
    sink: Sink
    postfix: Postfix
    milter: MilterProcess

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.base / 'history.db'}"

    def opts(self) -> list[str]:
        return ["--db", self.db_url, "--postfix-config", str(self.postfix.etc)]

    def held_ids(self) -> set[str]:
        return {q["queue_id"] for q in self.postfix.held()}

    def send_and_hold(self, raw: bytes, mail_from: str = VENDOR_ADDR) -> str:
        before = self.held_ids()
        self.postfix.send(raw, mail_from, [BUYER_ADDR])
        held = self.postfix.wait_held(len(before) + 1)
        (queue_id,) = {q["queue_id"] for q in held} - before
        return str(queue_id)


def vg(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _child(argv: list[str], results: Any) -> None:
    os.setgid(65534)
    os.setuid(65534)  # nobody
    sys.stderr = io.StringIO()
    code = main(argv)
    results.put((code, sys.stderr.getvalue()))


def as_nobody(*argv: str) -> tuple[int, str]:
    """Run the CLI as user nobody in a forked child (no exec: the venv need not be readable by nobody)."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_child, args=(list(argv), results))
    child.start()
    code, err = results.get(timeout=60)
    child.join(10)
    return int(code), str(err)


def fresh(raw: bytes, message_id: str) -> bytes:
    """The same message under a new Message-ID (a second, identical attempt)."""
    lines = [f"Message-ID: {message_id}" if line.startswith(b"Message-ID:") else line.decode()
             for line in raw.splitlines()]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    base = world_dir("vecguard-review-")
    sink = Sink(free_port())
    postfix: Postfix | None = None
    milter: MilterProcess | None = None
    try:
        sink.start()
        postfix = Postfix(base, sink.port, base / "milter.sock", default_action="accept")
        postfix.start()
        world = World(base)
        vendor_history(world)
        world.close()
        milter = MilterProcess(base / "milter.sock", ["--local-domain", LOCAL, "--db", f"sqlite:///{base / 'history.db'}"],
                               base / "milter.log").start()
        yield Gateway(base, sink, postfix, milter)
    finally:
        if milter is not None and milter.proc is not None and milter.proc.poll() is None:
            milter.kill()
        if postfix is not None:
            postfix.stop()
        sink.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_hold_list_show_release_learn(gateway: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    attack = eml("vendor_new_filesharing.eml")  # a known vendor's first site-builder link
    queue_id = gateway.send_and_hold(attack)

    code, out, _ = vg(capsys, "held", "list", "--json", *gateway.opts())
    assert code == 0
    (row,) = [r for r in json.loads(out) if r["queue_id"] == queue_id]
    assert row["state"] == "held" and row["sender"] == VENDOR_ADDR and row["recipients"] == [BUYER_ADDR]
    assert row["subject"] == "Harbor Logistics - Proposal Document"
    assert row["score"] >= 55 and "NEW_LINK_SITE_BUILDER" in row["signals"]

    code, out, _ = vg(capsys, "held", "show", queue_id, "--json", *gateway.opts())
    assert code == 0
    view = json.loads(out)
    assert view["message"]["state"] == "held" and view["message"]["envelope_from"] == VENDOR_ADDR
    builder = next(s for s in view["signals"] if s["name"] == "NEW_LINK_SITE_BUILDER")
    assert builder["evidence"] and 0 < builder["strength"] <= 1
    history = view["sender_history"]
    assert history["address"]["inbound"] == 16 and history["address"]["first_seen"].startswith("2026-03")
    assert history["usual_recipients"][0][0] == BUYER_ADDR
    new = {d["what"]: d for d in history["differences"] if d["new"]}
    assert new["link site"]["value"].endswith("my.canva.site")
    assert not any(d["new"] for d in history["differences"] if d["what"] == "mail client")
    (link,) = view["links"]
    assert link["host"] == "harborlogistics-proposal.my.canva.site" and link["text"] == "here"
    assert view["authentication"]["dkim"] == "pass"

    code, out, _ = vg(capsys, "held", "show", queue_id, *gateway.opts())  # the terminal view, as plain text
    assert code == 0 and "why (signals, largest first)" in out and "NEW link site" in out

    code, out, err = vg(capsys, "held", "release", queue_id, "--learn", "--reason", "confirmed with Sam by phone",
                        "--local-domain", LOCAL, *gateway.opts())
    assert code == 0, err
    assert out == f"released {queue_id} (the baseline learned it)\n"
    delivered = gateway.sink.wait_for("<prop-1@harborlogistics.co.uk>")
    assert delivered["X-VECGuard-Action"] == "hold"  # a released message still says why it was held
    assert queue_id not in gateway.held_ids()
    with sqlite3.connect(gateway.base / "history.db") as db:
        (actor, action, reason, detail), = db.execute(
            "SELECT actor, action, reason, detail FROM audit WHERE queue_id = ?", (queue_id,))
    assert action == "release" and reason == "confirmed with Sam by phone" and json.loads(detail)["learned"] is True
    assert actor

    code, out, _ = vg(capsys, "held", "list", "--json", *gateway.opts())
    (row,) = [r for r in json.loads(out) if r["queue_id"] == queue_id]
    assert row["state"] == "released" and row["by"] == actor

    # The baseline learned the released message: the same behaviour again is not held.
    gateway.postfix.send(fresh(attack, "<prop-2@harborlogistics.co.uk>"), VENDOR_ADDR, [BUYER_ADDR])
    again = gateway.sink.wait_for("<prop-2@harborlogistics.co.uk>")
    assert again["X-VECGuard-Action"] != "hold"
    assert "NEW_LINK_SITE_BUILDER" not in (again["X-VECGuard-Signals"] or "")

    # A double release changes nothing and says who released it.
    code, out, err = vg(capsys, "held", "release", queue_id, *gateway.opts())
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{queue_id}: already released by {actor}" in err


def test_export_equals_what_was_sent_and_delete_removes(gateway: Gateway, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    attack = eml("lookalike_sender.eml").replace(b"\n", b"\r\n")  # as SMTP carries it (smtplib adds no line end)
    sent = message_from_bytes(attack.replace(b"\r\n", b"\n"))
    queue_id = gateway.send_and_hold(attack, mail_from=str(sent["From"]).split("<")[-1].rstrip(">"))

    out_file = tmp_path / "message.eml"
    with out_file.open("wb") as handle:  # as an analyst would: vecguard held export ID > message.eml
        done = subprocess.run([sys.executable, "-m", "vecguard", "held", "export", queue_id, *gateway.opts()],
                              stdout=handle, stderr=subprocess.PIPE, cwd=ROOT, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    exported = message_from_bytes(out_file.read_bytes())
    added = [(k, v) for k, v in exported.items()
             if k.lower().startswith("x-vecguard") or (k == "Received" and "mx.gateway.test" in v)]
    assert {k for k, _ in added} == {"Received", "X-VECGuard-Score", "X-VECGuard-Action", "X-VECGuard-Signals"}
    original = [(k, v) for k, v in exported.items() if (k, v) not in added]
    assert original == list(sent.items())  # every header sent, in order, unchanged
    assert exported.get_payload() == sent.get_payload()

    code, out, err = vg(capsys, "held", "delete", "--all-from", "harb0rlogistics.co.uk", "--reason",
                        "lookalike of harborlogistics", *gateway.opts())  # every held message from that domain
    assert (code, out) == (0, f"deleted {queue_id}\n"), err
    assert queue_id not in {q["queue_id"] for q in gateway.postfix.queue()}
    code, out, _ = vg(capsys, "held", "list", "--json", *gateway.opts())
    assert [r["state"] for r in json.loads(out) if r["queue_id"] == queue_id] == ["deleted"]
    gateway.postfix.wait_empty_except_hold()
    assert gateway.sink.find(str(sent["Message-ID"])) is None


def test_errors_change_nothing(gateway: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queue_id = gateway.send_and_hold(fresh(eml("thread_hijack.eml"), "<hj-review@harborlogistics.co.uk>"))

    # The hijack's view places it in the real conversation it claims, and shows what is new in it.
    code, out, _ = vg(capsys, "held", "show", queue_id, "--json", *gateway.opts())
    view = json.loads(out)
    conversation = view["conversation"]
    assert conversation["known"] and conversation["sender_took_part"] and conversation["messages"] >= 2
    assert {VENDOR_ADDR, BUYER_ADDR} <= set(conversation["participants"])
    assert {"mail client", "sending network"} <= {d["what"] for d in view["sender_history"]["differences"] if d["new"]}

    def refused(*argv: str, says: str) -> None:
        code, out, err = vg(capsys, *argv)
        assert code == 2 and out == "", (code, out, err)
        assert err.count("\n") == 1 and "Traceback" not in err and says in err, err
        assert queue_id in gateway.held_ids()  # nothing changed

    refused("held", "release", "ABCDEF12345", *gateway.opts(), says="ABCDEF12345: not on hold")
    refused("held", "release", queue_id, "ABCDEF12345", *gateway.opts(), says="ABCDEF12345: not on hold")
    refused("held", "delete", "../../etc/passwd", *gateway.opts(), says="is not a Postfix queue id")
    refused("held", "show", "ABCDEF12345", *gateway.opts(), says="no record of this message")
    refused("held", "release", queue_id, "--db", gateway.db_url, "--postfix-config", str(tmp_path),
            says="no Postfix configuration in")
    refused("held", "delete", queue_id, "--db", f"sqlite:///{tmp_path / 'missing' / 'h.db'}",
            "--postfix-config", str(gateway.postfix.etc), says="history")
    refused("held", "release", "--all-from", "nobody@example.org", *gateway.opts(), says="no held message from")

    # No permission: the same command as an unprivileged user (a forked child that dropped root).
    code, err = as_nobody("held", "delete", queue_id, *gateway.opts())
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err and "postqueue" in err, err
    assert queue_id in gateway.held_ids()

    code, _out, _ = vg(capsys, "held", "delete", queue_id, *gateway.opts())
    assert code == 0

"""The milter in real mail flow: a throwaway Postfix instance, `vecguard milter` on its real unix socket,
and an aiosmtpd sink standing in for the mailbox server (recipes in ../shared/POSTFIX.md).

Every test ends with the same question: is every message delivered, tagged or held, none lost?
Postfix runs with ``milter_default_action = accept`` (what a dead milter means is tested below).
"""

from __future__ import annotations

import os
import shutil
import smtplib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import BUYER_ADDR, LOCAL, VENDOR_ADDR, World, eml, message, vendor_history
from .mta import (
    DEADLINE,
    MilterProcess,
    Postfix,
    Sink,
    free_port,
    listening_socket_flags,
    missing_parts,
    running,
    wait_for_log,
    world_dir,
)

pytestmark = pytest.mark.skipif(missing_parts() is not None, reason=missing_parts() or "")


@dataclass
class Gateway:
    base: Path
    sink: Sink
    postfix: Postfix

    @property
    def db(self) -> Path:
        return self.base / "history.db"

    def milter(self, name: str, *args: str, config: str | None = None) -> MilterProcess:
        """A milter on the socket Postfix uses, on the primed SQLite history unless ``args`` say otherwise."""
        argv = ["--local-domain", LOCAL]
        if "--db" not in args and (config is None or "db_url" not in config):
            argv += ["--db", f"sqlite:///{self.db}"]
        return MilterProcess(self.postfix.milter_socket, [*argv, *args], self.base / f"{name}.log", config=config or "")

    def decisions(self, message_id: str) -> list[tuple[str, str | None, str]]:
        """(action, queue id, signals JSON) of every stored decision on ``message_id`` (bare, lower-case)."""
        with sqlite3.connect(self.db) as db:
            return list(db.execute("SELECT action, queue_id, signals FROM decision WHERE message_id = ? ORDER BY id",
                                   (message_id,)))


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    base = world_dir("vecguard-pf-")
    sink = Sink(free_port())
    postfix: Postfix | None = None
    try:
        sink.start()
        postfix = Postfix(base, sink.port, base / "milter.sock", default_action="accept")
        postfix.start()
        world = World(base)
        vendor_history(world)
        world.close()
        yield Gateway(base, sink, postfix)
    finally:
        if postfix is not None:
            postfix.stop()
        sink.stop()
        shutil.rmtree(base, ignore_errors=True)


def vecguard_headers(msg: object) -> dict[str, str]:
    return {k: str(v) for k, v in msg.items() if k.lower().startswith("x-vecguard")}  # type: ignore[attr-defined]


def test_pass_tag_and_hold_in_real_mail_flow(gateway: Gateway) -> None:
    pf, sink = gateway.postfix, gateway.sink
    with running(gateway.milter("flow")) as milter:
        pf.send(eml("vendor_normal.eml"), VENDOR_ADDR, [BUYER_ADDR])
        pf.send(eml("thread_outsider.eml"), "dana@cole-freight-audit.com", [BUYER_ADDR])
        pf.send(eml("thread_hijack.eml"), VENDOR_ADDR, [BUYER_ADDR])

        legit = sink.wait_for("<normal-1@harborlogistics.co.uk>")
        assert vecguard_headers(legit) == {"X-VECGuard-Score": "0"}

        tagged = sink.wait_for("<out-1@cole-freight-audit.com>")
        headers = vecguard_headers(tagged)
        assert headers["X-VECGuard-Action"] == "tag"
        assert float(headers["X-VECGuard-Score"]) >= 30
        assert "THREAD_OUTSIDER(" in headers["X-VECGuard-Signals"]

        held = pf.wait_held(1)
        assert len(held) == 1
        queue_id = held[0]["queue_id"]
        assert (action_qid := gateway.decisions("hj-1@harborlogistics.co.uk")[-1][:2]) == ("hold", queue_id), action_qid
        assert "THREAD_HIJACK" in gateway.decisions("hj-1@harborlogistics.co.uk")[-1][2]
        content = pf.postcat(queue_id)
        assert "X-VECGuard-Action: hold" in content and "Message-ID: <hj-1@harborlogistics.co.uk>" in content
        assert sink.find("<hj-1@harborlogistics.co.uk>") is None
        pf_log = pf.wait_log(f"{queue_id}: milter-hold:")
        assert any("milter triggers HOLD action" in line for line in pf_log.splitlines() if queue_id in line), pf_log
        # One INFO line per message, with the Postfix queue id, written before the milter answers Postfix:
        # the delivered and the held message are already there, so no line may be missing or extra.
        log = milter.log()
        assert f"{queue_id}: from=<{VENDOR_ADDR}>" in log
        assert sum(1 for line in log.splitlines() if " action=" in line) == 3, log
    pf.delete_held()


def test_malformed_and_oversized_messages_are_delivered(gateway: Gateway) -> None:
    pf, sink = gateway.postfix, gateway.sink
    big = message(message_id="<big-1@harborlogistics.co.uk>", body="x" * 200 + ("lorem ipsum dolor\n" * 12000))
    broken = (b"From: <<<not an address\r\nTo: lena.fischer@acme-parts.com\r\nSubject: =?utf-8?B?!!!?= \xff\xfe\r\n"
              b"Message-ID: <broken-1@example.net>\r\nContent-Type: multipart/mixed; boundary=\r\n"
              b"Date: yesterday-ish\r\nMIME-Version: 1.0\r\n\r\n--\r\n\x00\xffgarbage\r\n--b--\r\n")
    config = "max_message_bytes = 65536\ntime_budget_ms = 20000\n"  # a slow CI machine must not turn this into an error
    with running(gateway.milter("odd", config=config)) as milter:
        pf.send(big, VENDOR_ADDR, [BUYER_ADDR])
        pf.send(broken, "x@example.net", [BUYER_ADDR])
        got_big = sink.wait_for("<big-1@harborlogistics.co.uk>")
        got_broken = sink.wait_for("<broken-1@example.net>")
    assert "X-VECGuard-Score" in vecguard_headers(got_big), (vecguard_headers(got_big), milter.log())
    assert len(got_big.get_payload()) > 200_000  # delivered whole, only the scan was capped
    assert "BODY_NOT_SCANNED" in gateway.decisions("big-1@harborlogistics.co.uk")[-1][2]
    assert vecguard_headers(got_broken)  # scored or failed safe, but delivered and marked either way
    assert not pf.held()


def test_time_budget_overrun_accepts_with_error_header(gateway: Gateway) -> None:
    """A store that hangs (here: another process holds SQLite's write lock) costs the budget, not the mail."""
    pf, sink = gateway.postfix, gateway.sink
    raw = message(message_id="<slow-1@harborlogistics.co.uk>", subject="RE: PO 4402")
    lock = sqlite3.connect(gateway.db, timeout=0, isolation_level=None)
    with running(gateway.milter("slow", config="time_budget_ms = 300\n")) as milter:
        try:
            lock.execute("BEGIN EXCLUSIVE")
            started = time.monotonic()
            pf.send(raw, VENDOR_ADDR, [BUYER_ADDR])
            elapsed = time.monotonic() - started
            got = sink.wait_for("<slow-1@harborlogistics.co.uk>")
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert vecguard_headers(got) == {"X-VECGuard-Action": "error"}
        assert elapsed < 3.0  # the SMTP client waited about the budget, not the store's 5 s lock timeout
        log = wait_for_log(milter, "finished after the time budget; nothing learned")
        assert "time budget of 300 ms exceeded" in log
    assert gateway.decisions("slow-1@harborlogistics.co.uk") == []  # the abandoned work was rolled back


def test_database_unreachable_fail_modes(gateway: Gateway) -> None:
    pf, sink = gateway.postfix, gateway.sink
    dead = f"postgresql+psycopg://vecguard@127.0.0.1:{free_port()}/vecguard"
    accept = message(message_id="<down-1@harborlogistics.co.uk>")
    with running(gateway.milter("down", "--db", dead)) as milter:
        pf.send(accept, VENDOR_ADDR, [BUYER_ADDR])
        got = sink.wait_for("<down-1@harborlogistics.co.uk>")
        assert vecguard_headers(got) == {"X-VECGuard-Action": "error"}
        assert "store unavailable" in wait_for_log(milter, "action=error")

    retry = message(message_id="<down-2@harborlogistics.co.uk>")
    with running(gateway.milter("down-tempfail", config=f'db_url = "{dead}"\nfail_mode = "tempfail"\n')):
        with pytest.raises(smtplib.SMTPDataError) as refused:
            pf.send(retry, VENDOR_ADDR, [BUYER_ADDR])
        assert refused.value.smtp_code == 451  # the client keeps the message and retries: not lost
    assert sink.find("<down-2@harborlogistics.co.uk>") is None
    with running(gateway.milter("up")):  # the store is back: the retry goes through
        pf.send(retry, VENDOR_ADDR, [BUYER_ADDR])
        assert "X-VECGuard-Score" in vecguard_headers(sink.wait_for("<down-2@harborlogistics.co.uk>"))


def test_killed_milter_follows_milter_default_action(gateway: Gateway) -> None:
    """accept: delivered without vecguard headers. tempfail: 451, the client retries (POSTFIX.md table)."""
    pf, sink = gateway.postfix, gateway.sink
    milter = gateway.milter("killed").start()
    milter.kill()
    pf.send(message(message_id="<dead-1@harborlogistics.co.uk>"), VENDOR_ADDR, [BUYER_ADDR])
    assert vecguard_headers(sink.wait_for("<dead-1@harborlogistics.co.uk>")) == {}

    pf.cmd("postconf", "-e", "milter_default_action = tempfail")
    pf.reload()
    try:
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused)) as err:
            pf.send(message(message_id="<dead-2@harborlogistics.co.uk>"), VENDOR_ADDR, [BUYER_ADDR])
        code = getattr(err.value, "smtp_code", None) or next(iter(getattr(err.value, "recipients", {}).values()))[0]
        assert code == 451
    finally:
        pf.cmd("postconf", "-e", "milter_default_action = accept")
        pf.reload()


def test_sigterm_stops_cleanly(gateway: Gateway) -> None:
    milter = gateway.milter("term").start()
    assert milter.stop() == 0
    assert "vecguard milter stopped" in milter.log()


def test_pre_forked_workers_share_the_socket(gateway: Gateway) -> None:
    """--workers 2: two processes accept on the one socket; mail flows; SIGTERM stops them all."""
    pf, sink = gateway.postfix, gateway.sink
    milter = gateway.milter("workers", "--workers", "2").start()
    children: list[str] = []
    try:
        assert milter.proc is not None
        wait_for_log(milter, "2 worker processes")
        wait_for_log(milter, "vecguard milter listening on", count=2)  # both workers are serving
        children = Path(f"/proc/{milter.proc.pid}/task/{milter.proc.pid}/children").read_text().split()
        assert len(children) == 2, children
        # Every worker wakes for each connection and only one gets it: on a blocking socket the others
        # would sleep in accept() and miss SIGTERM until the next connection (a stop that never ends).
        for pid in children:
            assert listening_socket_flags(int(pid), milter.socket_path) & os.O_NONBLOCK, pid
        for i in range(4):
            pf.send(message(message_id=f"<w{i}@harborlogistics.co.uk>"), VENDOR_ADDR, [BUYER_ADDR])
        for i in range(4):
            assert "X-VECGuard-Score" in vecguard_headers(sink.wait_for(f"<w{i}@harborlogistics.co.uk>"))
        log = milter.log()  # each worker writes its line before it answers Postfix
        assert log.count(" action=") == 4, log
    finally:
        code = milter.stop()  # a worker that ignores SIGTERM makes this time out and SIGKILL: code -9
    assert code == 0, milter.log()
    assert children and all(not Path(f"/proc/{pid}").exists() for pid in children)
    assert "vecguard milter stopped" in milter.log()


UPSTREAM_MILTER = '''\
import sys, Milter
class Upstream(Milter.Base):  # writes its Authentication-Results at index 1, as OpenDKIM and OpenDMARC do
    def eom(self):
        self.addheader("Authentication-Results", "mx.gateway.test; dkim=pass header.d=upstream.example", idx=1)
        return Milter.CONTINUE
Milter.factory = Upstream
Milter.set_flags(Milter.ADDHDRS)
Milter.runmilter("upstream", "unix:" + sys.argv[1], timeout=0)
'''


def test_forged_authentication_results_removed_upstream_kept() -> None:
    """An upstream milter (listed first in smtpd_milters) writes A-R under our authserv-id; the message
    arrived with two forged copies. Delivered: the upstream header only, the forged ones gone."""
    import subprocess
    import sys

    base = world_dir("vecguard-ar-")
    sink = Sink(free_port())
    upstream_socket = base / "upstream.sock"
    postfix = Postfix(base, sink.port, base / "milter.sock", milters_before=[f"unix:{upstream_socket}"])
    script = base / "upstream.py"
    script.write_text(UPSTREAM_MILTER)
    upstream = subprocess.Popen([sys.executable, str(script), str(upstream_socket)], umask=0)
    milter = MilterProcess(postfix.milter_socket, ["--local-domain", LOCAL, "--db", f"sqlite:///{base / 'h.db'}",
                                                   "--authserv-id", "mx.gateway.test"], base / "milter.log")
    try:
        sink.start()
        deadline = time.monotonic() + DEADLINE
        while not upstream_socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        postfix.start()
        with running(milter):
            forged = (b"Authentication-Results: mx.gateway.test; dkim=pass header.d=forged-one.example\r\n"
                      b"Authentication-Results: other.example; spf=pass smtp.mailfrom=vendor.example\r\n"
                      b"Authentication-Results: mx.gateway.test; dmarc=pass header.from=forged-two.example\r\n")
            raw = forged + message(message_id="<ar-1@vendor.example>")
            postfix.send(raw, VENDOR_ADDR, [BUYER_ADDR])
            delivered = sink.wait_for("<ar-1@vendor.example>")
            log = wait_for_log(milter, "removed 2 forged Authentication-Results")
        results = [" ".join(str(v).split()) for v in delivered.get_all("Authentication-Results") or []]
        ours = [r for r in results if r.startswith("mx.gateway.test;")]
        assert ours == ["mx.gateway.test; dkim=pass header.d=upstream.example"], (results, log)
        assert "other.example; spf=pass smtp.mailfrom=vendor.example" in results  # another id: left alone
    finally:
        postfix.stop()
        upstream.kill()
        upstream.wait(5)
        sink.stop()
        shutil.rmtree(base, ignore_errors=True)

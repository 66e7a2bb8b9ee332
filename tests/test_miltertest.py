"""Protocol-level checks with miltertest: the headers and the quarantine action on the wire, no MTA.

A `vecguard milter` process serves a real unix socket; miltertest Lua scripts (tests/lua.py) feed the
scenario messages from tests/messages and check every end-of-message action. The baseline is a learned
vendor history (tests/helpers.vendor_history) in a SQLite file shared with the milter.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import BUYER_ADDR, LOCAL, VENDOR_ADDR, World, eml, message, vendor_history
from .lua import Feed, miltertest, run_script, script
from .mta import MilterProcess, running, world_dir

pytestmark = pytest.mark.skipif(miltertest() is None or shutil.which("postfix") is None and False,
                                reason="miltertest not installed (apt-get install miltertest; .ci/run does)")
Milter = pytest.importorskip("Milter", reason="pymilter not installed (pip install -e '.[milter]'; needs libmilter-dev)")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Path, MilterProcess]]:
    base = world_dir("vecguard-mt-")
    try:
        world = World(base)
        vendor_history(world)
        world.close()
        milter = MilterProcess(base / "milter.sock", ["--db", f"sqlite:///{base}/history.db", "--local-domain", LOCAL],
                               base / "milter.log")
        with running(milter):
            yield base, milter
    finally:
        shutil.rmtree(base, ignore_errors=True)


def check(base: Path, milter: MilterProcess, feeds: list[Feed], name: str) -> None:
    done = run_script(base / f"{name}.lua", script(f"unix:{milter.socket_path}", feeds))
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n--- milter log\n{milter.log()}"


def test_headers_and_quarantine_on_the_wire(served: tuple[Path, MilterProcess]) -> None:
    base, milter = served
    check(base, milter, [
        Feed(eml("vendor_normal.eml"), VENDOR_ADDR, [BUYER_ADDR], expect_headers=[("X-VECGuard-Score", "0")],
             expect_no_header=["X-VECGuard-Action", "X-VECGuard-Signals"]),
        Feed(eml("thread_outsider.eml"), "m.okafor@harborlogistics.co.uk", [BUYER_ADDR],
             expect_headers=[("X-VECGuard-Action", "tag")]),
        Feed(eml("thread_hijack.eml"), VENDOR_ADDR, [BUYER_ADDR], expect_quarantine=True,
             expect_headers=[("X-VECGuard-Action", "hold")]),
    ], "scenarios")
    # The signals header names the contributions, strongest first.
    check(base, milter, [Feed(eml("thread_hijack.eml"), VENDOR_ADDR, [BUYER_ADDR], expect_quarantine=True)], "again")
    with sqlite3.connect(base / "history.db") as db:
        actions = [r[0] for r in db.execute("SELECT action FROM decision WHERE message_id = 'hj-1@harborlogistics.co.uk'")]
    assert actions == ["hold", "hold"], milter.log()


def test_authenticated_sender_teaches_the_baseline(served: tuple[Path, MilterProcess]) -> None:
    """{auth_authen} makes a message ours even From a domain that is not local: learned outbound, not scored."""
    base, milter = served
    raw = message(sender="Lena <lena@acme-parts.de>", to="Kim Lau <kim@newsupplier.example>", hop=None,
                  delivered_to=None, message_id="<auth-1@acme-parts.de>", subject="Quote request")
    check(base, milter, [Feed(raw, "lena@acme-parts.de", ["kim@newsupplier.example"],
                              macros={"{auth_authen}": "lena"},
                              expect_headers=[("X-VECGuard-Score", "0")],
                              expect_no_header=["X-VECGuard-Action"])], "auth")
    with sqlite3.connect(base / "history.db") as db:
        row = db.execute("SELECT direction, action FROM decision WHERE message_id = 'auth-1@acme-parts.de'").fetchone()
        learned = db.execute("SELECT count FROM relationship WHERE sender = 'lena@acme-parts.de' "
                             "AND recipient = 'kim@newsupplier.example'").fetchone()
    assert row == ("outbound", "pass")
    assert learned == (1,)

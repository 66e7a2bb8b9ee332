"""The milter glue driven in-process through pymilter's TestCtx (no socket, no MTA): actions, fail modes,
settings. The real-socket and real-Postfix tests are test_miltertest.py and test_milter_postfix.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from vecguard.errors import ConfigError, StoreError
from vecguard.history.store import Store
from vecguard.settings import Settings, load_settings

from .helpers import BUYER_ADDR, LOCAL, VENDOR_ADDR, World, default_policy, eml, message, vendor_history
from .mta import GENEROUS_BUDGET_MS

Milter = pytest.importorskip("Milter", reason="pymilter not installed (pip install -e '.[milter]'; needs libmilter-dev)")
from Milter.testctx import TestCtx

from vecguard.milter import Runtime, VecguardMilter

TestCtx.__test__ = False


class Ctx(TestCtx):  # type: ignore[misc]
    """TestCtx whose quarantine records the reason (pymilter's raises NotImplemented)."""

    __test__ = False

    def __init__(self) -> None:
        super().__init__()
        self.quarantined: str | None = None

    def quarantine(self, reason: str) -> None:
        self.quarantined = reason

    def _negotiate(self) -> int:
        # TestCtx offers every no-reply bit, and then stops feeding at the first NOREPLY answer: offer none.
        saved = TestCtx.default_opts
        TestCtx.default_opts = [Milter.CURR_ACTS, 0, 0, 0]
        try:
            return int(super()._negotiate())
        finally:
            TestCtx.default_opts = saved


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A learned vendor history, copied per test so learning in one test does not leak into another."""
    base = tmp_path_factory.mktemp("milter-history")
    world = World(base)
    vendor_history(world)
    world.close()
    return base / "history.db"


@pytest.fixture()
def db(history: Path, tmp_path: Path) -> str:
    target = tmp_path / "history.db"
    target.write_bytes(history.read_bytes())
    return f"sqlite:///{target}"


def settings(**values: Any) -> Settings:
    """Settings for a test that is not about the time budget: a generous one (tests/mta.py), so that a
    loaded CI machine does not turn the decision under test into the fail mode."""
    return Settings(**{"time_budget_ms": GENEROUS_BUDGET_MS, **values})


@contextmanager
def milter(settings: Settings, store_factory: Any = None) -> Iterator[Runtime]:
    runtime = Runtime(settings, default_policy(), store_factory)
    saved = Milter.factory
    Milter.factory = lambda: VecguardMilter(runtime)
    try:
        yield runtime
    finally:
        Milter.factory = saved
        runtime.close()


def feed(raw: bytes, mail_from: str = VENDOR_ADDR, rcpt: str = BUYER_ADDR, macros: dict[str, str] | None = None,
         ) -> tuple[int, Ctx]:
    ctx = Ctx()
    ctx._setsymval("i", "4QID1")
    for name, value in (macros or {}).items():
        ctx._setsymval(name, value)
    assert ctx._connect(ip="192.0.2.10") == Milter.CONTINUE
    rc = ctx._feedFile(BytesIO(raw), mail_from, rcpt)
    return rc, ctx


def added(ctx: Ctx) -> dict[str, str]:
    return {k: str(v) for k, v in ctx._msg.items() if k.lower().startswith("x-vecguard")}


def test_actions_headers_and_quarantine(db: str) -> None:
    with milter(settings(db_url=db, local_domains=(LOCAL,), subject_prefix="[VEC?] ")):
        rc, ctx = feed(eml("vendor_normal.eml"))
        assert rc == Milter.CONTINUE and added(ctx) == {"X-VECGuard-Score": "0"} and ctx.quarantined is None

        rc, ctx = feed(eml("thread_outsider.eml"), "dana@cole-freight-audit.com")
        headers = added(ctx)
        assert headers["X-VECGuard-Action"] == "tag" and "THREAD_OUTSIDER(" in headers["X-VECGuard-Signals"]
        assert "[VEC?] RE: PO 4415" in [str(s) for s in ctx._msg.get_all("Subject")]

        rc, ctx = feed(eml("thread_hijack.eml"))
        assert rc == Milter.CONTINUE and ctx.quarantined is not None and ctx.quarantined.startswith("hold 100/")
        assert added(ctx)["X-VECGuard-Action"] == "hold"
        assert all(ord(c) < 128 for c in added(ctx)["X-VECGuard-Signals"])
    store = Store(db, create=False)
    with store.session() as session:
        held = [d for d in session.decisions() if d["action"] == "hold"]
    store.close()
    assert [(d["queue_id"], d["message_id"]) for d in held] == [("4QID1", "hj-1@harborlogistics.co.uk")]


def test_pass_header_none_adds_nothing(db: str) -> None:
    with milter(settings(db_url=db, local_domains=(LOCAL,), pass_header="none")):
        _, ctx = feed(eml("vendor_normal.eml"))
    assert added(ctx) == {}


def test_submission_listener_and_auth_make_mail_ours(db: str) -> None:
    raw = message(sender="Lena <lena@acme-parts.de>", to="Kim <kim@newsupplier.example>", hop=None, delivered_to=None,
                  message_id="<sub-1@acme-parts.de>")
    with milter(settings(db_url=db, local_domains=(LOCAL,), submission_daemon_names=("ORIGINATING",))) as runtime:
        feed(raw, "lena@acme-parts.de", "kim@newsupplier.example", {"{daemon_name}": "ORIGINATING"})
        raw2 = raw.replace(b"sub-1", b"sub-2")
        feed(raw2, "lena@acme-parts.de", "kim@newsupplier.example")  # same mail, not authenticated: inbound
        with runtime.store().session() as session:
            directions = {d["message_id"]: d["direction"] for d in session.decisions()}
    assert directions["sub-1@acme-parts.de"] == "outbound"
    assert directions["sub-2@acme-parts.de"] == "inbound"


class _BrokenStore:
    dialect = "postgresql"  # sessions run in parallel, as on a database server

    def __init__(self, error: BaseException | None = None, delay: float = 0.0) -> None:
        self.error, self.delay = error, delay

    @contextmanager
    def session(self) -> Iterator[Any]:
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        raise AssertionError("unreachable")

    def close(self) -> None:
        pass


@pytest.mark.parametrize("store_factory, reason, budget_ms, within", [
    # A failing store or a bug answers at once, long before the (generous) budget ends.
    (lambda url: _BrokenStore(StoreError("history database error: server closed the connection")), "store",
     GENEROUS_BUDGET_MS, 5.0),
    (lambda url: _BrokenStore(ZeroDivisionError("bug")), "internal error", GENEROUS_BUDGET_MS, 5.0),
    (lambda url: (_ for _ in ()).throw(StoreError("cannot open history database")), "store unavailable",
     GENEROUS_BUDGET_MS, 5.0),
    # A hanging store (3 s) costs the budget (0.1 s), not its hang.
    (lambda url: _BrokenStore(delay=3.0), "time budget", 100, 1.5),
])
def test_fail_mode_accept_tags_error(store_factory: Any, reason: str, budget_ms: int, within: float,
                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="vecguard.milter")
    with milter(Settings(local_domains=(LOCAL,), time_budget_ms=budget_ms), store_factory):
        started = time.monotonic()
        rc, ctx = feed(eml("thread_hijack.eml"))
    assert time.monotonic() - started < within
    assert rc == Milter.CONTINUE and added(ctx) == {"X-VECGuard-Action": "error"} and ctx.quarantined is None
    lines = [r.getMessage() for r in caplog.records if r.name == "vecguard.milter" and "action=" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("4QID1: ") and reason in lines[0]


def test_fail_mode_tempfail() -> None:
    factory = lambda url: _BrokenStore(StoreError("down"))
    with milter(settings(local_domains=(LOCAL,), fail_mode="tempfail"), factory):
        rc, ctx = feed(eml("vendor_normal.eml"))
    assert rc == Milter.TEMPFAIL and ctx._reply[0] == "451" and added(ctx) == {}


def test_exception_in_a_callback_fails_safe(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: VecguardMilter, data: bytes) -> None:
        raise ValueError("buffer bug")

    monkeypatch.setattr(VecguardMilter, "_append", broken)
    with milter(settings(db_url=db, local_domains=(LOCAL,))):
        rc, ctx = feed(eml("thread_hijack.eml"))
    assert rc == Milter.CONTINUE and added(ctx) == {"X-VECGuard-Action": "error"}


def test_oversized_message_is_scored_on_headers_only(db: str) -> None:
    raw = message(message_id="<big@harborlogistics.co.uk>", body="word " * 60_000)
    with milter(settings(db_url=db, local_domains=(LOCAL,), max_message_bytes=50_000)) as runtime:
        rc, ctx = feed(raw)
        with runtime.store().session() as session:
            record = next(d for d in session.decisions() if d["message_id"] == "big@harborlogistics.co.uk")
    assert rc == Milter.CONTINUE and "X-VECGuard-Score" in added(ctx)
    assert "BODY_NOT_SCANNED" in [s["name"] for s in record["signals"]]


def test_postgres_url_gets_the_time_budget_as_statement_timeout() -> None:
    runtime = Runtime(Settings(db_url="postgresql+psycopg://vg@db/vecguard", time_budget_ms=1500), default_policy())
    try:
        assert runtime.store_url() == "postgresql+psycopg://vg@db/vecguard?options=-c+statement_timeout%3D1500"
    finally:
        runtime.close()


# ---------------------------------------------------------------------------------------------- settings


def test_settings_file_env_and_flags(tmp_path: Path) -> None:
    conf = tmp_path / "vecguard.toml"
    conf.write_text('socket = "unix:/run/x.sock"\nlocal_domains = ["Example.COM."]\nfail_mode = "tempfail"\n'
                    'time_budget_ms = 800\n')
    s = load_settings(str(conf), environ={"VECGUARD_SOCKET": "inet:11332@127.0.0.1"},
                      overrides={"db_url": "sqlite:////tmp/h.db", "local_domains": None})
    assert (s.socket, s.local_domains, s.fail_mode, s.time_budget_ms, s.db_url, s.source) == (
        "inet:11332@127.0.0.1", ("example.com",), "tempfail", 800, "sqlite:////tmp/h.db", str(conf))
    assert load_settings(None, environ={}).source in (None, "/etc/vecguard/vecguard.toml")


@pytest.mark.parametrize("text, key", [
    ('fail_mode = "reject"\n', "fail_mode"),
    ("time_budget_ms = 0\n", "time_budget_ms"),
    ('socket = "tcp:1"\n', "socket"),
    ('db_url = "mysql://x/y"\n', "db_url"),
    ('local_domains = "example.com"\n', "local_domains"),
    ('sokcet = "unix:/x"\n', "sokcet"),
    ("max_message_bytes = true\n", "max_message_bytes"),
])
def test_bad_settings_name_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    conf = tmp_path / "vecguard.toml"
    conf.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(str(conf), environ={})
    assert str(err.value).startswith(f"{conf}: {key}: ")


def test_missing_explicit_settings_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(str(tmp_path / "nope.toml"), environ={})


def test_runtime_caps_the_policy_size_limit() -> None:
    runtime = Runtime(replace(Settings(), max_message_bytes=4096), default_policy())
    try:
        assert runtime.max_bytes == runtime.policy.max_message_bytes == 4096
    finally:
        runtime.close()


def test_authserv_ids_setting_decides_which_results_count(db: str) -> None:
    """An upstream filter's failing Authentication-Results counts only once its authserv-id is
    configured; by default only our own MX (a host in a local domain, whose header says pass) counts."""
    upstream = (b"Authentication-Results: filter.scanning-service.net; spf=fail smtp.mailfrom=harborlogistics.co.uk;"
                b" dkim=fail header.d=harborlogistics.co.uk; dmarc=fail\n")
    raw = upstream + eml("vendor_normal.eml")
    signals: dict[tuple[str, ...], set[str]] = {}
    for ids in ((), ("filter.scanning-service.net",)):
        path = db.removeprefix("sqlite:///")
        copy = f"{path}.{len(ids)}"
        Path(copy).write_bytes(Path(path).read_bytes())
        with milter(settings(db_url=f"sqlite:///{copy}", local_domains=(LOCAL,), authserv_ids=ids)) as runtime:
            feed(raw)
            with runtime.store().session() as session:
                decision = next(d for d in session.decisions() if d["message_id"] == "normal-1@harborlogistics.co.uk")
        signals[ids] = {s["name"] for s in decision["signals"]}  # type: ignore[union-attr]
    assert "AUTH_FAIL_FOR_USUALLY_PASSING" not in signals[()]
    assert "AUTH_FAIL_FOR_USUALLY_PASSING" in signals[("filter.scanning-service.net",)]


def test_authserv_ids_in_settings_file(tmp_path: Path) -> None:
    conf = tmp_path / "vecguard.toml"
    conf.write_text('authserv_ids = ["GW1.example-corp.com", "gw2.example-corp.com"]\n')
    assert load_settings(str(conf), environ={}).authserv_ids == ("gw1.example-corp.com", "gw2.example-corp.com")
    conf.write_text('authserv_ids = "gw1.example-corp.com"\n')
    with pytest.raises(ConfigError, match="authserv_ids"):
        load_settings(str(conf), environ={})

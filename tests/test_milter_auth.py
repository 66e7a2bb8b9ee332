"""Sender authentication in the milter: DNS verification with the SMTP session's facts against the loopback
fake nameserver (tests/fakedns.py), the DNS time budget, and the removal of forged Authentication-Results.

Driven through pymilter's TestCtx (libmilter's callbacks, no MTA); the real-Postfix check of the removal is
in test_milter_postfix.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from vecguard.errors import ConfigError
from vecguard.features import AuthResults
from vecguard.settings import Settings, load_settings, removes_forged_auth

from .fakedns import FakeDNS
from .mta import GENEROUS_BUDGET_MS
from .test_authcheck import key, raw_message, sign, zone  # noqa: F401  (key is a fixture)
from .test_milter import Ctx, Milter, milter

CLIENT_IP = "40.107.22.101"  # inside vendor.example's SPF record (test_authcheck.zone)
OUTSIDER_IP = "185.220.101.4"  # outside it
LOCAL = "acme-parts.com"


class Recording:
    """Delegates to the real Verifier and keeps what it was asked and what it answered."""

    def __init__(self, verifier: Any) -> None:
        self.verifier = verifier
        self.calls: list[tuple[str | None, str | None, str | None, AuthResults]] = []

    def verify(self, raw: bytes, f: Any, mail_from: str | None = None, client_ip: str | None = None,
               helo: str | None = None) -> AuthResults:
        result: AuthResults = self.verifier.verify(raw, f, mail_from, client_ip, helo)
        self.calls.append((mail_from, client_ip, helo, result))
        return result


class EditCtx(Ctx):
    """TestCtx that also records each chgheader call with its index (TestCtx's own ignores the index)."""

    __test__ = False

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[tuple[str, int, str]] = []

    def chgheader(self, field: str, idx: int, value: str) -> None:
        self.changes.append((field, idx, value))
        super().chgheader(field, idx, value)


def header(ctx: EditCtx, name: str) -> str | None:
    value = ctx._msg.get(name)
    return None if value is None else str(value)


def feed(raw: bytes, ip: str = CLIENT_IP, mail_from: str = "bounce@vendor.example") -> tuple[int, EditCtx]:
    ctx = EditCtx()
    ctx._setsymval("i", "4QAUTH")
    assert ctx._connect(host="mail.vendor.example", helo="mail.vendor.example", ip=ip) == Milter.CONTINUE
    return ctx._feedFile(BytesIO(raw), mail_from, "lena@acme-parts.com"), ctx


@pytest.fixture()
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history.db'}"


@pytest.fixture()
def published(key: tuple[bytes, str]) -> Iterator[tuple[str, int]]:  # noqa: F811
    with FakeDNS(zone(key[1])) as server:
        yield server


def test_dns_verification_uses_the_smtp_session(db: str, key: tuple[bytes, str],  # noqa: F811
                                                published: tuple[str, int]) -> None:
    """A DKIM-signed message from a zone that publishes the key: pass for DKIM, SPF (checked for the
    connecting client's address and the envelope sender, not the Received header) and DMARC."""
    # Budgets that a loaded machine cannot exhaust: this test is about the answers, not the deadline
    # (a DNS check cut short would read temperror).
    settings = Settings(db_url=db, local_domains=(LOCAL,), verify_auth=True, resolvers=(published,),
                        auth_budget_ms=GENEROUS_BUDGET_MS // 2, time_budget_ms=GENEROUS_BUDGET_MS)
    raw = sign(raw_message(ip=OUTSIDER_IP), key[0])  # the Received header names an address SPF does not allow
    with milter(settings) as runtime:
        assert runtime.dns is not None
        recording = Recording(runtime.dns.verifier)
        runtime.dns.verifier = recording
        rc, ctx = feed(raw)
        assert rc == Milter.CONTINUE
        mail_from, client_ip, helo, result = recording.calls[-1]
        assert (mail_from, client_ip, helo) == ("bounce@vendor.example", CLIENT_IP, "mail.vendor.example")
        assert (result.dkim, result.spf, result.dmarc, result.source) == ("pass", "pass", "pass", "vecguard")
        assert result.dkim_domains == ("vendor.example",)
        assert "DMARC_FAIL_ENFORCED" not in (header(ctx, "X-VECGuard-Signals") or "")

        # The same spoofed From from an address outside the SPF record, with a broken signature: DMARC
        # fails under p=reject, and the signal says so in the header.
        altered = sign(raw_message(), key[0]).replace(b"Shipping Friday.", b"Please pay the new account.")
        rc, ctx = feed(altered, ip=OUTSIDER_IP)
        assert rc == Milter.CONTINUE
        result = recording.calls[-1][3]
        assert (result.dkim, result.spf, result.dmarc, result.dmarc_policy) == ("fail", "fail", "fail", "reject")
        assert "DMARC_FAIL_ENFORCED" in (header(ctx, "X-VECGuard-Signals") or "")


def test_silent_nameserver_stays_within_the_dns_budget(db: str, key: tuple[bytes, str]) -> None:  # noqa: F811
    """A nameserver that never answers costs at most the DNS budget: the message gets a normal decision
    (not the fail mode), with temperror results, well inside the milter's own time budget."""
    with FakeDNS(None) as silent:
        settings = Settings(db_url=db, local_domains=(LOCAL,), verify_auth=True, resolvers=(silent,),
                            auth_budget_ms=500, time_budget_ms=5000)
        with milter(settings) as runtime:
            assert runtime.dns is not None
            recording = Recording(runtime.dns.verifier)
            runtime.dns.verifier = recording
            started = time.monotonic()
            rc, ctx = feed(sign(raw_message(), key[0]))
            elapsed = time.monotonic() - started
    assert rc == Milter.CONTINUE
    assert header(ctx, "X-VECGuard-Action") != "error"
    assert recording.calls[-1][3].dkim == "temperror"
    assert elapsed < 2.5, elapsed  # budget 0.5 s; generous margin for a loaded machine


def test_verify_auth_settings(tmp_path: Path) -> None:
    conf = tmp_path / "vecguard.toml"
    conf.write_text('verify_auth = true\nresolvers = ["127.0.0.1:5353", "[::1]"]\nauth_budget_ms = 800\n')
    settings = load_settings(str(conf), environ={})
    assert (settings.verify_auth, settings.resolvers, settings.auth_budget_ms) == (
        True, (("127.0.0.1", 5353), ("::1", 53)), 800)
    env = {"VECGUARD_VERIFY_AUTH": "0", "VECGUARD_RESOLVERS": "10.0.0.53"}
    settings = load_settings(str(conf), environ=env, overrides={"auth_budget_ms": 300})
    assert (settings.verify_auth, settings.resolvers, settings.auth_budget_ms) == (False, (("10.0.0.53", 53),), 300)
    assert load_settings(str(conf), environ=env, overrides={"verify_auth": True}).verify_auth
    assert Settings().verify_auth is False and load_settings(None, environ={"VECGUARD_CONFIG": str(conf)}).verify_auth


@pytest.mark.parametrize(("text", "key_name"), [
    ("verify_auth = 1\n", "verify_auth"),
    ('resolvers = ["127.0.0.1:99999"]\n', "resolvers"),
    ("time_budget_ms = 1000\nauth_budget_ms = 1000\n", "auth_budget_ms"),
    ("remove_forged_auth = true\n", "remove_forged_auth"),
])
def test_bad_auth_settings_name_the_key(tmp_path: Path, text: str, key_name: str) -> None:
    conf = tmp_path / "vecguard.toml"
    conf.write_text(text)
    with pytest.raises(ConfigError, match=key_name):
        load_settings(str(conf), environ={})
    with pytest.raises(ConfigError, match="VECGUARD_VERIFY_AUTH"):
        load_settings(None, environ={"VECGUARD_VERIFY_AUTH": "maybe"})


def test_remove_forged_defaults_on_with_authserv_ids() -> None:
    assert not removes_forged_auth(Settings())
    assert removes_forged_auth(Settings(authserv_ids=("mx.acme-parts.com",)))
    assert not removes_forged_auth(Settings(authserv_ids=("mx.acme-parts.com",), remove_forged_auth=False))


AR_OURS = b"Authentication-Results: mx.acme-parts.com; dkim=pass header.d=vendor.example; dmarc=pass\r\n"
AR_OTHER = b"Authentication-Results: filter.other.example; spf=pass smtp.mailfrom=vendor.example\r\n"
AR_FORGED = b"Authentication-Results: MX.acme-parts.com; dkim=pass header.d=evil.example; dmarc=pass\r\n"


@pytest.mark.parametrize(("ids", "remove", "expected"), [
    (("mx.acme-parts.com",), None, [("Authentication-Results", 4, ""), ("Authentication-Results", 3, "")]),
    (("mx.acme-parts.com",), False, []),
    ((), None, []),
])
def test_forged_authentication_results_are_removed(db: str, ids: tuple[str, ...], remove: bool | None,
                                                    expected: list[tuple[str, int, str]]) -> None:
    """The topmost header of a trusted id is its writer's (an upstream milter inserts at the top); lower
    copies arrived with the message and are deleted by index, highest first; other ids are left alone."""
    raw = AR_OURS + AR_OTHER + AR_FORGED + AR_FORGED.replace(b"evil", b"evil2") + raw_message()
    settings = Settings(db_url=db, local_domains=(LOCAL,), authserv_ids=ids, remove_forged_auth=remove)
    with milter(settings):
        rc, ctx = feed(raw)
    assert rc == Milter.CONTINUE
    assert ctx.changes == expected


def test_forged_results_removed_in_the_fail_mode_too(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(db_url=db, local_domains=(LOCAL,), authserv_ids=("mx.acme-parts.com",))
    with milter(settings) as runtime:
        monkeypatch.setattr(runtime, "evaluate", lambda envelope: 1 / 0)
        rc, ctx = feed(AR_OURS + AR_FORGED + raw_message())
    assert rc == Milter.CONTINUE
    assert header(ctx, "X-VECGuard-Action") == "error"
    assert ctx.changes == [("Authentication-Results", 2, "")]

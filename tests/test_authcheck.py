"""DKIM, SPF and DMARC verification by DNS against a loopback fake nameserver (tests/fakedns.py).

No test touches the network: every resolver points at 127.0.0.1. The budget test uses a nameserver that
receives queries and never answers.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vecguard.cli import main
from vecguard.engine import Engine
from vecguard.envelope import Envelope
from vecguard.features import AuthResults, Context, Features

from .fakedns import FakeDNS
from .helpers import default_policy, features_of

dkim = pytest.importorskip("dkim")
pytest.importorskip("spf")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")

from vecguard.authcheck import AuthSettings, Verifier, parse_nameserver

VENDOR_IP = "40.107.22.101"  # a global address: the first external hop offline


@pytest.fixture(scope="module")
def key() -> tuple[bytes, str]:
    """(private key PEM, public key base64 for the DKIM TXT record)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    der = private.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode()


def raw_message(sender: str = "sam@vendor.example", return_path: str = "bounce@vendor.example",
                ip: str = VENDOR_IP, body: str = "Shipping Friday.") -> bytes:
    return (f"Received: from mail.vendor.example (mail.vendor.example [{ip}])\r\n"
            "\tby mx.acme-parts.com (Postfix) with ESMTPS id 4Q1;\r\n\tWed, 01 Jul 2026 10:00:00 +0000\r\n"
            f"Return-Path: <{return_path}>\r\n"
            "Delivered-To: lena@acme-parts.com\r\n"
            f"From: Sam Reed <{sender}>\r\nTo: Lena <lena@acme-parts.com>\r\nSubject: PO 4415\r\n"
            "Date: Wed, 01 Jul 2026 10:00:00 +0000\r\nMessage-ID: <po4415@vendor.example>\r\n\r\n"
            f"{body}\r\n").encode()


def sign(raw: bytes, pem: bytes, domain: str = "vendor.example", selector: str = "s1") -> bytes:
    signature: bytes = dkim.sign(raw, selector.encode(), domain.encode(), pem,
                                 include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return signature + raw


def zone(public: str, dmarc: str = "v=DMARC1; p=reject") -> dict[str, dict[str, list[str]]]:
    return {
        "s1._domainkey.vendor.example": {"TXT": [f'"v=DKIM1; k=rsa; p={public}"']},
        "vendor.example": {"TXT": ['"v=spf1 ip4:40.107.22.0/24 -all"'], "A": ["192.0.2.1"]},
        "_dmarc.vendor.example": {"TXT": [f'"{dmarc}"']},
        "esp.example": {"TXT": ['"v=spf1 ip4:198.51.100.0/24 ~all"']},
        "s1._domainkey.esp.example": {"TXT": [f'"v=DKIM1; k=rsa; p={public}"']},
    }


@pytest.fixture
def dns_server(key: tuple[bytes, str]) -> Iterator[tuple[FakeDNS, Verifier]]:
    fake = FakeDNS(zone(key[1]))
    with fake as (host, port):
        # Generous limits: these tests are about the answers, and a loaded machine must not cut a check
        # short into temperror (the budget has its own tests below).
        yield fake, Verifier(AuthSettings(((host, port),), budget_seconds=10.0, query_timeout_seconds=5.0))


def verify(verifier: Verifier, raw: bytes, **kwargs: str) -> AuthResults:
    return verifier.verify(raw, features_of(raw), **kwargs)


def test_everything_passes(dns_server: tuple[FakeDNS, Verifier], key: tuple[bytes, str]) -> None:
    _, verifier = dns_server
    result = verify(verifier, sign(raw_message(), key[0]))
    assert result == AuthResults("pass", "pass", "pass", ("vendor.example",), "reject", "vecguard")


def test_altered_body_fails_dkim_but_spf_keeps_dmarc(dns_server: tuple[FakeDNS, Verifier],
                                                      key: tuple[bytes, str]) -> None:
    _, verifier = dns_server
    raw = sign(raw_message(), key[0]).replace(b"Shipping Friday.", b"Shipping Monday.")
    assert verify(verifier, raw) == AuthResults("pass", "fail", "pass", (), "reject", "vecguard")


def test_spoof_from_elsewhere_fails_dmarc(dns_server: tuple[FakeDNS, Verifier], key: tuple[bytes, str]) -> None:
    _, verifier = dns_server
    raw = raw_message(ip="185.220.101.4")  # unsigned, from an address the SPF record does not list
    assert verify(verifier, raw) == AuthResults("fail", "none", "fail", (), "reject", "vecguard")


def test_unaligned_esp_signature_fails_dmarc(dns_server: tuple[FakeDNS, Verifier], key: tuple[bytes, str]) -> None:
    _, verifier = dns_server
    raw = sign(raw_message(return_path="bounce@esp.example", ip="198.51.100.7"), key[0], domain="esp.example")
    result = verify(verifier, raw, client_ip="198.51.100.7")  # the SMTP client, as the milter passes it
    assert result == AuthResults("pass", "pass", "fail", ("esp.example",), "reject", "vecguard")


def test_subdomain_uses_the_organisations_sp(key: tuple[bytes, str]) -> None:
    records = zone(key[1], dmarc="v=DMARC1; p=reject; sp=quarantine")
    records["billing.vendor.example"] = {"TXT": ['"v=spf1 -all"']}
    with FakeDNS(records) as (host, port):
        verifier = Verifier(AuthSettings(((host, port),)))
        raw = raw_message(sender="ar@billing.vendor.example", return_path="ar@billing.vendor.example")
        assert verify(verifier, raw) == AuthResults("fail", "none", "fail", (), "quarantine", "vecguard")


def test_no_dmarc_record_is_none(key: tuple[bytes, str]) -> None:
    records = zone(key[1])
    del records["_dmarc.vendor.example"]
    with FakeDNS(records) as (host, port):
        result = verify(Verifier(AuthSettings(((host, port),))), sign(raw_message(), key[0]))
    assert (result.dkim, result.spf, result.dmarc, result.dmarc_policy) == ("pass", "pass", "none", None)


def test_answers_are_cached_across_messages(dns_server: tuple[FakeDNS, Verifier], key: tuple[bytes, str]) -> None:
    fake, verifier = dns_server
    raw = sign(raw_message(), key[0])
    first = verify(verifier, raw)
    asked = fake.queries
    assert asked >= 3  # DKIM key, SPF record, DMARC record at least
    assert verify(verifier, raw) == first
    assert fake.queries == asked


def test_time_budget_holds_against_a_silent_nameserver(key: tuple[bytes, str]) -> None:
    """Without the budget pyspf waits 21 s, checkdmarc 22 s and dkimpy 5 s on such a server."""
    with FakeDNS(None) as (host, port):
        verifier = Verifier(AuthSettings(((host, port),), budget_seconds=1.0, query_timeout_seconds=1.0))
        raw = sign(raw_message(), key[0])
        started = time.monotonic()
        result = verify(verifier, raw)
        elapsed = time.monotonic() - started
        assert elapsed < 3.0, elapsed  # the budget (1 s) plus slack for a loaded machine; unbounded is >= 5 s
        assert (result.dkim, result.spf, result.dmarc) == ("temperror", "temperror", "temperror")
        # and the message still gets a decision, through the engine
        engine = Engine(default_policy(), Context(local_domains=frozenset({"acme-parts.com"})), verifier)
        started = time.monotonic()
        outcome = engine.decide(Envelope(raw=raw), _NoHistory())
        assert time.monotonic() - started < 3.0
        assert outcome.error is None and outcome.decision.action in ("pass", "tag", "hold")
        assert outcome.features is not None and outcome.features.auth.dkim == "temperror"


class _NoHistory:
    """A store session with no history that records nothing (the Engine's Session protocol)."""

    def baseline(self, f: Features, lookalike_candidates: tuple[str, ...] = ()) -> object:
        from vecguard.baseline import Baseline

        return Baseline()

    def learn(self, lesson: object) -> None:
        pass

    def record(self, record: object) -> None:
        pass


class _Recorder:
    def __init__(self) -> None:
        self.calls = 0

    def verify(self, raw: bytes, f: Features, mail_from: str | None = None, client_ip: str | None = None,
               helo: str | None = None) -> AuthResults:
        self.calls += 1
        return AuthResults(dmarc="fail", dmarc_policy="reject", source="vecguard")


def test_engine_verifies_only_inbound_mail_without_trusted_results() -> None:
    recorder = _Recorder()
    engine = Engine(default_policy(), Context(local_domains=frozenset({"acme-parts.com"})), recorder)
    outcome = engine.decide(Envelope(raw=raw_message()), _NoHistory())
    assert recorder.calls == 1 and "DMARC_FAIL_ENFORCED" in {c.name for c in outcome.decision.report.contributions}
    trusted = raw_message().replace(b"From: ", b"Authentication-Results: mx.acme-parts.com; dmarc=pass\r\nFrom: ")
    engine.decide(Envelope(raw=trusted), _NoHistory())
    outbound = raw_message(sender="lena@acme-parts.com")
    engine.decide(Envelope(raw=outbound), _NoHistory())
    assert recorder.calls == 1


def test_no_verifier_no_lookups() -> None:
    engine = Engine(default_policy(), Context(local_domains=frozenset({"acme-parts.com"})))
    assert engine.verifier is None
    outcome = engine.decide(Envelope(raw=raw_message()), _NoHistory())
    assert outcome.features is not None and outcome.features.auth == AuthResults()


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1", ("127.0.0.1", 53)), ("127.0.0.1:5353", ("127.0.0.1", 5353)), ("[::1]:5353", ("::1", 5353)),
    ("::1", ("::1", 53)),
])
def test_parse_nameserver(text: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(text) == expected


def test_cli_verifies_with_a_resolver(tmp_path: Path, key: tuple[bytes, str], capsys: pytest.CaptureFixture[str]) -> None:
    eml = tmp_path / "spoof.eml"
    eml.write_bytes(raw_message(ip="185.220.101.4"))
    db = f"sqlite:///{tmp_path / 'h.db'}"
    with FakeDNS(zone(key[1])) as (host, port):
        code = main(["scan", str(eml), "--local-domain", "acme-parts.com", "--db", db, "--jsonl", "-", "-q",
                     "--verify-auth", "--resolver", f"{host}:{port}", "--auth-budget", "1"])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert "DMARC_FAIL_ENFORCED" in {s["name"] for s in record["signals"]}
    # without --verify-auth the same message is scored with no DNS and no authentication signal
    assert main(["scan", str(eml), "--local-domain", "acme-parts.com", "--db", db, "--jsonl", "-", "-q",
                 "--no-learn"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert "DMARC_FAIL_ENFORCED" not in {s["name"] for s in record["signals"]}


@pytest.mark.parametrize("argv", [["--resolver", "127.0.0.1"], ["--verify-auth", "--resolver", "host:99999"],
                                  ["--verify-auth", "--auth-budget", "0"]])
def test_cli_rejects_bad_auth_options(tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    eml = tmp_path / "m.eml"
    eml.write_bytes(raw_message())
    assert main(["scan", str(eml), "--local-domain", "acme-parts.com", "--db", f"sqlite:///{tmp_path / 'h.db'}",
                 "-q", *argv]) == 2
    assert capsys.readouterr().err.startswith("vecguard: ")


@pytest.mark.parametrize("sender", ["sam@a..example", "sam@" + "x" * 70 + ".example", "sam@exämple.com",
                                    "sam@[192.0.2.1]"])
def test_names_dns_cannot_ask_about_never_raise(sender: str, key: tuple[bytes, str]) -> None:
    raw = raw_message(sender=sender, return_path=sender)
    with FakeDNS(zone(key[1])) as (host, port):
        result = verify(Verifier(AuthSettings(((host, port),))), raw)
    assert result.dmarc in ("none", None) and result.dkim == "none" and result.spf in ("none", "permerror")


def test_dmarc_is_not_a_fail_when_a_check_ran_out_of_time(key: tuple[bytes, str]) -> None:
    """The DKIM key's lookup never gets an answer: DKIM is temperror, SPF is not aligned (an ESP's bounce
    address), and DMARC must be temperror rather than call the message a spoof."""
    with FakeDNS(zone(key[1]), silent={"s1._domainkey.vendor.example"}) as (host, port):
        # The silent lookup costs its query timeout (0.5 s); the budget leaves the others time to answer.
        verifier = Verifier(AuthSettings(((host, port),), budget_seconds=10.0, query_timeout_seconds=0.5))
        result = verify(verifier, sign(raw_message(return_path="bounce@esp.example"), key[0]))
    assert (result.dkim, result.spf, result.dmarc, result.dmarc_policy) == ("temperror", "softfail", "temperror",
                                                                            "reject")

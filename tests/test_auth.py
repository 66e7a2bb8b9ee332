"""The pure half of sender authentication: trusted and forged Authentication-Results, DMARC records."""

from __future__ import annotations

import pytest

from vecguard.auth import DmarcRecord, aligned, authserv_id, dmarc_result, forged_results, parse_dmarc_record
from vecguard.features import AuthResults, Context, auth_results

LOCAL = frozenset({"acme-parts.com"})
OURS = "mx.acme-parts.com; spf=fail smtp.mailfrom=v.example; dkim=none; dmarc=fail (p=REJECT sp=NONE) header.from=v.example"
FORGED_OURS = "mx.acme-parts.com; spf=pass; dkim=pass header.d=v.example; dmarc=pass"
OUTSIDE = "mx.v.example; spf=pass; dkim=pass header.d=v.example; dmarc=pass"


def test_authserv_id() -> None:
    assert authserv_id(OURS) == "mx.acme-parts.com"
    assert authserv_id("  MX.Acme-Parts.com 1; none") == "mx.acme-parts.com"
    assert authserv_id("") == ""


def test_forged_results_positions() -> None:
    headers = [OURS, FORGED_OURS, OUTSIDE]
    assert forged_results(headers, frozenset(), LOCAL) == (2, 3)
    # a configured authserv-id replaces the local-domain rule: our MX name is no longer enough
    assert forged_results(headers, frozenset({"gw.acme-parts.com"}), LOCAL) == (1, 2, 3)
    assert forged_results(["gw.acme-parts.com; dkim=pass", OURS], frozenset({"gw.acme-parts.com"}), LOCAL) == (2,)
    assert forged_results([], frozenset(), LOCAL) == ()


def test_auth_results_read_only_the_first_trusted_header() -> None:
    found = auth_results([OURS, FORGED_OURS, OUTSIDE], Context(local_domains=LOCAL))
    assert found == AuthResults("fail", "none", "fail", (), "reject", "mx.acme-parts.com")


def test_auth_results_from_outside_only_are_nothing() -> None:
    assert auth_results([OUTSIDE, FORGED_OURS.replace("acme-parts.com", "acme-parts.com.evil.example")],
                        Context(local_domains=LOCAL)) == AuthResults()


def test_auth_results_with_configured_authserv_id() -> None:
    ctx = Context(local_domains=LOCAL, authserv_ids=frozenset({"gw1.relay.example"}))
    header = "gw1.relay.example; dkim=pass header.d=v.example; dmarc=pass policy.dmarc=quarantine"
    assert auth_results([OURS, header], ctx) == AuthResults(None, "pass", "pass", ("v.example",), "quarantine",
                                                            "gw1.relay.example")


@pytest.mark.parametrize(("record", "expected"), [
    ("v=DMARC1; p=reject", DmarcRecord("reject", "reject")),
    ("v=DMARC1; p=quarantine; sp=none; adkim=s; aspf=s; pct=50", DmarcRecord("quarantine", "none", "s", "s", 50)),
    ("v=DMARC1;p=none;sp=bogus;pct=x", DmarcRecord("none", "none")),
    ("V=dmarc1; P=Reject", DmarcRecord("reject", "reject")),
    ("v=DMARC1; p=block", None),
    ("v=spf1 -all", None),
    ("", None),
])
def test_parse_dmarc_record(record: str, expected: DmarcRecord | None) -> None:
    assert parse_dmarc_record(record) == expected


def test_alignment() -> None:
    assert aligned("mail.v.example", "v.example", "r")
    assert not aligned("mail.v.example", "v.example", "s")
    assert aligned("v.co.uk", "billing.v.co.uk", "r")
    assert not aligned("other.co.uk", "v.co.uk", "r")
    assert not aligned("", "v.example", "r")


def test_dmarc_result() -> None:
    record = DmarcRecord("reject", "quarantine")
    assert dmarc_result("v.example", record, False, "pass", "bounce.v.example", ()) == ("pass", "reject")
    assert dmarc_result("v.example", record, False, "pass", "esp.example", ()) == ("fail", "reject")
    assert dmarc_result("v.example", record, False, "fail", "v.example", ("v.example",)) == ("pass", "reject")
    assert dmarc_result("a.v.example", record, True, None, "", ("esp.example",)) == ("fail", "quarantine")
    strict = DmarcRecord("reject", "reject", adkim="s")
    assert dmarc_result("v.example", strict, False, None, "", ("mail.v.example",)) == ("fail", "reject")


def test_one_passing_signature_is_a_dkim_pass() -> None:
    header = "mx.acme-parts.com; dkim=fail header.d=old.example; dkim=pass header.d=v.example; spf=pass"
    found = auth_results([header], Context(local_domains=LOCAL))
    assert (found.dkim, found.dkim_domains, found.spf) == ("pass", ("v.example",), "pass")

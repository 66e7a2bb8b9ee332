"""Feature extraction (pure): identity, recipients, thread references, client, sending path, auth, hour."""

from __future__ import annotations

from vecguard.envelope import Envelope
from vecguard.features import Context, extract, normalise_subject
from vecguard.message import parse

from .helpers import BUYER_ADDR, LOCAL, features_of, message


def test_sender_identity_and_registered_domain() -> None:
    f = features_of(message(sender='"Reed, Sam" <Sam.Reed@Mail.HarborLogistics.co.uk>'))
    assert f.sender is not None
    assert f.sender.address == "sam.reed@mail.harborlogistics.co.uk"
    assert f.sender.name == "Reed, Sam"
    assert f.sender.domain == "mail.harborlogistics.co.uk"
    assert f.sender.org == "harborlogistics.co.uk"
    assert f.direction == "inbound"


def test_reply_to_and_return_path() -> None:
    raw = message(reply_to="Sam <sam.reed.payments@gmail.com>", extra=[("Return-Path", "<bounce@harborlogistics.co.uk>")])
    f = features_of(raw)
    assert [a.address for a in f.reply_to] == ["sam.reed.payments@gmail.com"]
    assert f.reply_to[0].org == "gmail.com"
    assert f.return_path == "bounce@harborlogistics.co.uk"


def test_undisclosed_recipients_from_envelope() -> None:
    raw = message(to="undisclosed-recipients:;", delivered_to=None)
    env = Envelope(raw=raw, rcpt_to=("a@acme-parts.com", "b@acme-parts.com", "c@acme-parts.com"))
    f = extract(env, parse(raw), Context(local_domains=frozenset({LOCAL})))
    assert f.undisclosed_count == 3
    assert f.recipient_count == 3
    assert set(f.local_recipients) == {"a@acme-parts.com", "b@acme-parts.com", "c@acme-parts.com"}


def test_delivered_to_counts_as_envelope_offline() -> None:
    f = features_of(message(to="someone-else@acme-parts.com", delivered_to=BUYER_ADDR))
    assert f.envelope_rcpts == (BUYER_ADDR,)
    assert f.undisclosed_count == 1  # the mailbox owner was not on To/Cc
    visible = features_of(message())
    assert visible.undisclosed_count == 0


def test_local_domain_matched_exactly() -> None:
    f = features_of(message(sender="x@mail.acme-parts.com", to="y@acme-parts.com"))
    assert f.direction == "inbound"  # a subdomain of a local domain is not local
    out = features_of(message(sender="Lena <lena.fischer@acme-parts.com>", to="sam@harborlogistics.co.uk",
                              delivered_to=None))
    assert out.direction == "outbound"
    internal = features_of(message(sender="lena.fischer@acme-parts.com", to="ops@acme-parts.com"))
    assert internal.direction == "internal"


def test_thread_references_and_subject() -> None:
    raw = message(subject="AW: Re: [ops] RE: Invoice 4471", in_reply_to="<A@x.com>", references="<root@x.com> <A@x.com>")
    f = features_of(raw)
    assert f.in_reply_to == ("a@x.com",)
    assert f.references == ("root@x.com", "a@x.com")
    assert f.subject_norm == "invoice 4471"
    assert f.reply_subject
    assert not features_of(message(subject="Fwd: Invoice")).reply_subject
    assert normalise_subject("Re: RE:   Hello  World") == "hello world"


def test_links_carry_sites() -> None:
    html = ('<a href="https://vendor-files.sharepoint.com/x">a</a> <a href="https://pub-1a2b.r2.dev/doc">b</a>'
            ' <a href="https://www.dropbox.com/s/abc/file.pdf">c</a>')
    f = features_of(message(html=html))
    assert f.link_sites == ("vendor-files.sharepoint.com", "pub-1a2b.r2.dev", "dropbox.com")


def test_mail_client_family() -> None:
    assert features_of(message(mailer="Microsoft Outlook 16.0.17328.20068")).client == "outlook"
    assert features_of(message(mailer=None)).client == "(none)"
    ua = message(mailer=None, extra=[("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.3.1")])
    assert features_of(ua).client == "thunderbird"
    assert features_of(message(mailer="PHPMailer 6.8.1 (https://github.com/PHPMailer/PHPMailer)")).client == "phpmailer"


def test_first_external_hop_skips_our_own_and_private_hops() -> None:
    raw = message(extra=[]).replace(
        b"Received: from",
        b"Received: from filter.acme-parts.com (filter.acme-parts.com [10.0.0.5])\n\tby mx.acme-parts.com; "
        b"Mon, 2 Mar 2026 09:30:00 +0100\nReceived: from", 1)
    f = features_of(raw)
    assert f.hop.ip == "40.107.22.101"
    assert f.hop.helo == "eur05-db8-obe.outbound.protection.outlook.com"
    assert f.hop.network == "outlook.com"
    bare_ip = features_of(message(hop=("185.12.34.56", "[185.12.34.56]", "unknown")))
    assert bare_ip.hop.network == "185.12.0.0/16"


def test_authentication_results_only_from_trusted_authserv_id() -> None:
    f = features_of(message())
    assert f.auth.dkim == "pass" and f.auth.dkim_domains == ("harborlogistics.co.uk",)
    forged = message().replace(b"Authentication-Results: mx.acme-parts.com", b"Authentication-Results: mx.evil.net")
    assert features_of(forged).auth.dkim is None
    raw = message()
    ctx = Context(local_domains=frozenset({LOCAL}), authserv_ids=frozenset({"gw1.acme-parts.com"}))
    assert extract(Envelope(raw=raw), parse(raw), ctx).auth.dkim is None  # mx.* not in the configured ids


def test_local_hour_from_date_offset() -> None:
    raw = message().replace(b"Date: Mon, 02 Mar 2026 09:30:00 +0100", b"Date: Mon, 02 Mar 2026 03:05:00 -0700")
    f = features_of(raw)
    assert f.hour == 3


def test_mailing_list_author_is_the_correspondent() -> None:
    raw = message(sender='"Sam Reed via Freight-L" <freight-l@lists.example.org>',
                  reply_to="sam.reed@harborlogistics.co.uk", extra=[("List-Id", "<freight-l.lists.example.org>")])
    f = features_of(raw)
    assert f.sender is not None and f.sender.address == "sam.reed@harborlogistics.co.uk"
    assert f.via_list == "freight-l@lists.example.org"
    assert f.bulk


def test_recipient_under_an_alias_domain_is_not_undisclosed() -> None:
    raw = message(to="Lena <lena.fischer@acme-parts.com>", delivered_to="lena.fischer@mail.acme-parts.net")
    f = features_of(raw, local=(LOCAL, "mail.acme-parts.net"))
    assert f.undisclosed_count == 0
    other = features_of(message(to="Lena <lena.fischer@acme-parts.com>", delivered_to="kim@mail.acme-parts.net"),
                        local=(LOCAL, "mail.acme-parts.net"))
    assert other.undisclosed_count == 1  # a different mailbox really was Bcc'd
    foreign = features_of(raw, local=(LOCAL,))
    assert foreign.undisclosed_count == 1  # the alias domain must be one of ours


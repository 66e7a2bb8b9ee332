"""Parsing never raises: malformed MIME, bad charsets, broken dates, 8-bit headers, huge messages."""

from __future__ import annotations

import random

import pytest

from vecguard.baseline import Baseline
from vecguard.envelope import Envelope
from vecguard.features import Context
from vecguard.message import decode_header, parse
from vecguard.pipeline import analyse, judge

from .helpers import LOCAL, default_policy, message


def test_text_and_html_parts_decoded() -> None:
    raw = message(body="caf\u00e9 ok", html="<p>caf\u00e9 <a href='https://x.example.org/a'>x</a></p>")
    msg = parse(raw)
    assert "caf\u00e9 ok" in msg.text
    assert "<a href=" in msg.html
    assert msg.body_scanned and msg.attachments == ()


def test_attachment_listed_not_decoded() -> None:
    raw = (b"From: a@b.com\nTo: c@d.com\nSubject: x\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nhello\n"
           b"--zz\nContent-Type: application/pdf; name=\"inv.pdf\"\nContent-Disposition: attachment; "
           b"filename=\"inv.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--zz--\n")
    msg = parse(raw)
    assert msg.text.strip() == "hello"
    assert [(a.filename, a.content_type) for a in msg.attachments] == [("inv.pdf", "application/pdf")]


def test_unknown_charset_falls_back() -> None:
    raw = b"From: a@b.com\nSubject: x\nContent-Type: text/plain; charset=x-no-such\n\n\xe9t\xe9\n"
    assert "t" in parse(raw).text


def test_eight_bit_headers_decoded_as_utf8() -> None:
    raw = "From: J\u00fcrgen M\u00fcller <j@b.de>\nSubject: Gr\u00fc\u00dfe\n\nx\n".encode("utf-8")
    msg = parse(raw)
    assert decode_header(msg.get("subject")) == "Gr\u00fc\u00dfe"
    assert "J\u00fcrgen" in decode_header(msg.get("from"))


def test_encoded_words_decoded() -> None:
    assert decode_header("=?utf-8?q?Rechnung_f=C3=BCr_M=C3=A4rz?=") == "Rechnung f\u00fcr M\u00e4rz"
    assert decode_header("=?bogus?q?abc?=") != ""  # unknown charset: kept as text, no exception


def test_oversized_message_scores_headers_only() -> None:
    policy = default_policy()
    big = message(body="x" * (policy.max_message_bytes + 10))
    f = analyse(Envelope(raw=big), policy, Context(local_domains=frozenset({LOCAL})))
    assert not f.body_scanned and f.links == ()
    assert f.sender is not None and f.sender.address == "sam.reed@harborlogistics.co.uk"
    decision = judge(f, Baseline(), policy, Context(local_domains=frozenset({LOCAL})))
    body = [c for c in decision.report.contributions if c.name == "BODY_NOT_SCANNED"]
    assert body and body[0].score == 0


@pytest.mark.parametrize("raw", [
    b"",
    b"\n\n\n",
    b"garbage without headers",
    b"From: \nTo: ,,,@@@\nDate: not a date\nMessage-ID: <<>>\n\nbody",
    b"Content-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n",
    b"Content-Type: multipart/alternative\n\nno boundary at all",
    b"Content-Transfer-Encoding: base64\n\n!!!not base64!!!",
    b"Content-Type: text/html\n\n<a href=\"http://[::1\">broken</a><<<>>>",
    b"Date: Mon, 99 Foo 2026 99:99:99 +9999\nFrom: x@y.com\n\n",
    b"From: =?utf-8?b?!!!?= <a@b.com>\nSubject: =?iso-8859-1?q?=ZZ?=\n\n",
])
def test_pathological_messages_reach_a_decision(raw: bytes) -> None:
    policy = default_policy()
    ctx = Context(local_domains=frozenset({LOCAL}))
    f = analyse(Envelope(raw=raw), policy, ctx)
    decision = judge(f, Baseline(), policy, ctx)
    assert decision.action in ("pass", "tag", "hold")


def test_random_bytes_never_raise() -> None:
    rng = random.Random(7)
    policy = default_policy()
    ctx = Context(local_domains=frozenset({LOCAL}))
    base = message(html='<div style="display:none"><a href="https://a.b.com/x">y</a></div>')
    for _ in range(200):
        raw = bytearray(base)
        for _ in range(rng.randint(1, 40)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        cut = bytes(raw[: rng.randint(0, len(raw))])
        judge(analyse(Envelope(raw=cut), policy, ctx), Baseline(), policy, ctx)


def test_missing_and_broken_date() -> None:
    policy, ctx = default_policy(), Context(local_domains=frozenset({LOCAL}))
    assert analyse(Envelope(raw=message(date=None)), policy, ctx).date is None
    broken = message().replace(b"Date: ", b"Date: yesterday-ish ")
    f = analyse(Envelope(raw=broken), policy, ctx)
    assert f.date is None and f.hour is None


_SHAPES = [
    b"From: a@x.com\nSubject: plain\n\nbody line\nsecond line\n",
    b"From: a@x.com\r\nSubject: crlf\r\n\r\nbody\r\n\r\nafter a blank line\r\n",
    (b"From: a@x.com\nContent-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
    b"<p>caf=E9</p>\n"),
    b"From: a@x.com\nContinued: one\n  two\n\nbody\n",
    b"From: a@x.com\nnot a header line\nSubject: x\n\nbody\n",  # missing separator: defect, full parse
    b"From: a@x.com\n\n\nbody after an empty first line\n",
    b"From: a@x.com\r\nX: y\n\nmixed endings\r\n\r\nmore\n",
    b"From: a@x.com\nSubject: \xe9t\xe9\n\n8-bit \xff body\n",
    b"From: a@x.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b--\n",
    b"From: a@x.com\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n",
    b"From: a@x.com\nSubject: no body",
]


@pytest.mark.parametrize("raw", _SHAPES)
def test_single_part_fast_path_gives_the_full_parsers_message(raw: bytes) -> None:
    import email
    import email.policy

    from vecguard.message import _message_from

    full = email.message_from_bytes(raw, policy=email.policy.compat32)
    fast = _message_from(raw)
    assert fast._headers == full._headers  # type: ignore[attr-defined]
    assert fast.get_payload(decode=True) == full.get_payload(decode=True)
    assert fast.as_bytes() == full.as_bytes()
    assert [type(d) for d in fast.defects] == [type(d) for d in full.defects]

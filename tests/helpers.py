"""Test helpers: a message builder, feature extraction, and a small world with a real SQLite store.

The test world: our organisation is ``acme-parts.com``; its vendor Harbor Logistics
(``harborlogistics.co.uk``) writes from Microsoft 365 with Outlook during UK office hours and shares its
own site and its SharePoint tenant.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from vecguard.engine import Engine, Outcome
from vecguard.envelope import Envelope
from vecguard.features import Context, Features, extract
from vecguard.history.store import Store
from vecguard.message import parse
from vecguard.policy import Policy, load_policy

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies"
MESSAGES = Path(__file__).resolve().parent / "messages"
LOCAL = "acme-parts.com"
VENDOR = "Sam Reed <sam.reed@harborlogistics.co.uk>"
VENDOR_ADDR = "sam.reed@harborlogistics.co.uk"
BUYER = "Lena Fischer <lena.fischer@acme-parts.com>"
BUYER_ADDR = "lena.fischer@acme-parts.com"
UK = timezone(timedelta(hours=1))
START = datetime(2026, 3, 2, 9, 30, tzinfo=UK)

_ids = itertools.count(1)


def message(
    *,
    sender: str = VENDOR,
    to: str | None = BUYER,
    cc: str | None = None,
    subject: str = "Delivery schedule week 12",
    body: str = "Hi Lena,\n\nthe pallets leave Felixstowe on Tuesday.\n\nBest regards,\nSam\n",
    html: str | None = None,
    date: datetime | None = START,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    reply_to: str | None = None,
    mailer: str | None = "Microsoft Outlook 16.0",
    hop: tuple[str, str, str] | None = ("40.107.22.101", "EUR05-DB8-obe.outbound.protection.outlook.com",
                                        "mail-db8eur05on2101.outbound.protection.outlook.com"),
    delivered_to: str | None = BUYER_ADDR,
    extra: Iterable[tuple[str, str]] = (),
) -> bytes:
    """Build one delivered message as raw bytes (LF line ends, as in an mbox)."""
    mid = message_id or f"<{next(_ids):06d}.test@{sender.rsplit('@', 1)[1].rstrip('>')}>"
    lines = []
    if delivered_to:
        lines.append(f"Delivered-To: {delivered_to}")
    if hop:
        ip, helo, rdns = hop
        lines.append(f"Received: from {helo} ({rdns} [{ip}])\n\tby mx.{LOCAL} (Postfix) with ESMTPS id 4XyZ1;\n"
                     f"\t{format_datetime(date or START)}")
    lines.append(f"Authentication-Results: mx.{LOCAL}; spf=pass smtp.mailfrom={sender.rsplit('@', 1)[1].rstrip('>')};"
                 f" dkim=pass header.d={sender.rsplit('@', 1)[1].rstrip('>')}; dmarc=pass")
    lines.append(f"From: {sender}")
    if to is not None:
        lines.append(f"To: {to}")
    if cc:
        lines.append(f"Cc: {cc}")
    if reply_to:
        lines.append(f"Reply-To: {reply_to}")
    lines.append(f"Subject: {subject}")
    if date is not None:
        lines.append(f"Date: {format_datetime(date)}")
    lines.append(f"Message-ID: {mid}")
    if in_reply_to:
        lines.append(f"In-Reply-To: {in_reply_to}")
    if references:
        lines.append(f"References: {references}")
    if mailer:
        lines.append(f"X-Mailer: {mailer}")
    lines.extend(f"{k}: {v}" for k, v in extra)
    lines.append("MIME-Version: 1.0")
    if html is None:
        lines.append('Content-Type: text/plain; charset="utf-8"')
        lines.append("")
        lines.append(body)
    else:
        lines.append('Content-Type: multipart/alternative; boundary="b1"')
        lines.append("")
        lines += ["--b1", 'Content-Type: text/plain; charset="utf-8"', "", body,
                  "--b1", 'Content-Type: text/html; charset="utf-8"', "", html, "--b1--"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def eml(name: str) -> bytes:
    """A scenario file from tests/messages."""
    return (MESSAGES / name).read_bytes()


def features_of(raw: bytes, local: Iterable[str] = (LOCAL,)) -> Features:
    """Features of a raw message, as the pipeline extracts them."""
    return extract(Envelope(raw=raw), parse(raw), Context(local_domains=frozenset(local)))


def default_policy() -> Policy:
    return load_policy(POLICY_DIR)


class World:
    """A real SQLite store plus the engine: learn history, then score a message without learning it."""

    def __init__(self, path: Path, policy: Policy | None = None, local: Iterable[str] = (LOCAL,)) -> None:
        self.store = Store(f"sqlite:///{path / 'history.db'}")
        self.policy = policy or default_policy()
        self.engine = Engine(self.policy, Context(local_domains=frozenset(local)))

    def learn(self, raw: bytes) -> Outcome:
        """Score and learn one message, as `vecguard scan` does."""
        with self.store.session() as session:
            outcome = self.engine.decide(Envelope(raw=raw), session)
            self.engine.learn(outcome, session)
        return outcome

    def score(self, raw: bytes) -> Outcome:
        """Score one message against the baseline; learn nothing."""
        with self.store.session() as session:
            outcome = self.engine.decide(Envelope(raw=raw), session)
        assert outcome.error is None, outcome.error
        return outcome

    def close(self) -> None:
        self.store.close()


def signals(outcome: Outcome) -> set[str]:
    """Names of the counted signals of an outcome."""
    return {c.name for c in outcome.decision.report.contributions}


def check_scenario(world: World, name: str, fires: set[str], quiet: set[str]) -> None:
    """Score a tests/messages scenario: every signal of ``fires`` fired, none of ``quiet``, and every
    counted contribution carries evidence."""
    outcome = world.score(eml(name))
    found = signals(outcome)
    assert fires <= found, f"missing {fires - found}; got {sorted(found)}"
    assert not (quiet & found), f"unexpected {quiet & found}"
    for c in outcome.decision.report.contributions:
        assert c.evidence, f"{c.name} has no evidence"


def vendor_history(world: World, months: int = 4) -> list[str]:
    """A normal vendor relationship: our buyer writes, Sam answers, about twice a week for ``months``.

    Message-IDs are ``<outN@acme-parts.com>`` (ours) and ``<inN@harborlogistics.co.uk>`` (the reply), N the
    week; the scenario files in tests/messages refer to them. Returns the last thread's ids.
    """
    last_thread: list[str] = []
    day = START
    for week in range(months * 4):
        ours = f"<out{week}@acme-parts.com>"
        world.learn(message(sender=BUYER, to=VENDOR, subject=f"PO 44{week:02d}", body="Please confirm.",
                            date=day, message_id=ours, mailer="Microsoft Outlook 16.0", hop=None,
                            delivered_to=None))
        theirs = f"<in{week}@harborlogistics.co.uk>"
        hour = 9 + (week * 3) % 8
        html = None
        if week % 3 == 0:
            html = ('<p>Tracking: <a href="https://www.harborlogistics.co.uk/track/PO44">track PO</a></p>'
                    '<p>Documents: <a href="https://harborlogistics.sharepoint.com/sites/ops/PO44.pdf">PO44.pdf</a></p>')
        world.learn(message(subject=f"RE: PO 44{week:02d}", date=day.replace(hour=hour) + timedelta(days=1),
                            message_id=theirs, in_reply_to=ours, references=ours, html=html,
                            body="Confirmed, shipping Friday.\n\nSam"))
        last_thread = [ours, theirs]
        day += timedelta(days=7)
    return last_thread

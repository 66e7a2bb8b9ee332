"""Labelled evaluation mailboxes from real mail: DESIGN.md's attack campaigns injected into real inboxes.

    python corpus/inject.py --out DIR [--seed N] [--corpora ../shared/corpora]

Reads the shared corpora (never copied into the repository) and writes, in DIR (never committed):

* ``enron-fit.mbox`` / ``enron-fit.labels.jsonl``: the real inboxes of about 60% of the 35 Enron users (chosen
  by the seed) with injected attacks, and half of the real phishing delivered to them: the **fitting part**;
* ``enron-heldout.mbox`` / ``.labels.jsonl``: the other users' inboxes, attacks and phishing: **held out**;
* ``sa-heldout.mbox`` / ``.labels.jsonl``: SpamAssassin ham with attacks on its real In-Reply-To/References
  threads and more real phishing: held out as well (another organisation, another decade);
* ``*.local-domains``: the ``--local-domain`` values of each mailbox, one a line;
* ``COMMANDS``: the ``vecguard eval`` / ``vecguard tune`` commands for these files.

Per Enron user, the recurring external correspondents (>= 3 messages from one address to that user) are
impersonated: **compromised account** (the same address, with a new mail client, a new sending network, an
odd hour, a Reply-To elsewhere, a file-sharing or site-builder link it never shared, hidden / image-only /
prominent / mismatched links, leet tokens in hosts and paths, text-only payment-change requests, a fan-out to
many colleagues); **lookalike** (a near-identical domain of the correspondent); **thread hijack** (a reply
inserted into a real "RE:" conversation, In-Reply-To/References built from the parent, since the Enron
corpus has none); **new sender to undisclosed recipients**. Attacks sit in the last 40% of each user's
timeline, so the baseline has learned the relationship. Real phishing (phishing_pot, nazario) is delivered
with its original headers plus a ``Delivered-To`` of the mailbox owner, after the mailbox's own mail.

Deterministic from the seed (``random.Random`` per user and campaign, no wall-clock time, no ``hash()``).
Labels are JSON lines beside each mailbox, never inside a message:
``{"message_id", "label", "campaign", "variant", "thread", "user"}``.
Credits: Enron corpus (CMU release), Apache SpamAssassin public corpus, phishing_pot (rf-peixoto, CC BY-NC
4.0), Jose Nazario's phishing corpus.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime, getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

from vecguard.domains import domain_name_part, public_suffix, registered_domain
from vecguard.lists import free_email

ROOT = Path(__file__).resolve().parent.parent
FROM_LINE = b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n"
ENRON_LOCAL = ("enron.com",)
SA_LOCAL = ("spamassassin.taint.org", "localhost.spamassassin.taint.org", "listman.spamassassin.taint.org",
            "localhost.netnoteinc.com", "netnoteinc.com", "jmason.org")
SA_OWNER = "zzzz@localhost.netnoteinc.com"
_HEADERS = BytesHeaderParser(policy=compat32)

# Hosts the attacker links to: free file sharing, site builders, object storage; {t} = a token.
FILE_SHARING = ("https://www.dropbox.com/scl/fi/{t}/Statement.pdf?dl=0", "https://wetransfer.com/downloads/{t}",
                "https://docs.google.com/document/d/{t}/edit", "https://1drv.ms/b/s!{t}",
                "https://app.box.com/s/{t}", "https://www.icloud.com/iclouddrive/{t}#Invoice")
SITE_BUILDER = ("https://{n}-docs.myclickfunnels.com/{t}", "https://www.canva.com/design/{t}/view",
                "https://pub-{t}.r2.dev/{n}/statement.html", "https://{n}-portal.weebly.com/",
                "https://sites.google.com/view/{n}-{t}", "https://{n}.s3.amazonaws.com/index.html?{t}")
LEET_HOSTS = ("https://s3cure0nline-{n}.web.app/{t}", "https://d0cument-v1ew.{n}.workers.dev/{t}",
              "https://0ffice365-{n}.firebaseapp.com/l0gin", "https://{n}-rem1ttance.netlify.app/{t}")
FREEMAIL = ("gmail.com", "outlook.com", "yahoo.com", "protonmail.com", "aol.com")
MAILERS = ("Microsoft Outlook 16.0", "iPhone Mail (20E252)", "Mozilla Thunderbird 115.3", "eM Client 9.2",
           "Roundcube Webmail/1.6.5")
NETWORKS = (("45.142.212.61", "vps-61.hosting-fr.net"), ("185.234.219.23", "mail.web-host-nl.com"),
            ("103.145.13.40", "srv40.cloudsg.asia"), ("194.26.29.113", "smtp.m247-ro.net"))
PAYMENT = (
    ("Please note that our bank details have changed. Kindly update our account details before the next run: "
    "new account number {acct}, routing number {route}. Payments to the old account will be returned."),
    ("Due to an audit our banking information has been updated. Please make all future payments to our new "
    "bank account below and confirm once your records are amended.\n\nAccount: {acct}\nRouting: {route}"),
    ("We have moved to a new bank provider. Please remit the outstanding balance to the new account: "
    "{acct} (ABA {route}). Let me know when done, it is urgent as we close the month."),
)
LURES = ("New Approved Statement From {org}", "{org} - Proposal Document", "{org} shared a file with you",
         "Remittance advice {num}", "Outstanding invoice {num} - {org}", "Updated contract for review")


@dataclass
class Msg:
    """One real message: its bytes (with the mbox From line) and the header fields injection needs."""

    raw: bytes
    user: str
    sender: str
    name: str
    subject: str
    date: datetime | None
    mid: str
    refs: str
    rcpts: list[str]
    delivered: str = ""


@dataclass
class Box:
    """A mailbox being built: messages in file order plus their labels."""

    chunks: list[bytes] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)

    def add_real(self, m: Msg, thread: str | None, labelled: bool = True) -> None:
        """A real message; unlabelled, it is only history (replayed and learned, not counted)."""
        self.chunks.append(m.raw if m.raw.endswith(b"\n\n") else m.raw.rstrip(b"\n") + b"\n\n")
        if m.mid and labelled:
            self.labels.append({"message_id": m.mid, "label": "legit", "campaign": None, "variant": None,
                                "thread": thread, "user": m.user})

    def add_attack(self, raw: bytes, mid: str, campaign: str, variant: str, user: str,
                   thread: str | None = None) -> None:
        body = re.sub(rb"^(>*From )", rb">\1", raw, flags=re.MULTILINE)
        self.chunks.append(FROM_LINE + body.rstrip(b"\n") + b"\n\n")
        self.labels.append({"message_id": mid, "label": "attack", "campaign": campaign, "variant": variant,
                            "thread": thread, "user": user})

    def write(self, out: Path, name: str, local: tuple[str, ...]) -> None:
        (out / f"{name}.mbox").write_bytes(b"".join(self.chunks))
        (out / f"{name}.labels.jsonl").write_text("".join(json.dumps(lb) + "\n" for lb in self.labels))
        (out / f"{name}.local-domains").write_text("".join(d + "\n" for d in local))


def split_mbox(path: Path) -> Iterator[bytes]:
    """Raw messages of an mbox, each with its From line (a plain split: much faster than mailbox.mbox)."""
    data = path.read_bytes()
    starts = [m.start() for m in re.finditer(rb"^From ", data, re.MULTILINE)]
    for a, b in zip(starts, starts[1:] + [len(data)], strict=True):
        yield data[a:b]


def read(raw: bytes, user: str = "") -> Msg:
    """Header fields of one raw message (compat32: cheap)."""
    head = _HEADERS.parsebytes(raw.split(b"\n", 1)[1])
    name, sender = parseaddr(str(head.get("From", "")))
    try:
        date = parsedate_to_datetime(str(head.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        date = None
    if date is not None and date.tzinfo is None:
        date = None
    rcpts = [a.lower() for _, a in getaddresses([str(v) for k in ("To", "Cc") for v in head.get_all(k, [])]) if a]
    source = str(head.get("X-Corpus-Source", ""))
    if not user and source.startswith("enron-maildir/"):
        user = source.split("/")[1]
    return Msg(raw, user, sender.lower(), name.strip('"\' '), re.sub(r"\s+", " ", str(head.get("Subject", ""))),
               date, str(head.get("Message-ID", "")).strip(), str(head.get("References", "") or ""), rcpts,
               str(head.get("Delivered-To", "")).strip().lower())


def domain(addr: str) -> str:
    return addr.rsplit("@", 1)[-1]


def base_subject(subject: str) -> str:
    """The subject without Re:/Fw: prefixes, lower-case: the thread key of corpora without References."""
    return re.sub(r"^((re|fw|fwd|aw)\s*(\[\d+\])?:\s*)+", "", subject.strip(), flags=re.IGNORECASE).lower()


def lookalike(dom: str, rng: random.Random) -> tuple[str, str]:
    """A near-identical registered domain (of the registered domain of ``dom``) and how it was made."""
    dom = registered_domain(dom)
    label, tld = domain_name_part(dom), public_suffix(dom) or dom.partition(".")[2]
    moves = []
    if "o" in label:
        moves.append(("o0", label.replace("o", "0", 1) + "." + tld))
    if "l" in label:
        moves.append(("l1", label.replace("l", "1", 1) + "." + tld))
    if "m" in label:
        moves.append(("rn", label.replace("m", "rn", 1) + "." + tld))
    if "i" in label:
        moves.append(("il", label.replace("i", "l", 1) + "." + tld))
    if len(label) > 4:
        k = rng.randrange(1, len(label) - 1)
        moves.append(("double", label[:k] + label[k] + label[k:] + "." + tld))
        moves.append(("swap", label[:k - 1] + label[k] + label[k - 1] + label[k + 1:] + "." + tld))
    moves.append(("hyphen", label + "-inc." + tld))
    moves.append(("tld", label + (".co" if tld != "co" else ".com")))
    moves = [(k, d) for k, d in moves if d != dom]
    kind, result = rng.choice(moves)
    return result, kind


def token(rng: random.Random, n: int = 12) -> str:
    return "".join(rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(n))


def org_name(dom: str) -> str:
    return dom.split(".")[0].replace("-", " ").title()


def payment_text(rng: random.Random) -> str:
    """A bank-detail change request with made-up account and routing numbers."""
    return rng.choice(PAYMENT).format(acct=rng.randrange(10**9, 10**10), route=rng.randrange(10**8, 10**9))


def link_html(url: str, style: str, org: str, rng: random.Random) -> tuple[str, str]:
    """(html, text) presenting ``url`` in one of the ways DESIGN.md names."""
    if style == "prominent":
        html = (f'<p>Please review the document below.</p><table width="100%"><tr><td align="center" '
                f'style="background:#0061fe;padding:22px"><a href="{url}" style="font-size:28px;color:#fff;'
                f'font-weight:bold;text-decoration:none">VIEW DOCUMENT</a></td></tr></table>')
        return html, "Please review the document: VIEW DOCUMENT"
    if style == "image":
        html = (f'<p>Document attached for your review.</p><a href="{url}"><img src="cid:doc{rng.randrange(99)}" '
                f'width="600" height="300" alt=""></a>')
        return html, "Document attached for your review."
    if style == "hidden":
        html = (f'<p>Hi, the statement is ready. Reply if anything is unclear.</p><div style="display:none">'
                f'<a href="{url}">statement</a></div><p><a href="{url}" style="color:#000;text-decoration:none">'
                f'.</a></p>')
        return html, "Hi, the statement is ready. Reply if anything is unclear."
    if style == "mismatch":
        shown = f"https://www.{org.lower().replace(' ', '')}.com/statements/{rng.randrange(1000, 9999)}"
        html = f'<p>You can download the statement here: <a href="{url}">{shown}</a></p>'
        return html, f"You can download the statement here: {shown}"
    return "", f"Please find the document here:\n{url}\n"


def compose(*, sender: str, to: list[str], subject: str, date: datetime, mid: str, text: str, html: str = "",
            cc: list[str] | None = None, reply_to: str = "", in_reply_to: str = "", references: str = "",
            mailer: str = "", hop: tuple[str, str] | None = None, delivered_to: str = "",
            bcc_style: bool = False) -> bytes:
    """One injected message, headers in the order a delivering MTA leaves them."""
    lines = []
    if delivered_to:
        lines.append(f"Delivered-To: {delivered_to}")
    if hop:
        lines.append(f"Received: from {hop[1]} ({hop[1]} [{hop[0]}])\n\tby mx.local (Postfix) with ESMTPS;\n"
                     f"\t{format_datetime(date)}")
    lines += [f"Message-ID: {mid}", f"Date: {format_datetime(date)}", f"From: {sender}"]
    lines.append("To: undisclosed-recipients:;" if bcc_style else f"To: {', '.join(to)}")
    if cc:
        lines.append(f"Cc: {', '.join(cc)}")
    if reply_to:
        lines.append(f"Reply-To: {reply_to}")
    lines.append(f"Subject: {subject}")
    if in_reply_to:
        lines += [f"In-Reply-To: {in_reply_to}", f"References: {references or in_reply_to}"]
    if mailer:
        lines.append(f"X-Mailer: {mailer}")
    lines.append("Mime-Version: 1.0")
    if html:
        lines += ['Content-Type: multipart/alternative; boundary="=_b1"', "", "--=_b1",
                  'Content-Type: text/plain; charset="us-ascii"', "", text, "--=_b1",
                  'Content-Type: text/html; charset="us-ascii"', "", f"<html><body>{html}</body></html>", "--=_b1--"]
    else:
        lines += ['Content-Type: text/plain; charset="us-ascii"', "", text]
    return ("\n".join(lines) + "\n").encode("utf-8", "replace")


def _rng(seed: int, *parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class Injector:
    """Builds the attacks of one mailbox owner against its real correspondents."""

    def __init__(self, seed: int, user: str, owner: str, msgs: list[Msg], local: tuple[str, ...],
                 thread_of: Callable[[Msg], str]) -> None:
        self.seed, self.user, self.owner, self.local, self.thread_of = seed, user, owner, local, thread_of
        self.msgs = [m for m in msgs if m.date is not None]
        self.msgs.sort(key=lambda m: m.date)  # type: ignore[arg-type, return-value]
        counts = Counter(m.sender for m in self.msgs if m.sender and domain(m.sender) not in local
                         and "@" in m.sender)
        self.partners = [a for a, n in counts.most_common() if n >= 3]
        self.max_partners = 4  # per owner; one shared mailbox (SpamAssassin) gets more
        self.names = {m.sender: m.name for m in self.msgs if m.name}
        colleagues = Counter(r for m in self.msgs for r in m.rcpts if domain(r) in local and r != owner)
        self.colleagues = [a for a, _ in colleagues.most_common(40)]
        self.n = 0

    def when(self, rng: random.Random, odd_hour: bool = False) -> datetime:
        """A time in the last 40% of the owner's timeline (the baseline knows the relationship by then)."""
        first, last = self.msgs[int(len(self.msgs) * 0.6)].date, self.msgs[-1].date
        assert first is not None and last is not None
        t = first + (last - first) * rng.random()
        hour = rng.choice((2, 3, 4, 23)) if odd_hour else rng.randrange(9, 17)
        return t.replace(hour=hour, minute=rng.randrange(60))

    def mid(self, dom: str) -> str:
        self.n += 1
        return f"<{hashlib.sha1(f'{self.seed}/{self.user}/{self.n}'.encode()).hexdigest()[:20]}@{dom}>"

    def link(self, rng: random.Random, org: str, kinds: tuple[str, ...] = ("file", "builder", "leet")) -> str:
        kind = rng.choice(kinds)
        pool = {"file": FILE_SHARING, "builder": SITE_BUILDER, "leet": LEET_HOSTS}[kind]
        return rng.choice(pool).format(t=token(rng), n=org.lower().replace(" ", "")[:14] or "docs")

    def attacks(self) -> Iterator[tuple[bytes, str, str, str, str | None]]:
        """(raw, message_id, campaign, variant, thread) for this owner."""
        if len(self.msgs) < 40 or not self.partners:
            return
        for partner in self.partners[:self.max_partners * 3]:  # real "RE:" parents are scarcer
            made = self.thread_hijack(_rng(self.seed, self.user, partner, "thread_hijack"), partner)
            if made is not None:
                yield made
        for i, partner in enumerate(self.partners[:self.max_partners]):
            for campaign in ("compromised_link", "compromised_payment", "lookalike_domain"):
                rng = _rng(self.seed, self.user, partner, campaign)
                made = getattr(self, campaign)(rng, partner)
                if made is not None:
                    yield made
            if i % 2 == 1:
                yield self.fake_reply(_rng(self.seed, self.user, partner, "fake_reply"), partner)
            if i % 2 == 0:
                for campaign in ("fanout", "new_sender_bcc"):
                    rng = _rng(self.seed, self.user, partner, campaign)
                    made = getattr(self, campaign)(rng, partner)
                    if made is not None:
                        yield made

    def own_mailbox(self, partner: str, campaign: str) -> bool:
        """A takeover sent from the victim's own mailbox (its webmail, its network: no new client or hop), for
        2 in 5 compromised messages; its own random stream, so the other variants stay as they were."""
        return _rng(self.seed, self.user, partner, campaign, "own_mailbox").random() < 0.4

    def _who(self, addr: str) -> str:
        name = self.names.get(addr, "")
        return f'"{name}" <{addr}>' if name else addr

    def compromised_link(self, rng: random.Random, partner: str) -> tuple[bytes, str, str, str, None]:
        org = org_name(domain(partner))
        url = self.link(rng, org)
        style = rng.choice(("plain", "prominent", "image", "hidden", "mismatch"))
        html, text = link_html(url, style, org, rng)
        odd = rng.random() < 0.5
        reply_to = f"{partner.split('@')[0]}.{token(rng, 4)}@{rng.choice(FREEMAIL)}" if rng.random() < 0.4 else ""
        mid = self.mid(domain(partner))
        subject = rng.choice(LURES).format(org=org, num=rng.randrange(10000, 99999))
        own = self.own_mailbox(partner, "compromised_link")
        mailer, hop = rng.choice(MAILERS), rng.choice(NETWORKS)
        raw = compose(sender=self._who(partner), to=[self.owner], subject=subject, date=self.when(rng, odd),
                      mid=mid, text=text, html=html, reply_to=reply_to, mailer="" if own else mailer,
                      hop=None if own else hop, delivered_to=self.owner)
        return (raw, mid, "compromised_link",
                f"{style}{'+odd_hour' if odd else ''}{'+reply_to' if reply_to else ''}{'+own_mailbox' if own else ''}",
                None)

    def compromised_payment(self, rng: random.Random, partner: str) -> tuple[bytes, str, str, str, None]:
        dom = domain(partner)
        reply_kind = rng.choice(("freemail", "other", "none"))
        reply_to = {"freemail": f"accounts.{dom.split('.')[0]}@{rng.choice(FREEMAIL)}",
                    "other": f"billing@{dom.split('.')[0]}-payments.com", "none": ""}[reply_kind]
        text = payment_text(rng)
        mid = self.mid(dom)
        own = self.own_mailbox(partner, "compromised_payment")
        subject = rng.choice(("Updated banking details", "Change of remittance account",
                              "Invoice payment - new account", "Important: payment update"))
        date = self.when(rng, rng.random() < 0.3)
        mailer, hop = rng.choice(MAILERS), rng.choice(NETWORKS)
        raw = compose(sender=self._who(partner), to=[self.owner], subject=subject, date=date, mid=mid,
                      text=f"Hello,\n\n{text}\n\nRegards\n", reply_to=reply_to, mailer="" if own else mailer,
                      hop=None if own else hop, delivered_to=self.owner)
        return raw, mid, "compromised_payment", f"reply_to:{reply_kind}{'+own_mailbox' if own else ''}", None

    def payload(self, rng: random.Random, org: str, link_share: float,
                styles: tuple[str, ...]) -> tuple[str, str, str]:
        """(html, text, kind): a link shown in one of ``styles`` (share ``link_share``) or a payment change."""
        if rng.random() < link_share:
            html, text = link_html(self.link(rng, org), rng.choice(styles), org, rng)
            return html, text, "link"
        return "", payment_text(rng), "payment"

    def lookalike_domain(self, rng: random.Random, partner: str) -> tuple[bytes, str, str, str, None] | None:
        if free_email().match(domain(partner)):
            return None  # a lookalike of a mailbox provider impersonates nobody in particular
        fake, kind = lookalike(domain(partner), rng)
        addr = f"{partner.split('@')[0]}@{fake}"
        org = org_name(domain(partner))
        html, text, payload = self.payload(rng, org, 0.5, ("plain", "prominent", "mismatch"))
        mid = self.mid(fake)
        raw = compose(sender=self._who(addr).replace(partner, addr), to=[self.owner],
                      subject=rng.choice(LURES).format(org=org, num=rng.randrange(10000, 99999)),
                      date=self.when(rng), mid=mid, text=text, html=html, mailer=rng.choice(MAILERS),
                      hop=rng.choice(NETWORKS), delivered_to=self.owner)
        return raw, mid, "lookalike_domain", f"{kind}+{payload}", None

    def thread_hijack(self, rng: random.Random, partner: str) -> tuple[bytes, str, str, str, str] | None:
        """A reply into a real conversation with this partner: parent = a real message of the thread."""
        start = int(len(self.msgs) * 0.6)
        parents = [m for m in self.msgs[start:] if m.sender == partner and m.mid
                   and re.match(r"\s*(re|fw|fwd)\s*:", m.subject, re.IGNORECASE)]
        if not parents:
            return None
        parent = rng.choice(parents)
        assert parent.date is not None
        org = org_name(domain(partner))
        sender_kind = rng.choice(("same_address", "same_address", "lookalike"))
        if free_email().match(domain(partner)):
            sender_kind = "same_address"
        addr = partner if sender_kind == "same_address" else f"{partner.split('@')[0]}@{lookalike(domain(partner), rng)[0]}"
        html, text, payload = self.payload(rng, org, 0.6, ("plain", "prominent", "hidden"))
        mid = self.mid(domain(addr))
        refs = " ".join(x for x in (parent.refs.strip(), parent.mid) if x)
        name = self.names.get(partner, "")
        raw = compose(sender=f'"{name}" <{addr}>' if name else addr, to=[self.owner],
                      subject="RE: " + re.sub(r"^(re|fw|fwd)\s*:\s*", "", parent.subject, flags=re.IGNORECASE),
                      date=parent.date + timedelta(hours=rng.randrange(2, 30)), mid=mid,
                      text=f"{text}\n\n-----Original Message-----\nFrom: {parent.name or partner}\n"
                           f"Subject: {parent.subject}\n", html=html,
                      in_reply_to=parent.mid, references=refs,
                      mailer=rng.choice(MAILERS) if rng.random() < 0.7 else "",
                      hop=rng.choice(NETWORKS) if rng.random() < 0.7 else None, delivered_to=self.owner)
        return raw, mid, "thread_hijack", f"{sender_kind}+{payload}", self.thread_of(parent)

    def fake_reply(self, rng: random.Random, partner: str) -> tuple[bytes, str, str, str, None]:
        """A reply to a conversation that never happened ("RE: invoice"), In-Reply-To a made-up Message-ID at
        the correspondent's domain: from a lookalike of it, a free-mail address or an unknown organisation."""
        dom = domain(partner)
        org = org_name(dom)
        kind = rng.choice(("lookalike", "freemail", "unknown"))
        if kind == "lookalike" and free_email().match(dom):
            kind = "freemail"
        local = partner.split("@")[0]
        if kind == "lookalike":
            addr = f"{local}@{lookalike(dom, rng)[0]}"
        elif kind == "freemail":
            addr = f"{local}.{token(rng, 3)}@{rng.choice(FREEMAIL)}"
        else:
            addr = f"accounts@{rng.choice(('remit-ledger.com', 'invoicedesk-pro.net', 'settle-pay.org'))}"
        html, text, payload = self.payload(rng, org, 0.5, ("plain", "prominent", "mismatch"))
        mid = self.mid(domain(addr))
        parent = f"<{token(rng, 16)}@{dom}>"
        name = self.names.get(partner, "")
        raw = compose(sender=f'"{name}" <{addr}>' if name and kind != "unknown" else addr, to=[self.owner],
                      subject="RE: " + rng.choice(LURES).format(org=org, num=rng.randrange(10**4, 10**5)),
                      date=self.when(rng), mid=mid, text=f"{text}\n\n-----Original Message-----\nFrom: {self.owner}\n",
                      html=html, in_reply_to=parent, mailer=rng.choice(MAILERS), hop=rng.choice(NETWORKS),
                      delivered_to=self.owner)
        return raw, mid, "fake_reply", f"{kind}+{payload}", None

    def fanout(self, rng: random.Random, partner: str) -> tuple[bytes, str, str, str, None] | None:
        if len(self.colleagues) < 12:
            return None
        to = [self.owner] + rng.sample(self.colleagues, min(len(self.colleagues), rng.randrange(12, 30)))
        org = org_name(domain(partner))
        html, text = link_html(self.link(rng, org, ("file", "builder")), rng.choice(("plain", "prominent")), org, rng)
        mid = self.mid(domain(partner))
        own = self.own_mailbox(partner, "fanout")
        subject = rng.choice(LURES).format(org=org, num=rng.randrange(10**4, 10**5))
        date, mailer, hop = self.when(rng), rng.choice(MAILERS), rng.choice(NETWORKS)
        raw = compose(sender=self._who(partner), to=to, subject=subject, date=date, mid=mid, text=text, html=html,
                      mailer="" if own else mailer, hop=None if own else hop, delivered_to=self.owner)
        return raw, mid, "fanout", f"{len(to)}_recipients{'+own_mailbox' if own else ''}", None

    def new_sender_bcc(self, rng: random.Random, partner: str) -> tuple[bytes, str, str, str, None]:
        org = org_name(domain(partner))
        fake = rng.choice(("statements", "billing", "docs", "accounts"))
        dom = rng.choice(("northgate-settlements.com", "apex-remit.net", "docuvault-secure.com",
                          "ledgerline-services.com", "clearpay-statements.org"))
        html, text = link_html(self.link(rng, org, ("file", "builder")), rng.choice(("plain", "prominent", "image")),
                               org, rng)
        mid = self.mid(dom)
        raw = compose(sender=f'"{org} Accounts" <{fake}@{dom}>', to=[], bcc_style=True,
                      subject=rng.choice(LURES).format(org=org, num=rng.randrange(10**4, 10**5)), date=self.when(rng),
                      mid=mid, text=text, html=html, mailer=rng.choice(MAILERS), hop=rng.choice(NETWORKS),
                      delivered_to=self.owner)
        return raw, mid, "new_sender_bcc", dom, None


def phishing(corpora: Path) -> dict[str, list[Msg]]:
    """Real phishing with a Message-ID, by source."""
    out = {}
    for name, rel in (("phishing_pot", "phishing_pot/phishing_pot_sample.mbox"),
                      ("nazario", "nazario/nazario_phishing_2004-2005.mbox")):
        seen: set[str] = set()
        msgs = []
        for raw in split_mbox(corpora / rel):
            m = read(raw, name)
            if m.mid and m.mid.lower() not in seen and m.date is not None:
                seen.add(m.mid.lower())
                msgs.append(m)
        out[name] = msgs
    return out


def deliver(box: Box, m: Msg, owner: str, campaign: str) -> None:
    """A real phishing message into the box: original headers, plus the owner as Delivered-To."""
    rest = m.raw.split(b"\n", 1)[1]
    box.add_attack(f"Delivered-To: {owner}\n".encode() + rest, m.mid, campaign, "real", owner)


def build(corpora: Path, out: Path, seed: int, fit_share: float = 0.6,
          sa_fit_share: float = 0.5) -> dict[str, Counter[str]]:
    """Write the mailboxes and labels; return counts per mailbox and campaign."""
    out.mkdir(parents=True, exist_ok=True)
    owners = {}
    for line in (corpora / "enron/users.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            user, addr, *_ = line.split("\t")
            owners[user] = addr.strip().lower()
    by_user: dict[str, list[Msg]] = defaultdict(list)
    for raw in split_mbox(corpora / "enron/enron_inbox_subset.mbox"):
        m = read(raw)
        by_user[m.user].append(m)
    users = sorted(by_user)
    _rng(seed, "split").shuffle(users)
    fit_users = set(users[:round(len(users) * fit_share)])
    boxes = {"enron-fit": Box(), "enron-heldout": Box(), "sa-fit": Box(), "sa-heldout": Box()}
    owner_of = {"enron-fit": [], "enron-heldout": []}  # type: dict[str, list[str]]
    for user in sorted(by_user):
        name = "enron-fit" if user in fit_users else "enron-heldout"
        box = boxes[name]
        owner = owners.get(user, f"{user}@enron.com")
        owner_of[name].append(owner)
        def enron_thread(m: Msg, user: str = user) -> str:
            return f"{user}:{base_subject(m.subject)[:80]}"

        for m in by_user[user]:
            box.add_real(m, enron_thread(m))
        injector = Injector(seed, user, owner, by_user[user], ENRON_LOCAL, enron_thread)
        for raw, mid, campaign, variant, thread in injector.attacks():
            box.add_attack(raw, mid, campaign, variant, user, thread)
    # SpamAssassin ham: one organisation; threads by real References, attacks on its correspondents. Both
    # SpamAssassin mailboxes hold all of its ham (the baseline learns the whole organisation either way), but
    # each labels only its own threads (chosen by the seed) and carries only its own attacks: a hijack goes
    # with its thread, any other attack by its Message-ID.
    sa = [read(raw, "sa") for raw in split_mbox(corpora / "spamassassin/sa_ham.mbox")]
    def sa_thread(m: Msg) -> str:
        return "sa:" + (m.refs.split() or [m.mid])[0]

    def sa_part(key: str) -> str:
        return "sa-fit" if _rng(seed, "sa-split", key).random() < sa_fit_share else "sa-heldout"

    for m in sa:
        for name in ("sa-fit", "sa-heldout"):
            boxes[name].add_real(m, sa_thread(m), labelled=sa_part(sa_thread(m)) == name)
    sa_injector = Injector(seed, "sa", SA_OWNER, sa, SA_LOCAL, sa_thread)
    sa_injector.max_partners = 24
    for raw, mid, campaign, variant, thread in sa_injector.attacks():
        boxes[sa_part(thread or mid)].add_attack(raw, mid, campaign, variant, "sa", thread)
    # real phishing, delivered after each mailbox's own mail (its dates are later): half to the fitting part
    for source, msgs in phishing(corpora).items():
        rng = _rng(seed, "phish", source)
        rng.shuffle(msgs)
        take = msgs[:300] if source == "phishing_pot" else msgs[:200]
        for i, m in enumerate(take):
            name = ("enron-fit", "enron-heldout", "sa-heldout")[i % 3]
            owner = SA_OWNER if name == "sa-heldout" else rng.choice(owner_of[name])
            deliver(boxes[name], m, owner, source)
    counts: dict[str, Counter[str]] = {}
    for name, box in boxes.items():
        box.write(out, name, SA_LOCAL if name.startswith("sa") else ENRON_LOCAL)
        counts[name] = Counter(str(lb["campaign"] or "legit") for lb in box.labels)
    _commands(out)
    return counts


def _commands(out: Path) -> None:
    lines = []
    for name in ("enron-fit", "enron-heldout", "sa-fit", "sa-heldout"):
        local = " ".join(f"--local-domain {d}" for d in (SA_LOCAL if name.startswith("sa") else ENRON_LOCAL))
        lines.append(f"vecguard eval {out}/{name}.mbox --labels {out}/{name}.labels.jsonl {local} "
                     f"--jsonl {out}/{name}.records.jsonl")
    lines.append(f"vecguard tune --fit {out}/enron-fit.records.jsonl --fit {out}/sa-fit.records.jsonl "
                 f"--held-out {out}/enron-heldout.records.jsonl --held-out {out}/sa-heldout.records.jsonl "
                 f"--out {out}/fitted.toml")
    (out / "COMMANDS").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory (not in the repository)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = parser.parse_args()
    counts = build(args.corpora, args.out, args.seed)
    for name, c in counts.items():
        print(f"{name}: {sum(c.values())} messages; " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    print(f"commands: {args.out / 'COMMANDS'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

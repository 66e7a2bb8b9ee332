"""Build the committed demo mailbox: corpus/demo.mbox, corpus/demo.labels.jsonl, corpus/demo.local-domain.

    python corpus/build_demo.py          # rewrites the three files, byte-identical on every run

Stdlib only, deterministic (one random.Random(SEED), fixed dates, never the wall clock).

The world
---------
Fernhollow Foods Ltd (fernhollow-foods.co.uk), a small granola / oat-bar maker in Skipton (UK) that runs its
own Postfix MX (mx.fernhollow-foods.co.uk) and IMAP. The mailbox is the company archive from 2 March to
28 August 2026: one copy of every inbound message (Delivered-To the local mailbox it was delivered to) and of
every message the staff sent (outbound and internal), in delivery order.

Staff who use mail (each with one mail client): Claire Whitfield (MD, Apple Mail), Tom Barker (purchasing,
Thunderbird/Windows), Priya Nair (finance, Outlook 16.0), Daniel Okafor (logistics, Thunderbird/Linux),
Sophie Lang (sales, Apple Mail), Ben Hargreaves (production, Thunderbird/Windows), Megan Price (office,
Outlook 16.0, plain-text compose). Staff send from the office (BT broadband) through the MX; Claire sometimes
from home in the evening. The company has ~30 addresses (shop-floor staff and role aliases such as sales@ and
info@, delivered to Sophie and Megan) that rarely get mail.

Vendors and partners (each always sends from its own provider network with one client):
- Tidewell Freight Ltd (tidewellfreight.co.uk): haulage. Microsoft 365 (40.107.x outbound.protection.outlook.com,
  no X-Mailer). Mark Ellison (account manager, writes to Daniel) and Jenny Cole (credit control, to Priya).
  Shares proof-of-delivery folders on tidewellfreight.sharepoint.com.
- Kessler Verpackung GmbH (kessler-verpackung.de): cartons and trays, Germany. IONOS (mout.kundenserver.de,
  212.227.x), Thunderbird. Stefan Kessler and Anna Vogt write to Tom; artwork travels by WeTransfer (we.tl).
- Greenacre Farms Ltd (greenacre-farms.com): oats and seeds. Google Workspace (209.85.x mail-*.google.com),
  Gmail web. Helen Marsh and Rob Greenacre; spec sheets on drive.google.com.
- Northpoint Label & Print Ltd (northpointprint.com): labels and sleeves. On-premises Exchange behind Mimecast
  (185.58.x eu-smtp-delivery-*.mimecast.com), Outlook 16.0. Gary Holt and Lisa Tran; proofs on Dropbox.
- Calder Refrigeration Services Ltd (calder-refrigeration.net): chiller maintenance. Zoho Mail EU
  (136.143.169.x). Alan Reid and Fiona Calder; PDFs attached, no file sharing.
Customers: Millbrook Delicatessens (millbrookdelis.co.uk, Microsoft 365) and Oakhouse Hotels Group
(oakhousehotels.com, Google Workspace). Lists and notifications: FoodTrade Weekly and the Speciality Food
Producers' Guild (Mailchimp), LedgerLoop accounting notifications (Amazon SES). Legitimate first contacts:
a consumer asking about gluten (gmail), a cafe asking for wholesale prices (Fastmail, becomes a customer), a
packaging sales introduction, a job applicant (outlook.com), a farm shop asking to stock the products.

Attacks (exactly one each, all in August 2026, labelled in demo.labels.jsonl, never inside the messages)
---------------------------------------------------------------------------------------------------------
1. new_sender_bcc: unknown ap@dunmore-advisory.com (Namecheap Private Email), To: undisclosed-recipients:;,
   copy delivered to Priya, "New Approved Statement From Kessler Verpackung GmbH", Dropbox link.
2. vendor_new_filesharing: Helen Marsh (Greenacre, same Google network and Gmail client, auth passes),
   "Greenacre Farms - Proposal Document" linking greenacre-farms-docs.my.canva.site.
3. prominent_or_hidden_link: Stefan Kessler (same IONOS network, same Thunderbird) HTML mail with one big
   "REVIEW DOCUMENT" button to a pages.dev host, an anchor that shows www.kessler-verpackung.de but points to
   that host, an image-only link and a display:none link.
4. lookalike_domain: "Jenny Cole" <jenny.cole@tidewe1lfreight.co.uk> (1 for l) from an OVH VPS, asking Priya to
   settle overdue invoices via a link whose path holds "s3cure0nline".
5. compromised_mailbox: gary.holt@northpointprint.com at 03:07 from a Hetzner host with a new client
   (PHPMailer), Reply-To gmail.com, bank-details change, text only; the vendor's DMARC is p=none, so SPF
   softfail / no DKIM still delivers.
6. fanout: Mark Ellison (Tidewell, same 365 network) who writes to one or two people sends to 30 local
   addresses with a personal OneDrive (tidewellfreight-my.sharepoint.com) link.
7. thread_hijack: in the August Calder chiller-repair thread between Alan Reid and Ben/Priya, a reply from
   alan.reid@calder-refrigeration.net via a new network (VPS, no DKIM, SPF neutral, Calder's DMARC is p=none)
   and a new client (Outlook) with "updated invoice" on pub-*.r2.dev;
   the real thread goes on around it (all its messages carry thread "hijacked").
8. fake_reply: "Re: Outstanding invoice 4471" from unknown dalton-foodservice.com, In-Reply-To/References to
   Message-IDs that never existed, link to a wixsite page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import quopri
import random
import re
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import format_datetime, formataddr
from pathlib import Path

SEED = 20260302
RNG = random.Random(SEED)
HERE = Path(__file__).resolve().parent
LOCAL = "fernhollow-foods.co.uk"
MX = f"mx.{LOCAL}"
START = date(2026, 3, 2)
END = date(2026, 8, 28)
SUMMER_FROM = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # BST / CEST start (last Sunday of March, 01:00 UTC)
ZONES = {"uk": (0, 1), "de": (1, 2), "us_east": (-5, -4)}  # (winter, summer) hours east of UTC


def tz_of(zone: str, utc: datetime) -> timezone:
    winter, summer = ZONES[zone]
    return timezone(timedelta(hours=summer if utc >= SUMMER_FROM else winter))


def to_local(zone: str, utc: datetime) -> datetime:
    return utc.astimezone(tz_of(zone, utc))


def local_dt(zone: str, day: date, hour: int, minute: int, second: int | None = None) -> datetime:
    """A local wall-clock time in ZONE as an aware UTC datetime."""
    winter, summer = ZONES[zone]
    hours = summer if day >= SUMMER_FROM.date() else winter
    sec = RNG.randrange(60) if second is None else second
    naive = datetime.combine(day, time(hour, minute, sec))
    return (naive - timedelta(hours=hours)).replace(tzinfo=UTC)


def business_day(d: date) -> date:
    while d.weekday() >= 5 or d in HOLIDAYS:
        d += timedelta(days=1)
    return d


HOLIDAYS = {date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25), date(2026, 8, 31)}


# --- organisations -----------------------------------------------------------------------------------------
@dataclass
class Org:
    key: str
    name: str
    domain: str
    zone: str
    net: str  # key into NETS
    dmarc: str = "quarantine"  # published DMARC policy
    website: str = ""


@dataclass
class Person:
    key: str
    name: str
    addr: str
    org: Org
    client: str  # key into CLIENTS
    title: str = ""
    sig: str = ""  # full signature block
    short: str = ""  # sign-off used in replies
    hours: tuple[int, int] = (8, 17)
    odd: float = 0.05  # chance of writing at 7am / in the evening

    @property
    def local(self) -> bool:
        return self.org.domain == LOCAL

    def fmt(self) -> str:
        return formataddr((self.name, self.addr))

    @property
    def first(self) -> str:
        return self.name.split()[0]


ORGS = {o.key: o for o in [
    Org("fern", "Fernhollow Foods Ltd", LOCAL, "uk", "office", "quarantine", "https://www.fernhollow-foods.co.uk"),
    Org("tidewell", "Tidewell Freight Ltd", "tidewellfreight.co.uk", "uk", "m365_tidewell", "quarantine",
        "www.tidewellfreight.co.uk"),
    Org("kessler", "Kessler Verpackung GmbH", "kessler-verpackung.de", "de", "ionos", "quarantine",
        "www.kessler-verpackung.de"),
    Org("greenacre", "Greenacre Farms Ltd", "greenacre-farms.com", "uk", "gws_greenacre", "none",
        "https://www.greenacre-farms.com"),
    Org("northpoint", "Northpoint Label & Print Ltd", "northpointprint.com", "uk", "mimecast", "none",
        "www.northpointprint.com"),
    Org("calder", "Calder Refrigeration Services Ltd", "calder-refrigeration.net", "uk", "zoho", "none",
        "www.calder-refrigeration.net"),
    Org("millbrook", "Millbrook Delicatessens Ltd", "millbrookdelis.co.uk", "uk", "m365_millbrook", "reject",
        "www.millbrookdelis.co.uk"),
    Org("oakhouse", "Oakhouse Hotels Group", "oakhousehotels.com", "uk", "gws_oakhouse", "quarantine",
        "www.oakhousehotels.com"),
    Org("foodtrade", "FoodTrade Weekly", "foodtradeweekly.com", "uk", "mailchimp", "none"),
    Org("sfpguild", "Speciality Food Producers' Guild", "sfpguild.org.uk", "uk", "mailchimp", "none"),
    Org("ledgerloop", "LedgerLoop", "ledgerloop.io", "uk", "ses", "reject"),
    Org("gmail", "Gmail", "gmail.com", "uk", "gmail", "none"),
    Org("roasting", "The Roasting Shed", "theroastingshed.co.uk", "uk", "fastmail", "none",
        "theroastingshed.co.uk"),
    Org("verdapak", "Verdapak Ltd", "verdapak.com", "uk", "m365_verdapak", "quarantine", "https://www.verdapak.com"),
    Org("outlookcom", "Outlook.com", "outlook.com", "uk", "outlookcom", "none"),
    Org("hollins", "Hollins Farm Shop", "hollinsfarmshop.co.uk", "uk", "gws_hollins", "none"),
    # attackers
    Org("dunmore", "Dunmore Advisory", "dunmore-advisory.com", "us_east", "privateemail", "none"),
    Org("lookalike", "Tidewell Freight Ltd", "tidewe1lfreight.co.uk", "uk", "ovh", "none"),
    Org("dalton", "Dalton Foodservice", "dalton-foodservice.com", "uk", "m365_dalton", "none"),
]}


def P(key: str, name: str, local_part: str, org: str, client: str, title: str = "", **kw: object) -> Person:
    o = ORGS[org]
    return Person(key, name, f"{local_part}@{o.domain}", o, client, title, **kw)  # type: ignore[arg-type]


FERN_SIG = "{name}\n{title}\nFernhollow Foods Ltd | Unit 4, Brook Mill, Skipton BD23 2QR\nT: 01756 793{ext} | www.fernhollow-foods.co.uk"

PEOPLE_LIST = [
    P("claire", "Claire Whitfield", "claire.whitfield", "fern", "apple_claire", "Managing Director",
      short="Claire", odd=0.2, hours=(8, 18)),
    P("tom", "Tom Barker", "tom.barker", "fern", "tb_win128", "Purchasing Manager", short="Cheers,\nTom"),
    P("priya", "Priya Nair", "priya.nair", "fern", "outlook16_plain", "Finance Manager", short="Kind regards,\nPriya"),
    P("daniel", "Daniel Okafor", "daniel.okafor", "fern", "tb_linux", "Logistics Coordinator",
      short="Thanks,\nDaniel", hours=(7, 16), odd=0.15),
    P("sophie", "Sophie Lang", "sophie.lang", "fern", "apple_sophie", "Sales & Marketing Manager",
      short="Best wishes,\nSophie", odd=0.1),
    P("ben", "Ben Hargreaves", "ben.hargreaves", "fern", "tb_win115", "Production Manager", short="Ben",
      hours=(7, 16), odd=0.1),
    P("megan", "Megan Price", "megan.price", "fern", "outlook16_plain", "Office Manager", short="Many thanks,\nMegan"),
    # Tidewell Freight
    P("mark", "Mark Ellison", "mark.ellison", "tidewell", "m365", "Account Manager", short="Kind regards,\nMark",
      sig="Mark Ellison\nAccount Manager | Tidewell Freight Ltd\nM: 07700 914 362 | T: 01274 552 810\n"
          "www.tidewellfreight.co.uk"),
    P("jenny", "Jenny Cole", "jenny.cole", "tidewell", "m365", "Credit Controller", short="Many thanks,\nJenny",
      sig="Jenny Cole\nCredit Controller | Tidewell Freight Ltd\nT: 01274 552 817\nwww.tidewellfreight.co.uk"),
    # Kessler Verpackung
    P("stefan", "Stefan Kessler", "s.kessler", "kessler", "tb_kessler", "Key Account Management",
      short="Best regards\nStefan",
      sig="Stefan Kessler\nKey Account Management UK/IE\n\nKessler Verpackung GmbH\nIndustriestraße 14, 33334 "
          "Gütersloh, Germany\nTel. +49 5241 90 71-22\nwww.kessler-verpackung.de\n\nGeschäftsführer: Heinz "
          "Kessler, Stefan Kessler | Amtsgericht Gütersloh HRB 4471"),
    P("anna", "Anna Vogt", "a.vogt", "kessler", "tb_kessler", "Auftragsabwicklung", short="Kind regards\nAnna Vogt",
      sig="Anna Vogt\nAuftragsabwicklung / Order Processing\n\nKessler Verpackung GmbH\nIndustriestraße 14, "
          "33334 Gütersloh, Germany\nTel. +49 5241 90 71-35\nwww.kessler-verpackung.de"),
    P("juergen", "Jürgen Brandt", "j.brandt", "kessler", "tb_kessler", "Logistik"),
    # Greenacre Farms
    P("helen", "Helen Marsh", "helen.marsh", "greenacre", "gmail_web", "Sales & Contracts", short="Thanks,\nHelen",
      sig="--\nHelen Marsh\nSales & Contracts\nGreenacre Farms Ltd, Low Moor Lane, Driffield YO25 6RT\n01377 241 "
          "930 | https://www.greenacre-farms.com"),
    P("rob", "Rob Greenacre", "rob", "greenacre", "gmail_web", "Director", short="Rob",
      sig="--\nRob Greenacre\nGreenacre Farms Ltd\nhttps://www.greenacre-farms.com"),
    # Northpoint Label & Print
    P("gary", "Gary Holt", "gary.holt", "northpoint", "outlook16", "Account Manager", short="Regards,\nGary",
      sig="Gary Holt | Account Manager\nNorthpoint Label & Print Ltd\nT: 0113 496 2281 | M: 07700 900 418\n"
          "www.northpointprint.com"),
    P("lisa", "Lisa Tran", "lisa.tran", "northpoint", "outlook16", "Prepress", short="Thanks,\nLisa",
      sig="Lisa Tran | Prepress & Studio\nNorthpoint Label & Print Ltd\nwww.northpointprint.com"),
    # Calder Refrigeration
    P("alan", "Alan Reid", "alan.reid", "calder", "zoho", "Service Coordinator", short="Regards\nAlan",
      sig="Alan Reid\nService Coordinator\nCalder Refrigeration Services Ltd\n24hr breakdown line: 01422 880 "
          "455\nwww.calder-refrigeration.net"),
    P("fiona", "Fiona Calder", "accounts", "calder", "zoho", "Accounts", short="Thanks\nFiona",
      sig="Fiona Calder\nAccounts | Calder Refrigeration Services Ltd\nwww.calder-refrigeration.net"),
    # customers
    P("rachel", "Rachel Stone", "rachel.stone", "millbrook", "m365", "Buyer", short="Thanks\nRachel",
      sig="Rachel Stone\nBuyer, Millbrook Delicatessens\n0161 496 0734\nwww.millbrookdelis.co.uk"),
    P("james", "James Whitaker", "james.whitaker", "oakhouse", "gmail_web", "Procurement Manager",
      short="Best,\nJames", sig="James Whitaker\nGroup Procurement Manager\nOakhouse Hotels Group\n"
                                "www.oakhousehotels.com"),
    # lists and notifications
    P("ftw", "FoodTrade Weekly", "news", "foodtrade", "mailchimp"),
    P("guild", "Speciality Food Producers' Guild", "newsletter", "sfpguild", "mailchimp"),
    P("ledger", "LedgerLoop", "notifications", "ledgerloop", "ses"),
    # first contacts
    P("jess", "Jess Morton", "jessmorton84", "gmail", "gmail_consumer"),
    P("owen", "Owen Pryce", "owen", "roasting", "fastmail_web", short="Cheers\nOwen",
      sig="Owen Pryce\nThe Roasting Shed, 12 Castle Street, Hay-on-Wye\ntheroastingshed.co.uk"),
    P("laura", "Laura Kent", "laura.kent", "verdapak", "m365", "Business Development"),
    P("kamil", "Kamil Zielinski", "kamil.zielinski", "outlookcom", "outlookcom_web"),
    P("ann", "Ann Hollins", "shop", "hollins", "gmail_web", short="Ann"),
    # attackers
    P("dunmore", "Accounts Payable", "ap", "dunmore", "oxmail"),
    P("fakejenny", "Jenny Cole", "jenny.cole", "lookalike", "roundcube"),
    P("dalton", "Mike Dalton", "m.dalton", "dalton", "m365"),
]
PEOPLE = {p.key: p for p in PEOPLE_LIST}
_EXT = {"claire": "401", "tom": "412", "priya": "415", "daniel": "420", "sophie": "408", "ben": "431",
        "megan": "400"}
for _k, _ext in _EXT.items():
    _p = PEOPLE[_k]
    _p.sig = FERN_SIG.format(name=_p.name, title=_p.title, ext=_ext)

# Other local addresses: staff who rarely get mail and role aliases (fan-out target list).
OTHER_LOCAL = [f"{n}@{LOCAL}" for n in [
    "lucy.bennett", "jakub.kowalski", "sam.ahmed", "emma.doyle", "ryan.fletcher", "olivia.grant", "marek.nowak",
    "hannah.shaw", "kieran.walsh", "zoe.patel", "craig.mcleod", "aisha.khan", "peter.lund", "gemma.ross",
    "accounts", "orders", "sales", "info", "warehouse", "production", "despatch", "quality", "hr"]]
ALIASES = {f"sales@{LOCAL}": "sophie", f"info@{LOCAL}": "megan", f"accounts@{LOCAL}": "priya",
           f"orders@{LOCAL}": "sophie"}


# --- sending networks ----------------------------------------------------------------------------------------
def _h(*parts: object, n: int = 8) -> str:
    """Deterministic hex derived from PARTS (stable identifiers such as mailbox servers)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:n]


def rhex(n: int, upper: bool = False) -> str:
    s = "".join(RNG.choice("0123456789abcdef") for _ in range(n))
    return s.upper() if upper else s


def ralnum(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def ruuid() -> str:
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


def m365_mbx(addr: str, region: str = "LO2P265") -> str:
    return f"{region}MB{int(_h(addr, n=6), 16) % 9000 + 1000}"


def m365_hop(region: str) -> tuple[str, str, str]:
    if region == "EUR":
        pod, third = RNG.choice([("AM7", 105), ("DB3", 100), ("PA4", 110)])
        octet = RNG.randrange(40, 130)
        return (f"EUR03-{pod}-obe.outbound.protection.outlook.com",
                f"mail-{pod.lower()}eur03on2{octet:03d}.outbound.protection.outlook.com", f"40.107.{third}.{octet}")
    pod, third = RNG.choice([("LO2", 21), ("CWL", 22), ("LO4", 23)])
    octet = RNG.randrange(90, 140)
    return (f"GBR01-{pod}-obe.outbound.protection.outlook.com",
            f"mail-{pod.lower()}gbr01on2{octet:03d}.outbound.protection.outlook.com", f"40.107.{third}.{octet}")


GOOGLE = [("wm1", 128), ("wr1", 221), ("ej1", 218), ("ed1", 208), ("lf1", 167), ("pl1", 214), ("wm1", 128)]


def google_hop() -> tuple[str, str, str]:
    pfx, third = RNG.choice(GOOGLE)
    octet = RNG.choice([41, 43, 44, 45, 47, 48, 49, 50, 51, 52, 53, 54, 169, 170, 171, 172, 173, 174, 175, 176])
    host = f"mail-{pfx}-f{octet}.google.com"
    return host, host, f"209.85.{third}.{octet}"


def same(host: str, ip: str) -> tuple[str, str, str]:
    return host, host, ip


def hop_for(net: str) -> tuple[str, str, str]:
    """(HELO, reverse DNS, IP) of the first external hop, as the company MX records it."""
    if net.startswith("m365_"):
        return m365_hop("EUR" if net in ("m365_verdapak",) else "UK")
    if net.startswith("gws_") or net == "gmail":
        return google_hop()
    if net == "ionos":
        return same("mout.kundenserver.de", RNG.choice(["212.227.126.130", "212.227.126.131", "212.227.126.133",
                                                        "212.227.126.187", "212.227.17.10", "212.227.17.13"]))
    if net == "zoho":
        n = RNG.choice([11, 12, 13, 15, 18, 51])
        return same(f"sender4-op-o{n}.zoho.eu", f"136.143.169.{n}")
    if net == "mimecast":
        n = RNG.choice([151, 152, 153, 157, 180, 181])
        return same(f"eu-smtp-delivery-{n}.mimecast.com", f"185.58.86.{n}")
    if net == "mailchimp":
        n, m, third = RNG.choice([(246, 61, 130), (183, 43, 131), (52, 201, 135)])
        return same(f"mail{n}.atl{m}.mcsv.net", f"198.2.{third}.{n}")
    if net == "ses":
        n = RNG.choice([17, 18, 21, 33, 40, 44])
        return same(f"a7-{n}.smtp-out.eu-west-1.amazonses.com", f"54.240.7.{n}")
    if net == "fastmail":
        n = RNG.choice([144, 146, 148, 150, 153])
        return same(f"fout-a{n - 140}-smtp.messagingengine.com", f"103.168.172.{n}")
    if net == "outlookcom":
        n = RNG.choice([21, 24, 37, 45])
        return ("EUR05-DB8-obe.outbound.protection.outlook.com",
                f"mail-db8eur05olkn20{n}.outbound.protection.outlook.com", f"40.92.89.{n}")
    if net == "privateemail":
        return same("mta-07.privateemail.com", "198.54.127.87")
    if net == "ovh":
        return ("mail.tidewe1lfreight.co.uk", "vps-5f2a91c3.vps.ovh.net", "51.68.141.207")
    if net == "hetzner":
        return ("WIN-Q8H3MT2LK1R", "static.180.44.217.95.clients.your-server.de", "95.217.44.180")
    if net == "m247":
        return ("DESKTOP-4F7KQ2R", "unknown", "89.38.97.115")
    raise KeyError(net)


def inner_received(net: str, sender: Person, rcpt: str, when: datetime, hop: tuple[str, str, str]) -> str | None:
    """The sending provider's own Received line (below the MX's), or None."""
    d = format_datetime(when.astimezone(tz_of(sender.org.zone, when)))
    if net.startswith("m365_") or net == "outlookcom":
        region = "EURP194" if net == "outlookcom" else "GBRP265"
        mbx = m365_mbx(sender.addr, "DB9P194" if net == "outlookcom" else "LO2P265")
        ll = ":".join(_h(sender.addr, i, n=4) for i in range(4))
        return (f"from {mbx}.{region}.PROD.OUTLOOK.COM ([fe80::{ll}]) by\n\t{mbx}.{region}.PROD.OUTLOOK.COM "
                f"with mapi id 15.20.{8769 + (when.month - 3) * 41}.{RNG.randrange(10, 40):03d}; {format_datetime(when)}")
    if net.startswith("gws_") or net == "gmail":
        return (f"by {hop[0]} with SMTP id {rhex(11)}-{rhex(11)}so{RNG.randrange(10**7, 10**8)}"
                f"{RNG.choice(['e9', 'f8', 'a8', 'b3'])}.{RNG.randrange(1, 4)}\n\tfor <{rcpt}>; {d}")
    if net == "ionos":
        ip = "91.12.65.162"
        rd = "p" + "".join(f"{int(x):02x}" for x in ip.split(".")) + ".dip0.t-ipconnect.de"
        return (f"from [192.168.178.{20 + int(_h(sender.addr, n=2), 16) % 30}] ({rd} [{ip}]) by mrelayeu.kundenserver.de\n"
                f"\t(mreue{RNG.randrange(101, 112)} [212.227.15.{RNG.randrange(160, 190)}]) with ESMTPSA (Nemesis) id "
                f"1M{ralnum(5)}-1{ralnum(9)}-00{ralnum(5)}; {d}")
    if net == "mimecast":
        return (f"from NPT-EXCH01.northpoint.local (mail.northpointprint.com [81.137.212.66]) by relay.mimecast.com\n"
                f"\twith ESMTP with STARTTLS (version=TLSv1.2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)\n"
                f"\tid uk-mta-{RNG.randrange(10, 99)}-{ralnum(22)}-1; {d}")
    if net == "privateemail":
        return (f"from MTA-07.privateemail.com (localhost [127.0.0.1])\n\tby mta-07.privateemail.com (Postfix) with "
                f"ESMTP id {ralnum(12, '0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz')}; {d}")
    if net == "ovh":
        return (f"from localhost (localhost [127.0.0.1])\n\t(Authenticated sender: {sender.addr})\n"
                f"\tby mail.tidewe1lfreight.co.uk (Postfix) with ESMTPSA id {rhex(10, True)}; {d}")
    return None


# --- mail clients ------------------------------------------------------------------------------------------
# key -> (header line or None, body style)
CLIENTS = {
    "apple_claire": ("X-Mailer: Apple Mail (2.3826.600.51.1.5)", "apple"),
    "apple_sophie": ("X-Mailer: Apple Mail (2.3776.700.51.11.1)", "apple"),
    "tb_win128": ("User-Agent: Mozilla Thunderbird", "tb"),
    "tb_win115": ("User-Agent: Mozilla Thunderbird", "tb"),
    "tb_linux": ("User-Agent: Mozilla Thunderbird", "tb"),
    "tb_kessler": ("User-Agent: Mozilla Thunderbird", "tb"),
    "outlook16": ("X-Mailer: Microsoft Outlook 16.0", "ms"),
    "outlook16_plain": ("X-Mailer: Microsoft Outlook 16.0", "msplain"),  # Outlook set to compose plain text
    "m365": (None, "ms"),
    "gmail_web": (None, "gmail"),
    "gmail_consumer": (None, "gmail"),
    "zoho": ("User-Agent: Zoho Mail\nX-Mailer: Zoho Mail", "zohoplain"),  # plain-text compose mode
    "mailchimp": (None, "list"),
    "ses": (None, "list"),
    "fastmail_web": ("User-Agent: Cyrus-JMAP/3.13.0-alpha0-1045-g2eae7dbc8-fm-20260421.001-g2eae7dbc", "fastmail"),
    "outlookcom_web": (None, "ms"),
    "oxmail": ("X-Mailer: Open-Xchange Mailer v7.10.6-Rev62", "ox"),
    "roundcube": ("User-Agent: Roundcube Webmail/1.6.9", "roundcube"),
    "phpmailer": ("X-Mailer: PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)", "plain"),
    "outlook16_forged": ("X-Mailer: Microsoft Outlook 16.0", "ms"),
}
TB_UA = {
    "tb_win128": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.11.1",
    "tb_win115": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.18.0",
    "tb_linux": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.11.0",
    "tb_kessler": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.10.2",
}


def client_header(client: str) -> str | None:
    if client in TB_UA:
        return f"User-Agent: {TB_UA[client]}"
    return CLIENTS[client][0]


def make_msgid(sender: Person, client: str, net: str, when: datetime) -> str:
    dom = sender.org.domain
    if client in ("apple_claire", "apple_sophie"):
        return f"<{ruuid().upper()}@{dom}>"
    if client in TB_UA:
        return f"<{ruuid()}@{dom}>"
    if client in ("outlook16", "outlook16_forged", "outlook16_plain"):
        if net == "mimecast":
            return f"<{rhex(32)}@NPT-EXCH01.northpoint.local>"
        return f"<00{rhex(2)}01dc{rhex(4)}${rhex(8)}${rhex(8)}$@{dom}>"
    if net.startswith("m365_") or net == "outlookcom":
        region = "DB9P194" if net == "outlookcom" else "LO2P265"
        mbx = m365_mbx(sender.addr, region)
        suffix = "EURP194" if net == "outlookcom" else "GBRP265"
        return f"<{mbx}{rhex(24, True)}@{mbx}.{suffix}.PROD.OUTLOOK.COM>"
    if client.startswith("gmail"):
        return f"<CA{RNG.choice('FHJKLMNP')}{ralnum(40, string.ascii_letters + string.digits + '_-+=')}@mail.gmail.com>"
    if client == "zoho":
        return f"<{int(when.timestamp() * 1000):x}.{rhex(14)}.{RNG.randrange(10**18, 10**19)}@{dom}>"
    if client == "mailchimp":
        return f"<{rhex(20)}.{rhex(10)}@{dom}>"
    if client == "ses":
        return f"<0102019{rhex(9)}-{ruuid()}-000000@eu-west-1.amazonses.com>"
    if client == "fastmail_web":
        return f"<{ruuid()}@app.fastmail.com>"
    if client == "oxmail":
        return f"<{RNG.randrange(10**9, 2 * 10**9)}.{RNG.randrange(10**6, 10**7)}.{int(when.timestamp() * 1000)}@privateemail.com>"
    if client == "roundcube":
        return f"<{rhex(32)}@{dom}>"
    if client == "phpmailer":
        return f"<{ralnum(43)}@WIN-Q8H3MT2LK1R>"
    raise KeyError(client)


DKIM_SEL = {"m365": "selector1", "ionos": "s1-ionos", "gws": "google", "gmail": "20230601", "zoho": "zmail",
            "mimecast": "mimecast20210310", "mailchimp": "k2", "ses": "ll2024", "fastmail": "fm3",
            "outlookcom": "selector1", "privateemail": "default", "ovh": "mail", "office": "mail2026"}


def dkim_selector(net: str) -> str:
    return DKIM_SEL.get(net, DKIM_SEL.get(net.split("_")[0], "default"))


def dkim_signature(domain: str, net: str, when: datetime, heads: str) -> str:
    b = base64.b64encode(RNG.randbytes(128)).decode()
    bh = base64.b64encode(RNG.randbytes(32)).decode()
    lines = [f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s={dkim_selector(net)};",
             f"h={heads}; bh={bh};", f"b={b[:70]}", b[70:142], b[142:]]
    return "DKIM-Signature: " + "\n\t".join(lines)


def auth_results(domain: str, mailfrom_domain: str, net: str, dmarc: str, result: str = "pass") -> str:
    """Authentication-Results as the company MX's milter writes it."""
    if result == "pass":
        return (f"Authentication-Results: {MX}; dkim=pass header.d={domain} header.s={dkim_selector(net)};\n"
                f"\tspf=pass smtp.mailfrom={mailfrom_domain}; dmarc=pass (p={dmarc}) header.from={domain}")
    spf = result  # softfail / neutral: spoofed or unauthorised path
    return (f"Authentication-Results: {MX}; dkim=none;\n\tspf={spf} smtp.mailfrom={domain}; "
            f"dmarc=fail (p={dmarc}) header.from={domain}")


QUEUE_ALPHABET = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"


def queue_id() -> str:
    return RNG.choice("456789") + ralnum(14, QUEUE_ALPHABET)


# --- time --------------------------------------------------------------------------------------------------
def pick_time(person: Person, day: date, hour: int | None = None) -> datetime:
    """A plausible writing time for PERSON on DAY (mostly office hours, sometimes early or late)."""
    h0, h1 = person.hours
    if hour is None:
        r = RNG.random()
        if r < person.odd / 2:
            hour = 7 if h0 >= 8 else 6
        elif r < person.odd:
            hour = RNG.choice([18, 19, 20, 21])
        else:
            hour = RNG.choice(list(range(h0, h1 + 1)) + [10, 11, 14])
    minute = RNG.randrange(60) if hour != h0 else RNG.randrange(15, 60)
    return local_dt(person.org.zone, day, hour, minute)


def later(prev: datetime, person: Person, lo: int = 12, hi: int = 240) -> datetime:
    """When PERSON answers a message that arrived at PREV."""
    cand = prev + timedelta(minutes=RNG.randrange(lo, hi), seconds=RNG.randrange(60))
    loc = to_local(person.org.zone, cand)
    h0, h1 = person.hours
    workday = loc.weekday() < 5 and loc.date() not in HOLIDAYS
    if workday and h0 <= loc.hour <= h1:
        return cand
    if workday and 18 <= loc.hour <= 21 and RNG.random() < person.odd * 2:
        return cand
    d = loc.date() if (workday and loc.hour < h0) else business_day(loc.date() + timedelta(days=1))
    return max(cand, local_dt(person.org.zone, d, h0 + RNG.randrange(0, 3), RNG.randrange(5, 60)))


def days(start: date, end: date, step_lo: int, step_hi: int, jitter: bool = True) -> list[date]:
    out, d = [], start
    while d <= end:
        out.append(business_day(d))
        d += timedelta(days=RNG.randrange(step_lo, step_hi + 1) if jitter else step_lo)
    return [x for x in out if x <= end]


# --- documents ---------------------------------------------------------------------------------------------
def pdf(title: str, *lines: str) -> bytes:
    """A tiny one-page PDF skeleton with the document's title text (the corpus only needs plausible bytes)."""
    text = " ".join(f"({s.replace('(', '[').replace(')', ']')})Tj T*" for s in (title, *lines))
    stream = f"BT/F1 11 Tf 14 TL 56 780 Td {text} ET"
    return (f"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            f"endobj 3 0 obj<</Type/Page/Parent 2 0 R/Contents 4 0 R>>endobj 4 0 obj<</Length {len(stream)}>>stream\n"
            f"{stream}\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n").encode("latin-1")


# --- the message model ---------------------------------------------------------------------------------------
def addr_of(x: Person | str) -> str:
    return x.addr if isinstance(x, Person) else re.sub(r".*<(.*)>.*", r"\1", x)


def fmt_of(x: Person | str) -> str:
    return x.fmt() if isinstance(x, Person) else x


@dataclass
class Mail:
    sender: Person
    to: list[Person | str]
    cc: list[Person | str]
    subject: str
    when: datetime
    body: str
    quote: str = ""
    html: str | None = None
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    reply_to: str | None = None
    client: str = ""
    net: str = ""
    auth: str = "pass"
    delivered_to: str | None = None
    to_header: str | None = None
    extra: list[str] = field(default_factory=list)
    label: str = "legit"
    campaign: str | None = None
    thread: str | None = None
    msgid: str = ""
    tindex: bytes = b""
    hop: tuple[str, str, str] | None = None
    recv: datetime | None = None

    def __post_init__(self) -> None:
        self.client = self.client or self.sender.client
        self.net = self.net or self.sender.org.net
        self.msgid = self.msgid or make_msgid(self.sender, self.client, self.net, self.when)
        self.recv = self.when + timedelta(seconds=RNG.randrange(2, 40))
        self.tindex = self.tindex or RNG.randbytes(22)
        if not self.sender.local:
            self.hop = hop_for(self.net)
        elif self.sender.key == "claire" and not 7 <= to_local("uk", self.when).hour <= 18:
            self.net = "home"  # Claire's evening mail goes out from her home broadband
        if self.delivered_to is None:
            for r in [*self.to, *self.cc]:
                a = addr_of(r).lower()
                if a.endswith("@" + LOCAL) and a not in (self.sender.addr,):
                    self.delivered_to = a
                    break

    @property
    def style(self) -> str:
        return CLIENTS[self.client][1]

    @property
    def inbound(self) -> bool:
        return not self.sender.local

    @property
    def direction(self) -> str:
        if self.inbound:
            return "inbound"
        return "internal" if all(addr_of(r).lower().endswith("@" + LOCAL) for r in self.to + self.cc) else "outbound"


MAILS: list[Mail] = []


def quote_header(style: str, prev: Mail, replier: Person) -> str:
    loc = to_local(replier.org.zone, prev.when)
    who = prev.sender.name
    if style in ("ms", "msplain"):
        to = "; ".join(p.name if isinstance(p, Person) else addr_of(p) for p in prev.to)
        cc = "; ".join(p.name if isinstance(p, Person) else addr_of(p) for p in prev.cc)
        return (f"From: {who} <{prev.sender.addr}>\nSent: {loc:%d %B %Y %H:%M}\nTo: {to}\n"
                + (f"Cc: {cc}\n" if cc else "") + f"Subject: {prev.subject}\n\n")
    if style == "gmail":
        return f"On {loc:%a}, {loc.day} {loc:%b %Y} at {loc:%H:%M}, {who} <{prev.sender.addr}> wrote:\n"
    if style == "tb":
        if replier.org.key == "kessler":
            return f"Am {loc:%d.%m.%y} um {loc:%H:%M} schrieb {who}:\n"
        return f"On {loc:%d/%m/%Y} {loc:%H:%M}, {who} wrote:\n"
    if style == "apple":
        return f"On {loc.day} {loc:%b %Y}, at {loc:%H:%M}, {who} <{prev.sender.addr}> wrote:\n\n"
    if style in ("zoho", "zohoplain"):
        return f"---- On {format_datetime(prev.when.astimezone(tz_of(replier.org.zone, prev.when)))} {who} <{prev.sender.addr}> wrote ---\n\n"
    if style == "fastmail":
        return f"On {loc:%a}, {loc.day} {loc:%b %Y}, at {loc:%H:%M}, {who} wrote:\n"
    return f"{who} wrote:\n"


def make_quote(style: str, prev: Mail, replier: Person, max_lines: int = 5) -> str:
    lines = prev.body.rstrip("\n").split("\n")[:max_lines]
    head = quote_header(style, prev, replier)
    if style in ("ms", "msplain"):
        sep = "________________________________\n" if replier.client == "m365" else ""
        return sep + head + "\n".join(lines)
    if style == "apple":
        return "\n".join("> " + x if x else ">" for x in (head.rstrip("\n").split("\n") + [""] + lines))
    return head + "\n".join("> " + x if x else ">" for x in lines)


def signed(person: Person, text: str, first: bool) -> str:
    text = text.rstrip("\n")
    if person.local:
        return f"{text}\n\n{person.short}" + (f"\n\n{person.sig}" if first else "")
    if person.sig and person.short:
        return f"{text}\n\n{person.short}\n\n{person.sig}"
    return f"{text}\n\n{person.short}" if person.short else text


class Thread:
    """A conversation: the first post and replies with proper In-Reply-To / References."""

    def __init__(self, name: str | None, subject: str) -> None:
        self.name = name
        self.subject = subject
        self.msgs: list[Mail] = []
        self.tindex = RNG.randbytes(22)

    def post(self, sender: Person, to: Sequence[Person | str], text: str, when: datetime | None = None,
             cc: Sequence[Person | str] | None = None, parent: Mail | None = None, sig: bool | None = None,
             subject: str | None = None, add: bool = True, **kw: object) -> Mail:
        prev = parent or (self.msgs[-1] if self.msgs else None)
        style = CLIENTS[str(kw.get("client") or sender.client)][1]
        if prev is None:
            subj, irt, refs, quote = subject or self.subject, None, [], ""
            when = when or pick_time(sender, START)
        else:
            base = re.sub(r"^((re|aw|fwd?|wg)\s*:\s*)+", "", prev.subject, flags=re.IGNORECASE)
            subj = subject or (("RE: " if style in ("ms", "msplain") else "AW: " if sender.org.key == "kessler" and RNG.random() < .3
                                else "Re: ") + base)
            irt, refs = prev.msgid, (prev.references + [prev.msgid])[-5:]
            quote = make_quote(style, prev, sender)
            when = when or later(prev.recv or prev.when, sender)
        first = not any(m.sender is sender for m in self.msgs) if sig is None else sig
        body = text.rstrip("\n") if sig is False else signed(sender, text, first)
        mail = Mail(sender, list(to), list(cc or []), subj, when, body, quote=quote,
                    in_reply_to=irt, references=refs, thread=self.name, **kw)  # type: ignore[arg-type]
        mail.tindex = self.tindex + b"".join(RNG.randbytes(5) for _ in self.msgs)
        self.msgs.append(mail)
        if add:
            MAILS.append(mail)
        return mail

    def reply(self, sender: Person, text: str, to: Sequence[Person | str] | None = None, **kw: object) -> Mail:
        prev = kw.get("parent") or self.msgs[-1]
        assert isinstance(prev, Mail)
        if to is None:
            if prev.sender is sender:  # a follow-up to one's own message goes to the same people
                to = list(prev.to)
                kw.setdefault("cc", list(prev.cc))
            else:
                to = [prev.sender]
        return self.post(sender, to, text, **kw)  # type: ignore[arg-type]


def single(sender: Person, to: Sequence[Person | str], subject: str, text: str, when: datetime,
           thread: str | None = None, **kw: object) -> Mail:
    return Thread(thread, subject).post(sender, to, text, when=when, **kw)  # type: ignore[arg-type]


# --- rendering -----------------------------------------------------------------------------------------------
URL_RE = re.compile(r"(https?://[^\s<>\"]+[^\s<>\".,;:)!?]|www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[^\s<>\"]*[^\s<>\".,;:)!?])?)")


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def linkify(s: str) -> str:
    def a(mo: re.Match[str]) -> str:
        url = mo.group(0).replace("&amp;", "&")
        href = url if url.startswith("http") else "http://" + url
        return f'<a href="{esc(href)}">{esc(url)}</a>'
    return URL_RE.sub(a, s)


def html_lines(text: str) -> str:
    return "<br>\n".join(linkify(esc(x)) for x in text.split("\n"))


def auto_html(m: Mail) -> str | None:
    st = m.style
    if m.html is not None:
        return m.html
    paras = [p for p in m.body.rstrip("\n").split("\n\n")]
    q = m.quote
    if st == "ms":
        ps = "\n".join(f'<p class="MsoNormal">{html_lines(p)}</p>' for p in paras)
        quote = ""
        if q:
            short = "\n".join(q.replace("________________________________\n", "").split("\n")[:6])
            quote = f'<div id="divRplyFwdMsg"><hr><p class="MsoNormal">{html_lines(short)}</p></div>'
        return ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>\n'
                f'<body lang="EN-GB"><div class="WordSection1">\n{ps}\n{quote}\n</div></body></html>')
    if st == "gmail":
        quote = ""
        if q:
            head, _, rest = q.partition("\n")
            body = "\n".join(x[2:] if x.startswith("> ") else x.lstrip(">") for x in rest.split("\n")[:2])
            quote = (f'<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">{esc(head)}'
                     '<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
                     f'rgb(204,204,204);padding-left:1ex">{html_lines(body)}</blockquote></div>')
        return f'<div dir="ltr">{"<div><br></div>".join(f"<div>{html_lines(p)}</div>" for p in paras)}</div>{quote}\n'
    if st == "zoho":
        quote = f'<div><br></div><blockquote style="border-left: 1px solid #0000FF; padding-left: 6px; margin: 0 0 0 5px">{html_lines(chr(10).join(q.split(chr(10))[:3]))}</blockquote>' if q else ""
        return ('<!DOCTYPE html><html><head><meta content="text/html;charset=UTF-8" http-equiv="Content-Type"></head>'
                '<body><div style="font-family: Verdana, Arial, Helvetica, sans-serif; font-size: 10pt;">'
                f'{"<div><br></div>".join(f"<div>{html_lines(p)}</div>" for p in paras)}{quote}</div><br></body></html>\n')
    if st == "fastmail":
        quote = f"<div>{html_lines(chr(10).join(q.split(chr(10))[:3]))}</div>" if q else ""
        return ('<!DOCTYPE html><html><head><title></title></head><body>'
                f'{"<div><br></div>".join(f"<div>{html_lines(p)}</div>" for p in paras)}{quote}</body></html>\n')
    return None


def flow(text: str, width: int = 72) -> str:
    """format=flowed (RFC 3676) as Thunderbird writes it: soft breaks end in a space; URLs are never split."""
    out = []
    for line in text.split("\n"):
        while len(line) > width + 6 and not line.startswith(">"):
            cut = line.rfind(" ", 0, width)
            if cut <= 0:
                break
            out.append(line[:cut + 1])
            line = line[cut + 1:]
        out.append(line)
    return "\n".join(out)


def encode_text(text: str, subtype: str, style: str) -> tuple[list[str], str]:
    if style == "tb" and subtype == "plain":
        text = flow(text)
    ascii_ = text.isascii()
    long_ = any(len(x) > 76 for x in text.split("\n"))
    cs = ("us-ascii" if ascii_ else "utf-8") if style in ("ms", "msplain", "apple") else ("UTF-8" if style in ("gmail", "tb", "zoho") else "utf-8")
    ctype = f"text/{subtype}; charset={cs}" if style == "tb" else f'text/{subtype}; charset="{cs}"'
    if style == "tb" and subtype == "plain":
        ctype += "; format=flowed"
    if style == "tb" or (style == "roundcube" and not long_) or (ascii_ and not long_ and style not in ("ms", "zoho", "list")):
        cte = "7bit" if ascii_ else "8bit"
        payload = text
    else:
        cte = "quoted-printable"
        payload = quopri.encodestring(text.encode("utf-8")).decode("ascii")
    if not payload.endswith("\n"):
        payload += "\n"
    return [f"Content-Type: {ctype}", f"Content-Transfer-Encoding: {cte}"], payload


def boundary(m: Mail, kind: str) -> str:
    st = m.style
    if st in ("ms", "msplain"):
        core = re.sub(r"[^A-Za-z0-9]", "", m.msgid)[:60]
        return f"_{'004' if kind == 'mixed' else '000'}_{core}_"
    if st == "gmail":
        return "0000000000" + rhex(16)
    if st == "tb":
        return "------------" + ralnum(24)
    if st == "apple":
        return f"Apple-Mail=_{ruuid().upper()}"
    if st == "zoho":
        return f"----=_Part_{RNG.randrange(10**5, 10**6)}_{RNG.randrange(10**8, 10**9)}.{int(m.when.timestamp() * 1000)}"
    return f"=_{rhex(32)}"


def body_block(m: Mail) -> tuple[list[str], str]:
    """Content headers and the body of M."""
    text = m.body.rstrip("\n") + "\n" + (("\n" + m.quote.rstrip("\n") + "\n") if m.quote else "")
    html = auto_html(m)
    if html is None:
        heads, payload = encode_text(text, "plain", m.style)
    else:
        b = boundary(m, "alt")
        h1, p1 = encode_text(text, "plain", m.style)
        h2, p2 = encode_text(html, "html", m.style)
        heads = [f'Content-Type: multipart/alternative;\n\tboundary="{b}"']
        payload = f"--{b}\n" + "\n".join(h1) + f"\n\n{p1}\n--{b}\n" + "\n".join(h2) + f"\n\n{p2}\n--{b}--\n"
    if not m.attachments:
        return heads, payload
    b = boundary(m, "mixed")
    out = f"--{b}\n" + "\n".join(heads) + f"\n\n{payload}"
    for name, ctype, data in m.attachments:
        enc = base64.encodebytes(data).decode("ascii")
        extra = f"Content-Description: {name}\n" if m.style in ("ms", "msplain") else ""
        out += (f'\n--{b}\nContent-Type: {ctype}; name="{name}"\n{extra}Content-Disposition: attachment; '
                f'filename="{name}"\nContent-Transfer-Encoding: base64\n\n{enc}')
    out += f"\n--{b}--\n"
    return [f'Content-Type: multipart/mixed;\n\tboundary="{b}"'], out


def fold_addrs(name: str, addrs: list[str]) -> str:
    line, out = f"{name}: ", []
    for i, a in enumerate(addrs):
        piece = a + ("," if i < len(addrs) - 1 else "")
        if len(line) + len(piece) + 1 > 78 and line.strip() != f"{name}:":
            out.append(line.rstrip())
            line = "\t"
        line += piece + " "
    out.append(line.rstrip())
    return "\n".join(out)


OFFICE_HELO = {"claire": "smtpclient.apple", "sophie": "smtpclient.apple", "tom": "[192.168.1.41]",
               "daniel": "[192.168.1.57]", "ben": "[192.168.1.63]", "priya": "FH-FIN01", "megan": "FH-RECEPTION"}
OFFICE_NET = "host81-133-44-20.range81-133.btcentralplus.com [81.133.44.20]"
HOME_NET = "cpc91234-leed27-2-0-cust412.7-1.cable.virginm.net [82.15.201.156]"


def mx_stamp(t: datetime) -> str:
    loc = to_local("uk", t)
    return f"{format_datetime(loc)} ({'BST' if loc.utcoffset() else 'GMT'})"


def envelope_sender(m: Mail) -> str:
    if m.net == "mailchimp":
        assert m.hop is not None and m.delivered_to
        lp, dom = m.delivered_to.split("@")
        list_no = "55731862" if m.sender.org.key == "foodtrade" else "91820447"
        return f"bounce-mc.us21_{list_no}.{RNG.randrange(10**6, 10**7)}-{lp}={dom}@{m.hop[0]}"
    if m.net == "ses":
        return f"0102019{rhex(9)}-{ruuid()}-000000@eu-west-1.amazonses.com"
    return m.sender.addr


DKIM_HEADS = {
    "ms": "From:Date:Subject:Message-ID:Content-Type:MIME-Version",
    "gmail": "mime-version:from:date:message-id:subject:to",
    "tb": "Content-Type:Date:From:Message-ID:MIME-Version:Subject:To",
    "zoho": "Date:From:To:Cc:Message-Id:Subject:MIME-Version",
    "list": "Date:From:Subject:Message-ID:To:List-Unsubscribe",
}


def render(m: Mail) -> tuple[str, str]:
    """(envelope sender, message text with LF line ends)."""
    env = envelope_sender(m)
    top: list[str] = [f"Return-Path: <{env}>"]
    dt = m.delivered_to
    if dt and m.direction != "outbound":
        if dt in ALIASES:
            top.append(f"X-Original-To: {dt}")
            dt = PEOPLE[ALIASES[dt]].addr
        top.append(f"Delivered-To: {dt}")
    qid = queue_id()
    assert m.recv is not None
    if m.inbound:
        assert m.hop is not None and dt, m.msgid
        helo, rdns, ip = m.hop
        tls = "with ESMTP" if m.net in ("m247", "hetzner") else "with ESMTPS"
        top.append(f"Received: from {helo} ({rdns} [{ip}])\n\tby {MX} (Postfix) {tls} id {qid}\n"
                   f"\tfor <{dt}>; {mx_stamp(m.recv)}")
        env_dom = env.split("@")[1]
        dom = m.sender.org.domain
        top.append(auth_results(dom, env_dom, m.net, m.sender.org.dmarc, m.auth))
        inner = inner_received(m.net, m.sender, dt or "", m.when - timedelta(seconds=RNG.randrange(1, 3)), m.hop)
        if inner:
            top.append("Received: " + inner)
        if m.auth == "pass":
            top.append(dkim_signature(dom, m.net, m.when, DKIM_HEADS.get(m.style, DKIM_HEADS["tb"])))
    else:
        src = HOME_NET if m.net == "home" else OFFICE_NET
        top.append(f"Received: from {OFFICE_HELO[m.sender.key]} ({src})\n\t(Authenticated sender: {m.sender.addr})\n"
                   f"\tby {MX} (Postfix) with ESMTPSA id {qid};\n\t{mx_stamp(m.when)}")
        top.append(dkim_signature(LOCAL, "office", m.when, "From:Date:Subject:To:Message-ID"))
    if m.net == "mimecast":
        top.append(f"X-MC-Unique: {ralnum(22, string.ascii_letters + string.digits + '-_')}-1")

    h: dict[str, str] = {}
    h["From"] = f"From: {m.sender.fmt()}"
    if m.reply_to:
        h["Reply-To"] = f"Reply-To: {m.reply_to}"
    h["To"] = f"To: {m.to_header}" if m.to_header else fold_addrs("To", [fmt_of(x) for x in m.to])
    if m.cc:
        h["Cc"] = fold_addrs("Cc", [fmt_of(x) for x in m.cc])
    h["Subject"] = f"Subject: {m.subject}"
    h["Date"] = f"Date: {format_datetime(m.when.astimezone(tz_of(m.sender.org.zone, m.when)))}"
    h["Message-ID"] = f"{'Message-Id' if m.style in ('apple', 'zoho', 'zohoplain') else 'Message-ID'}: {m.msgid}"
    if m.in_reply_to:
        h["In-Reply-To"] = f"In-Reply-To: {m.in_reply_to}"
        h["References"] = "References: " + "\n ".join(m.references)
    ch = client_header(m.client)
    if ch:
        h["Client"] = ch
    if m.style in ("ms", "msplain"):
        base = re.sub(r"^((re|aw|fwd?|fw)\s*:\s*)+", "", m.subject, flags=re.IGNORECASE)
        h["Thread-Topic"] = f"Thread-Topic: {base}"
        h["Thread-Index"] = f"Thread-Index: {base64.b64encode(m.tindex).decode()}"
        h["Content-Language"] = "Content-Language: en-GB" if m.client == "m365" else "Content-Language: en-gb"
    elif m.style == "tb":
        h["Content-Language"] = f"Content-Language: {'de-DE' if m.sender.org.key == 'kessler' and RNG.random() < .2 else 'en-GB'}"
    for i, line in enumerate(m.extra):
        h[f"X{i}"] = line
    cheads, payload = body_block(m)
    mime = ("Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(" + str(CLIENTS[m.client][0]).split("(2.")[1].rstrip(")") + "\\))"
            if m.style == "apple" else "MIME-Version: 1.0")
    order = {
        "ms": ["From", "Reply-To", "To", "Cc", "Subject", "Thread-Topic", "Thread-Index", "Date", "Message-ID",
               "References", "In-Reply-To", "Content-Language", "Client", "X*", "CT", "MIME"],
        "gmail": ["MIME", "References", "In-Reply-To", "From", "Reply-To", "Date", "Message-ID", "Subject", "To", "Cc",
                  "X*", "CT"],
        "tb": ["Message-ID", "Date", "MIME", "Client", "Subject", "Content-Language", "To", "Cc", "References",
               "From", "Reply-To", "In-Reply-To", "X*", "CT"],
        "apple": ["From", "Reply-To", "CT", "MIME", "Subject", "Date", "References", "To", "Cc", "In-Reply-To",
                  "Message-ID", "X*", "Client"],
        "zoho": ["Date", "From", "Reply-To", "To", "Cc", "Message-ID", "In-Reply-To", "References", "Subject",
                 "MIME", "CT", "X*", "Client"],
    }.get({"msplain": "ms", "zohoplain": "zoho"}.get(m.style, m.style), ["From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
                    "X*", "Client", "MIME", "CT"])
    lines: list[str] = list(top)
    for key in order:
        if key == "CT":
            lines.extend(cheads)
        elif key == "MIME":
            lines.append(mime)
        elif key == "X*":
            lines.extend(v for k, v in h.items() if re.fullmatch(r"X\d+", k))
        elif key in h:
            lines.append(h[key])
    if "MIME" not in order:
        lines.insert(len(top), mime)
    text = "\n".join(lines) + "\n\n" + payload
    return env, text


def write_all() -> None:
    mails = sorted(MAILS, key=lambda m: (m.recv or m.when, m.msgid))
    out, labels = [], []
    for m in mails:
        env, text = render(m)
        text = re.sub(r"^(>*From )", r">\1", text, flags=re.MULTILINE)
        t = m.recv if m.inbound else m.when
        assert t is not None
        stamp = f"{t:%a %b} {t.day:2d} {t:%H:%M:%S %Y}"
        out.append(f"From {env} {stamp}\n{text.rstrip(chr(10))}\n\n")
        labels.append(json.dumps({"message_id": m.msgid, "label": m.label, "campaign": m.campaign,
                                  "thread": m.thread}))
    (HERE / "demo.mbox").write_bytes("".join(out).encode("utf-8"))
    (HERE / "demo.labels.jsonl").write_text("\n".join(labels) + "\n", encoding="utf-8")
    (HERE / "demo.local-domain").write_text(LOCAL + "\n", encoding="utf-8")


# --- legitimate traffic: helpers -----------------------------------------------------------------------------
C = PEOPLE
ALNUM = string.ascii_letters + string.digits
STAFF = [C[k] for k in ("claire", "tom", "priya", "daniel", "sophie", "ben", "megan")]


def money(x: float) -> str:
    return f"£{x:,.2f}"


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def wc(d: date) -> str:
    m = monday(d)
    return f"w/c {m.day} {m:%B}"


def dm(d: date) -> str:
    return f"{d:%a} {d.day} {d:%B}"


def sp_link(kind: str = "f") -> str:
    return f"https://tidewellfreight.sharepoint.com/:{kind}:/s/CustomerOps/E{ralnum(21, ALNUM + '-_')}?e={ralnum(6)}"


def we_link() -> str:
    return f"https://we.tl/t-{ralnum(10)}"


def drive_link() -> str:
    return f"https://drive.google.com/file/d/1{ralnum(32, ALNUM + '-_')}/view?usp=sharing"


def dropbox_link(name: str) -> str:
    low = string.ascii_lowercase + string.digits
    return (f"https://www.dropbox.com/scl/fi/{ralnum(21, low)}/{name}?rlkey={ralnum(25, low)}"
            f"&st={ralnum(8, low)}&dl=0")


def pdf_att(name: str, title: str, *lines: str) -> tuple[str, str, bytes]:
    return (name, "application/pdf", pdf(title, *lines))


DESTS = ["Millbrook Delicatessens DC, Trafford Park", "Oakhouse Hotels central stores, Harrogate",
         "Dales Fine Foods wholesale, Leeds", "Pennine Larder, Huddersfield", "Northern Deli Supplies, Preston"]


# --- Tidewell Freight (haulage): Mark <-> Daniel, Jenny -> Priya ---------------------------------------------
def gen_tidewell() -> None:
    mark, jenny, daniel, priya = C["mark"], C["jenny"], C["daniel"], C["priya"]
    for i, d in enumerate(days(date(2026, 3, 5), date(2026, 8, 26), 17, 24)):
        kind = i % 4
        if kind in (0, 2):
            mon = business_day(monday(d) + timedelta(days=7))
            plan = []
            for k in sorted(RNG.sample(range(5), RNG.randrange(2, 4))):
                day_ = mon + timedelta(days=k)
                plan.append(f"{day_:%a %d/%m} - {RNG.randrange(3, 13)} pallets ambient to {RNG.choice(DESTS)}, "
                            f"collection {RNG.choice(['10:00', '11:30', '13:00', '14:00', '15:30'])}")
            t = Thread(f"tidewell-plan-{mon:%m%d}", f"Collection plan {wc(mon)}")
            t.post(mark, [daniel], f"Hi Daniel,\n\nCollection plan for {wc(mon)} as booked:\n\n" + "\n".join(plan)
                   + "\n\nLet me know if anything changes your side.", when=pick_time(mark, d))
            if RNG.random() < 0.5:
                t.reply(daniel, RNG.choice([
                    ("Hi Mark,\n\nAll fine apart from the last one - production is behind on porridge pots, can we go an "
                    "hour later?"),
                    ("Hi Mark,\n\nThanks, that matches our plan. Please add 2 pallets to the first collection if the "
                    "trailer has room."),
                    "Morning Mark,\n\nConfirmed, all good from us.",
                ]))
                if RNG.random() < 0.5:
                    t.reply(mark, RNG.choice([("Hi Daniel,\n\nNo problem, amended on our system. Driver will call 30 "
                                              "minutes before arrival."),
                                              "Thanks Daniel, noted.",
                                              ("Hi Daniel,\n\nDone - updated booking confirmation to follow from "
                                              "the planning team.")]))
        elif kind == 1:
            dd = d - timedelta(days=RNG.randrange(1, 4))
            while dd.weekday() >= 5 or dd in HOLIDAYS:
                dd -= timedelta(days=1)
            t = Thread(f"tidewell-pod-{d:%m%d}", f"PODs {dd.day} {dd:%B} deliveries")
            t.post(mark, [daniel], f"Hi Daniel,\n\nPODs for the {dd:%A} deliveries are in the usual folder:\n"
                   f"{sp_link()}\n\n" + RNG.choice([
                       "All signed clean.", "One pallet to Leeds signed 'shrink-wrap torn', goods checked and fine.",
                       ("Harrogate signed for one pallet short - it was loaded on the next trailer, arrived 40 minutes "
                       "later, second POD attached in the folder.")]), when=pick_time(mark, d))
            if RNG.random() < 0.3:
                t.reply(daniel, "Thanks Mark, got them.")
        else:
            when = pick_time(daniel, d)
            ref = f"TWF{RNG.randrange(400000, 499999)}"
            t = Thread(f"tidewell-extra-{d:%m%d}", f"Extra collection {dm(business_day(d + timedelta(days=1)))}")
            t.post(daniel, [mark], f"Hi Mark,\n\nCould you fit in an extra collection tomorrow? "
                   f"{RNG.randrange(2, 7)} pallets for {RNG.choice(DESTS)}, ready from 11:00.", when=when,
                   cc=[C["sophie"]] if RNG.random() < 0.3 else None)
            t.reply(mark, f"Hi Daniel,\n\nYes, booked under {ref}. You can follow it here:\n"
                    f"https://www.tidewellfreight.co.uk/track?ref={ref}", to=[daniel])
            if RNG.random() < 0.5:
                t.reply(daniel, "Brilliant, thanks Mark.")
    # rate review, Claire involved
    t = Thread("tidewell-surcharge", "Tidewell Freight - fuel surcharge from 1 June")
    t.post(mark, [daniel], "Hi Daniel,\n\nAs discussed on the phone, our fuel surcharge index moves from 8.5% to 9.2% "
           "from 1 June. Your pallet rates are otherwise fixed until December. The updated rate card is on our "
           "website: https://www.tidewellfreight.co.uk/customers/rate-cards\n\nHappy to go through it on a call.",
           cc=[C["claire"]], when=pick_time(mark, date(2026, 5, 14)))
    t.reply(C["claire"], "Hi Mark,\n\nThanks for the notice. Can we keep 8.5% if we commit to the Thursday trunk to "
            "Manchester through the summer? Daniel has the volumes.", to=[mark], cc=[daniel])
    t.reply(mark, "Hi Claire,\n\nI've spoken to our commercial director - we can hold 8.5% until 31 August against "
            "the Thursday commitment. I'll confirm in writing.", to=[C["claire"]], cc=[daniel])
    # invoices
    for n, d in enumerate([date(2026, 3, 3), date(2026, 4, 2), date(2026, 5, 5), date(2026, 6, 2),
                           date(2026, 7, 2), date(2026, 8, 4)]):
        inv = f"TF-{260312 + n * 97}"
        amt = RNG.randrange(380000, 690000) / 100
        prev_month = (d.replace(day=1) - timedelta(days=1))
        t = Thread(f"tidewell-inv-{d:%m}", f"Tidewell Freight Ltd - Invoice {inv} - Fernhollow Foods")
        t.post(jenny, [priya], f"Dear Priya,\n\nPlease find attached invoice {inv} for {prev_month:%B} haulage, "
               f"{money(amt)} including VAT, due 30 days end of month." + ("\n\nOur quarterly statement of account is "
               "also attached." if n % 3 == 0 else ""), when=pick_time(jenny, business_day(d)),
               attachments=[pdf_att(f"{inv}.pdf", f"Tidewell Freight Ltd - Invoice {inv}", f"Total {amt:.2f} GBP")]
               + ([pdf_att(f"Statement_FERN01_{d:%Y%m}.pdf", "Statement of account FERN01")] if n % 3 == 0 else []))
        if n in (1, 4):
            t.reply(priya, f"Hi Jenny,\n\nThank you, {inv} is on our payment run for "
                    f"{business_day(d + timedelta(days=20)):%d %B}.")
    t = Thread("tidewell-query", "Duplicate charge on TF-260506?")
    t.post(priya, [jenny], "Hi Jenny,\n\nInvoice TF-260506 includes the 22 May Harrogate delivery twice (lines 14 and "
           "19). Could you check and issue a credit note for the duplicate?", when=pick_time(priya, date(2026, 6, 9)))
    t.reply(jenny, "Hi Priya,\n\nYou are right, apologies. Credit note CN-1187 for £186.00 + VAT attached.",
            attachments=[pdf_att("CN-1187.pdf", "Tidewell Freight Ltd - Credit note CN-1187", "186.00 GBP + VAT")])
    t.reply(priya, "Thanks Jenny, all reconciled now.")


# --- Kessler Verpackung (cartons): Stefan/Anna <-> Tom, invoices to accounts@ -----------------------------
def gen_kessler() -> None:
    stefan, anna, tom, juergen = C["stefan"], C["anna"], C["tom"], C["juergen"]
    t = Thread("kessler-quote", "Quote request - 2026 volumes, 300g and 500g granola cartons")
    t.post(tom, [stefan], "Hi Stefan,\n\nCould you quote for our 2026 carton volumes? Roughly 140,000 x FH-GR300 and "
           "60,000 x FH-GR500, same board and print spec as last year, call-offs in lots of 20,000.",
           when=pick_time(tom, date(2026, 3, 4)))
    t.reply(stefan, "Hello Tom,\n\nthank you for the enquiry. Please find our offer attached (valid 60 days). Board "
            "prices have settled, so we can hold last year's price for the GR300 and reduce the GR500 by 2%.",
            attachments=[pdf_att("Angebot_AN-26-0214_Fernhollow.pdf", "Kessler Verpackung - Angebot AN-26-0214")])
    t.reply(tom, "Thanks Stefan. Could you also price a 20,000 lot with a matt varnish instead of gloss? Sophie wants "
            "to test it on the new oat bar range.")
    t.reply(stefan, "Hi Tom,\n\nmatt varnish adds EUR 4.10 per thousand at 20,000. I have added it as option B in "
            "the attached revision.", attachments=[pdf_att("Angebot_AN-26-0214-1.pdf", "Angebot AN-26-0214 Rev 1")])
    pos = [(date(2026, 3, 23), "2026-0142", "FH-GR300", 20000), (date(2026, 5, 11), "2026-0231", "FH-GR500", 20000),
           (date(2026, 6, 22), "2026-0298", "FH-GR300", 40000), (date(2026, 8, 10), "2026-0377", "FH-OB40 trays", 20000)]
    for d, po, sku, qty in pos:
        t = Thread(f"kessler-po-{po}", f"PO {po} - {sku} x {qty:,}")
        t.post(tom, [anna], f"Hi Anna,\n\nPlease find attached our purchase order {po} for {qty:,} x {sku}, delivery "
               f"to Skipton in week {(d + timedelta(days=21)).isocalendar()[1]} if possible.", when=pick_time(tom, d),
               attachments=[pdf_att(f"PO_{po}.pdf", f"Fernhollow Foods Ltd - Purchase order {po}", f"{qty} x {sku}")])
        ab = f"AB-26-{RNG.randrange(800, 1400):04d}"
        t.reply(anna, f"Dear Tom,\n\nthank you for your order. Our order confirmation {ab} is attached, delivery "
                f"confirmed for week {(d + timedelta(days=21)).isocalendar()[1]}.",
                attachments=[pdf_att(f"{ab}.pdf", f"Auftragsbestaetigung {ab}")])
        if d.month in (5, 6):
            ship = business_day(d + timedelta(days=17))
            ref = f"{RNG.randrange(10**9, 10**10)}"
            t2 = Thread(f"kessler-dispatch-{po}", f"Versandavis / dispatch note {ab}")
            t2.post(anna, [tom], f"Dear Tom,\n\nyour order {ab} left our warehouse today with DB Schenker, "
                    f"{RNG.randrange(6, 14)} pallets. Tracking:\n"
                    f"https://www.dbschenker.com/app/tracking-public/?refNumber={ref}&refType=WaybillNo\n\n"
                    "Expected in Skipton in 3-4 working days.", cc=[juergen], when=pick_time(anna, ship))
            if d.month == 5:
                t2.reply(tom, "Thanks Anna. Could the driver book in with our goods-in team on 01756 793 430 the "
                         "day before?", to=[anna], cc=[juergen])
                t2.reply(juergen, "Hello Tom,\n\nyes, I have passed this to Schenker, they will call the day before.\n\n"
                         "Best regards\nJürgen Brandt\nLogistik | Kessler Verpackung GmbH\nwww.kessler-verpackung.de",
                         to=[tom], cc=[anna])
    t = Thread("kessler-artwork", "Artwork files - oat bar tray FH-OB40")
    t.post(stefan, [tom], "Hi Tom,\n\nour repro studio has prepared the cutter guide and print-ready PDF for the new "
           f"oat bar tray. You can download them here (link valid 7 days):\n{we_link()}\n\nPlease have Sophie check "
           "the barcode position.", when=pick_time(stefan, date(2026, 4, 15)))
    t.reply(tom, "Hi Stefan,\n\nSophie is happy with the layout, but the EAN needs to move 5 mm away from the fold. "
            "Can your studio update?")
    t.reply(stefan, f"Hi Tom,\n\ncorrected files here:\n{we_link()}\n\nIf OK we will make the printing plates next "
            "week.")
    t.reply(tom, "Approved - please go ahead.")
    t = Thread("kessler-prices", "Price adjustment from 1 October")
    t.post(stefan, [tom], "Hello Tom,\n\nI wanted to let you know early: our board supplier has announced an increase "
           "for Q4. For Fernhollow we will keep prices unchanged for all orders placed before 30 September; after "
           "that GR300/GR500 increase by 3.5%. The updated specification sheets are here:\n"
           f"{we_link()}\n\nHappy to discuss when you have your volumes for Q4.", when=pick_time(stefan, date(2026, 7, 8)))
    t.reply(tom, "Hi Stefan,\n\nThanks for the heads-up. We'll probably bring forward a 40k call-off to September - "
            "I'll confirm by the end of July.")
    t.reply(stefan, "Thank you Tom, that works well for our planning.")
    for n, d in enumerate([date(2026, 4, 14), date(2026, 7, 15)]):
        re_no = f"RE-26-{3104 + n * 212}"
        single(anna, [f"accounts@{LOCAL}"], f"Rechnung / Invoice {re_no}",
               f"Dear Sir or Madam,\n\nplease find attached our invoice {re_no}. Payment terms: 30 days net.\n\n"
               "Kessler Verpackung GmbH\nIBAN DE44 4785 0065 0000 0918 27 (Sparkasse Gütersloh-Rietberg)",
               when=pick_time(anna, d), thread=f"kessler-inv-{re_no}", sig=False,
               attachments=[pdf_att(f"{re_no}.pdf", f"Kessler Verpackung GmbH - Rechnung {re_no}")])


# --- Greenacre Farms (oats): Helen/Rob <-> Tom, Priya, Claire ------------------------------------------------
def gen_greenacre() -> None:
    helen, rob, tom, priya, ben = C["helen"], C["rob"], C["tom"], C["priya"], C["ben"]
    t = Thread("greenacre-contract", "2026 oat contract - call-off schedule")
    t.post(helen, [tom], "Hi Tom,\n\nAs agreed, here is the call-off schedule for the 2026 jumbo and rolled oat "
           f"contract, along with the updated spec sheet:\n{drive_link()}\n\nCould you confirm the April and May "
           "quantities when you have them?", when=pick_time(helen, date(2026, 3, 9)))
    t.reply(tom, "Hi Helen,\n\nThanks. April: 12t jumbo, 6t rolled. May probably the same, I'll confirm mid-April.")
    t.reply(helen, "Perfect, pencilled in.")
    calls = [(date(2026, 4, 14), "12t jumbo oats, 6t rolled oats"), (date(2026, 5, 19), "14t jumbo oats"),
             (date(2026, 6, 23), "10t jumbo oats, 8t rolled oats"), (date(2026, 8, 5), "12t jumbo oats, 4t pinhead")]
    for d, what in calls:
        wk = business_day(monday(d) + timedelta(days=7))
        t = Thread(f"greenacre-calloff-{d:%m%d}", f"Call-off {wc(wk)}")
        t.post(tom, [helen], f"Hi Helen,\n\nPlease can we call off {what} for delivery {wc(wk)}, Tuesday or "
               "Wednesday ideally.", when=pick_time(tom, d))
        t.reply(helen, f"Hi Tom,\n\nConfirmed for {dm(wk + timedelta(days=1))}. Certificates of analysis for the "
                f"lots will be here once loaded:\n{drive_link()}")
        if RNG.random() < 0.3:
            t.reply(tom, "Great, thanks Helen.")
    for n, d in enumerate([date(2026, 4, 30), date(2026, 7, 1), date(2026, 8, 14)]):
        inv = f"GF-{10452 + n * 31}"
        single(helen, [priya], f"Greenacre Farms invoice {inv}", f"Hi Priya,\n\nInvoice {inv} attached for the "
               f"latest delivery. Any questions just shout.", when=pick_time(helen, business_day(d)),
               cc=[tom] if n % 2 else None, thread=f"greenacre-inv-{inv}",
               attachments=[pdf_att(f"Invoice {inv}.pdf", f"Greenacre Farms Ltd - Invoice {inv}")])
    t = Thread("greenacre-crop", "Crop update - spring drilling")
    t.post(rob, [tom, C["claire"]], "Hi both,\n\nQuick update from the farm: spring drilling finished a week early "
           "and the oats are looking well. Photos and the agronomist's note are here if you're interested:\n"
           f"{drive_link()}\n\nWe'll know more about yields in July.", when=pick_time(rob, date(2026, 5, 6)))
    t.reply(C["claire"], "Thanks Rob, great to hear. We'd love to use a couple of the photos on our website for the "
            "'where our oats come from' page, if that's OK?", to=[rob], cc=[tom])
    t.reply(rob, "Of course Claire, use whatever you like.", to=[C["claire"]], cc=[tom])
    t = Thread("greenacre-gluten", "Gluten test results - lot 2605-J")
    t.post(helen, [tom], "Hi Tom,\n\nThe gluten results for lot 2605-J came back at <5 ppm, full lab report:\n"
           f"{drive_link()}", when=pick_time(helen, date(2026, 6, 11)), cc=[ben])
    t.reply(ben, "Thanks Helen, filed with the batch records.", to=[helen], cc=[tom])
    t = Thread("greenacre-harvest", "Harvest 2026 - early yields")
    t.post(helen, [tom], "Hi Tom,\n\nHarvest started on Monday. Early yields are about 6% down on last year but "
           "quality is good, so no change to your contract quantities. Rob will send a fuller update in "
           "September.", when=pick_time(helen, date(2026, 8, 20)))
    t.reply(tom, "Thanks Helen, good to know.")


# --- Northpoint Label & Print: Gary/Lisa <-> Sophie, Tom, Priya ----------------------------------------------
def gen_northpoint() -> None:
    gary, lisa, sophie, tom, priya = C["gary"], C["lisa"], C["sophie"], C["tom"], C["priya"]
    t = Thread("northpoint-reprint", "Reprint - Honey & Almond 500g front labels")
    t.post(sophie, [gary], "Hi Gary,\n\nCould we get a reprint of the Honey & Almond 500g front labels, 25,000 on "
           "the usual rolls? No artwork changes.", when=pick_time(sophie, date(2026, 3, 10)))
    t.reply(gary, "Hi Sophie,\n\nNo problem - 25k on 76mm cores, same as job NLP-J1184. £1,085.00 + VAT, dispatch "
            "within 8 working days of your go-ahead.")
    t.reply(sophie, "Lovely, please go ahead. Our PO number is 2026-0129.")
    for d, prod, thread in [(date(2026, 4, 21), "Oat Bar multipack sleeves", "northpoint-proof-oatbar"),
                            (date(2026, 6, 16), "Summer Berry 400g labels", "northpoint-proof-berry")]:
        t = Thread(thread, f"Proof for approval - {prod}")
        t.post(lisa, [sophie], f"Hi Sophie,\n\nProofs for the {prod} are ready for approval:\n"
               f"{dropbox_link(prod.replace(' ', '_') + '_proof_v1.pdf')}\n\nPlease check text, barcode and the "
               "allergen box carefully - we print exactly what is approved.", when=pick_time(lisa, d))
        if "Oat Bar" in prod:
            t.reply(sophie, "Hi Lisa,\n\nLooks great. One change: 'oats' in the ingredients list needs to be in "
                    "bold (allergen emphasis). Otherwise good to go.")
            t.reply(lisa, f"Hi Sophie,\n\nUpdated proof v2 here:\n{dropbox_link(prod.replace(' ', '_') + '_proof_v2.pdf')}")
        t.reply(sophie, "Approved, thank you!", to=[lisa], cc=[gary])
    t = Thread("northpoint-newsku", "New SKU - Summer Berry granola 400g")
    t.post(sophie, [gary], "Hi Gary,\n\nWe're launching a Summer Berry granola in July. Could you quote 15,000 front "
           "and 15,000 back labels, same size as the Honey & Almond 400g? Artwork from our designer next week.",
           when=pick_time(sophie, date(2026, 6, 4)))
    t.reply(gary, "Hi Sophie,\n\nGreat news. £1,240.00 + VAT for both, including plates. Lisa will send proofs once "
            "the artwork is in.")
    t = Thread("northpoint-august", "August lead times")
    t.post(gary, [tom, sophie], "Hi Tom, Sophie,\n\nJust a heads-up that our press hall runs reduced shifts "
           "3-14 August, so lead times go to 12 working days. If you have anything coming up, send it over in July "
           "and we'll schedule it ahead.", when=pick_time(gary, date(2026, 7, 14)))
    t.reply(tom, "Thanks Gary, nothing planned but noted.", to=[gary], cc=[sophie])
    for n, d in enumerate([date(2026, 3, 27), date(2026, 5, 6), date(2026, 7, 3), date(2026, 8, 6)]):
        inv = f"NLP-{4655 + n * 58}"
        t = Thread(f"northpoint-inv-{inv}", f"Northpoint Label & Print - Invoice {inv}")
        t.post(gary, [priya], f"Hi Priya,\n\nPlease find attached invoice {inv}. Payment within 30 days to the "
               "account shown on the invoice.", when=pick_time(gary, business_day(d)),
               attachments=[pdf_att(f"{inv}.pdf", f"Northpoint Label & Print Ltd - Invoice {inv}")])
        if n == 1:
            t.reply(priya, "Hi Gary,\n\nCould you add our PO number (2026-0129) to this one? Our system won't "
                    "match it without.")
            t.reply(gary, "Hi Priya,\n\nOf course, re-issued with the PO number.",
                    attachments=[pdf_att(f"{inv}-R.pdf", f"Northpoint Label & Print Ltd - Invoice {inv} (reissued)")])


# --- Calder Refrigeration (maintenance): Alan <-> Ben, Fiona -> Priya ----------------------------------------
def gen_calder() -> None:
    alan, fiona, ben, priya = C["alan"], C["fiona"], C["ben"], C["priya"]
    for d, visit, thread in [(date(2026, 3, 11), date(2026, 3, 19), "calder-ppm-mar"),
                             (date(2026, 6, 10), date(2026, 6, 18), "calder-ppm-jun")]:
        t = Thread(thread, f"Planned maintenance visit - {dm(visit)}")
        t.post(alan, [ben], f"Hi Ben,\n\nYour quarterly PPM is due. We can do {dm(visit)}, engineer on site from "
               "07:30, about four hours for both chillers and the blast freezer. Does that suit?",
               when=pick_time(alan, d))
        t.reply(ben, RNG.choice(["Hi Alan,\n\nYes, that's fine. Please ask him to report to goods-in.",
                                 "Hi Alan,\n\nCan we make it 08:00? We're loading first thing. Otherwise fine."]))
        t.reply(alan, "Thanks Ben, booked.")
        rep = Thread(thread + "-report", f"Service report - {dm(visit)}")
        rep.post(alan, [ben], "Hi Ben,\n\nService report from today's visit attached. All units within tolerance; "
                 "the door seal on the blast freezer is starting to perish, we'd suggest replacing at the next "
                 "visit (£145 + VAT).", when=pick_time(alan, visit),
                 attachments=[pdf_att(f"SR-{visit:%y%m%d}.pdf", "Calder Refrigeration - Service report")])
    for n, d in enumerate([date(2026, 3, 31), date(2026, 6, 30)]):
        inv = f"CRS-{2207 + n * 41}"
        single(fiona, [priya], f"Invoice {inv} - Fernhollow Foods", f"Dear Priya,\n\nPlease find attached invoice "
               f"{inv} for the planned maintenance visit. Terms 30 days.", when=pick_time(fiona, d),
               thread=f"calder-inv-{inv}", attachments=[pdf_att(f"{inv}.pdf", f"Calder Refrigeration - {inv}")])


# --- customers -------------------------------------------------------------------------------------------------
SKUS = ["Honey & Almond granola 500g", "Classic Oat granola 500g", "Dark Chocolate & Hazelnut granola 400g",
        "Porridge pots - Golden Syrup (12)", "Oat bars - Apricot (24)", "Oat bars - Salted Caramel (24)",
        "Gluten-free granola 400g"]


def order_lines(n: int, extra: list[str] | None = None) -> str:
    skus = RNG.sample(SKUS + (extra or []), n)
    return "\n".join(f"{RNG.randrange(2, 20) * 6} x {s}" for s in skus)


def gen_millbrook() -> None:
    rachel, sophie, daniel = C["rachel"], C["sophie"], C["daniel"]
    for i, d in enumerate(days(date(2026, 3, 3), date(2026, 8, 27), 24, 31)):
        po = f"MB{RNG.randrange(30000, 39999)}"
        extra = ["Summer Berry granola 400g"] if d >= date(2026, 7, 1) else None
        t = Thread(f"millbrook-order-{po}", f"Millbrook order {po} - delivery {wc(d + timedelta(days=7))}")
        t.post(rachel, [sophie], f"Hi Sophie,\n\nOrder {po} for our Trafford Park DC, delivery {wc(d + timedelta(days=7))}:"
               f"\n\n{order_lines(RNG.randrange(3, 6), extra)}\n\nPlease confirm.", when=pick_time(rachel, d))
        cc = [daniel] if RNG.random() < 0.5 else None
        t.reply(sophie, RNG.choice([
            "Hi Rachel,\n\nThanks, all confirmed. It will go with Tidewell on the Thursday trunk.",
            ("Hi Rachel,\n\nConfirmed. The chocolate & hazelnut is short this week, we can send half now and the rest "
            "the following Tuesday - is that OK?"),
            "Morning Rachel,\n\nConfirmed, thank you!"]), cc=cc)
        if "short" in t.msgs[-1].body:
            t.reply(rachel, "That's fine, thanks for letting me know.")
    t = Thread("millbrook-damage", "Damaged cases on delivery 21 May")
    t.post(rachel, [sophie], "Hi Sophie,\n\nThree cases of the porridge pots arrived crushed in yesterday's delivery "
           "(photos attached). Can you credit these please?", when=pick_time(rachel, date(2026, 5, 22)),
           attachments=[("IMG_2241.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + RNG.randbytes(300) + b"\xff\xd9")])
    t.reply(sophie, "Hi Rachel,\n\nSorry about that. Credit raised for 3 cases; Daniel is checking with the haulier "
            "whether the pallet was damaged in transit.", cc=[daniel])
    t.reply(rachel, "Thanks Sophie.", to=[sophie])
    single(sophie, [rachel], "Summer range 2026 - price list", "Hi Rachel,\n\nAttached is our summer price list, "
           "including the new Summer Berry granola (launch 1 July). Happy to send samples to the buying team.",
           when=pick_time(sophie, date(2026, 6, 17)), thread="millbrook-pricelist",
           attachments=[pdf_att("Fernhollow_price_list_summer_2026.pdf", "Fernhollow Foods - trade price list")])


def gen_oakhouse() -> None:
    james, sophie, claire, priya = C["james"], C["sophie"], C["claire"], C["priya"]
    t = Thread("oakhouse-breakfast", "Breakfast granola for the hotels")
    t.post(james, [sophie], "Hi Sophie,\n\nFollowing our call: we'd like to trial your Classic Oat and Honey & Almond "
           "granola at the breakfast buffets of our six hotels from April. Could you send catering-pack prices (2.5 kg "
           "bags?) and a lead time?", when=pick_time(james, date(2026, 3, 12)))
    t.reply(sophie, "Hi James,\n\nLovely to speak earlier. Catering packs are 2.5 kg, £14.20 each for Classic Oat and "
            "£15.60 for Honey & Almond, minimum 12 bags per delivery, lead time 5 working days. I've copied Claire, "
            "our MD.", cc=[claire])
    t.reply(james, "Thanks both. Let's start with 24 bags of each to Harrogate central stores on 2 April.",
            to=[sophie], cc=[claire])
    t = Thread("oakhouse-onboarding", "Supplier onboarding - Oakhouse Hotels Group")
    t.post(james, [sophie], "Hi Sophie,\n\nTo set you up as a permanent supplier we need the onboarding form "
           "completed on our supplier portal:\nhttps://suppliers.oakhousehotels.com/onboarding?ref=OHG-SUP-2291\n\n"
           "Your finance team will need to add bank details and your food safety certificate.",
           when=pick_time(james, date(2026, 4, 22)))
    t.reply(sophie, "Thanks James - Priya in our finance team will complete the bank section this week.", cc=[priya])
    t.reply(priya, "Hi James,\n\nAll sections completed on the portal, including our BRCGS certificate.",
            to=[james], cc=[sophie])
    for d in [date(2026, 5, 12), date(2026, 6, 23), date(2026, 8, 4), date(2026, 8, 25)]:
        po = f"OHG-{RNG.randrange(70000, 79999)}"
        t = Thread(f"oakhouse-{po}", f"Purchase order {po}")
        t.post(james, [sophie], f"Hi Sophie,\n\nPO {po}: {RNG.randrange(2, 5) * 12} bags Classic Oat, "
               f"{RNG.randrange(1, 4) * 12} bags Honey & Almond, delivery to Harrogate central stores "
               f"{dm(business_day(d + timedelta(days=7)))}.", when=pick_time(james, d))
        t.reply(sophie, "Hi James,\n\nConfirmed, thank you.", cc=[C["daniel"]] if RNG.random() < 0.4 else None)


def gen_roasting_shed() -> None:
    owen, sophie = C["owen"], C["sophie"]
    t = Thread("roasting-enquiry", "Wholesale enquiry")
    t.post(owen, [f"sales@{LOCAL}"], "Hello,\n\nI run a small cafe and coffee roastery in Hay-on-Wye and we've been "
           "buying your granola retail for our breakfast menu. Do you sell wholesale to cafes, and if so what are "
           "your minimum order and delivery charges to Wales?\n\nThanks,\nOwen Pryce\nThe Roasting Shed, Hay-on-Wye", when=pick_time(owen, date(2026, 5, 12)), sig=False)
    t.reply(sophie, "Hi Owen,\n\nThank you for getting in touch, lovely to hear you use our granola! Yes, we supply "
            "cafes: minimum order is 12 catering bags (2.5 kg) or 6 cases of retail packs, delivery free over £250. "
            "Our trade price list is attached.", to=[owen],
            attachments=[pdf_att("Fernhollow_price_list_2026.pdf", "Fernhollow Foods - trade price list")])
    t.reply(owen, "Brilliant, thanks Sophie. We'll place a first order next month when the summer menu starts.")
    for d, qty in [(date(2026, 6, 15), 12), (date(2026, 8, 12), 18)]:
        t = Thread(f"roasting-order-{d:%m}", "Order - The Roasting Shed")
        t.post(owen, [sophie], f"Hi Sophie,\n\nCould we order {qty} bags of Classic Oat and 6 of the Honey & Almond, "
               "delivered any day next week?", when=pick_time(owen, d))
        t.reply(sophie, f"Hi Owen,\n\nConfirmed - delivery {dm(business_day(d + timedelta(days=8)))}. Invoice will "
                "follow from Priya.")


def gen_first_contacts() -> None:
    sophie, megan, tom = C["sophie"], C["megan"], C["tom"]
    t = Thread("fc-gluten", "Is your granola gluten free?")
    t.post(C["jess"], [f"info@{LOCAL}"], "Hi,\n\nMy daughter is coeliac and loves your Honey & Almond granola "
           "(bought in Skipton market). Is it safe for her, or only the one labelled gluten-free? Are the oats "
           "tested?\n\nThanks,\nJess", when=local_dt("uk", date(2026, 3, 18), 20, 41))
    t.reply(megan, "Hi Jess,\n\nThanks for your message. Only our Gluten-free granola 400g is made with certified "
            "gluten-free oats and tested below 20 ppm; the Honey & Almond contains regular oats, so please don't "
            "give it to your daughter. I've passed your note to Sophie in case you'd like to hear about new "
            "gluten-free products.", cc=[sophie])
    t.reply(C["jess"], "Thank you so much for the quick and clear answer!", to=[megan])
    t = Thread("fc-verdapak", "Introduction - compostable granola pouches")
    t.post(C["laura"], [tom], "Dear Tom,\n\nI'm the business development lead at Verdapak, a Leeds-based maker of "
           "home-compostable stand-up pouches. Several UK granola brands moved to our pouches this year. You can see "
           "specs and certifications here: https://www.verdapak.com/compostable-pouches\n\nWould you be open to a "
           "15 minute call?\n\nKind regards,\nLaura Kent\nBusiness Development, Verdapak Ltd\nwww.verdapak.com",
           when=pick_time(C["laura"], date(2026, 6, 9)), sig=False)
    t.reply(tom, "Hi Laura,\n\nThanks - not for this year as we're committed to cartons, but please get back in "
            "touch in January.")
    t = Thread("fc-job", "Application - warehouse operative")
    t.post(C["kamil"], [f"info@{LOCAL}"], "Dear Sir/Madam,\n\nI saw your advert for a warehouse operative in the "
           "Craven Herald. I have 4 years of experience in food warehousing and a forklift licence (counterbalance "
           "and reach). My CV is attached.\n\nKind regards,\nKamil Zielinski\n07700 900 771",
           when=local_dt("uk", date(2026, 7, 7), 21, 12), sig=False,
           attachments=[pdf_att("Kamil_Zielinski_CV.pdf", "Kamil Zielinski - Curriculum vitae")])
    t.reply(megan, "Dear Kamil,\n\nThank you for your application. We'd like to invite you for an interview on "
            "Tuesday 14 July at 10:00 at Brook Mill. Please bring your forklift licence.")
    t.reply(C["kamil"], "Dear Megan,\n\nThank you, I will be there.\n\nKamil", to=[megan], sig=False)
    t = Thread("fc-hollins", "Stocking your granola in our farm shop")
    t.post(C["ann"], [f"sales@{LOCAL}"], "Hello,\n\nWe run Hollins Farm Shop near Settle and our customers keep "
           "asking for local granola. Could you tell me how we'd go about stocking your range, minimum orders and "
           "whether you deliver to us or we'd collect?\n\nMany thanks,\nAnn Hollins", sig=False,
           when=pick_time(C["ann"], date(2026, 8, 11)))
    t.reply(sophie, "Hi Ann,\n\nHow lovely - Settle is just up the road! Minimum order is 6 mixed cases and we "
            "deliver free locally on Wednesdays. I'll pop a price list and some samples in the post this week.",
            to=[C["ann"]])
    t.reply(C["ann"], "Wonderful, thank you Sophie.", sig=False)


PAYRUN_DAYS = [date(2026, 3, 25), date(2026, 5, 27), date(2026, 7, 29), date(2026, 8, 26)]  # run = 2 days later


# --- internal mail ---------------------------------------------------------------------------------------------
def gen_internal() -> None:
    claire, tom, priya, daniel, sophie, ben, megan = STAFF
    everyone = [p for p in STAFF if p is not claire]
    topics = {3: "new Oakhouse account, spring price list, BRCGS audit prep",
              4: "Easter trading, oat bar tray artwork, goods-in booking slots",
              5: "Summer Berry launch plan, Tidewell surcharge, holiday rota",
              6: "BRCGS audit outcome (grade AA!), new pouch enquiry, summer BBQ",
              7: "August press shutdown at Northpoint, Q4 carton prices, harvest",
              8: "Q4 volumes, chiller 2 repair, farm shop enquiries"}
    for month, topic in topics.items():
        d = business_day(date(2026, month, 1) + timedelta(days=RNG.randrange(3, 9)))
        t = Thread(f"team-notes-{month:02d}", f"Team meeting notes - {date(2026, month, 1):%B}")
        t.post(claire, everyone, f"Hi all,\n\nThanks for this morning. Short notes:\n\n- Covered: {topic}.\n"
               "- Actions are in the shared drive under Meetings.\n- Next meeting first Tuesday of next month, "
               "9:00.\n\nShout if I missed anything.", when=pick_time(claire, d), sig=False)
        if month in (4, 6):
            who = RNG.choice([tom, daniel])
            t.reply(who, "Thanks Claire - one addition: goods-in slots now need booking 24h ahead, I'll remind the "
                    "hauliers.", to=[claire], cc=[ben])
    notes = [
        (date(2026, 3, 30), "Office closed Good Friday and Easter Monday",
         ("Hi all,\n\nJust a reminder that the office and warehouse are closed on Good Friday (3 April) and Easter "
         "Monday (6 April). Production is running on Saturday 4 April, Ben has the rota.")),
        (date(2026, 5, 20), "Bank holiday Monday 25 May",
         ("Hi all,\n\nA reminder that Monday is a bank holiday. Deliveries for Tuesday have been confirmed with "
         "Tidewell.")),
        (date(2026, 7, 1), "Summer BBQ - Friday 17 July",
         ("Hi all,\n\nThe summer BBQ is on Friday 17 July from 15:00 in the yard. Please let me know any dietary "
         "requirements by Friday 10th.")),
        (date(2026, 7, 28), "August holiday cover",
         ("Hi all,\n\nHoliday cover for August is on the noticeboard. Please check your cover person has your "
         "open items before you go.")),
    ]
    for d, subj, text in notes:
        t = Thread(f"office-{d:%m%d}", subj)
        t.post(megan, STAFF[:5] + [ben], text, when=pick_time(megan, d))
        if "BBQ" in subj:
            t.reply(ben, "Veggie option for me please Megan.", to=[megan])
    for d in PAYRUN_DAYS:
        t = Thread(f"payrun-{d:%m%d}", f"Supplier payment run {business_day(d + timedelta(days=2)):%d/%m} for approval")
        t.post(priya, [claire], f"Hi Claire,\n\nThe supplier payment run for {business_day(d + timedelta(days=2)):%A %d %B} "
               f"is ready in LedgerLoop: {RNG.randrange(11, 24)} invoices, {money(RNG.randrange(2800000, 6100000) / 100)}"
               " in total. Nothing unusual - largest items are Greenacre and Tidewell. Could you approve when you "
               "have a moment?", when=pick_time(priya, d))
        t.reply(claire, RNG.choice(["Approved. Thanks Priya", "Done - approved.", "Approved, thank you!"]), sig=False,
                when=local_dt("uk", d, 21, 8) if d.month == 7 else None)  # approved from home that evening
    t = Thread("po-approval-kessler", "PO approval - Kessler 40k cartons")
    t.post(tom, [priya], "Hi Priya,\n\nCan you approve PO 2026-0298 (Kessler, 40,000 GR300 cartons, EUR 11,560)? It's "
           "the big summer call-off we budgeted for.", when=pick_time(tom, date(2026, 6, 19)))
    t.reply(priya, "Approved in the system, Tom.")
    for d in [date(2026, 3, 20), date(2026, 7, 17)]:
        wk = business_day(monday(d) + timedelta(days=7))
        t = Thread(f"prod-plan-{wk:%m%d}", f"Production plan vs collections {wc(wk)}")
        t.post(daniel, [ben], f"Hi Ben,\n\nCollections {wc(wk)} are booked with Tidewell for Tue and Thu. Can you "
               "confirm the porridge pots will be palletised by Wednesday night?", when=pick_time(daniel, d))
        t.reply(ben, RNG.choice(["Yes, should be done by Wednesday lunchtime.",
                                 "Tight - line 2 is down for a changeover Wednesday morning. Thursday 8am at the latest.",
                                 "Yep, no problem."]))
    t = Thread("oakhouse-feedback", "Oakhouse trial - feedback")
    t.post(sophie, [claire], "Hi Claire,\n\nJames at Oakhouse says the granola is going down really well at "
           "breakfast - they want to make it permanent across all six hotels and add the porridge pots. I'll send "
           "him a proposal this week.", when=pick_time(sophie, date(2026, 4, 17)))
    t.reply(claire, "Fantastic news! Well done Sophie.", sig=False, when=local_dt("uk", date(2026, 4, 17), 20, 14))
    t = Thread("chiller-internal", "Chiller 2")
    t.post(ben, [claire, tom], "Hi both,\n\nChiller 2 alarmed overnight (high temp). Product moved to chiller 1, "
           "nothing lost. I've logged a call with Calder.", when=local_dt("uk", date(2026, 8, 3), 7, 22))
    t.reply(claire, "Thanks Ben. Keep me posted.", to=[ben], cc=[tom], sig=False)


# --- lists and notifications ----------------------------------------------------------------------------------
FTW_HEADLINES = [
    "Oat prices ease as spring crop outlook improves", "Retailers push for shorter supplier payment terms",
    "New HFSS rules: what changes for breakfast cereals", "Packaging EPR fees confirmed for 2026",
    "Independent delis report strong Easter trading", "Hauliers warn of summer driver shortages",
    "Compostable packaging: promise and pitfalls", "Interview: building a regional granola brand",
    "Cocoa prices hit another record", "Food fraud: invoice scams on the rise among small suppliers",
    "BRCGS issue 10 consultation opens", "Farm shops lead growth in local food sales",
    "Sugar reduction targets: one year on", "Export paperwork to the EU gets simpler",
    "Hotels cut breakfast waste with bulk formats", "Harvest 2026: first yields in from the south",
    "Label printers stretched by new allergen rules", "Energy costs: what food makers can expect this winter"]


def newsletter(person: Person, to: Person, d: date, hour: int, subject: str, items: list[str], uid: str,
               list_id: str) -> Mail:
    dom = person.org.domain
    links = [f"https://{dom.split('.')[0]}.us21.list-manage.com/track/click?u={uid}&id={rhex(10)}&e={rhex(10)}"
             for _ in items]
    text = (f"{person.name}\n{subject}\n\n" + "\n\n".join(f"{h}\nRead more: {u}" for h, u in zip(items, links))
            + f"\n\nYou are receiving this because you subscribed at {dom}.\nUnsubscribe: "
              f"https://{dom.split('.')[0]}.us21.list-manage.com/unsubscribe?u={uid}&id={list_id}\n"
              f"{person.org.name}, 20 Bridge Street, Cambridge CB2 1UF")
    rows = "".join(f'<tr><td style="padding:12px 24px"><h2>{esc(h)}</h2><a href="{esc(u)}">Read more</a></td></tr>'
                   for h, u in zip(items, links))
    html = (f'<!doctype html><html><head><meta charset="UTF-8"><title>{esc(subject)}</title></head><body '
            f'style="margin:0;background:#f4f1ea"><table width="600" align="center" style="background:#fff">'
            f'<tr><td style="padding:20px 24px"><img src="https://mcusercontent.com/{uid}/images/logo.png" '
            f'width="220" alt="{esc(person.name)}"></td></tr>{rows}<tr><td style="padding:18px 24px;font-size:11px;'
            f'color:#777">{esc(person.org.name)}, 20 Bridge Street, Cambridge CB2 1UF<br><a href="https://'
            f'{dom.split(".")[0]}.us21.list-manage.com/unsubscribe?u={uid}&amp;id={list_id}">Unsubscribe</a> | '
            f'<a href="https://{dom.split(".")[0]}.us21.list-manage.com/profile?u={uid}&amp;id={list_id}">Update '
            f'preferences</a></td></tr></table><img src="https://{dom.split(".")[0]}.us21.list-manage.com/track/'
            f'open.php?u={uid}&amp;id={rhex(10)}&amp;e={rhex(10)}" height="1" width="1" alt=""></body></html>\n')
    extra = [f"List-Id: {person.name} <{uid}.{list_id}.list-id.mcsv.net>",
             f"List-Unsubscribe: <https://{dom.split('.')[0]}.us21.list-manage.com/unsubscribe?u={uid}&id={list_id}>",
             "List-Unsubscribe-Post: List-Unsubscribe=One-Click", f"Feedback-ID: {list_id}:us21:mc",
             "Precedence: bulk"]
    m = Mail(person, [f"{to.first} <{to.addr}>"], [], subject, local_dt("uk", d, hour, RNG.randrange(60)), text,
             html=html, extra=extra, reply_to=f"{person.name} <{person.addr}>")
    MAILS.append(m)
    return m


def gen_lists() -> None:
    heads = list(FTW_HEADLINES)
    for i, d in enumerate(days(date(2026, 3, 5), date(2026, 8, 27), 28, 28, jitter=False)):
        items = [heads[(i * 2 + k) % len(heads)] for k in range(2)]
        newsletter(C["ftw"], C["claire"], d, 6, f"FoodTrade Weekly: {items[0]}", items,
                   "b7c1e2d0a94f3e6d8c5a2b1f0", "4d8a2c1e9f")
    guild = ["Members' day in York - booking open", "Great Taste entries close soon", ("Guide: preparing for your "
             "BRCGS audit"), "Regional buyers meet-the-makers", "Summer members' survey", "Autumn trade fair stands"]
    for i, month in enumerate(range(3, 9, 2)):
        d = business_day(date(2026, month, 10))
        newsletter(C["guild"], C["sophie"], d, 11, f"Guild news - {date(2026, month, 1):%B} 2026",
                   [guild[i], guild[(i + 2) % 6]], "e41b9c07d25a6f38b1c0d9e2a", "9b2f61c0aa")
    ledger = C["ledger"]
    notes = []
    for d in PAYRUN_DAYS:
        run = business_day(d + timedelta(days=2))
        notes.append((d, f"Payment run for {run:%d %b} is ready for approval",
                      f"The supplier payment run scheduled for {run:%d %B %Y} is ready for approval.",
                      f"https://app.ledgerloop.io/payments/runs/{RNG.randrange(40000, 49999)}", "Review payment run"))
    notes += [(date(2026, 4, 28), "VAT return due 7 May", ("Your VAT return for the period January - March 2026 is "
               "ready to submit."), "https://app.ledgerloop.io/tax/vat/returns", "Open VAT return"),
              (date(2026, 7, 21), "Bank feed needs reconnecting", ("Your bank feed for the business current account "
               "expires in 7 days. Reconnect it to keep transactions flowing."),
               "https://app.ledgerloop.io/banking/feeds", "Reconnect bank feed")]
    for d, subj, text, url, label in notes:
        html = ('<!doctype html><html><body style="font-family:Arial,sans-serif;background:#f6f7f9;margin:0">'
                '<div style="max-width:560px;margin:0 auto;background:#fff;padding:28px">'
                '<img src="https://app.ledgerloop.io/static/email/logo.png" width="140" alt="LedgerLoop">'
                f'<p>Hi Priya,</p><p>{esc(text)}</p><p><a href="{url}" style="background-color:#3b5bdb;color:#fff;'
                f'padding:12px 22px;border-radius:4px;text-decoration:none;display:inline-block">{label}</a></p>'
                '<p style="font-size:12px;color:#888">Fernhollow Foods Ltd organisation &middot; <a href="https://app.'
                'ledgerloop.io/settings/notifications">Notification settings</a></p></div></body></html>\n')
        m = Mail(ledger, [C["priya"]], [], subj, local_dt("uk", business_day(d), 6, RNG.randrange(60)),
                 f"Hi Priya,\n\n{text}\n\n{label}: {url}\n\nLedgerLoop\nNotification settings: "
                 "https://app.ledgerloop.io/settings/notifications", html=html,
                 extra=["List-Id: LedgerLoop notifications <notifications.ledgerloop.io>",
                        "List-Unsubscribe: <https://app.ledgerloop.io/settings/notifications?unsubscribe=1>",
                        f"Feedback-ID: ::1.eu-west-1.{rhex(20)}=:AmazonSES"])
        MAILS.append(m)


# --- the hijacked conversation (Calder chiller repair, August) -----------------------------------------------
def gen_hijacked_thread() -> None:
    alan, ben, priya = C["alan"], C["ben"], C["priya"]
    t = Thread("hijacked", "Chiller 2 - high temperature alarm")
    t.post(ben, [alan], "Hi Alan,\n\nChiller 2 alarmed overnight, it's sitting at 9C and not pulling down. We've "
           "moved the product to chiller 1. Can you get someone out today?",
           when=local_dt("uk", date(2026, 8, 3), 7, 41))
    t.reply(alan, "Hi Ben,\n\nCraig is on his way from Halifax, with you by 11:00.")
    t.reply(alan, "Hi Ben,\n\nCraig's notes from today: condenser fan motor is failing (bearing noise, drawing high "
            "current). He has replaced the contactor and the unit is holding 4C for now, but the motor needs "
            "replacing. Quote Q-5531 attached, £1,380.00 + VAT fitted.",
            when=local_dt("uk", date(2026, 8, 3), 16, 12), parent=t.msgs[0], to=[ben],
            attachments=[pdf_att("Q-5531.pdf", "Calder Refrigeration - Quotation Q-5531", "1380.00 GBP + VAT")])
    t.reply(ben, "Hi Alan,\n\nApproved, please order the motor. I've copied Priya for the paperwork.", cc=[priya])
    t.reply(alan, "Hi Ben,\n\nMotor ordered, it arrives Monday. Craig will fit it Tuesday 11 August from 08:00.",
            cc=[priya])
    inv = t.reply(alan, "Hi Ben, Priya,\n\nNew fan motor fitted this morning, unit pulling down to 3C and holding. "
                  "Invoice CRS-2331 attached.", to=[ben, priya], when=local_dt("uk", date(2026, 8, 11), 13, 26),
                  attachments=[pdf_att("CRS-2331.pdf", "Calder Refrigeration - Invoice CRS-2331", "1656.00 GBP")])
    # the inserted reply: real address, new network (m247 VPS, no DKIM, SPF neutral), new client (Outlook)
    t.reply(alan, "Hi Priya,\n\nApologies, the invoice sent yesterday had an error on the VAT line. Please disregard "
            "it - the updated invoice is available here:\n\nhttps://pub-7c3e9a1f04d24b6e8f5a2c91d7e0b3a6.r2.dev/"
            "Calder-Refrigeration/CRS-2331-updated.html\n\nPlease review and let me know once it has been "
            "processed.", to=[priya], cc=[ben], when=local_dt("uk", date(2026, 8, 12), 10, 52),
            client="outlook16_forged", net="m247", auth="neutral", label="attack", campaign="thread_hijack")
    t.reply(priya, "Hi Alan,\n\nThanks - CRS-2331 is on our payment run for 28 August.", parent=inv, to=[alan],
            cc=[ben], when=local_dt("uk", date(2026, 8, 12), 14, 6))
    t.reply(alan, "Thanks Priya, much appreciated.", to=[priya], cc=[ben])
    t.reply(alan, "Hi Ben,\n\nI've booked Craig for a follow-up check on chiller 2 on Thursday 20 August, about an "
            "hour, first thing.", to=[ben], when=local_dt("uk", date(2026, 8, 17), 9, 3))
    t.reply(ben, "Thanks Alan, that's fine. It's been rock steady since the new motor went in.")


# --- attacks ---------------------------------------------------------------------------------------------------
def attack(sender: Person, to: Sequence[Person | str], subject: str, text: str, when: datetime, campaign: str,
           cc: Sequence[Person | str] = (), **kw: object) -> Mail:
    m = Mail(sender, list(to), list(cc), subject, when, text, label="attack", campaign=campaign,
             **kw)  # type: ignore[arg-type]
    MAILS.append(m)
    return m


def gen_attacks() -> None:
    priya, tom, daniel = C["priya"], C["tom"], C["daniel"]
    # 1. unknown sender, undisclosed recipients, statement on Dropbox
    link = dropbox_link("Kessler_Verpackung_Statement_Aug2026.pdf")
    text = ("Hello,\n\nKessler Verpackung GmbH has shared a new approved statement with you for review.\n\n"
            f"Statement date: 04/08/2026\nDocuments: 2 (PDF)\n\nView statement: {link}\n\nPlease review at your "
            "earliest convenience.\n\nRegards,\nAccounts Payable Team")
    html = ('<!DOCTYPE html><html><head><meta charset="UTF-8"></head><body><p>Hello,</p><p>Kessler Verpackung GmbH '
            'has shared a new approved statement with you for review.</p><p>Statement date: 04/08/2026<br>'
            f'Documents: 2 (PDF)</p><p><a href="{esc(link)}">View statement</a></p><p>Please review at your earliest '
            'convenience.</p><p>Regards,<br>Accounts Payable Team</p></body></html>\n')
    attack(C["dunmore"], [], "New Approved Statement From Kessler Verpackung GmbH", text,
           local_dt("us_east", date(2026, 8, 5), 10, 48), "new_sender_bcc", html=html,
           to_header="undisclosed-recipients:;", delivered_to=priya.addr)
    # 2. known vendor, same everything, new file-sharing / site-builder host
    helen = C["helen"]
    attack(helen, [tom], "Greenacre Farms - Proposal Document",
           signed(helen, "Hi Tom,\n\nPlease find our proposal document for the 2026/27 supply agreement at the link "
                  "below:\n\nhttps://greenacre-farms-docs.my.canva.site/proposal-2026-27\n\nLet me know if you have "
                  "any questions.", True), local_dt("uk", date(2026, 8, 13), 11, 14), "vendor_new_filesharing")
    # 3. known vendor, HTML with one big button, a masked link, an image-only link and a hidden link
    stefan = C["stefan"]
    host = "https://kessler-verpackung-docs.pages.dev"
    text = signed(stefan, f"Hello Tom,\n\nplease find our updated price list and the supply agreement for 2026/27. "
                  f"Review the documents here:\n{host}/review?id=FH-2608\n\nThe documents are available for 48 "
                  "hours.", True)
    html = ('<html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8"></head><body>'
            '<p>Hello Tom,</p><p>please find our updated price list and the supply agreement for 2026/27.</p>'
            f'<p><a href="{host}/preview"><img src="{host}/assets/pdf-preview.png" width="320" height="180" alt="">'
            f'</a></p><p><a href="{host}/review?id=FH-2608" style="background-color:#0a66c2;padding:14px 28px;'
            'display:inline-block;color:#fff;font-size:18px;text-decoration:none;border-radius:4px">REVIEW DOCUMENT'
            '</a></p><p>The documents are available for 48 hours.</p><p>Best regards<br>Stefan</p>'
            '<div class="moz-signature">-- <br>Stefan Kessler<br>Key Account Management UK/IE<br><br>Kessler '
            'Verpackung GmbH<br>Industriestraße 14, 33334 Gütersloh, Germany<br>Tel. +49 5241 90 71-22<br>'
            f'<a href="{host}/login">www.kessler-verpackung.de</a></div>'
            f'<a href="{host}/t?u=tom.barker" style="display:none">.</a></body></html>\n')
    attack(stefan, [tom], "Kessler Verpackung - updated price list and agreement 2026/27", text,
           local_dt("de", date(2026, 8, 19), 14, 32), "prominent_or_hidden_link", html=html)
    # 4. lookalike of Tidewell's domain, same display name as the real credit controller, new network
    fake = C["fakejenny"]
    attack(fake, [priya], "Overdue account FERN01 - Tidewell Freight Ltd",
           "Dear Priya,\n\nOur records show that invoices TF-260603 and TF-260700 (total £10,482.16) are now overdue. "
           "To avoid your account being placed on stop and collections being suspended, please settle today through "
           "our secure payment portal:\n\nhttps://pay.tidewe1lfreight.co.uk/s3cure0nline/FERN01\n\nIf you have "
           "already paid, please reply with the remittance advice.\n\nMany thanks,\nJenny\n\n" + C["jenny"].sig,
           local_dt("uk", date(2026, 8, 20), 9, 37), "lookalike_domain")
    # 5. compromised mailbox: real address, new client and network, 03:07, Reply-To free mail, bank change
    gary = C["gary"]
    attack(gary, [priya], "Change of bank details - Northpoint Label & Print",
           "Hi Priya,\n\nPlease note that Northpoint Label & Print has moved its banking to a new provider following "
           "our annual audit. With immediate effect all payments, including the outstanding invoice NLP-4829, should "
           "be made to:\n\nAccount name: Northpoint Label and Print Ltd\nSort code: 04-00-75\nAccount number: "
           "41839267\n\nOur old account will be closed at the end of the month, so please update your records before "
           "your next payment run and confirm by return once done.\n\nRegards,\nGary\n\n" + gary.sig,
           local_dt("uk", date(2026, 8, 25), 3, 7), "compromised_mailbox", client="phpmailer", net="hetzner",
           auth="softfail", reply_to="Gary Holt <gary.holt.northpoint@gmail.com>")
    # 6. fan-out: a contact who writes to one or two people mails 30 local addresses
    mark = C["mark"]
    rcpts = [p.addr for p in STAFF if p is not daniel] + OTHER_LOCAL
    RNG.shuffle(rcpts)
    rcpts = [daniel.addr] + rcpts[:29]
    link = (f"https://tidewellfreight-my.sharepoint.com/:b:/g/personal/mark_ellison_tidewellfreight_co_uk/"
            f"E{ralnum(21, ALNUM + '-_')}?e={ralnum(6)}")
    attack(mark, rcpts[:12], "Tidewell Freight - updated payment documents",
           signed(mark, f"Hello,\n\nPlease see the updated account and payment documents shared with you via "
                  f"OneDrive:\n\n{link}\n\nKindly review and revert at your earliest convenience.", True),
           local_dt("uk", date(2026, 8, 17), 11, 20), "fanout", cc=rcpts[12:], delivered_to=daniel.addr)
    # 8. fake reply to a conversation that never happened
    dalton = C["dalton"]
    mbx = m365_mbx("priya-fake-thread", "LO4P265")
    irt = f"<{mbx}{rhex(24, True)}@{mbx}.GBRP265.PROD.OUTLOOK.COM>"
    refs = [f"<00{rhex(2)}01dcf1{rhex(2)}${rhex(8)}${rhex(8)}$@{LOCAL}>", irt]
    quote = ("________________________________\nFrom: Priya Nair <priya.nair@fernhollow-foods.co.uk>\nSent: 21 July "
             "2026 14:12\nTo: Mike Dalton\nSubject: RE: Outstanding invoice 4471\n\nHi Mike,\n\nThanks, I will check "
             "with the team and come back to you.\n\nKind regards,\nPriya")
    attack(dalton, [priya], "Re: Outstanding invoice 4471",
           "Hi Priya,\n\nFollowing up on the below - invoice 4471 is now 45 days overdue. A copy of the invoice and "
           "statement is available here:\n\nhttps://dalton-foodservice-invoices.wixsite.com/4471\n\nCould you "
           "confirm a payment date today please?\n\nKind regards\nMike Dalton\nCredit Control | Dalton Foodservice",
           local_dt("uk", date(2026, 8, 27), 10, 5), "fake_reply", quote=quote, in_reply_to=irt, references=refs)


def main() -> None:
    for gen in (gen_tidewell, gen_kessler, gen_greenacre, gen_northpoint, gen_calder, gen_millbrook, gen_oakhouse,
                gen_roasting_shed, gen_first_contacts, gen_internal, gen_lists, gen_hijacked_thread, gen_attacks):
        gen()
    first = datetime.combine(START, time(0), UTC)
    last = datetime.combine(END + timedelta(days=1), time(0), UTC) - timedelta(hours=1)
    MAILS[:] = [m for m in MAILS if first <= m.when <= last]  # replies that would fall after the archive end
    assert len({m.msgid for m in MAILS}) == len(MAILS), "duplicate Message-ID"
    write_all()


if __name__ == "__main__":
    main()

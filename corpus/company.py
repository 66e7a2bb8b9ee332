"""Seeded generator of labelled company mailboxes for evaluating vecguard.

    python corpus/company.py --seed N --out DIR

writes ``DIR/mailbox.mbox`` and ``DIR/labels.jsonl`` and prints the local domain. ``generate(seed, out_dir)``
does the same from Python and returns the local domain. Standard library only, deterministic from the seed
(``random.Random`` instances derived from the seed, no wall-clock time, no set iteration, no ``hash()``).
Do not tune detectors on one seed: generate several and look at all of them.

Each seed is a different made-up company: name and domain on a real TLD, industry, 4-10 active employees who
do the correspondence (plus 18-34 quiet staff addresses that get all-staff mail, and role mailboxes such as
accounts@ and info@, so that a fan-out to 20-40 local recipients is possible), 5-12 vendors / customers / partners with their own
domains, people, sending networks (Microsoft 365, Google Workspace, on-premises Exchange, Zoho, OVH, IONOS,
Fastmail, cPanel hosting, Mimecast in front of Exchange), mail clients, timezones and working hours, link
habits, writing styles and attachment habits. The mailbox is what the company's gateway ``mx.<domain>`` saw
over 6-10 months, in delivery order:

* inbound mail: ``Return-Path``, one ``Delivered-To`` per local envelope recipient (a message to several local
  people is stored once), ``Received`` by ``mx.<domain>`` naming the sender's first external hop, the sender's
  own internal ``Received`` hops, ``Authentication-Results`` by the MX, ``DKIM-Signature`` (fake ``b=``);
* outbound mail (From the local domain, no ``Delivered-To``) and a little internal mail;
* threads with In-Reply-To / References and quoted text, newsletters, mailing-list posts, SaaS
  notifications, first contacts, auto-replies and occasional legitimate changes of habit;
* attacks in the last ~40% of the timeline (``ATTACK_WINDOW``), about 4.5-6% of the messages, one campaign
  name each (see ``CAMPAIGNS``). Some legitimate mail is deliberately hard: a known vendor's one-off WeTransfer
  link, a first message from a new phone client, late-evening mail, a message Cc'ing many people, a new
  colleague at a known vendor, a vendor changing mail provider, a properly announced change of bank details,
  unknown event organisers writing Bcc to several people, newsletters with buttons, image links and hidden
  preheaders, and invoices / signing requests sent through Xero, QuickBooks and DocuSign.

``labels.jsonl`` has one object per message, in mbox order::

    {"message_id", "label": "legit"|"attack", "campaign": null|name, "thread": null|id,
     "hijacked_thread": bool, "kind": what the generator made (e.g. "conversation", "change:new_colleague",
     "lookalike_domain:idn")}

Labels never appear inside the messages.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import quopri
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime, formataddr
from functools import cache, cached_property
from pathlib import Path

CAMPAIGNS = (
    "new_sender_bcc",
    "vendor_new_filesharing",
    "link_masking",
    "lookalike_domain",
    "leet_link",
    "compromised_mailbox",
    "fanout",
    "thread_hijack",
    "fake_reply",
)

ATTACK_WINDOW = (0.60, 0.985)  # fraction of the timeline in which attacks happen

# --------------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------------

HEX = "0123456789abcdef"
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
B64CH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def rhex(rng: random.Random, n: int, upper: bool = False) -> str:
    s = rng.randbytes((n + 1) // 2).hex()[:n]
    return s.upper() if upper else s


def rstr(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choices(alphabet, k=n))


def ruuid(rng: random.Random, upper: bool = False) -> str:
    h = rhex(rng, 32, upper)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.randrange(4)] if not upper else '89AB'[rng.randrange(4)]}{h[17:20]}-{h[20:]}"


def pick(rng: random.Random, seq):
    return seq[rng.randrange(len(seq))]


def wpick(rng: random.Random, pairs):
    """Pick from [(item, weight), ...]."""
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for item, w in pairs:
        x -= w
        if x < 0:
            return item
    return pairs[-1][0]


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


FOLD_ASCII = str.maketrans({
    "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "ê": "e", "ë": "e", "à": "a", "â": "a",
    "ç": "c", "î": "i", "ï": "i", "ô": "o", "û": "u", "ù": "u", "ÿ": "y", "ñ": "n", "å": "a", "ø": "o",
    "æ": "ae", "ó": "o", "á": "a", "í": "i", "ú": "u", "ō": "o", "ł": "l", "ś": "s", "ż": "z", "ź": "z",
    "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "É": "E", "È": "E", "Å": "A", "Ø": "O", "'": "", " ": "",
})


def slug(s: str) -> str:
    s = s.lower().translate(FOLD_ASCII)
    return "".join(c for c in s if c.isalnum() or c == "-")


def ip_in(rng: random.Random, prefix: str) -> str:
    parts = prefix.split(".")
    while len(parts) < 4:
        parts.append(str(rng.randint(1, 254)))
    return ".".join(parts)


def b64(rng: random.Random, n: int) -> str:
    return base64.b64encode(rng.randbytes(n)).decode()


# --------------------------------------------------------------------------------------------------
# timezones (small fixed rule set, so the output does not depend on the system tz database)
# --------------------------------------------------------------------------------------------------


@cache
def _nth_sunday(year: int, month: int, n: int) -> date:
    """n-th Sunday of the month; n = -1 for the last one."""
    if n > 0:
        d = date(year, month, 1)
        d += timedelta(days=(6 - d.weekday()) % 7)
        return d + timedelta(weeks=n - 1)
    d = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() + 1) % 7)


class Zone:
    def __init__(self, name: str, std: int, rule: str | None, abbr: tuple[str, str]):
        self.name, self.std, self.rule, self.abbr = name, std, rule, abbr

    def is_dst(self, local_day: date) -> bool:
        y = local_day.year
        if self.rule == "eu":
            return _nth_sunday(y, 3, -1) <= local_day < _nth_sunday(y, 10, -1)
        if self.rule == "us":
            return _nth_sunday(y, 3, 2) <= local_day < _nth_sunday(y, 11, 1)
        if self.rule == "au":
            return not (_nth_sunday(y, 4, 1) <= local_day < _nth_sunday(y, 10, 1))
        if self.rule == "nz":
            return not (_nth_sunday(y, 4, 1) <= local_day < _nth_sunday(y, 9, -1))
        return False

    def offset(self, local_day: date) -> int:
        return self.std + (60 if self.rule and self.is_dst(local_day) else 0)

    def local(self, naive: datetime) -> datetime:
        """Wall-clock time in this zone -> aware datetime."""
        return naive.replace(tzinfo=timezone(timedelta(minutes=self.offset(naive.date()))))

    def from_utc(self, utc: datetime) -> datetime:
        off = self.offset((utc + timedelta(minutes=self.std)).date())
        return utc.astimezone(timezone(timedelta(minutes=off)))

    def abbrev(self, utc: datetime) -> str:
        if self.rule is None:
            return self.abbr[0]
        return self.abbr[1] if self.is_dst((utc + timedelta(minutes=self.std)).date()) else self.abbr[0]


ZONES = {z.name: z for z in [
    Zone("Europe/London", 0, "eu", ("GMT", "BST")),
    Zone("Europe/Dublin", 0, "eu", ("GMT", "IST")),
    Zone("Europe/Berlin", 60, "eu", ("CET", "CEST")),
    Zone("Europe/Amsterdam", 60, "eu", ("CET", "CEST")),
    Zone("Europe/Paris", 60, "eu", ("CET", "CEST")),
    Zone("Europe/Madrid", 60, "eu", ("CET", "CEST")),
    Zone("Europe/Stockholm", 60, "eu", ("CET", "CEST")),
    Zone("Europe/Helsinki", 120, "eu", ("EET", "EEST")),
    Zone("America/New_York", -300, "us", ("EST", "EDT")),
    Zone("America/Chicago", -360, "us", ("CST", "CDT")),
    Zone("America/Los_Angeles", -480, "us", ("PST", "PDT")),
    Zone("Australia/Sydney", 600, "au", ("AEST", "AEDT")),
    Zone("Australia/Brisbane", 600, None, ("AEST", "AEST")),
    Zone("Australia/Perth", 480, None, ("AWST", "AWST")),
    Zone("Pacific/Auckland", 720, "nz", ("NZST", "NZDT")),
    Zone("Asia/Singapore", 480, None, ("+08", "+08")),
    Zone("Asia/Kolkata", 330, None, ("IST", "IST")),
    Zone("Asia/Dubai", 240, None, ("+04", "+04")),
    Zone("Africa/Lagos", 60, None, ("WAT", "WAT")),
    Zone("UTC", 0, None, ("UTC", "UTC")),
]}
PACIFIC = ZONES["America/Los_Angeles"]

# --------------------------------------------------------------------------------------------------
# locales, names
# --------------------------------------------------------------------------------------------------

EN_FIRST = ["James", "Oliver", "Harry", "George", "Jack", "Thomas", "Daniel", "Matthew", "Ryan", "Adam",
            "Sam", "Ben", "Chris", "Mark", "Paul", "Simon", "David", "Andrew", "Peter", "Tom", "Rob",
            "Emma", "Olivia", "Sophie", "Charlotte", "Lucy", "Hannah", "Chloe", "Amy", "Rachel", "Laura",
            "Claire", "Sarah", "Helen", "Kate", "Jess", "Megan", "Natalie", "Zoe", "Priya", "Aisha",
            "Fiona", "Gemma", "Louise", "Nicola", "Joanne", "Liam", "Nathan", "Kieran", "Raj", "Mei"]
EN_LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
           "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
           "Clarke", "Patel", "Khan", "Lewis", "Harris", "Martin", "Cooper", "Hughes", "Edwards", "Turner",
           "Hill", "Moore", "Ward", "Morris", "King", "Baker", "Harrison", "Morgan", "Bell", "Murphy",
           "Kelly", "O'Brien", "Fraser", "Campbell", "Stewart", "McDonald", "Nguyen", "Chen", "Singh",
           "Fletcher", "Barnes", "Lawson", "Pearce", "Sutton", "Holt"]
DE_FIRST = ["Jürgen", "Stefan", "Andreas", "Michael", "Thomas", "Markus", "Tobias", "Florian", "Jan",
            "Lukas", "Matthias", "Sebastian", "Dirk", "Uwe", "Katrin", "Sabine", "Anja", "Julia", "Laura",
            "Nicole", "Birgit", "Claudia", "Sandra", "Lena", "Miriam", "Petra", "Ralf", "Björn", "Jörg", "Sören"]
DE_LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
           "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
           "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Maier"]
NL_FIRST = ["Jeroen", "Bas", "Sander", "Thijs", "Pieter", "Maarten", "Ruud", "Joost", "Wouter", "Niels",
            "Sanne", "Lotte", "Anouk", "Femke", "Marieke", "Eva", "Inge", "Floor", "Esther", "Ilse", "Daan", "Bram"]
NL_LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
           "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen",
           "Dekker", "Brouwer", "de Wit", "Dijkstra", "Kok", "Verhoeven"]
FR_FIRST = ["Julien", "Nicolas", "Mathieu", "Guillaume", "Pierre", "Antoine", "Sébastien", "François",
            "Olivier", "Thomas", "Camille", "Élodie", "Hélène", "Aurélie", "Claire", "Marion", "Sophie",
            "Céline", "Léa", "Chloé", "Manon", "Benoît", "Jérôme", "Amélie"]
FR_LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
           "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
           "Vincent", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau"]
SV_FIRST = ["Erik", "Lars", "Anders", "Johan", "Karin", "Anna", "Maria", "Sofia", "Emma", "Oskar", "Nils", "Ingrid"]
SV_LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
           "Svensson", "Lindqvist", "Berg", "Lindström"]

NAMES = {"en": (EN_FIRST, EN_LAST), "de": (DE_FIRST, DE_LAST), "nl": (NL_FIRST, NL_LAST),
         "fr": (FR_FIRST, FR_LAST), "sv": (SV_FIRST, SV_LAST)}


@dataclass(frozen=True)
class Locale:
    key: str
    lang: str
    tlds: tuple
    zones: tuple
    currency: str
    legal: tuple
    phone: str
    region: str  # cloud region family: eu, uk, au, us, apac


LOCALES = {
    "uk": Locale("uk", "en", (".co.uk", ".co.uk", ".com", ".uk"), ("Europe/London",), "£", ("Ltd", "Ltd", "Limited", "LLP"), "+44 {a} {b}", "uk"),
    "ie": Locale("ie", "en", (".ie", ".com", ".ie"), ("Europe/Dublin",), "€", ("Ltd", "DAC"), "+353 1 {b}", "eu"),
    "de": Locale("de", "de", (".de", ".de", ".com", ".eu"), ("Europe/Berlin",), "€", ("GmbH", "GmbH", "GmbH & Co. KG", "AG"), "+49 {a} {b}", "eu"),
    "nl": Locale("nl", "nl", (".nl", ".nl", ".com", ".eu"), ("Europe/Amsterdam",), "€", ("B.V.", "B.V."), "+31 {a} {b}", "eu"),
    "fr": Locale("fr", "fr", (".fr", ".fr", ".com"), ("Europe/Paris",), "€", ("SAS", "SARL", "SA"), "+33 {a} {b}", "eu"),
    "se": Locale("se", "sv", (".se", ".com"), ("Europe/Stockholm",), "SEK ", ("AB",), "+46 {a} {b}", "eu"),
    "au": Locale("au", "en", (".com.au", ".com.au", ".com", ".net.au"), ("Australia/Sydney", "Australia/Sydney", "Australia/Brisbane", "Australia/Perth"), "A$", ("Pty Ltd",), "+61 {a} {b}", "au"),
    "nz": Locale("nz", "en", (".co.nz", ".nz"), ("Pacific/Auckland",), "NZ$", ("Ltd", "Limited"), "+64 {a} {b}", "au"),
    "us": Locale("us", "en", (".com", ".com", ".io", ".co", ".us"), ("America/New_York", "America/Chicago"), "$", ("Inc.", "LLC", "Corp."), "+1 {a} {b}", "us"),
    "sg": Locale("sg", "en", (".com.sg", ".sg", ".com"), ("Asia/Singapore",), "S$", ("Pte Ltd",), "+65 {b}", "apac"),
}
# which foreign locales a company of a locale tends to trade with
NEIGHBOURS = {
    "uk": ["ie", "de", "nl", "fr", "us"], "ie": ["uk", "de", "nl", "us"], "de": ["nl", "fr", "uk", "se"],
    "nl": ["de", "uk", "fr", "se"], "fr": ["de", "uk", "nl"], "au": ["nz", "sg", "us", "uk"],
    "us": ["uk", "de", "au"], "se": ["de", "nl", "uk"], "nz": ["au", "sg", "us"], "sg": ["au", "uk", "us"],
}
HOME_LOCALES = [("uk", 4), ("de", 2), ("nl", 2), ("au", 2), ("us", 2), ("fr", 1), ("ie", 1), ("nz", 1), ("se", 1), ("sg", 1)]

NAME_WORDS = ["Harbor", "Northgate", "Bluestone", "Kestrel", "Meridian", "Copperleaf", "Greenfield", "Alder",
              "Brightwater", "Ironbridge", "Silverline", "Redwood", "Oakridge", "Westbrook", "Summit", "Clearwater",
              "Falcon", "Granite", "Highland", "Lakeside", "Pinecrest", "Stonebridge", "Sunridge", "Thornbury",
              "Blackwood", "Ashford", "Beacon", "Cobalt", "Elmstead", "Fairway", "Foxglove", "Hawthorn", "Juniper",
              "Keystone", "Larchmont", "Norland", "Orchard", "Pembroke", "Quayside", "Rosewood", "Saxon", "Tidewell",
              "Upland", "Vantage", "Wexford", "Yarrow", "Amberley", "Birchwood", "Driftwood", "Evergreen",
              "Goldcrest", "Heron", "Kingfisher", "Marlow", "Osprey", "Primrose", "Ravensworth", "Sable", "Tealby",
              "Willowmere", "Brackenridge", "Calder", "Dunmore", "Eskdale", "Fenwick", "Glenholm", "Halden",
              "Kirkwall", "Lindell", "Morrow", "Netherby", "Oxley", "Penrose", "Radley", "Selby", "Tamworth",
              "Vickers", "Whitlock", "Ardent", "Bramble", "Corvid", "Delphine", "Ember", "Fulcrum", "Galleon",
              "Helix", "Indigo", "Jetty", "Kinetic", "Lumen", "Mosaic", "Nimbus", "Onyx", "Parallax", "Quorum",
              "Rivet", "Solace", "Tessera", "Umbra", "Vertex", "Wayfarer", "Zephyr"]
NAME_WORDS_DE = ["Nordwerk", "Elbtal", "Hanse", "Sonnenfeld", "Rheintal", "Bergmann", "Lindenhof", "Falkenstein",
                 "Mühlbach", "Eichwald", "Steinbrück", "Weißenburg", "Brandt", "Kranich", "Adler", "Seewald"]
NAME_WORDS_NL = ["Waterland", "Dijkhuis", "Zeeland", "Vliethof", "Noordkaap", "Polderman", "Duinrand", "Brugge",
                 "Havenstad", "Meerwijk", "Oosterveld", "Kempen"]
NAME_WORDS_FR = ["Lumière", "Belleville", "Rivoli", "Montclair", "Beaulieu", "Clairval", "Valmont", "Chantemerle",
                 "Roche", "Fontenay", "Marivaux", "Sauveterre"]

# --------------------------------------------------------------------------------------------------
# industries and the kinds of organisations a company deals with
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgType:
    kind: str  # vendor | customer | partner
    desc: str
    suffixes: tuple
    items: tuple


def V(desc, suffixes, items):
    return OrgType("vendor", desc, tuple(suffixes), tuple(items))


def C(desc, suffixes, items):
    return OrgType("customer", desc, tuple(suffixes), tuple(items))


def P(desc, suffixes, items):
    return OrgType("partner", desc, tuple(suffixes), tuple(items))


GENERIC_VENDORS = [
    V("IT support provider", ["IT", "Technology", "Systems", "Networks", "Tech"],
      ["Microsoft 365 licences", "the firewall renewal", "two replacement laptops", "the backup service", "the support contract", "the Wi-Fi upgrade"]),
    V("insurance broker", ["Insurance", "Risk", "Brokers", "Underwriting"],
      ["the policy renewal", "the public liability cover", "the fleet policy", "the claim", "the premium instalments"]),
    V("office supplier", ["Office Supplies", "Workplace", "Office"],
      ["toner cartridges", "copier paper", "the stationery order", "two desk chairs", "kitchen supplies"]),
    V("telecoms provider", ["Telecom", "Communications", "Connect", "Voice"],
      ["the VoIP handsets", "the fibre line", "the mobile contracts", "the SIP trunk", "the number port"]),
    V("facilities company", ["Facilities", "Cleaning", "Property Services"],
      ["the office cleaning", "window cleaning", "the quarterly deep clean", "the washroom service"]),
]
GENERIC_PARTNERS = [
    P("accountancy firm", ["Accountants", "& Partners", "Advisory", "Accounting"],
      ["the VAT return", "the year-end accounts", "the payroll run", "the management accounts", "the audit preparation"]),
    P("law firm", ["Legal", "Solicitors", "Law"],
      ["the supply agreement", "the lease review", "the updated terms and conditions", "the NDA"]),
    P("marketing studio", ["Creative", "Studio", "Digital", "Media"],
      ["the website update", "the brochure", "the trade show stand", "the LinkedIn campaign", "the case study"]),
]

INDUSTRIES = {
    "logistics": {
        "desc": "freight forwarding and warehousing", "suffixes": ["Logistics", "Freight", "Transport", "Distribution"],
        "sells": ["pallet storage", "the weekly collection", "the groupage consignment", "container haulage", "customs clearance", "the pick and pack service"],
        "vendors": [V("truck parts supplier", ["Truck Parts", "Commercial Vehicles", "Fleet Services"], ["brake pads", "a set of tyres", "the service for the DAF XF", "the tachograph calibration", "the MOT prep"]),
                 V("packaging supplier", ["Packaging", "Pack"], ["stretch wrap", "pallet labels", "cardboard cartons", "edge protectors"]),
                 V("pallet supplier", ["Pallets", "Timber"], ["Euro pallets", "CP1 pallets", "pallet collars"]),
                 V("fuel card provider", ["Fuel", "Energy"], ["the fuel cards", "the monthly fuel statement", "the new card for the van"])],
        "customers": [C("retailer", ["Retail", "Home", "Stores", "Trading"], []), C("food producer", ["Foods", "Kitchen", "Bakeries"], []),
                   C("importer", ["Imports", "Trading", "International"], []), C("manufacturer", ["Manufacturing", "Industries"], [])],
        "partners": [P("shipping line agent", ["Shipping", "Maritime", "Lines"], ["the container booking", "the bill of lading", "the vessel schedule", "the rate for Q3"]),
                  P("customs broker", ["Customs", "Trade Services"], ["the import declaration", "the EORI query", "the duty deferment"])]},
    "engineering": {
        "desc": "precision engineering and CNC machining", "suffixes": ["Engineering", "Precision", "Manufacturing", "Components"],
        "sells": ["the machined housings", "the bracket assemblies", "the prototype parts", "the rev C parts", "the batch of 200 spacers"],
        "vendors": [V("metal stockholder", ["Metals", "Steel", "Alloys"], ["6082 aluminium bar", "304 stainless sheet", "bright mild steel", "the cut-to-length order"]),
                 V("tooling supplier", ["Tooling", "Cutting Tools", "Tools"], ["carbide end mills", "turning inserts", "the drill set", "the tool holders"]),
                 V("fastener supplier", ["Fasteners", "Fixings"], ["M8 stainless bolts", "nyloc nuts", "threaded inserts", "the C-class kanban"]),
                 V("finishing company", ["Coatings", "Finishing", "Anodising"], ["the anodising batch", "the powder coating", "the passivation run"])],
        "customers": [C("OEM", ["Automation", "Robotics", "Machinery", "Systems"], []), C("aerospace supplier", ["Aerospace", "Aero"], []),
                   C("medical device maker", ["Medical", "Devices", "Medtech"], [])],
        "partners": [P("inspection lab", ["Metrology", "Inspection", "Testing"], ["the CMM report", "the first article inspection", "the material certs"])]},
    "food": {
        "desc": "food and drink wholesale", "suffixes": ["Foods", "Wholesale", "Fine Foods", "Provisions"],
        "sells": ["the weekly order", "the standing order", "the catering order", "the Christmas order", "the sample box"],
        "vendors": [V("producer", ["Farms", "Dairy", "Mills", "Roasters", "Produce"], ["organic flour", "olive oil", "cheddar blocks", "coffee beans", "free-range eggs", "oat milk"]),
                 V("packaging supplier", ["Packaging", "Pack"], ["kraft bags", "labels", "insulated boxes", "vacuum pouches"]),
                 V("refrigeration engineer", ["Refrigeration", "Cooling"], ["the cold room service", "the compressor repair", "the chiller alarm"])],
        "customers": [C("restaurant group", ["Kitchen", "Bistro", "Dining", "Restaurants"], []), C("café chain", ["Café", "Coffee", "Bakehouse"], []),
                   C("hotel", ["Hotels", "Hospitality", "Inns"], []), C("deli", ["Deli", "Provisions", "Larder"], [])],
        "partners": [P("food safety consultant", ["Food Safety", "Compliance", "Quality"], ["the HACCP review", "the audit", "the allergen matrix"])]},
    "architecture": {
        "desc": "architecture and interior design", "suffixes": ["Architects", "Design", "Studio", "Architecture"],
        "sells": ["the planning drawings", "the stage 3 design", "the fee proposal", "the interior scheme", "the tender package"],
        "vendors": [V("surveyor", ["Surveys", "Geomatics", "Surveying"], ["the topographical survey", "the measured building survey", "the drone survey"]),
                 V("print shop", ["Print", "Reprographics"], ["A1 drawing prints", "the presentation boards", "the bound reports"]),
                 V("software reseller", ["CAD", "Software", "Solutions"], ["the Revit licences", "the AutoCAD renewal", "the rendering plugin"])],
        "customers": [C("developer", ["Developments", "Homes", "Properties", "Estates"], []), C("school trust", ["Academy Trust", "Schools"], []),
                   C("private client", ["Holdings", "Family Office"], [])],
        "partners": [P("structural engineer", ["Structural", "Engineers", "Consulting"], ["the structural calcs", "the beam design", "the site visit", "the foundation details"]),
                  P("quantity surveyor", ["Cost Consultants", "QS"], ["the cost plan", "the tender analysis", "the valuation"])]},
    "construction": {
        "desc": "building and refurbishment contractor", "suffixes": ["Construction", "Builders", "Contracting", "Building"],
        "sells": ["the extension project", "the kitchen refit", "the loft conversion", "the interim valuation", "the snagging list"],
        "vendors": [V("builders merchant", ["Builders Merchants", "Timber", "Materials"], ["plasterboard", "C24 timber", "cement bags", "the roofing batten order"]),
                 V("plant hire company", ["Plant Hire", "Hire"], ["the mini digger", "the scaffold tower", "the site welfare unit", "the skip hire"]),
                 V("window supplier", ["Windows", "Glazing", "Fenestration"], ["the sash windows", "the bifold doors", "the glazing survey"])],
        "customers": [C("developer", ["Homes", "Developments", "Property Group"], []), C("housing association", ["Housing", "Homes Trust"], []),
                   C("commercial client", ["Holdings", "Estates"], [])],
        "partners": [P("electrical subcontractor", ["Electrical", "Electrics"], ["the first fix", "the consumer unit", "the EICR"]),
                  P("architect", ["Architects", "Design"], ["the revised drawings", "the building regs pack", "the planning conditions"])]},
    "msp": {
        "desc": "managed IT services", "suffixes": ["IT", "Technology", "Networks", "Digital"],
        "sells": ["the support ticket", "the new starter setup", "the server upgrade", "the licence renewal", "the firewall migration"],
        "vendors": [V("IT distributor", ["Distribution", "Data", "Tech Supply"], ["the laptops", "the Microsoft licences", "the firewalls", "the PoE switches"]),
                 V("datacentre", ["Datacentre", "Hosting", "Cloud"], ["the rack space", "the cross-connect", "the backup storage", "the IP block"]),
                 V("telecoms wholesaler", ["Telecom", "Wholesale Voice"], ["the SIP trunks", "the leased line", "the number ports"])],
        "customers": [C("dental practice", ["Dental", "Dental Care", "Smile Clinic"], []), C("accountancy practice", ["Accountants", "& Co"], []),
                   C("estate agent", ["Estates", "Property", "Lettings"], []), C("solicitors", ["Solicitors", "Legal"], [])],
        "partners": [P("security consultancy", ["Security", "Cyber"], ["the pen test", "the Cyber Essentials assessment", "the remediation plan"])]},
    "agency": {
        "desc": "marketing and creative agency", "suffixes": ["Creative", "Agency", "Studio", "Media"],
        "sells": ["the campaign brief", "the social calendar", "the brand refresh", "the launch video", "the monthly report"],
        "vendors": [V("printer", ["Print", "Press", "Printing"], ["the brochure print run", "the banners", "the business cards"]),
                 V("photography studio", ["Photography", "Studios", "Film"], ["the product shoot", "the headshots", "the video edit"]),
                 V("media owner", ["Media", "Outdoor", "Radio"], ["the billboard booking", "the radio slots", "the media plan"])],
        "customers": [C("brewery", ["Brewing", "Brewery", "Ales"], []), C("cosmetics brand", ["Cosmetics", "Skincare", "Beauty"], []),
                   C("outdoor brand", ["Outdoor", "Adventure", "Gear"], []), C("furniture maker", ["Furniture", "Interiors"], [])],
        "partners": [P("web developer", ["Web", "Digital", "Labs"], ["the staging site", "the CMS migration", "the analytics setup"])]},
    "dental_lab": {
        "desc": "dental laboratory", "suffixes": ["Dental Lab", "Dental Ceramics", "Dental Studio"],
        "sells": ["the crown case", "the denture case", "the night guard", "the implant bridge", "the aligner batch"],
        "vendors": [V("dental materials supplier", ["Dental Supplies", "Dental Materials", "Ceramics"], ["zirconia blanks", "impression material", "implant components", "the milling burs"]),
                 V("courier", ["Couriers", "Express", "Delivery"], ["the daily collections", "the missed pickup", "the account statement"])],
        "customers": [C("dental practice", ["Dental", "Dental Care", "Smile", "Orthodontics"], []), C("implant clinic", ["Implant Centre", "Dental Clinic"], [])],
        "partners": [P("scanner vendor", ["Digital Dentistry", "3D"], ["the scanner integration", "the software update", "the training day"])]},
    "wine": {
        "desc": "wine import and distribution", "suffixes": ["Wines", "Vintners", "Wine Merchants", "Cellars"],
        "sells": ["the monthly order", "the tasting samples", "the allocation", "the Christmas order", "the by-the-glass list"],
        "vendors": [V("winery", ["Wines", "Vineyards", "Bodegas", "Domaine", "Weingut"], ["the Rioja Crianza", "the Riesling Kabinett", "the Côtes du Rhône", "the rosé allocation", "the pallet for June"]),
                 V("bonded warehouse", ["Bonded", "Warehousing"], ["the duty-suspended stock", "the EMCS documents", "the stock report"]),
                 V("glassware supplier", ["Glassware", "Bar Supplies"], ["the tasting glasses", "the decanters"])],
        "customers": [C("restaurant", ["Restaurant", "Brasserie", "Kitchen"], []), C("wine shop", ["Fine Wines", "Wine Shop", "Cellar"], []),
                   C("hotel group", ["Hotels", "Hospitality"], [])],
        "partners": [P("shipping agent", ["Shipping", "Forwarding"], ["the reefer container", "the shipping docs", "the ETA"])]},
    "packaging": {
        "desc": "printing and packaging", "suffixes": ["Packaging", "Print", "Cartons", "Labels"],
        "sells": ["the folding cartons", "the label print run", "the print proofs", "the rigid boxes", "the reprint"],
        "vendors": [V("paper mill", ["Paper", "Board", "Mills"], ["350gsm board", "kraft liner", "the FSC board order"]),
                 V("ink supplier", ["Inks", "Colour"], ["the Pantone inks", "the varnish", "the colour matching"]),
                 V("die maker", ["Cutting Dies", "Tooling"], ["the cutting forme", "the emboss die"])],
        "customers": [C("cosmetics brand", ["Cosmetics", "Beauty", "Skincare"], []), C("food brand", ["Foods", "Snacks", "Kitchen"], []),
                   C("gift company", ["Gifts", "Homeware"], []), C("brewery", ["Brewing", "Brewery"], [])],
        "partners": [P("design agency", ["Design", "Creative"], ["the artwork files", "the dielines", "the brand guidelines"])]},
}

# --------------------------------------------------------------------------------------------------
# mail clients
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    key: str
    header: tuple | None  # (name, value) or None
    own_mid: bool  # sets its own Message-ID (else the provider does)
    quote: str  # outlook | gmail | apple | thunderbird | plain
    html: float  # probability of sending HTML
    footer: str = ""  # e.g. "Sent from my iPhone"
    phone: bool = False
    reply: str = "Re: "


def _mk_clients(rng: random.Random) -> dict:
    """Client versions are drawn once per seed, so a person's client string is stable over the months."""
    tb = rng.choice(["115.6.0", "115.8.1", "115.10.1", "128.3.1"])
    mac = rng.choice(["16.78.23100802", "16.80.23121017", "16.83.24031120", "16.86.24060916"])
    am = rng.choice(["3731.700.6", "3774.300.61.1.2", "3776.700.51"])
    ios = rng.choice(["20H240", "21C66", "21D61", "21E236", "21F90"])
    rc = rng.choice(["1.6.5", "1.6.6", "1.5.6"])
    em = rng.choice(["9.2.2157.0", "9.2.2230.0", "10.0.3117.0"])
    return {c.key: c for c in [
        Client("outlook_exch", None, False, "outlook", 0.95, reply="RE: "),
        Client("outlook_smtp", ("X-Mailer", "Microsoft Outlook 16.0"), True, "outlook", 0.9, reply="RE: "),
        Client("outlook_mac", ("User-Agent", f"Microsoft-MacOutlook/{mac}"), False, "outlook", 0.95, reply="Re: "),
        Client("outlook_mobile", None, False, "outlook", 0.9, footer="Get Outlook for iOS", phone=True, reply="RE: "),
        Client("thunderbird", ("User-Agent", f"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{tb.split('.')[0]}.0) Gecko/20100101 Thunderbird/{tb}"), True, "thunderbird", 0.35),
        Client("apple_mail", ("X-Mailer", f"Apple Mail (2.{am})"), True, "apple", 0.6),
        Client("iphone", ("X-Mailer", f"iPhone Mail ({ios})"), True, "apple", 0.2, footer="Sent from my iPhone", phone=True),
        Client("gmail_web", None, False, "gmail", 0.97),
        Client("gmail_android", None, False, "gmail", 0.97, phone=True),
        Client("zoho", ("X-Mailer", "Zoho Mail"), False, "gmail", 0.95),
        Client("roundcube", ("User-Agent", f"Roundcube Webmail/{rc}"), True, "thunderbird", 0.4),
        Client("emclient", ("X-Mailer", f"eM_Client/{em}"), True, "outlook", 0.9),
        # clients seen only in attacks
        Client("phpmailer", ("X-Mailer", "PHPMailer 6.8.1 (https://github.com/PHPMailer/PHPMailer)"), True, "plain", 0.8),
        Client("outlook_express", ("X-Mailer", "Microsoft Outlook Express 6.00.2900.5512"), True, "plain", 0.3),
        Client("winlive", ("X-Mailer", "Microsoft Windows Live Mail 16.4.3528.331"), True, "outlook", 0.6),
        Client("owa_bare", None, True, "outlook", 0.9, reply="RE: "),
        Client("thunderbird_old", ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 Thunderbird/102.15.1"), True, "thunderbird", 0.3),
    ]}


ATTACK_CLIENTS = ["phpmailer", "outlook_express", "winlive", "owa_bare", "thunderbird_old", "emclient", "roundcube", "gmail_web"]

# --------------------------------------------------------------------------------------------------
# sending networks
# --------------------------------------------------------------------------------------------------

M365_PODS = {
    "eu": [("EUR02", "DB5", "db5eur02"), ("EUR03", "AM7", "am7eur03"), ("EUR05", "AM6", "am6eur05"), ("EUR01", "VI1", "vi1eur01"), ("EUR04", "DB8", "db8eur04")],
    "uk": [("GBR01", "LO2", "lo2gbr01"), ("GBR01", "CWL", "cwlgbr01"), ("GBR01", "LO4", "lo4gbr01")],
    "au": [("AUS01", "SY4", "sy4aus01"), ("AUS01", "ME3", "me3aus01")],
    "us": [("NAM10", "DM6", "dm6nam10"), ("NAM11", "BN8", "bn8nam11"), ("NAM12", "CO1", "co1nam12"), ("NAM04", "MW2", "mw2nam04")],
    "apac": [("APC01", "SG2", "sg2apc01"), ("APC01", "TYZ", "tyzapc01")],
}
M365_SUFFIX = {"eu": ("PR{a:02d}MB", "eurprd{a:02d}.prod.outlook.com"), "uk": ("P265MB", "GBRP265.PROD.OUTLOOK.COM"),
               "au": ("PR{a:02d}MB", "ausprd{a:02d}.prod.outlook.com"), "us": ("PR{a:02d}MB", "namprd{a:02d}.prod.outlook.com"),
               "apac": ("PR{a:02d}MB", "apcprd{a:02d}.prod.outlook.com")}
ATTACKER_PREFIXES = ["45.137.21", "45.88.97", "185.220.101", "185.234.218", "91.92.240", "194.169.175", "102.89.34",
                     "105.112.96", "41.190.2", "196.251.81", "5.181.86", "103.149.28", "179.43.141", "80.94.92",
                     "146.70.119", "23.94.182", "198.23.249", "89.187.177", "154.6.16", "38.180.57"]
ISP_CLIENT_PREFIXES = {"uk": ["86.12", "81.102", "92.40", "109.150", "2.28"], "eu": ["91.12", "84.152", "77.164", "62.226", "145.53"],
                       "au": ["101.188", "120.148", "49.186", "110.174"], "us": ["73.15", "98.210", "174.63", "68.44"],
                       "apac": ["116.14", "118.200", "175.156"]}


def tls_line(modern: bool = True) -> str:
    if modern:
        return ("(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n\t key-exchange X25519 "
                "server-signature RSA-PSS (2048 bits) server-digest SHA256)\n\t(No client certificate requested)")
    return "(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\n\t(No client certificate requested)"


def rfc_date(dt: datetime, comment: bool = False, zone: Zone | None = None, pad: bool = False) -> str:
    s = format_datetime(dt)
    if not pad and s[5] == "0":
        s = s[:5] + s[6:]
    if comment and zone is not None:
        s += f" ({zone.abbrev(dt.astimezone(UTC))})"
    return s


def postfix_qid(rng: random.Random) -> str:
    return "4" + rstr(rng, rng.randint(11, 13), "BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789")


class Network:
    """The sending infrastructure of a domain (or of an ESP / attacker): hops, Received lines, Message-IDs, DKIM."""

    def __init__(self, rng: random.Random, family: str, domain: str, region: str = "eu", inner: Network | None = None,
                 dkim: bool = True, **kw):
        self.family, self.domain, self.region, self.inner = family, domain, region, inner
        self.kw = kw
        self.hops: list[tuple[str, str, str]] = []
        self.selector = None
        self.dkim_d = domain if dkim else None
        self.build = f"15.20.{rng.randint(7000, 8300)}.{rng.randint(1, 45):03d}"
        self.tenant_id = ruuid(rng)
        short = slug(domain.split(".")[0])[:14]
        f = family
        if f in ("m365", "outlookcom"):
            pods = M365_PODS.get(region, M365_PODS["eu"])
            mine = [pick(rng, pods) for _ in range(2)]
            for _ in range(6):
                reg, dc, low = pick(rng, mine)
                n = rng.randint(2000, 2200) if rng.random() < 0.7 else rng.randint(100, 999)
                if f == "outlookcom":
                    rd = f"mail-{low[:3]}{low[3:]}olkn{n}.outbound.protection.outlook.com"
                    ip = ip_in(rng, f"40.92.{rng.randint(0, 127)}")
                else:
                    rd = f"mail-{low}on{n}.outbound.protection.outlook.com"
                    ip = ip_in(rng, f"40.107.{rng.randint(0, 255)}") if rng.random() < 0.7 else ip_in(rng, f"52.101.{rng.randint(0, 200)}")
                self.hops.append((f"{reg}-{dc}-obe.outbound.protection.outlook.com", rd, ip))
            if f == "outlookcom":
                self.selector, self.dkim_d = "selector1", domain
            elif kw.get("custom_dkim", True):
                self.selector = "selector1" if rng.random() < 0.7 else "selector2"
            else:
                self.selector = "selector1-" + domain.replace(".", "-")
                self.dkim_d = f"{short}.onmicrosoft.com"
            if not dkim:
                self.dkim_d = None
        elif f == "google":
            for _ in range(8):
                h = f"mail-{pick(rng, ['ej1', 'wm1', 'lf1', 'wr1', 'ed1', 'qt1', 'pj1', 'yb1', 'ua1', 'oa1', 'lj1', 'ot1'])}-f{rng.randint(41, 199)}.google.com"
                self.hops.append((h, h, ip_in(rng, f"209.85.{rng.randint(128, 255)}")))
            self.selector = "google" if domain not in ("gmail.com", "googlemail.com") else "20230601"
        elif f == "exchange":
            host = pick(rng, ["mail", "smtp", "mx1", "owa", "exchange", "webmail"]) + "." + domain
            ip = ip_in(rng, pick(rng, ["81.149", "62.232", "213.171", "195.8", "87.229", "80.150", "203.45", "12.36"]))
            rd = host if rng.random() < 0.6 else f"static-{ip.replace('.', '-')}.{pick(rng, ['ip.btconnect.com', 'business.telekom.de', 'static.kpn.net', 'static.as2116.net', 'cust.iinet.net.au'])}"
            self.hops = [(host, rd, ip)]
            if rng.random() < 0.3:
                ip2 = ".".join(ip.split(".")[:3] + [str(int(ip.split(".")[3]) % 250 + 1)])
                self.hops.append((host, rd if rd == host else rd.replace(ip.replace('.', '-'), ip2.replace('.', '-')), ip2))
            self.kw["ad"] = pick(rng, [f"{short[:8]}.local", f"corp.{domain}", f"{short[:6].upper()}.LOCAL", "ad." + domain])
            self.kw["srv"] = [pick(rng, ["EXCH01", "EX2019", "SRV-EX01", "MAIL01", "EXCH-02", "MBX01"]), pick(rng, ["EXCH02", "SRV-EX02", "MAIL02", "EDGE01"])]
            self.kw["lan"] = f"10.{rng.randint(0, 40)}.{rng.randint(0, 20)}"
            self.kw["exbuild"] = pick(rng, ["15.1.2507.35", "15.2.1258.28", "15.2.1544.4", "15.2.1118.40"])
            self.selector = "default"
            if rng.random() < 0.65:
                self.dkim_d = None
        elif f == "mimecast":
            pre = {"eu": "eu", "uk": "eu", "us": "us", "au": "au", "apac": "au"}[region]
            for _ in range(6):
                n = rng.randint(100, 250)
                h = f"{pre}-smtp-delivery-{n}.mimecast.com"
                ip = {"eu": ip_in(rng, f"185.58.{rng.choice([85, 86])}"), "us": ip_in(rng, f"170.10.{rng.randint(128, 133)}"),
                      "au": ip_in(rng, f"103.96.{rng.randint(20, 23)}")}[pre]
                self.hops.append((h, h, ip))
            self.selector = f"mimecast{rng.randint(2019, 2023)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        elif f == "zoho":
            tld = {"eu": "zoho.eu", "uk": "zoho.eu", "au": "zoho.com.au", "us": "zoho.com", "apac": "zoho.in"}[region]
            pre = {"zoho.eu": "136.143.169", "zoho.com": "136.143.188", "zoho.com.au": "129.151.159", "zoho.in": "103.117.158"}[tld]
            for _ in range(4):
                h = f"sender4-{pick(rng, ['op', 'pp', 'of'])}-o{rng.randint(10, 99)}.{tld}"
                self.hops.append((h, h, ip_in(rng, pre)))
            self.kw["ztld"] = tld
            self.selector = "zmail"
        elif f == "ovh":
            for _ in range(5):
                h = f"mo{rng.randint(500, 700)}.mail-out.ovh.net"
                self.hops.append((h, h, ip_in(rng, pick(rng, ["46.105", "178.32", "188.165", "87.98"]))))
            self.kw["plan"] = f"mxplan{rng.randint(1, 9)}.mail.ovh.net"
            self.selector = f"ovhmo{rng.randint(1000000, 9999999)}-selector1"
            if rng.random() < 0.5:
                self.dkim_d = None
        elif f == "ionos":
            for _ in range(4):
                ip = f"212.227.126.{rng.randint(130, 135)}" if rng.random() < 0.5 else f"212.227.17.{rng.randint(10, 24)}"
                self.hops.append(("mout.kundenserver.de", "mout.kundenserver.de", ip))
            self.selector = "s1-ionos"
            if rng.random() < 0.5:
                self.dkim_d = None
        elif f == "fastmail":
            for _ in range(4):
                h = f"fout-{pick(rng, ['a', 'b'])}{rng.randint(1, 8)}-smtp.messagingengine.com"
                self.hops.append((h, h, f"103.168.172.{rng.randint(140, 220)}"))
            self.selector = f"fm{rng.randint(1, 3)}"
        elif f == "cpanel":
            kind = rng.randrange(3)
            if kind == 0:
                h = f"server{rng.randint(100, 399)}.web-hosting.com"
                ip = ip_in(rng, pick(rng, ["162.0.232", "68.65.122", "198.54.114"]))
            elif kind == 1:
                h = f"gator{rng.randint(3000, 4999)}.hostgator.com"
                ip = ip_in(rng, f"192.185.{rng.randint(0, 255)}")
            else:
                h = f"p3plzcpnl{rng.randint(400000, 509999)}.prod.phx3.secureserver.net"
                ip = ip_in(rng, f"184.168.{rng.randint(96, 127)}")
            self.hops = [(h, h, ip)]
            self.selector = "default"
        elif f == "privateemail":
            n = rng.randint(10, 40)
            for _ in range(3):
                h = f"mta-{n}-{rng.randint(1, 4)}.privateemail.com"
                self.hops.append((h, h, f"198.54.{pick(rng, ['118', '122', '127'])}.{rng.randint(2, 250)}"))
            self.kw["mta"] = f"mta-{n}.privateemail.com"
            self.selector = "default"
        elif f == "vps":
            ip = ip_in(rng, pick(rng, ATTACKER_PREFIXES))
            helo = pick(rng, [f"WIN-{rstr(rng, 11, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}", "localhost", f"mail.{domain}", domain,
                              f"ubuntu-s-1vcpu-1gb-{pick(rng, ['fra1', 'ams3', 'lon1', 'nyc3'])}-01", f"vmi{rng.randint(1000000, 2999999)}.contaboserver.net"])
            rd = pick(rng, ["unknown", "unknown", f"vmi{rng.randint(1000000, 2999999)}.contaboserver.net", f"static.{'.'.join(reversed(ip.split('.')))}.clients.your-server.de",
                            f"{ip.replace('.', '-')}.host.secureserver.net", f"hosted-by.{pick(rng, ['ipxo.com', 'leaseweb.net', 'cloudzy.com'])}"])
            self.hops = [(helo, rd, ip)]
            self.selector = pick(rng, ["default", "mail", "dkim", "s1"])
            if rng.random() < 0.4:
                self.dkim_d = None
        elif f == "ses":
            reg = pick(rng, ["eu-west-1", "us-east-1", "eu-central-1"])
            for _ in range(6):
                h = f"a{rng.randint(7, 99)}-{rng.randint(1, 250)}.smtp-out.{reg}.amazonses.com"
                self.hops.append((h, h, f"54.240.{rng.randint(0, 15)}.{rng.randint(1, 254)}" if reg != "eu-west-1" else f"23.251.234.{rng.randint(1, 254)}"))
            self.kw["sesreg"] = reg
            self.selector = rstr(rng, 32, "abcdefghijklmnopqrstuvwxyz234567")
        elif f == "sendgrid":
            for _ in range(5):
                h = f"o{rng.randint(1, 9)}.ptr{rng.randint(1000, 9999)}.{domain}" if rng.random() < 0.5 else f"{rstr(rng, 8, 'abcdefghijklmnopqrstuvwxyz')}.outbound-mail.sendgrid.net"
                self.hops.append((h, h, f"{pick(rng, ['149.72', '167.89', '168.245'])}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"))
            self.selector = "s1"
        elif f == "mailchimp":
            for _ in range(6):
                h = f"mail{rng.randint(10, 250)}.{pick(rng, ['atl', 'suw', 'sea'])}{rng.randint(11, 231)}.{pick(rng, ['mcdlv.net', 'rsgsv.net', 'mcsv.net'])}"
                self.hops.append((h, h, f"{pick(rng, ['198.2', '205.201'])}.{rng.randint(128, 191)}.{rng.randint(1, 254)}"))
            self.selector = "k2"
            self.kw["mcu"] = rhex(rng, 25)
        elif f == "mailgun":
            for _ in range(4):
                h = f"m{rng.randint(40, 240)}-{rng.randint(1, 250)}.mailgun.net"
                self.hops.append((h, h, f"159.135.{rng.randint(224, 239)}.{rng.randint(1, 254)}"))
            self.selector = pick(rng, ["mx", "krs", "pic", "smtp"])
        elif f == "own":
            for _ in range(3):
                h = kw["host"].format(n=rng.randint(1, 30))
                self.hops.append((h, h, f"{kw['prefix']}.{rng.randint(1, 254)}"))
            self.selector = kw.get("sel", "s1")
        else:  # pragma: no cover
            raise ValueError(family)

    # ---- per message
    def hop(self, rng: random.Random) -> tuple[str, str, str]:
        """(HELO, reverse DNS, IP) of the first external hop for one message."""
        return pick(rng, self.hops)

    def mailbox_id(self, rng: random.Random) -> str:
        """A per-person server name (Microsoft 365 mailbox server, ...)."""
        fam = self.inner.family if self.family == "mimecast" and self.inner else self.family
        if fam in ("m365", "outlookcom"):
            pods = M365_PODS.get(self.region, M365_PODS["eu"])
            dc = pick(rng, pods)[1]
            a = rng.randint(1, 10)
            mid, sfx = M365_SUFFIX.get(self.region, M365_SUFFIX["eu"])
            if fam == "outlookcom":
                a = rng.choice([189, 190, 191, 192, 193, 194, 195])
                dc = pick(rng, ["AS8", "DB9", "PA4", "VI1", "AM9", "DU0"])
                return f"{dc}P{a}MB{rng.randint(1000, 9999)}.{dc}P{a}.PROD.OUTLOOK.COM"
            return f"{dc}{mid.format(a=a)}{rng.randint(1000, 9999)}.{sfx.format(a=a)}"
        return ""

    def message_id(self, rng: random.Random, person, client: Client, t: datetime, domain: str) -> str:
        if self.family == "mimecast" and self.inner is not None:
            return self.inner.message_id(rng, person, client, t, domain)
        fam = self.family
        if client.key == "phpmailer":
            return f"<{rstr(rng, 40, B62)}@{domain}>"
        if not client.own_mid:
            if fam in ("m365", "outlookcom"):
                srv = person.mbx if person is not None and person.mbx else self.mailbox_id(rng)
                host = srv.split(".")[0]
                return f"<{host}{rhex(rng, 23, True)}@{srv}>"
            if fam == "google" or client.key in ("gmail_web", "gmail_android"):
                lead = pick(rng, ["CA+", "CAJ", "CAL", "CAK", "CAD", "CAO", "CAP", "CAH", "CAB", "CAF"])
                body = rstr(rng, rng.randint(42, 52), B62 + "_-+=")
                return f"<{lead}{body}@mail.gmail.com>"
            if fam == "exchange":
                return f"<{rhex(rng, 32)}@{self.kw['srv'][0]}.{self.kw['ad']}>"
            if fam == "zoho":
                ms = int(t.timestamp() * 1000)
                return f"<{ms:x}.{rhex(rng, 12)}.{rng.randint(10**18, 10**19 - 1)}@{domain}>"
            if fam == "fastmail":
                return f"<{ruuid(rng)}@app.fastmail.com>"
        ck = client.key
        if ck in ("outlook_smtp", "winlive"):
            return f"<{rhex(rng, 4)}01{rhex(rng, 2)}{rhex(rng, 6)}${rhex(rng, 8)}${rhex(rng, 8)}@{domain}>".replace("$", "$")
        if ck in ("thunderbird", "thunderbird_old"):
            return f"<{ruuid(rng)}@{domain}>"
        if ck in ("apple_mail", "iphone"):
            return f"<{ruuid(rng, upper=True)}@{domain}>"
        if ck == "emclient":
            return f"<em{ruuid(rng)}@{pick(rng, ['desktop-' + rstr(rng, 7, ALNUM), 'laptop-' + rstr(rng, 7, ALNUM)]).upper()}>"
        if ck == "roundcube":
            return f"<{rhex(rng, 32)}@{domain}>"
        if ck == "outlook_express":
            return f"<{rhex(rng, 12).upper()}$0{rhex(rng, 7).upper()}$@{pick(rng, ['PC', 'USER-PC', 'DESKTOP'])}>"
        if ck == "owa_bare":
            return f"<{rhex(rng, 32)}@{self.hops[0][0]}>"
        if ck == "zoho":
            ms = int(t.timestamp() * 1000)
            return f"<{ms:x}.{rhex(rng, 12)}.{rng.randint(10**18, 10**19 - 1)}@{domain}>"
        # provider-less generic (mail server adds it)
        return f"<{t.astimezone(UTC):%Y%m%d%H%M%S}.{rstr(rng, 12, B62)}@{self.hops[0][0]}>"

    def inner_received(self, rng: random.Random, t_send: datetime, rcpt: str | None, sender_addr: str,
                       client_ip: str | None = None, srv: str | None = None) -> list[str]:
        """Received lines added inside the sender's own infrastructure, newest first. Times are before the
        first external hop."""
        f = self.family
        utc = t_send.astimezone(UTC)
        out: list[str] = []
        if f == "mimecast" and self.inner is not None:
            ih = self.inner.hop(rng)
            out.append(f"from {ih[0]} ({ih[1]} [{ih[2]}]) by relay.mimecast.com with ESMTP id\n {rstr(rng, 22, B62)}-{rng.randint(1, 3)}; "
                       f"{rfc_date(t_send + timedelta(seconds=2))}")
            out += self.inner.inner_received(rng, t_send, rcpt, sender_addr, client_ip, srv)
            return out
        if f in ("m365", "outlookcom"):
            srv = srv or self.mailbox_id(rng)
            edge = self.mailbox_id(rng)
            fe80 = ":".join(rhex(rng, 4) for _ in range(4))
            if client_ip:
                out.append(f"from {srv} (2603:10a6:{rhex(rng, 3)}:{rhex(rng, 2)}::{rhex(rng, 2)}) by {edge}\n (2603:10a6:{rhex(rng, 3)}:{rhex(rng, 3)}::{rhex(rng, 2)}) with Microsoft SMTP Server (version=TLS1_2,\n "
                           f"cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id {self.build}; {rfc_date(utc + timedelta(seconds=1))}")
                out.append(f"from [{client_ip}] ({client_ip}) by {srv} with Microsoft SMTP Server\n (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id {self.build}\n via Frontend Transport; {rfc_date(utc)}")
                return out
            out.append(f"from {srv} (2603:10a6:{rhex(rng, 3)}:{rhex(rng, 2)}::{rhex(rng, 2)}) by {edge}\n (2603:10a6:{rhex(rng, 3)}:{rhex(rng, 3)}::{rhex(rng, 2)}) with Microsoft SMTP Server (version=TLS1_2,\n "
                       f"cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id {self.build}; {rfc_date(utc + timedelta(seconds=1))}")
            out.append(f"from {srv}\n ([fe80::{fe80}]) by {srv}\n ([fe80::{fe80}%{rng.randint(3, 7)}]) with mapi id {self.build}; {rfc_date(utc)}")
            return out
        if f == "google":
            sid = f"{pick(rng, ['a640c23a62f3a', '2adb3069b0e04', '5b1f17b1804b1', '6a00720009163'])}-{rhex(rng, 12)}so{rng.randint(10**8, 10**9)}.{rng.randint(0, 3)}"
            pt = PACIFIC.from_utc(utc)
            line = f"by {self.hops[0][0]} with SMTP id {sid}"
            if rcpt:
                line += f"\n        for <{rcpt}>"
            out.append(line + f"; {rfc_date(pt, True, PACIFIC, pad=True)}")
            return out
        if f == "exchange":
            srv, srv2 = self.kw["srv"]
            ad, lan = self.kw["ad"], self.kw["lan"]
            a, b = rng.randint(2, 60), rng.randint(61, 120)
            out.append(f"from {srv}.{ad} ({lan}.{a}) by {srv2}.{ad}\n ({lan}.{b}) with Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id {self.kw['exbuild']}; {rfc_date(t_send)}")
            if client_ip:
                out.append(f"from [{client_ip}] ({client_ip}) by {srv}.{ad} ({lan}.{a}) with Microsoft SMTP Server id {self.kw['exbuild']}\n via Frontend Transport; {rfc_date(t_send)}")
            return out
        if f == "zoho":
            out.append(f"by mx.{self.kw['ztld']} with SMTPS id {int(utc.timestamp() * 1000)}{rng.randint(100, 999)}.{rng.randint(100, 999)}"
                       f"{'' if not client_ip else ' from [' + client_ip + ']'}; {rfc_date(PACIFIC.from_utc(utc), True, PACIFIC)}")
            return out
        if f == "ovh":
            out.append(f"from {self.kw['plan']} (unknown [10.108.{rng.randint(0, 60)}.{rng.randint(1, 250)}])\n\tby {self.hops[0][0]} (Postfix) with ESMTPS id {postfix_qid(rng)}"
                       f"{chr(10) + chr(9) + 'for <' + rcpt + '>' if rcpt else ''}; {rfc_date(utc)} (UTC)")
            cip = client_ip or ip_in(rng, pick(rng, ISP_CLIENT_PREFIXES.get(self.region, ISP_CLIENT_PREFIXES["eu"])))
            out.append(f"from [{cip}] (Authenticated sender: {sender_addr})\n\tby {self.kw['plan']} (Postfix) with ESMTPSA id {postfix_qid(rng)}; {rfc_date(utc)} (UTC)")
            return out
        if f == "ionos":
            cip = client_ip or ip_in(rng, pick(rng, ISP_CLIENT_PREFIXES["eu"]))
            out.append(f"from [192.168.{rng.choice([0, 1, 2, 178])}.{rng.randint(2, 200)}] ([{cip}]) by mrelayeu.kundenserver.de\n (mreue{rng.randint(100, 112)}) with ESMTPSA (Nemesis) id 1M{rstr(rng, 18, B62)}; {rfc_date(t_send)}")
            return out
        if f == "fastmail":
            et = ZONES["America/New_York"]
            out.append(f"from phl-compute-{rng.randint(1, 9):02d} (phl-compute-{rng.randint(1, 9):02d}.internal [10.202.2.{rng.randint(40, 50)}])\n\tby mailfout.phl.internal (Postfix) with ESMTP id {rhex(rng, 11).upper()}"
                       f"{chr(10) + chr(9) + 'for <' + rcpt + '>' if rcpt else ''}; {rfc_date(et.from_utc(utc), True, et)}")
            return out
        if f == "cpanel":
            cip = client_ip or ip_in(rng, pick(rng, ISP_CLIENT_PREFIXES.get(self.region, ISP_CLIENT_PREFIXES["eu"])))
            out.append(f"from [{cip}] (port={rng.randint(49152, 65000)} helo=[192.168.{rng.choice([0, 1, 8])}.{rng.randint(2, 200)}])\n\tby {self.hops[0][0]} with esmtpsa  (TLS1.3) tls TLS_AES_128_GCM_SHA256\n\t(Exim 4.96.2)\n\t(envelope-from <{sender_addr}>)\n\tid 1r{rstr(rng, 5, B62)}-00{rstr(rng, 4, B62)}-{rstr(rng, 2, B62)}; {rfc_date(t_send)}")
            return out
        if f == "privateemail":
            out.append(f"from {self.kw['mta'].replace('mta-', 'MTA-').split('.')[0]}.privateemail.com (localhost [127.0.0.1])\n\tby {self.kw['mta']} (Postfix) with ESMTP id {postfix_qid(rng)}; {rfc_date(t_send)}")
            cip = client_ip or ip_in(rng, pick(rng, ATTACKER_PREFIXES))
            out.append(f"from [{cip}] (unknown [{cip}])\n\tby {self.kw['mta']} (Postfix) with ESMTPA; {rfc_date(t_send)}")
            return out
        if f == "vps" and rng.random() < 0.5:
            out.append(f"from localhost (localhost [127.0.0.1])\n\tby {self.hops[0][0]} (Postfix) with ESMTPSA id {postfix_qid(rng)}; {rfc_date(t_send)}")
        return out

    def extra_headers(self, rng: random.Random, t_send: datetime, person, has_attach: bool) -> list[tuple[str, str]]:
        f = self.family
        utc = t_send.astimezone(UTC)
        if f == "mimecast":
            out = [("X-MC-Unique", f"{rstr(rng, 22, B62 + '-_')}-{rng.randint(1, 3)}"), ("X-Mimecast-Spam-Score", "0"),
                   ("X-Mimecast-MFC-AGG-ID", rhex(rng, 8))]
            if self.inner is not None:
                out = self.inner.extra_headers(rng, t_send, person, has_attach) + out
            return out
        if f in ("m365", "outlookcom"):
            srv = person.mbx if person is not None and person.mbx else self.mailbox_id(rng)
            return [("X-MS-Exchange-CrossTenant-Network-Message-Id", ruuid(rng)),
                    ("X-MS-Exchange-CrossTenant-AuthSource", srv),
                    ("X-MS-Exchange-CrossTenant-AuthAs", "Internal"),
                    ("X-MS-Exchange-CrossTenant-OriginalArrivalTime", f"{utc:%d %b %Y %H:%M:%S}.{rng.randint(1000, 9999)} (UTC)"),
                    ("X-MS-Exchange-CrossTenant-fromentityheader", "Hosted"),
                    ("X-MS-Exchange-CrossTenant-Id", self.tenant_id),
                    ("X-MS-Exchange-Transport-CrossTenantHeadersStamped", srv.split(".")[0])]
        if f == "google":
            return [("X-Google-Smtp-Source", "AGHT+I" + rstr(rng, 60, B62 + "+/") + "=="),
                    ("X-Received", f"by 2002:a17:906:{rhex(rng, 4)}:b0:{rhex(rng, 3)}:{rhex(rng, 4)}:{rhex(rng, 4)} with SMTP id {rstr(rng, 12, 'abcdefghijklmnopqrstuvwxyz0123456789')}-{rhex(rng, 14)}.{rng.randint(10, 99)}.{rng.randint(1000000000000, 9999999999999)}; {rfc_date(PACIFIC.from_utc(utc), True, PACIFIC, pad=True)}"),
                    ("X-Gm-Message-State", "AOJu0Y" + rstr(rng, 50, B62 + "+/"))]
        if f == "ovh":
            return [("X-Ovh-Tracer-Id", str(rng.randint(10**18, 9 * 10**18))), ("X-VR-SPAMSTATE", "OK"), ("X-VR-SPAMSCORE", "0")]
        if f == "ionos":
            return [("X-Provags-ID", "V03:K1:" + rstr(rng, 60, B62 + "+/")), ("X-UI-Out-Filterresults", "notjunk:1;V03:K0:" + rstr(rng, 11, B62) + "=")]
        if f == "fastmail":
            return [("X-ME-Sender", f"<xms:{rstr(rng, 40, B62 + '-_')}>"), ("Feedback-ID", f"i{rhex(rng, 8)}:Fastmail")]
        if f == "cpanel":
            h = self.hops[0][0]
            return [("X-AntiAbuse", "This header was added to track abuse, please include it with any abuse report"),
                    ("X-AntiAbuse", f"Primary Hostname - {h}"), ("X-AntiAbuse", f"Original Domain - {self.kw.get('local', 'localhost')}"),
                    ("X-AntiAbuse", f"Sender Address Domain - {self.domain}"), ("X-Get-Message-Sender-Via", f"{h}: authenticated_id: {person.email if person else 'user'}"),
                    ("X-Authenticated-Sender", f"{h}: {person.email if person else 'user'}")]
        return []

    @property
    def tls_modern(self) -> bool:
        return self.family not in ("exchange", "vps", "cpanel")

# --------------------------------------------------------------------------------------------------
# phrase library. Slots: {first} recipient first name, {me} sender first name, {co} the counterpart company,
# {my_co} the sender's company, {item} {item2} {qty} {po} {inv} {quote_no} {amount} {day} {day2} {time}
# {month} {year} {weeks} {pct} {ref} {issue} {docs} {topic}. Links are link() markers, resolved when rendering.
# --------------------------------------------------------------------------------------------------

GREETINGS = {
    "en": ["Hi {first},", "Hi {first},", "Hello {first},", "Dear {first},", "{first},", "Morning {first},", "Hi {first}",
           "Good afternoon {first},", "Hey {first},", "Good morning {first},"],
    "de": ["Hallo {first},", "Guten Tag {first},", "Hi {first},", "Dear {first},", "Hello {first},"],
    "nl": ["Hoi {first},", "Hallo {first},", "Hi {first},", "Beste {first},", "Dear {first},"],
    "fr": ["Bonjour {first},", "Hello {first},", "Hi {first},", "Dear {first},"],
    "sv": ["Hej {first},", "Hi {first},", "Hello {first},"],
}
GREET_MANY = ["Hi all,", "Hello all,", "Hi both,", "Hello everyone,", "Dear all,", "Hi team,"]
SIGNOFFS = {
    "en": ["Best regards", "Kind regards", "Regards", "Many thanks", "Thanks", "Cheers", "Best", "Thanks and regards",
           "Kind regards,", "All the best", "Thanks again", "Speak soon"],
    "de": ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "Best regards", "Kind regards"],
    "nl": ["Met vriendelijke groet", "Groeten", "Met vriendelijke groeten", "Kind regards", "Best regards"],
    "fr": ["Cordialement", "Bien à vous", "Bien cordialement", "Best regards", "Kind regards"],
    "sv": ["Med vänliga hälsningar", "Vänliga hälsningar", "Best regards"],
}
OPENERS = ["I hope you're well.", "Hope you're keeping well.", "Thanks for your email.", "Hope you had a good weekend.",
           "Thanks for getting back to me.", "Following our call earlier,", "Just following up on this.",
           "Thanks for the quick reply.", "Apologies for the slow reply, it's been a busy week.", "Hope all is well with you.",
           "Thanks for this.", "Good to hear from you.", "As promised,", "Further to my last email,"]
CLOSERS = ["Let me know if you have any questions.", "Any questions, just shout.", "Thanks in advance.",
           "Let me know if anything else is needed.", "Happy to discuss.", "Speak soon.", "Have a good weekend.",
           "Thanks for your help.", "Let me know if that works for you.", "Give me a call if easier.",
           "Please confirm receipt.", "Much appreciated.", "Shout if you need anything from us."]
ISSUES = ["two cartons arrived crushed", "the labels didn't match the packing list", "we received {qty2} instead of {qty}",
          "the delivery arrived a day late and without a delivery note", "a few units failed our incoming inspection",
          "the batch numbers are missing from the paperwork", "the colour is noticeably different from the approved sample",
          "the pallet was left outside in the rain"]
DOCS = ["the certificates of conformity", "the updated drawings", "the specification sheets", "the signed contract",
        "the product data sheets", "the photos from site", "the artwork files", "the test reports", "the spreadsheet"]
TOPICS = ["the next quarter", "the new price list", "the delivery schedule", "the open orders", "the project plan",
          "the service levels", "the renewal", "the forecast", "the outstanding items", "next year's volumes"]

# intent -> (subjects, bodies). A body is one or two sentences; several pools are combined per message.
INTENTS = {
    "po_send": (["Purchase order {po}", "PO {po} - {item}", "New order {po}", "Order {po}", "PO {po}", "Order for {item}"],
                ["Please find attached our purchase order {po} for {qitem}. Could you confirm the delivery date?",
                 "Attached is PO {po} covering {qitem}. We'd like these by {day} if possible.",
                 "New order attached ({po}): {qitem}. Same delivery address as last time.",
                 "Please see the attached order {po}. It's {qitem}, and we need them on site by {day}.",
                 "Could you book in the attached PO {po}? {qitem} as per your last quote.",
                 "Here's our order {po} for {qitem}. Please acknowledge when you get a chance."]),
    "order_confirm": ([], ["Thanks for the order. I can confirm {po} is booked in and will be with you on {day}.",
                           "Order {po} received, thank you. Delivery is scheduled for {day}.",
                           "Got it, thanks. {po} is confirmed for {day}, I'll send tracking once it leaves us.",
                           "Thank you for your order {po}. Everything is in stock and it should ship {day}.",
                           "Confirmed: {qitem}, delivery {day}. Order acknowledgement attached.",
                           "Thanks, that's all booked in. Expected delivery is {day}, give or take a day."]),
    "dispatch": ([], ["Your order {po} left us this morning. Tracking: {track}",
                      "Just to let you know {po} has been dispatched and should be with you {day}. Tracking link: {track}",
                      "Order {po} is on its way. You can follow it here: {track}",
                      "{po} shipped today with {courier}. Tracking: {track}",
                      "Good news, {po} is out for delivery. {track}"]),
    "thanks": ([], ["Thanks {first}, much appreciated.", "Great, thank you.", "Perfect, thanks for the update.",
                    "Thanks, that's received.", "Brilliant, thanks.", "Thank you, all noted.", "Lovely, thanks {first}.",
                    "Thanks for sorting this so quickly.", "Noted, thanks.", "Super, thanks for letting me know."]),
    "invoice_send": (["Invoice {inv} from {my_co}", "{my_co} Invoice {inv}", "Invoice {inv}", "INV {inv} - {my_co}",
                      "Invoice {inv} for {po}", "Your invoice {inv}"],
                     ["Please find attached invoice {inv} for {amount}. Payment terms are 30 days.",
                      "Attached is our invoice {inv} relating to {po}, total {amount}.",
                      "Please see invoice {inv} attached for {item}. Let me know if you need anything else for processing.",
                      "Invoice {inv} ({amount}) attached. Our bank details are on the invoice as usual.",
                      "Here's the invoice for {po}: {inv}, {amount} including VAT.",
                      "Please find invoice {inv} attached. Could you make sure it reaches the right person for approval?"]),
    "invoice_query": ([], ["Could you check invoice {inv}? The price for {item} doesn't match our PO {po}.",
                           "We've received invoice {inv} but I think {item} has been charged twice. Can you take a look?",
                           "Quick query on {inv}: the quantity invoiced is {qty2} but we only received {qty}.",
                           "Invoice {inv} is missing our PO number ({po}), which we need before we can pay it. Could you reissue?"]),
    "invoice_query_answer": ([], ["Apologies, you're right. I've attached a credit note and a corrected invoice.",
                                  "Thanks for spotting that. Corrected invoice attached, please disregard the original.",
                                  "Sorry about that, our system picked up the old price. Revised invoice attached.",
                                  "I've checked with our accounts team and reissued {inv} with the PO number on it."]),
    "statement_send": (["Statement - {month} {year}", "{my_co} - Statement of account", "Account statement {month}",
                        "Statement of account - {month} {year}", "Monthly statement {month}"],
                       ["Please find attached your statement of account for {month}.",
                        "Attached is the latest statement for your account. The balance shown is {amount}.",
                        "Please see your statement for {month} attached. Could you let us know when the open items will be paid?",
                        "Your monthly statement is attached. Please let me know if anything doesn't reconcile.",
                        "Attached is the statement as of the end of {month}. Two invoices are now past due."]),
    "quote_request": (["Quote request - {item}", "RFQ: {qitem}", "Pricing for {item}", "Enquiry: {item}", "Quote please - {item}"],
                      ["Could you quote for {qitem}, delivered to us by {day}?",
                       "We have a requirement for {qitem}. Could you send me your best price and lead time?",
                       "Can you let me have a price for {qitem}? Ideally delivered {day}.",
                       "Please could you quote {qitem}? Drawing/spec as per last time.",
                       "We're looking at {item} again, roughly {qty}. What would your pricing be at the moment?"]),
    "quote_send": (["Quotation {quote_no}", "Quote {quote_no} - {item}", "Your quote {quote_no}"],
                   ["Thanks for your enquiry. Please find our quote {quote_no} attached. Lead time is {weeks} weeks.",
                    "Quote {quote_no} attached for {qitem}, valid for 30 days.",
                    "As requested, here's our quotation {quote_no}. Total comes to {amount} excluding VAT.",
                    "Please see quote {quote_no} attached. We can deliver {day} if you confirm this week.",
                    "Attached is our price for {item}. Carriage is included on orders over {amount}."]),
    "quote_question": ([], ["Thanks for the quote. Is there any flexibility on price if we go to {qty2}?",
                            "Could you confirm whether the price includes delivery?",
                            "Thanks. What would the lead time be if we split it into two deliveries?",
                            "Is the {weeks}-week lead time firm? We're under some pressure on this one.",
                            "Could you break out the tooling cost separately please?"]),
    "quote_answer": ([], ["We can do {pct}% off at that volume. I'll update the quote.",
                          "Yes, delivery is included to your site.",
                          "Two deliveries is fine, we'd hold the balance for you at no charge.",
                          "I've spoken to production and we can bring it in by a week.",
                          "Updated quote attached with the costs broken out."]),
    "quote_accept": ([], ["Great, please go ahead. PO to follow.", "That works for us. I'll raise the PO today.",
                          "Happy with that, please proceed.", "Thanks, approved on our side. Order coming over shortly."]),
    "issue_report": (["Issue with delivery {po}", "Problem with {item}", "Problem with last delivery", "Quality issue - {item}",
                      "Delivery {po} - issue"],
                     ["We've had a problem with the last delivery of {item}: {issue}.",
                      "Unfortunately {issue} on order {po}. Could you look into it?",
                      "Just flagging that {issue}. Photos attached.",
                      "I'm afraid {issue} with {po}. How would you like to handle it?"]),
    "issue_ack": ([], ["Sorry to hear that. I've passed it to our quality team and will come back to you by {day}.",
                       "Apologies for this. Could you send a couple of photos so we can raise it with the carrier?",
                       "Thanks for letting us know, that's not the standard we aim for. Looking into it now.",
                       "Sorry about that. Leave it with me, I'll get back to you today."]),
    "issue_resolution": ([], ["Update: replacement {item} will be delivered {day}, and we've raised a credit for the damaged ones.",
                              "We've arranged a replacement for {day}. Please keep the damaged goods aside for collection.",
                              "The carrier has accepted the claim. Replacement goes out {day}.",
                              "Our quality team found the cause and we've changed the process. Credit note attached."]),
    "meeting_propose": (["Catch-up call", "Call next week?", "Meeting re {item}", "Quick call about {item}", "Review meeting",
                         "Catch up - {topic}", "Meeting {day}?", "Call re {topic}", "Quarterly review", "Can we talk {day}?",
                         "Diary - {topic}", "Teams call re {item}", "Visit next month"],
                        ["Would you have time for a call next week to go through {topic}? {day} at {time} works for me.",
                         "Could we get 30 minutes in the diary to talk about {topic}? I'm free {day} or {day2}.",
                         "Are you around {day}? I'd like to run through {topic} with you.",
                         "It would be good to catch up on {topic}. Does {day} at {time} suit?"]),
    "meeting_reply": ([], ["{day} at {time} works. I'll send an invite.", "Can we do {day2} instead? I'm out on {day}.",
                           "Yes, {day} is good for me.", "Sure, {day2} at {time} would be better if that's OK."]),
    "meeting_confirm": ([], ["Perfect, invite sent. {meet}", "Great, see you then. Link: {meet}", "Done, calendar invite on its way. {meet}",
                             "Booked. Here's the link for the call: {meet}"]),
    "price_update": (["Price list update {year}", "{my_co} price changes from {day}", "Updated pricing", "New price list"],
                     ["Please note our prices change from {day}. The updated price list is attached.",
                      "Due to increased raw material costs our prices will rise by {pct}% from {day}. New list attached.",
                      "Attached is our updated price list, effective {day}. Existing orders are honoured at the old prices.",
                      "Our new price list is here: {fs}. Changes apply from {day}."]),
    "docs_share": (["{docs_cap}", "Documents for {item}", "Files as requested", "{item} - documents", "Docs for {po}", "{docs_cap} - {item}",
                    "As requested: {docs}", "Paperwork for {po}"],
                   ["Here are {docs} you asked for: {fs}",
                    "As requested, I've put {docs} here: {fs}",
                    "Please find {docs} via the link below.\n\n{fs}",
                    "{docs_cap} are attached. Let me know if you need anything else."]),
    "docs_ack": ([], ["Got them, thanks.", "Thanks {first}, downloaded.", "Received, thank you.", "Thanks, that's exactly what we needed."]),
    "stock_query": (["Stock check - {item}", "Availability of {item}", "{item} availability"],
                    ["Do you have {qitem} in stock at the moment?", "Quick one: can you do {qitem} for {day}?",
                     "What's the availability like on {item}? We'd need about {qty}."]),
    "stock_answer": ([], ["Yes, we have stock and can ship {day}.", "We've got {qty2} in stock now and the rest in {weeks} weeks.",
                          "Stock is tight but we can do {day}. Shall I reserve them?", "Yes, no problem. Just send over the PO."]),
    "rfq": (["Request for quotation - {item}", "Price request", "Quote for {qitem}", "Enquiry {ref}", "Pricing please"],
            ["Could you send us a price for {qitem}? We'd need it by {day}.",
             "We're looking for a quote on {item}, about {qty}. Spec attached.",
             "Can you quote for {item} again please? Same as last time but {qty}.",
             "Please quote {qitem}, delivery {day}."]),
    "remittance": (["Remittance advice", "Payment advice - {co}", "Remittance {ref}", "Payment notification"],
                   ["Please find attached remittance advice for payment of {amount} against invoice {inv}.",
                    "We've paid invoice {inv} today ({amount}). Remittance attached.",
                    "Payment of {amount} has been made by BACS. Details attached.",
                    "Remittance for {inv} attached, funds should clear in 2-3 working days."]),
    "forecast": (["Forecast {quarter}", "Volume forecast next quarter", "Updated forecast", "Forecast for {month}"],
                 ["Attached is our forecast for the next quarter. Volumes are up roughly {pct}%.",
                  "Please see the updated forecast attached. We expect to need more of {item} from {month}.",
                  "Here's our rolling forecast. Let me know if any lines are a problem on capacity."]),
    "forecast_ack": ([], ["Thanks, we'll plan around that.", "Received, thank you. No issues on capacity.",
                          "Thanks. The {item} line might be tight in {month}, I'll confirm next week."]),
    "project_update": (["{item} - update", "Update on {item}", "{item}", "{item}: next steps", "{item} - {month} update",
                        "{item} (ref {ref})", "{item} - status", "{item} - a few questions", "{item} timeline", "Progress on {item}"],
                       ["Quick update on {item}: we're on track for {day}.",
                        "We've made good progress on {item}. A couple of open questions below.",
                        "Just to keep you posted on {item}: the draft is done and going through review.",
                        "{item} is slightly behind, we now expect {day2}. I'll confirm by {day}.",
                        "Attached is the latest version of {item} for your comments."]),
    "project_reply": ([], ["Thanks, that's helpful. No concerns from our side.", "Looks good. One comment on section 3, otherwise fine.",
                           "Thanks for the update. {day2} is fine as long as we have it before the board meeting.",
                           "Great progress. Can we review it together {day}?", "Thanks. I'll share this internally and come back to you."]),
    "review_request": (["{item} for review", "Draft {item} - comments please", "Review: {item}", "{item} draft"],
                       ["Could you review {item} (draft attached) by {day}?", "Please find the draft of {item} attached for your comments.",
                        "Here's {item} for review. No rush, {day} is fine."]),
    "review_feedback": ([], ["I've been through it, a few comments in the attached.", "Looks good overall. Two small changes marked up.",
                             "Comments attached. Happy to talk them through.", "All fine from my side, go ahead."]),
}
INTERNAL = [
    ("Office closed on {day}", "Just a reminder that the office is closed on {day}. Please make sure urgent orders are out the day before."),
    ("Holiday request", "Would it be OK if I took {day} and {day2} off? Everything on {item} should be wrapped up by then."),
    ("Printer", "The upstairs printer is jammed again. I've logged it with IT."),
    ("Team lunch Friday", "We're doing lunch on Friday to say thanks for a busy quarter. Let me know of any dietary requirements."),
    ("Updated procedure", "I've updated the procedure for {topic}. Please have a read and use the new version from {day}."),
    ("Quick question", "Do you know if {co} ever came back to us about {item}?"),
    ("{co}", "Can you chase {co} about {item}? They promised an update by {day}."),
    ("Fire alarm test", "Fire alarm test on {day} at 10am, no need to leave the building."),
    ("Timesheets", "Please submit timesheets by {day}, payroll is running early this month."),
    ("Numbers for {month}", "Numbers for {month} are attached. Good month overall, {item} was particularly strong."),
    ("Parking", "The car park is being resurfaced on {day}, please park on the street."),
    ("New starter", "We have a new starter on {day}. Please make them welcome and help them find their feet."),
]
INTERNAL_REPLIES = ["Thanks, noted.", "Will do.", "Sounds good.", "Yes, I'll chase them today.", "No problem.", "Thanks for letting me know.",
                    "I think they did, I'll check and let you know.", "Great, count me in.", "OK, thanks."]

# --------------------------------------------------------------------------------------------------
# the world: the company, its correspondents, their habits
# --------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Person:
    first: str
    last: str
    email: str
    org: Org
    title: str = ""
    role: str = "main"
    client: Client | None = None
    alt_client: Client | None = None  # a habitual second client (phone), used with probability alt_p
    alt_p: float = 0.0
    zone: Zone | None = None
    hours: tuple = (8.5, 17.5)
    greet: list = field(default_factory=list)
    signoff: str = "Best regards"
    mbx: str = ""
    phone: str = ""
    mobile: str = ""
    active: tuple = (-1.0, 2.0)  # fraction of the timeline during which the person writes
    terse: float = 0.3
    is_role: bool = False
    html: bool = True
    evening: float = 0.0
    sig: str = ""
    owner: Person | None = None
    holiday: tuple | None = None
    ooo_sent: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}".strip()

    @property
    def display(self) -> str:
        fmt = self.org.display_fmt
        if self.is_role or not self.last:
            return self.first
        if fmt == 1:
            return f"{self.last}, {self.first}"
        if fmt == 2:
            return f"{self.first} {self.last} | {self.org.short}"
        if fmt == 3:
            return f"{self.first} {self.last} ({self.org.short})"
        return self.name

    @property
    def addr(self) -> tuple[str, str]:
        return (self.display, self.email)


@dataclass(eq=False)
class Org:
    name: str
    short: str
    domain: str
    kind: str
    loc: Locale
    otype: OrgType | None = None
    net: Network | None = None
    people: list = field(default_factory=list)
    website: str = ""
    fileshare: str | None = None
    meet: str = "zoom"
    courier: str = "dpd"
    inv_fmt: str = "INV-{n}"
    disclaimer: str | None = None
    logo: bool = False
    sig_fmt: int = 0
    display_fmt: int = 0
    contacts: list = field(default_factory=list)  # local people who deal with this org
    rate: float = 1.0
    since: float = 0.0
    dmarc: str = "none"
    items: list = field(default_factory=list)
    tenant: str = ""
    reply_lang: str = "en"
    counter: int = 0
    email_fmt: int = 0
    zone: Zone | None = None
    street: str = ""
    statements: bool = False
    bcc_announce: bool = False
    main_first: bool = True
    migrate_at: float | None = None
    migrated: bool = False
    migrated_mark: int = 0
    ext_tag: bool = False
    file_style: int = 0
    po_fmt: str = "PO{n}"

    def next_no(self) -> int:
        self.counter += 1
        return self.counter


FAMILY_CLIENTS = {
    "m365": [("outlook_exch", 8), ("outlook_mac", 1.2), ("emclient", 0.3)],
    "exchange": [("outlook_exch", 9), ("outlook_mac", 1)],
    "google": [("gmail_web", 6), ("apple_mail", 1.5), ("thunderbird", 0.8)],
    "zoho": [("zoho", 1)],
    "ovh": [("outlook_smtp", 3), ("thunderbird", 2), ("roundcube", 2), ("apple_mail", 1), ("emclient", 0.7)],
    "ionos": [("outlook_smtp", 3), ("thunderbird", 2.5), ("roundcube", 1), ("apple_mail", 1)],
    "fastmail": [("apple_mail", 2), ("thunderbird", 1), ("outlook_smtp", 1)],
    "cpanel": [("outlook_smtp", 3), ("thunderbird", 2), ("roundcube", 2), ("apple_mail", 1)],
    "privateemail": [("roundcube", 2), ("outlook_smtp", 1), ("thunderbird", 1)],
    "vps": [("phpmailer", 2), ("outlook_express", 1), ("winlive", 1)],
    "outlookcom": [("owa_bare", 1)],
}
FAMILY_PHONE = {"m365": ["outlook_mobile", "iphone"], "exchange": ["iphone"], "google": ["gmail_android", "iphone"],
                "zoho": ["iphone"], "ovh": ["iphone"], "ionos": ["iphone"], "fastmail": ["iphone"], "cpanel": ["iphone"],
                "privateemail": ["iphone"], "vps": ["iphone"], "outlookcom": ["iphone"]}
TITLES = {
    "main_vendor": ["Account Manager", "Sales Manager", "Key Account Manager", "Customer Service", "Sales Executive", "Business Development Manager",
                    "Director", "Sales Coordinator", "Customer Service Manager", "Area Sales Manager"],
    "main_customer": ["Buyer", "Purchasing Manager", "Procurement Manager", "Operations Manager", "Office Manager", "Director", "Head of Operations",
                      "Project Manager", "Owner"],
    "main_partner": ["Senior Consultant", "Partner", "Project Manager", "Director", "Associate", "Account Director", "Principal", "Associate Director"],
    "main": ["Account Manager", "Sales Manager", "Key Account Manager", "Customer Service", "Sales Executive", "Business Development Manager",
             "Director", "Operations Manager", "Project Manager", "Senior Consultant", "Partner", "Buyer", "Purchasing Manager"],
    "accounts": ["Credit Controller", "Accounts Assistant", "Finance Manager", "Accounts Receivable", "Financial Controller", "Bookkeeper"],
    "ops": ["Logistics Coordinator", "Customer Service Coordinator", "Operations Assistant", "Production Planner", "Technical Manager"],
    "manager": ["Managing Director", "Commercial Director", "Head of Sales", "General Manager", "Director"],
}
LOCAL_ROLES = [("director", "Managing Director"), ("ops", "Operations Manager"), ("buyer", "Purchasing Manager"),
               ("sales", "Sales Manager"), ("finance", "Finance Manager"), ("admin", "Office Manager"), ("sales", "Account Manager"),
               ("ops", "Project Manager"), ("buyer", "Buyer"), ("finance", "Accounts Assistant"), ("sales", "Business Development"),
               ("ops", "Production Supervisor")]
DISCLAIMERS = [
    "This email and any attachments are confidential and intended solely for the addressee. If you have received it in error, please notify the sender and delete it. {name} is registered in {country}, company no. {n}.",
    "CONFIDENTIALITY NOTICE: The information in this message is confidential and may be legally privileged. It is intended solely for the addressee. Access to this message by anyone else is unauthorised.",
    "Please consider the environment before printing this email.",
    "{name} will never change its bank details by email. Please always call us on a known number to confirm any change of payment details.",
    "Registered office: {street}. Registered in {country} No. {n}. VAT No. {vat}.",
]
STREETS = {"en": ["Unit 4, Riverside Business Park", "12 Station Road", "Harbour House, Quay Street", "3 Mill Lane", "Kingsway Industrial Estate",
                  "45 High Street", "Innovation Centre, Science Park", "88 Commercial Road", "Suite 2, 17 King Street", "Building 3, Enterprise Way"],
           "de": ["Hafenstraße 12", "Industriestraße 4", "Am Gewerbepark 7", "Lindenallee 23", "Bahnhofstraße 51"],
           "nl": ["Industrieweg 8", "Havenstraat 14", "Keizersgracht 221", "Stationsplein 3", "Bedrijvenpark 11"],
           "fr": ["Zone Industrielle Nord", "12 rue de la République", "4 avenue des Champs", "Parc d'activités du Moulin"],
           "sv": ["Storgatan 12", "Industrivägen 5", "Hamngatan 8"]}
COUNTRY = {"uk": "England and Wales", "ie": "Ireland", "de": "Germany", "nl": "the Netherlands", "fr": "France", "se": "Sweden",
           "au": "Australia", "nz": "New Zealand", "us": "Delaware", "sg": "Singapore"}
COURIERS = {"uk": ["dpd_uk", "dhl", "ups", "royalmail", "own"], "ie": ["dpd_ie", "dhl", "ups"], "de": ["dhl_de", "dpd_de", "ups"],
            "nl": ["postnl", "dhl", "dpd_nl"], "fr": ["colissimo", "dhl", "ups"], "se": ["postnord", "dhl"], "au": ["auspost", "startrack", "dhl"],
            "nz": ["nzpost", "dhl"], "us": ["ups", "fedex", "usps"], "sg": ["dhl", "ninjavan"]}
FILESHARES = ["wetransfer", "dropbox", "sharepoint", "gdrive", "box", "sharefile", "portal"]


COURIER_NAMES = {"dpd_uk": "DPD", "dpd_ie": "DPD", "dpd_de": "DPD", "dpd_nl": "DPD", "dhl": "DHL", "dhl_de": "DHL", "ups": "UPS", "fedex": "FedEx",
                 "usps": "USPS", "royalmail": "Royal Mail", "postnl": "PostNL", "colissimo": "Colissimo", "postnord": "PostNord",
                 "auspost": "Australia Post", "startrack": "StarTrack", "nzpost": "NZ Post", "ninjavan": "Ninja Van", "own": "our own fleet"}


def courier_link(rng: random.Random, courier: str, org: Org) -> tuple[str, str]:
    def n(k: int) -> str:
        return "".join(rng.choices("0123456789", k=k))

    def a(k: int) -> str:
        return "".join(rng.choices("ABCDEFGHJKLMNPRSTUVWXYZ", k=k))
    c = courier if courier in COURIER_NAMES else "dhl"
    url = {
        "dpd_uk": lambda: f"https://track.dpd.co.uk/parcels/{n(14)}",
        "dpd_ie": lambda: f"https://dpd.ie/tracking?parcel={n(14)}",
        "dpd_de": lambda: f"https://tracking.dpd.de/status/de_DE/parcel/{n(14)}",
        "dpd_nl": lambda: f"https://www.dpdgroup.com/nl/mydpd/my-parcels/track?parcelNumber={n(14)}",
        "dhl": lambda: f"https://www.dhl.com/{org.loc.key}-en/home/tracking/tracking-express.html?submit=1&tracking-id={n(10)}",
        "dhl_de": lambda: f"https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={n(12)}",
        "ups": lambda: f"https://www.ups.com/track?tracknum=1Z{rstr(rng, 16, '0123456789ABCDEFGHJKLMNPRSTVWXYZ')}",
        "fedex": lambda: f"https://www.fedex.com/fedextrack/?trknbr={n(12)}",
        "usps": lambda: f"https://tools.usps.com/go/TrackConfirmAction?tLabels=9400{n(18)}",
        "royalmail": lambda: f"https://www.royalmail.com/track-your-item#/tracking-results/{a(2)}{n(9)}GB",
        "postnl": lambda: f"https://jouw.postnl.nl/track-and-trace/3S{a(4)}{n(9)}-NL-{n(4)}AB",
        "colissimo": lambda: f"https://www.laposte.fr/outils/suivre-vos-envois?code=6A{n(11)}",
        "postnord": lambda: f"https://tracking.postnord.com/se/?id={a(2)}{n(9)}SE",
        "auspost": lambda: f"https://auspost.com.au/mypost/track/details/{a(3)}{n(10)}",
        "startrack": lambda: f"https://startrack.com.au/track/details/{a(4)}{n(8)}",
        "nzpost": lambda: f"https://www.nzpost.co.nz/tools/tracking/item/{a(2)}{n(9)}NZ",
        "ninjavan": lambda: f"https://www.ninjavan.co/en-sg/tracking?id=NVSG{rstr(rng, 8, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789')}",
        "own": lambda: f"https://track.{org.domain}/consignment/{n(8)}",
    }[c]()
    return COURIER_NAMES[c], url


def fileshare_link(rng: random.Random, service: str, org: Org, person: Person | None, what: str = "Documents") -> tuple[str, str]:
    """(url, anchor) for the org's habitual way of sharing large files."""
    fname = slug(what.replace(" ", "_")).replace("-", "_")[:40] or "documents"
    if service == "wetransfer":
        if rng.random() < 0.5:
            return f"https://we.tl/t-{rstr(rng, 10, B62)}", "Download files"
        return f"https://wetransfer.com/downloads/{rhex(rng, 32)}{rng.randint(20230101, 20241231)}{rhex(rng, 6)}/{rhex(rng, 6)}", "Get your files"
    if service == "dropbox":
        return f"https://www.dropbox.com/scl/fi/{rstr(rng, 21)}/{fname}.pdf?rlkey={rstr(rng, 25)}&dl=0", f"{what}.pdf"
    if service == "sharepoint":
        if person is not None and rng.random() < 0.5:
            u = f"{slug(person.first)}_{slug(person.last)}_{org.domain.replace('.', '_')}"
            return f"https://{org.tenant}-my.sharepoint.com/:b:/g/personal/{u}/E{rstr(rng, 45, B62 + '-_')}?e={rstr(rng, 6, B62)}", what
        return f"https://{org.tenant}.sharepoint.com/:f:/s/{pick(rng, ['Customers', 'Projects', 'Shared', 'Sales'])}/E{rstr(rng, 45, B62 + '-_')}?e={rstr(rng, 6, B62)}", what
    if service == "gdrive":
        if rng.random() < 0.6:
            return f"https://drive.google.com/file/d/1{rstr(rng, 32, B62 + '-_')}/view?usp=sharing", what
        return f"https://drive.google.com/drive/folders/1{rstr(rng, 32, B62 + '-_')}?usp=sharing", what
    if service == "box":
        return f"https://app.box.com/s/{rstr(rng, 32)}", what
    if service == "sharefile":
        return f"https://{slug(org.short)[:12]}.sharefile.{'eu' if org.loc.region in ('eu', 'uk') else 'com'}/d-s{rhex(rng, 32)}", what
    return f"https://portal.{org.domain}/documents/{rhex(rng, 12)}", what


def meet_link(rng: random.Random, org: Org) -> str:
    if org.meet == "teams":
        return (f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{rstr(rng, 48, B62)}%40thread.v2/0?context=%7b%22Tid%22%3a%22"
                f"{org.net.tenant_id if org.net else ruuid(rng)}%22%7d")
    if org.meet == "meet":
        return f"https://meet.google.com/{rstr(rng, 3, 'abcdefghijklmnopqrstuvwxyz')}-{rstr(rng, 4, 'abcdefghijklmnopqrstuvwxyz')}-{rstr(rng, 3, 'abcdefghijklmnopqrstuvwxyz')}"
    return f"https://us0{rng.randint(2, 6)}web.zoom.us/j/{rng.randint(10**10, 10**11 - 1)}?pwd={rstr(rng, 32, B62)}"


def link(url: str, anchor: str | None = None) -> str:
    return LINK_OPEN + url + "|" + (anchor if anchor is not None else url) + LINK_CLOSE

# --------------------------------------------------------------------------------------------------
# messages and their rendering
# --------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Mail:
    t: datetime  # send time in the sender's zone (the Date header)
    sender: Person | None
    frm: tuple
    to: list
    cc: list = field(default_factory=list)
    rcpt: list = field(default_factory=list)  # local envelope recipients (Delivered-To)
    subject: str = ""
    new_text: str = ""  # what the sender wrote (with link markers)
    quote_of: Mail | None = None
    want_html: bool = False
    html_override: str | None = None
    text_override: str | None = None
    attachments: list = field(default_factory=list)  # (filename, ctype, bytes)
    mid: str = ""
    irt: str | None = None
    refs: list = field(default_factory=list)
    reply_to: tuple | None = None
    net: Network | None = None
    client: Client | None = None
    direction: str = "in"  # in | out | internal
    extra: list = field(default_factory=list)
    return_path: str | None = None
    auth: dict | None = None
    client_ip: str | None = None
    to_raw: str | None = None
    delay: float = 20.0
    label: str = "legit"
    campaign: str | None = None
    thread: str | None = None
    kind: str = "conversation"
    hijacked: bool = False
    thread_index: str | None = None
    lang: str = "en"
    logo: bool = False
    date_zone_override: timezone | None = None
    seq: int = 0

    @cached_property
    def t_utc(self) -> datetime:
        return self.t.astimezone(UTC)

    @cached_property
    def t_deliver(self) -> datetime:
        return self.t_utc + timedelta(seconds=self.delay)


LINK_OPEN, LINK_CLOSE = "\u27e6link:", "\u27e7"


def split_links(s: str):
    """Yield ('text', str) and ('link', url, anchor) pieces of a string with link() markers."""
    pos = 0
    while True:
        i = s.find(LINK_OPEN, pos)
        if i < 0:
            if pos < len(s):
                yield ("text", s[pos:])
            return
        j = s.find(LINK_CLOSE, i)
        if i > pos:
            yield ("text", s[pos:i])
        url, _, anchor = s[i + len(LINK_OPEN):j].partition("|")
        yield ("link", url, anchor)
        pos = j + len(LINK_CLOSE)


def to_plain(s: str) -> str:
    out = []
    for piece in split_links(s):
        if piece[0] == "text":
            out.append(piece[1])
        else:
            url, anchor = piece[1], piece[2]
            out.append(url if (not anchor or anchor == url) else f"{anchor} <{url}>")
    return "".join(out)


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def to_html_inline(s: str, link_style: str = "") -> str:
    out = []
    for piece in split_links(s):
        if piece[0] == "text":
            out.append(esc(piece[1]))
        else:
            url, anchor = piece[1], piece[2] or piece[1]
            st = f' style="{link_style}"' if link_style else ""
            out.append(f'<a href="{esc(url)}"{st}>{esc(anchor)}</a>')
    return "".join(out)


def quote_header_text(m: Mail, style: str, lang: str) -> str:
    who = f"{m.frm[0]} <{m.frm[1]}>" if m.frm[0] else m.frm[1]
    t = m.t
    if style == "outlook":
        to = "; ".join(a[0] or a[1] for a in m.to) if m.to else (m.to_raw or "")
        cc = "; ".join(a[0] or a[1] for a in m.cc)
        if lang == "de":
            days = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
            months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"]
            lines = [f"Von: {who}", f"Gesendet: {days[t.weekday()]}, {t.day}. {months[t.month - 1]} {t.year} {t:%H:%M}", f"An: {to}"]
            if cc:
                lines.append(f"Cc: {cc}")
            lines.append(f"Betreff: {m.subject}")
        else:
            lines = [f"From: {who}", f"Sent: {t:%A}, {t.day} {t:%B %Y} {t:%H:%M}", f"To: {to}"]
            if cc:
                lines.append(f"Cc: {cc}")
            lines.append(f"Subject: {m.subject}")
        return "\n".join(lines)
    if style == "gmail":
        return f"On {t:%a}, {t.day} {t:%b %Y} at {t:%H:%M}, {m.frm[0] or m.frm[1]} <{m.frm[1]}> wrote:"
    if style == "apple":
        return f"On {t.day} {t:%b %Y}, at {t:%H:%M}, {m.frm[0] or m.frm[1]} <{m.frm[1]}> wrote:"
    return f"On {t:%d/%m/%Y %H:%M}, {m.frm[0] or m.frm[1]} wrote:"


def full_plain(m: Mail, depth: int = 0) -> str:
    """The plain text of a message including its quoted history (bounded)."""
    if m.text_override is not None:
        return m.text_override
    body = to_plain(m.new_text)
    if m.quote_of is None or depth >= 3:
        return body
    style = m.client.quote if m.client else "gmail"
    prev = full_plain(m.quote_of, depth + 1)
    prev_lines = prev.split("\n")[:70]
    qh = quote_header_text(m.quote_of, style, m.lang)
    if style in ("outlook", "plain"):
        sep = "________________________________" if style == "outlook" else "-----Original Message-----"
        return body + "\n\n" + sep + "\n" + qh + "\n\n" + "\n".join(prev_lines)
    quoted = "\n".join((">" + (" " + ln if ln and not ln.startswith(">") else ln)) for ln in prev_lines)
    if style == "apple":
        return body + "\n\n> " + qh + "\n> \n" + quoted
    return body + "\n\n" + qh + "\n\n" + quoted


def html_paragraphs(s: str, style: str) -> str:
    paras = s.split("\n\n")
    out = []
    for p in paras:
        lines = [to_html_inline(ln) for ln in p.split("\n")]
        if style == "outlook":
            out.append("".join(f'<p class="MsoNormal">{ln if ln else "&nbsp;"}<o:p></o:p></p>\n' for ln in lines)
                       + '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n')
        elif style == "gmail" or style == "apple":
            out.append("<div>" + "<br>".join(lines) + "</div><div><br></div>")
        else:
            out.append("<p>" + "<br>\n".join(lines) + "</p>\n")
    return "".join(out)


OUTLOOK_HEAD = ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
                'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
                'xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
                '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n<style><!--\n/* Font Definitions */\n'
                '@font-face\n\t{font-family:"Cambria Math";\n\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\n@font-face\n\t{font-family:Calibri;\n\tpanose-1:2 15 5 2 2 2 4 3 2 4;}\n'
                '/* Style Definitions */\np.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;\n\tfont-size:11.0pt;\n\tfont-family:"Calibri",sans-serif;\n\tmso-fareast-language:EN-US;}\n'
                'a:link, span.MsoHyperlink\n\t{mso-style-priority:99;\n\tcolor:#0563C1;\n\ttext-decoration:underline;}\n'
                '.MsoChpDefault\n\t{mso-style-type:export-only;\n\tfont-size:10.0pt;}\n@page WordSection1\n\t{size:612.0pt 792.0pt;\n\tmargin:72.0pt 72.0pt 72.0pt 72.0pt;}\n'
                'div.WordSection1\n\t{page:WordSection1;}\n--></style>\n</head>\n')


def full_html(m: Mail, logo_cid: str | None, depth: int = 0) -> str:
    style = m.client.quote if m.client else "gmail"
    body = html_paragraphs(m.new_text, style)
    if logo_cid and depth == 0:
        img = f'<img width="160" height="48" style="width:1.6666in;height:.5in" id="Picture_x0020_1" src="cid:{logo_cid}" alt="{esc(m.sender.org.short if m.sender else "")}">'
        if m.sender and m.sender.org.website:
            img = f'<a href="https://{m.sender.org.website}/">{img}</a>'
        body += f'<p class="MsoNormal">{img}<o:p></o:p></p>\n' if style == "outlook" else f"<div>{img}</div>"
    quote = ""
    if m.quote_of is not None and depth < 3:
        prev = full_html(m.quote_of, None, depth + 1)
        qh = esc(quote_header_text(m.quote_of, style, m.lang)).replace("\n", "<br>\n")
        if style == "outlook":
            quote = ('<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">\n'
                     f'<p class="MsoNormal">{qh}<o:p></o:p></p>\n</div>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n{prev}')
        elif style == "gmail":
            quote = (f'<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">{qh}<br></div><blockquote class="gmail_quote" '
                     f'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">{prev}</blockquote></div>')
        else:
            quote = f'<div><br><blockquote type="cite"><div>{qh}</div>{prev}</blockquote></div>'
    if depth > 0:
        return body + quote
    if style == "outlook":
        return (OUTLOOK_HEAD + f'<body lang="{"DE" if m.lang == "de" else "EN-GB"}" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">\n'
                f'<div class="WordSection1">\n{body}{quote}</div>\n</body>\n</html>\n')
    if style == "gmail":
        return f'<div dir="ltr">{body}</div>{quote}\n'
    if style == "apple":
        return ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; '
                f'-webkit-nbsp-mode: space; line-break: after-white-space;">{body}{quote}</body></html>')
    return ('<!DOCTYPE html>\n<html>\n  <head>\n    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">\n  </head>\n  <body>\n'
            f'{body}{quote}  </body>\n</html>\n')


def wrap_html(style: str, inner: str, lang: str = "en") -> str:
    """Put hand-written HTML into the document skeleton the sender's mail client produces."""
    if style == "outlook":
        return (OUTLOOK_HEAD + f'<body lang="{"DE" if lang == "de" else "EN-GB"}" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">\n'
                f'<div class="WordSection1">\n{inner}\n</div>\n</body>\n</html>\n')
    if style == "gmail":
        return f'<div dir="ltr">{inner}</div>\n'
    if style == "apple":
        return ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; '
                f'-webkit-nbsp-mode: space; line-break: after-white-space;">{inner}</body></html>')
    return ('<!DOCTYPE html>\n<html>\n  <head>\n    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">\n  </head>\n  <body>\n'
            f'{inner}\n  </body>\n</html>\n')


# ---- MIME serialisation


def enc_text(s: str, force_qp: bool = False) -> tuple[str, str, str]:
    """-> (charset, cte, encoded body)"""
    try:
        s.encode("ascii")
        ascii_ = True
    except UnicodeEncodeError:
        ascii_ = False
    long_lines = len(s) > 900 and max(map(len, s.split("\n"))) > 900
    if ascii_ and not long_lines and not force_qp:
        return "us-ascii", "7bit", s
    data = quopri.encodestring(s.encode("utf-8")).decode("ascii")
    return ("us-ascii" if ascii_ else "utf-8"), "quoted-printable", data


def b64_body(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").rstrip("\n")


def boundary(rng: random.Random, m: Mail, n: int) -> str:
    ck = m.client.key if m.client else ""
    q = m.client.quote if m.client else ""
    if ck in ("outlook_exch", "outlook_mobile", "outlook_mac", "owa_bare"):
        host = (m.sender.mbx.split(".")[0] if m.sender and m.sender.mbx else rhex(rng, 12, True))
        return f"_00{n}_{host}{rhex(rng, 20, True)}_"
    if ck in ("outlook_smtp", "winlive", "emclient", "outlook_express"):
        return f"----=_NextPart_00{n}_{rhex(rng, 4, True)}_01DA{rhex(rng, 4, True)}.{rhex(rng, 8, True)}"
    if q == "gmail" and ck != "zoho":
        return "0000000000" + rhex(rng, 14)
    if q == "apple":
        return f"Apple-Mail={ruuid(rng, upper=True)}"
    if ck == "zoho":
        return f"----=_Part_{rng.randint(100000, 999999)}_{rng.randint(100000000, 999999999)}.{int(m.t.timestamp() * 1000)}"
    if ck in ("thunderbird", "thunderbird_old"):
        return "------------" + rstr(rng, 24, B62)
    if ck == "phpmailer":
        return "b1=_" + rstr(rng, 40, B62)
    return "=_" + rhex(rng, 32)


def leaf_text(ctype: str, s: str, q: str) -> str:
    charset, cte, data = enc_text(s, force_qp=(q == "outlook"))
    if ctype == "text/plain" and q == "thunderbird" and cte == "7bit":
        head = 'Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 7bit'
    elif q == "apple":
        head = f"Content-Type: {ctype};\n\tcharset={charset}\nContent-Transfer-Encoding: {cte}"
    else:
        head = f'Content-Type: {ctype}; charset="{charset}"\nContent-Transfer-Encoding: {cte}'
    return head + "\n\n" + data.rstrip("\n") + "\n"


def leaf_attachment(fname: str, ctype: str, data: bytes, inline_cid: str | None = None) -> str:
    fn = fname.replace('"', "")
    if inline_cid:
        return (f'Content-Type: {ctype}; name="{fn}"\nContent-Description: {fn}\nContent-Disposition: inline; filename="{fn}"; size={len(data)}\n'
                f"Content-ID: <{inline_cid}>\nContent-Transfer-Encoding: base64\n\n{b64_body(data)}\n")
    return (f'Content-Type: {ctype}; name="{fn}"\nContent-Disposition: attachment; filename="{fn}"\n'
            f"Content-Transfer-Encoding: base64\n\n{b64_body(data)}\n")


def multipart(sub: str, bnd: str, parts: list[str], extra: str = "") -> str:
    out = [f'Content-Type: multipart/{sub};{extra}\n\tboundary="{bnd}"\n\nThis is a multi-part message in MIME format.\n' if sub == "mixed" and "NextPart" in bnd
           else f'Content-Type: multipart/{sub};{extra}\n\tboundary="{bnd}"\n\n']
    for p in parts:
        out.append(f"--{bnd}\n{p}\n")
    out.append(f"--{bnd}--\n")
    return "".join(out)


def fake_payload(rng: random.Random, ctype: str) -> bytes:
    n = rng.randint(180, 900)
    junk = rng.randbytes(n)
    if ctype == "application/pdf":
        return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 1 >>\nendobj\n"
                b"3 0 obj\n<< /Length " + str(n).encode() + b" /Filter /FlateDecode >>\nstream\n" + junk + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    if "spreadsheetml" in ctype:
        return b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + junk[:4] + b"[Content_Types].xml" + junk + b"xl/workbook.xmlPK\x05\x06"
    if "wordprocessingml" in ctype:
        return b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + junk[:4] + b"[Content_Types].xml" + junk + b"word/document.xmlPK\x05\x06"
    if ctype == "image/png":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\xa0\x00\x00\x000\x08\x06\x00\x00\x00" + junk[:300] + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    if ctype == "image/jpeg":
        return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + junk + b"\xff\xd9"
    return junk


CTYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "jpg": "image/jpeg", "png": "image/png",
          "htm": "text/html", "html": "text/html"}


def attachment(rng: random.Random, fname: str) -> tuple[str, str, bytes]:
    ext = fname.rsplit(".", 1)[-1].lower()
    ct = CTYPES.get(ext, "application/octet-stream")
    return (fname, ct, fake_payload(rng, ct))


def fold_header(name: str, value: str) -> str:
    line = f"{name}: {value}"
    if "\n" in value or len(line) <= 78:
        return line
    # fold between addresses in address lists, at spaces otherwise
    out, cur = [], f"{name}:"
    if name.lower() in ("to", "cc", "bcc", "reply-to", "from") and ", " in value:
        tokens = [t + "," for t in value.split(", ")]
        tokens[-1] = tokens[-1][:-1]
    else:
        tokens = value.split(" ")
    for tok in tokens:
        if len(cur) + 1 + len(tok) > 76 and cur.strip() and cur != f"{name}:":
            out.append(cur)
            cur = "\t" + tok
        else:
            cur += " " + tok
    out.append(cur)
    return "\n".join(out)


def fmt_addr(a: tuple) -> str:
    name, addr = a
    if not name:
        return addr
    return formataddr((name, addr), charset="utf-8")


def enc_subject(s: str) -> str:
    try:
        s.encode("ascii")
        return s
    except UnicodeEncodeError:
        return Header(s, "utf-8", header_name="Subject").encode()


def postfix_date(dt: datetime, zone: Zone) -> str:
    return f"{dt:%a}, {dt.day:2d} {dt:%b %Y %H:%M:%S %z} ({zone.abbrev(dt.astimezone(UTC))})"

# --------------------------------------------------------------------------------------------------
# building the company and its correspondents
# --------------------------------------------------------------------------------------------------

SCRIPTS = {
    # (name, weight, [(side, intent, gap, probability, depends_on_previous)])
    "vendor": [
        ("order", 3.0, [("L", "po_send", "", 1, 0), ("X", "order_confirm", "quick|hours", 1, 0), ("L", "thanks", "quick", 0.3, 0),
                        ("X", "dispatch", "days", 0.55, 0), ("X", "invoice_send", "days|weeks", 0.25, 1)]),
        ("quote", 1.6, [("L", "quote_request", "", 1, 0), ("X", "quote_send", "hours|day", 1, 0), ("L", "quote_question", "hours|day", 0.5, 0),
                        ("X", "quote_answer", "hours", 1, 1), ("L", "quote_accept", "day|days", 0.6, 0), ("X", "thanks", "quick", 0.4, 1)]),
        ("invoice", 1.6, [("X", "invoice_send", "", 1, 0), ("L", "invoice_query", "days", 0.2, 0), ("X", "invoice_query_answer", "hours|day", 1, 1),
                          ("L", "thanks", "quick", 0.5, 1)]),
        ("issue", 0.5, [("L", "issue_report", "", 1, 0), ("X", "issue_ack", "quick|hours", 1, 0), ("X", "issue_resolution", "days", 0.8, 0),
                        ("L", "thanks", "hours", 0.6, 1)]),
        ("meeting", 0.5, [("A", "meeting_propose", "", 1, 0), ("B", "meeting_reply", "hours", 1, 0), ("A", "meeting_confirm", "quick", 0.8, 0)]),
        ("price", 0.25, [("X", "price_update", "", 1, 0), ("L", "thanks", "hours", 0.3, 0)]),
        ("docs", 0.6, [("X", "docs_share", "", 1, 0), ("L", "docs_ack", "hours", 0.6, 0)]),
        ("stock", 0.9, [("L", "stock_query", "", 1, 0), ("X", "stock_answer", "quick|hours", 1, 0), ("L", "thanks", "quick", 0.4, 0)]),
    ],
    "customer": [
        ("rfq", 1.6, [("X", "rfq", "", 1, 0), ("L", "quote_send", "hours|day", 1, 0), ("X", "quote_question", "day", 0.5, 0),
                      ("L", "quote_answer", "hours", 1, 1), ("X", "po_send", "days", 0.6, 0), ("L", "order_confirm", "hours", 1, 1),
                      ("L", "dispatch", "days|weeks", 0.5, 1)]),
        ("order", 2.6, [("X", "po_send", "", 1, 0), ("L", "order_confirm", "quick|hours", 1, 0), ("L", "dispatch", "days", 0.55, 0),
                        ("X", "thanks", "hours", 0.3, 1)]),
        ("invoice_out", 1.2, [("L", "invoice_send", "", 1, 0), ("X", "thanks", "hours", 0.25, 0), ("X", "remittance", "weeks", 0.35, 0)]),
        ("complaint", 0.45, [("X", "issue_report", "", 1, 0), ("L", "issue_ack", "quick|hours", 1, 0), ("L", "issue_resolution", "days", 0.8, 0),
                             ("X", "thanks", "hours", 0.6, 1)]),
        ("meeting", 0.5, [("A", "meeting_propose", "", 1, 0), ("B", "meeting_reply", "hours", 1, 0), ("A", "meeting_confirm", "quick", 0.8, 0)]),
        ("forecast", 0.35, [("X", "forecast", "", 1, 0), ("L", "forecast_ack", "hours|day", 0.8, 0)]),
        ("project", 0.6, [("A", "project_update", "", 1, 0), ("B", "project_reply", "hours|day", 1, 0), ("A", "project_update", "days|weeks", 0.8, 0),
                          ("B", "project_reply", "hours|day", 0.9, 1), ("A", "project_update", "days|weeks", 0.6, 1), ("B", "project_reply", "day", 0.8, 1),
                          ("A", "thanks", "hours", 0.4, 1)]),
    ],
    "partner": [
        ("project", 3.0, [("A", "project_update", "", 1, 0), ("B", "project_reply", "hours|day", 1, 0), ("A", "project_update", "days|weeks", 0.8, 0),
                          ("B", "project_reply", "hours|day", 0.9, 1), ("A", "project_update", "days|weeks", 0.6, 1), ("B", "project_reply", "day", 0.8, 1),
                          ("A", "thanks", "hours", 0.4, 1)]),
        ("review", 1.4, [("L", "review_request", "", 1, 0), ("X", "review_feedback", "days", 1, 0), ("L", "thanks", "hours", 0.6, 0)]),
        ("meeting", 1.0, [("A", "meeting_propose", "", 1, 0), ("B", "meeting_reply", "hours", 1, 0), ("A", "meeting_confirm", "quick", 0.8, 0)]),
        ("docs", 0.9, [("X", "docs_share", "", 1, 0), ("L", "docs_ack", "hours", 0.6, 0)]),
        ("invoice", 0.5, [("X", "invoice_send", "", 1, 0), ("L", "thanks", "hours", 0.3, 0)]),
    ],
}
ACCOUNTS_INTENTS = ("invoice_send", "statement_send", "remittance", "invoice_query_answer")


class World:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = rng = random.Random(seed)
        self.clients = _mk_clients(rng)
        self.used_domains: list[str] = []
        self.used_words: list[str] = []
        self.msgs: list[Mail] = []
        self.tcount = 0
        self.saas_nets: dict[str, Network] = {}
        self.hijacked_threads: list[str] = []
        self.dmarc_pol: dict[str, str | None] = {"gmail.com": "none", "outlook.com": "none", "hotmail.com": "none", "yahoo.com": "reject",
                                                 "gmx.de": "none", "proton.me": "quarantine", "icloud.com": "quarantine", "aol.com": "reject",
                                                 "web.de": "none", "gmx.com": "none", "mail.com": "none", "zohomail.eu": "none"}
        y = pick(rng, [2022, 2023, 2023, 2024, 2024, 2025])
        self.start = datetime(y, rng.randint(1, 12), rng.randint(1, 28), tzinfo=UTC)
        self.months = rng.randint(6, 10)
        self.days = int(self.months * 30.4)
        self.end = self.start + timedelta(days=self.days)
        self.loc = LOCALES[wpick(rng, HOME_LOCALES)]
        self.ind_key = pick(rng, list(INDUSTRIES))
        self.ind = INDUSTRIES[self.ind_key]
        self.zone = ZONES[self.loc.zones[0]]
        self.target = int(rng.uniform(830, 1400))
        self._build_local()
        self._build_orgs()

    # ---------------------------------------------------------------- names and domains
    def org_name(self, loc: Locale, suffixes) -> tuple[str, str, str]:
        rng = self.rng
        for _ in range(200):
            pool = NAME_WORDS
            if loc.key == "de" and rng.random() < 0.4:
                pool = NAME_WORDS_DE
            elif loc.key == "nl" and rng.random() < 0.4:
                pool = NAME_WORDS_NL
            elif loc.key == "fr" and rng.random() < 0.4:
                pool = NAME_WORDS_FR
            word = pick(rng, pool)
            if word in self.used_words:
                continue
            suffix = pick(rng, suffixes)
            legal = pick(rng, loc.legal)
            name = f"{word} {suffix} {legal}"
            short = f"{word} {suffix}" if (rng.random() < 0.75 or suffix.startswith("&")) else word
            sw, ss = slug(word), slug(suffix.split()[0] if not suffix.startswith("&") else suffix[1:])
            opts = [sw + ss, sw + ss, f"{sw}-{ss}", sw + ss[:3], sw + "-" + ss[:3], sw + "group", "the" + sw + ss] if ss else [sw + "group"]
            tld = pick(rng, loc.tlds)
            dom = pick(rng, opts) + tld
            if dom in self.used_domains or len(dom) > 34:
                continue
            self.used_words.append(word)
            self.used_domains.append(dom)
            return name, short, dom
        raise RuntimeError("name space exhausted")

    def person_name(self, loc: Locale, taken: list[str]) -> tuple[str, str]:
        rng = self.rng
        lang = loc.lang if loc.lang in NAMES else "en"
        if lang != "en" and rng.random() < 0.12:
            lang = "en"
        firsts, lasts = NAMES[lang]
        for _ in range(100):
            f, l = pick(rng, firsts), pick(rng, lasts)
            if f"{f} {l}" not in taken:
                return f, l
        return pick(rng, firsts), pick(rng, lasts) + "-" + pick(rng, lasts)

    def local_part(self, fmt: int, first: str, last: str) -> str:
        f, l = slug(first), slug(last.replace(" ", ""))
        return [f"{f}.{l}", f"{f[0]}{l}", f, f"{f[0]}.{l}", f"{f}{l[0]}", f"{f}_{l}", f"{f}.{l[0]}"][fmt]

    def pick_family(self, loc: Locale) -> str:
        w = [("m365", 36), ("google", 24), ("exchange", 7), ("mimecast", 5), ("zoho", 4), ("cpanel", 7), ("fastmail", 2)]
        if loc.key == "de":
            w += [("ionos", 9), ("ovh", 3)]
        elif loc.key in ("fr", "nl"):
            w += [("ovh", 7), ("ionos", 2)]
        elif loc.key in ("uk", "ie"):
            w += [("ovh", 2), ("ionos", 2)]
        else:
            w += [("fastmail", 3)]
        return wpick(self.rng, w)

    def make_net(self, family: str, domain: str, loc: Locale) -> Network:
        rng = self.rng
        region = loc.region if loc.region != "uk" or family != "m365" else "uk"
        if family == "m365" and loc.region == "eu":
            region = "eu"
        if family == "mimecast":
            inner = Network(rng, pick(rng, ["m365", "exchange"]), domain, region=region)
            net = Network(rng, "mimecast", domain, region=region, inner=inner)
            return net
        return Network(rng, family, domain, region=region, custom_dkim=rng.random() < 0.75)

    def client_family(self, net: Network) -> str:
        return net.inner.family if net.family == "mimecast" and net.inner else net.family

    def make_person(self, org: Org, role: str, title: str | None = None) -> Person:
        rng = self.rng
        taken = [p.name for p in org.people]
        first, last = self.person_name(org.loc, taken)
        lp = self.local_part(org.email_fmt, first, last)
        n = 2
        while any(p.email.split("@")[0] == lp for p in org.people):
            lp = self.local_part(org.email_fmt, first, last) + str(n)
            n += 1
        fam = self.client_family(org.net)
        client = self.clients[wpick(rng, FAMILY_CLIENTS[fam])]
        tkey = f"{role}_{org.kind}" if f"{role}_{org.kind}" in TITLES else role
        p = Person(first, last, f"{lp}@{org.domain}", org, title or pick(rng, TITLES.get(tkey, TITLES["main"])), role, client)
        if rng.random() < 0.3:
            p.alt_client = self.clients[pick(rng, FAMILY_PHONE[fam])]
            p.alt_p = rng.uniform(0.08, 0.3)
        p.zone = org.zone
        p.hours = (rng.choice([7.0, 7.5, 8.0, 8.0, 8.5, 8.5, 9.0, 9.0, 9.5]), rng.choice([16.0, 16.5, 17.0, 17.0, 17.5, 17.5, 18.0, 18.5]))
        lang = org.loc.lang
        gl = GREETINGS.get(lang if rng.random() < 0.55 else "en", GREETINGS["en"])
        p.greet = [pick(rng, gl)] + ([pick(rng, gl)] if rng.random() < 0.4 else [])
        p.signoff = pick(rng, SIGNOFFS.get(lang if rng.random() < 0.6 else "en", SIGNOFFS["en"])).rstrip(",") + pick(rng, [",", ",", ""])
        p.mbx = org.net.mailbox_id(rng) if fam in ("m365",) else ""
        a, b = rng.randint(10, 99), rng.randint(1000000, 9999999)
        p.phone = org.loc.phone.format(a=a, b=f"{str(b)[:3]} {str(b)[3:]}")
        p.mobile = org.loc.phone.format(a=rng.randint(60, 79), b=f"{rng.randint(100, 999)} {rng.randint(1000, 9999)}")
        p.terse = rng.uniform(0.1, 0.6)
        p.html = rng.random() < client.html
        p.evening = rng.choice([0.0, 0.0, 0.0, 0.01, 0.03])
        p.sig = self.signature(p)
        org.people.append(p)
        return p

    def signature(self, p: Person) -> str:
        org, rng = p.org, self.rng
        web = link(f"https://{org.website}/", org.website) if org.website else ""
        f = org.sig_fmt if rng.random() < 0.85 else 2
        if f == 0:
            lines = [p.name, p.title, org.name, f"T: {p.phone}"] + ([f"M: {p.mobile}"] if rng.random() < 0.5 else []) + ([web] if web else [])
        elif f == 1:
            lines = [f"{p.name} | {p.title} | {org.short}", f"Tel {p.phone} | Mob {p.mobile}"] + ([web] if web else [])
        elif f == 2:
            lines = [p.first]
        else:
            lines = ["--", p.name, f"{p.title}, {org.name}", org.street, p.phone] + ([web] if web else [])
        sig = "\n".join(lines)
        if org.disclaimer and f != 2:
            sig += "\n\n" + org.disclaimer
        return sig

    def new_org(self, kind: str, otype: OrgType | None, loc: Locale, suffixes) -> Org:
        rng = self.rng
        name, short, dom = self.org_name(loc, suffixes)
        org = Org(name, short, dom, kind, loc, otype)
        org.email_fmt = wpick(rng, [(0, 6), (1, 2), (2, 2), (3, 1), (4, 1), (5, 0.5), (6, 0.5)])
        org.zone = ZONES[pick(rng, loc.zones)]
        org.net = self.make_net(self.pick_family(loc), dom, loc)
        org.tenant = slug(short.split()[0]) + (slug(short.split()[1])[:4] if len(short.split()) > 1 and rng.random() < 0.5 else "")
        org.website = ("www." if rng.random() < 0.8 else "") + dom
        org.street = pick(rng, STREETS.get(loc.lang, STREETS["en"]))
        org.sig_fmt = rng.choice([0, 0, 1, 3])
        fam = self.client_family(org.net)
        org.display_fmt = wpick(rng, [(0, 8), (1, 1.5 if fam in ("exchange", "m365") else 0.2), (2, 0.4), (3, 0.4)])
        org.logo = rng.random() < (0.45 if fam in ("m365", "exchange") else 0.15)
        if rng.random() < 0.4:
            d = pick(rng, DISCLAIMERS).format(name=name, country=COUNTRY[loc.key], n=rng.randint(1000000, 9999999), street=org.street,
                                               vat=f"{loc.key.upper()}{rng.randint(100000000, 999999999)}")
            org.disclaimer = d
        org.meet = ("teams" if fam in ("m365", "exchange") and rng.random() < 0.75 else "meet" if fam == "google" and rng.random() < 0.7 else "zoom")
        org.courier = pick(rng, COURIERS[loc.key])
        fs_w = [(None, 45), ("wetransfer", 12), ("dropbox", 12), ("box", 3), ("sharefile", 4), ("portal", 6)]
        if fam in ("m365", "exchange"):
            fs_w.append(("sharepoint", 30))
        if fam == "google":
            fs_w.append(("gdrive", 30))
        org.fileshare = wpick(rng, fs_w)
        org.inv_fmt = pick(rng, ["INV-{n}", "SI{n}", "{n}", "INV{y}{n}", "RE{y}-{n}", "F{y}-{n}", "IN{n}", "{p}{n}"]).replace("{p}", "".join(w[0] for w in short.upper().split())[:3])
        org.counter = rng.randint(1000, 80000)
        org.dmarc = wpick(rng, [(None, 2), ("none", 4), ("quarantine", 3), ("reject", 3)])
        self.dmarc_pol[dom] = org.dmarc
        org.reply_lang = loc.lang
        org.po_fmt = pick(rng, ["PO{n}", "PO-{y}-{n}", "{n}", "P{n}", "PO {n}", "BE{n}"])
        org.file_style = rng.randrange(4)
        org.ext_tag = rng.random() < 0.08
        org.main_first = rng.random() < 0.6
        return org

    def _build_local(self):
        rng, loc = self.rng, self.loc
        self.local = org = self.new_org("local", None, loc, self.ind["suffixes"])
        org.fileshare = org.fileshare or pick(rng, ["sharepoint", "wetransfer", "gdrive"])
        n = rng.randint(4, 10)
        roles = [LOCAL_ROLES[0], LOCAL_ROLES[4], LOCAL_ROLES[1], LOCAL_ROLES[3]] + rng.sample(LOCAL_ROLES[5:] + [LOCAL_ROLES[2]], n - 4)
        self.employees: list[Person] = []
        for role, title in roles[:n]:
            p = self.make_person(org, role, title)
            self.employees.append(p)
        self.by_role = {}
        for p in self.employees:
            self.by_role.setdefault(p.role, []).append(p)
        # quiet staff: receive all-staff mail and the odd newsletter, rarely write
        self.staff: list[Person] = []
        for _ in range(rng.randint(max(18, 26 - n), 38 - n)):
            p = self.make_person(org, "staff", pick(rng, ["Warehouse Operative", "Driver", "Technician", "Coordinator", "Assistant", "Designer",
                                                           "Engineer", "Administrator", "Customer Service Advisor", "Apprentice", "Team Leader"]))
            self.staff.append(p)
        fin = self.by_role["finance"][0]

        def role_box(local: str, display: str, owner: Person) -> Person:
            r = Person(display, "", f"{local}@{org.domain}", org, "", "rolebox", owner.client, is_role=True)
            r.zone, r.hours, r.greet, r.signoff, r.sig, r.mbx = owner.zone, owner.hours, owner.greet, owner.signoff, owner.sig, owner.mbx
            r.owner = owner
            return r
        self.roles = {
            "accounts": role_box(pick(rng, ["accounts", "accounts", "finance", "ap", "invoices"]), pick(rng, ["Accounts", f"{org.short} Accounts", "Accounts Payable"]), fin),
            "info": role_box(pick(rng, ["info", "info", "office", "hello", "enquiries"]), pick(rng, ["Info", org.short, f"{org.short} Office"]), self.employees[0]),
            "sales": role_box(pick(rng, ["sales", "orders", "sales"]), pick(rng, ["Sales", f"{org.short} Sales", "Orders"]), self.by_role["sales"][0]),
            "jobs": role_box(pick(rng, ["jobs", "hr", "careers"]), pick(rng, ["Jobs", "HR", "Careers"]), self.employees[0]),
        }
        self.all_local = self.employees + self.staff + list(self.roles.values())

    def _build_orgs(self):
        rng, ind = self.rng, self.ind
        n = rng.randint(5, 12)
        n_v = max(2, round(n * rng.uniform(0.4, 0.55)))
        n_c = max(1, round((n - n_v) * rng.uniform(0.5, 0.7)))
        n_p = max(1, n - n_v - n_c)
        self.orgs: list[Org] = []
        vtypes = list(ind["vendors"]) * 2 + GENERIC_VENDORS
        ptypes = list(ind["partners"]) * 2 + GENERIC_PARTNERS
        for kind, cnt, types in (("vendor", n_v, vtypes), ("customer", n_c, ind["customers"]), ("partner", n_p, ptypes)):
            for _ in range(cnt):
                ot = pick(rng, types)
                lk = self.loc.key if rng.random() < 0.65 else pick(rng, NEIGHBOURS[self.loc.key])
                org = self.new_org(kind, ot, LOCALES[lk], list(ot.suffixes))
                org.items = list(ot.items) if kind != "customer" else list(ind["sells"])
                npeople = {"vendor": wpick(rng, [(1, 3), (2, 5), (3, 2)]), "customer": wpick(rng, [(1, 4), (2, 4), (3, 1)]),
                           "partner": wpick(rng, [(1, 4), (2, 3)])}[kind]
                self.make_person(org, "main")
                if npeople >= 2:
                    self.make_person(org, "accounts" if kind != "partner" else "main")
                if npeople >= 3:
                    self.make_person(org, pick(rng, ["ops", "manager"]))
                if kind == "vendor":
                    org.contacts = [pick(rng, self.by_role.get("buyer", []) + self.by_role.get("ops", []) or self.employees)]
                elif kind == "customer":
                    org.contacts = [pick(rng, self.by_role["sales"])]
                else:
                    org.contacts = [pick(rng, self.by_role.get("ops", []) + [self.employees[0]])]
                if rng.random() < 0.35:
                    extra = pick(rng, self.employees)
                    if extra not in org.contacts:
                        org.contacts.append(extra)
                org.rate = {"vendor": rng.uniform(0.45, 1.5), "customer": rng.uniform(0.45, 1.4), "partner": rng.uniform(0.3, 0.9)}[kind]
                org.statements = kind == "vendor" and len(org.people) > 1 and rng.random() < 0.6
                org.bcc_announce = rng.random() < 0.3
                self.orgs.append(org)
        # one relationship starts during the timeline, with an introduction
        if rng.random() < 0.7:
            o = pick(rng, self.orgs)
            o.since = rng.uniform(0.12, 0.4)
        self.scale = 1.0

    def dmarc_policy(self, dom: str) -> str | None:
        if dom in self.dmarc_pol:
            return self.dmarc_pol[dom]
        h = hashlib.sha256(dom.encode()).digest()[0]
        return [None, "none", "none", "quarantine", "reject"][h % 5]

    # ---------------------------------------------------------------- time
    def frac_utc(self, f: float) -> datetime:
        return self.start + timedelta(seconds=self.days * 86400 * f)

    def frac_of(self, t: datetime) -> float:
        return (t.astimezone(UTC) - self.start).total_seconds() / (self.days * 86400)

    def work_time(self, rng: random.Random, person: Person, day: date, evening: bool = False) -> datetime:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        h0, h1 = person.hours
        if evening:
            h = rng.uniform(20.0, 23.3)
        else:
            h = (rng.uniform(h0, h1) + rng.uniform(h0, h1)) / 2 if rng.random() < 0.7 else rng.uniform(h0, h1)
        naive = datetime(day.year, day.month, day.day) + timedelta(seconds=int(h * 3600) + rng.randint(0, 59))
        return person.zone.local(naive)

    def next_slot(self, rng: random.Random, person: Person, after: datetime, gap: str) -> datetime:
        kind = pick(rng, gap.split("|")) if gap else "hours"
        secs = {"quick": lambda: max(240, rng.expovariate(1 / 2400)), "hours": lambda: rng.uniform(3600, 6 * 3600),
                "day": lambda: rng.uniform(14 * 3600, 40 * 3600), "days": lambda: rng.uniform(2 * 86400, 8 * 86400),
                "weeks": lambda: rng.uniform(7 * 86400, 24 * 86400)}[kind]()
        cand = after.astimezone(UTC) + timedelta(seconds=secs)
        loc = person.zone.from_utc(cand)
        h = loc.hour + loc.minute / 60
        h0, h1 = person.hours
        if loc.weekday() >= 5 or h >= h1 or h < h0:
            d = loc.date() if h < h0 and loc.weekday() < 5 else loc.date() + timedelta(days=1)
            while d.weekday() >= 5:
                d += timedelta(days=1)
            naive = datetime(d.year, d.month, d.day) + timedelta(seconds=int((h0 + rng.uniform(0, 2.5)) * 3600) + rng.randint(0, 59))
            res = person.zone.local(naive)
        else:
            res = loc
        if res.astimezone(UTC) <= after.astimezone(UTC) + timedelta(minutes=3):
            res = person.zone.from_utc(after.astimezone(UTC) + timedelta(minutes=rng.randint(4, 40)))
        return res

    def new_thread(self) -> str:
        self.tcount += 1
        return f"t{self.tcount:04d}"

# --------------------------------------------------------------------------------------------------
# writing messages
# --------------------------------------------------------------------------------------------------


class SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


PO_PO = re.compile(r"\bPO (PO|P)(?=[- ]?\d)")


def fmt(template: str, ctx: dict) -> str:
    out = template.format_map(ctx)
    if "PO P" in out:
        out = PO_PO.sub(r"\1", out)
    return out


def money(rng: random.Random, loc: Locale, lo: float = 180, hi: float = 24000) -> str:
    v = round(rng.uniform(lo, hi), 2)
    s = f"{v:,.2f}"
    if loc.lang in ("de", "nl", "fr", "sv"):
        s = s.replace(",", "_").replace(".", ",").replace("_", ".")
        return f"{s} {loc.currency.strip()}" if loc.currency == "€" else f"{loc.currency.strip()} {s}"
    return f"{loc.currency}{s}"


def day_text(rng: random.Random, t: datetime, loc: Locale, lo: int = 2, hi: int = 14) -> str:
    d = t.date() + timedelta(days=rng.randint(lo, hi))
    while d.weekday() >= 5:
        d += timedelta(days=1)
    if loc.key == "us":
        return f"{d:%A}, {d:%B} {d.day}"
    if rng.random() < 0.25:
        return f"{d:%A}"
    return f"{d:%A} {d.day} {d:%B}"


def thread_ctx(W: World, rng: random.Random, org: Org, t: datetime) -> SafeDict:
    items = org.items or ["the order"]
    item, item2 = pick(rng, items), pick(rng, items)
    qty = pick(rng, ["10", "12", "20", "24", "25", "40", "50", "60", "100", "120", "200", "250", "500", "1,000"])
    qty2 = pick(rng, ["8", "15", "30", "45", "80", "150", "300", "750"])
    if item.startswith(("the ", "a ", "an ", "two ", "A1 ")):
        qitem = item
    else:
        qitem = f"{qty} x {item}" if rng.random() < 0.5 else f"{qty} {item}"
    buyer_is_local = org.kind == "vendor"
    seller = org if buyer_is_local else W.local
    buyer = W.local if buyer_is_local else org
    y = t.year % 100
    po = buyer.po_fmt.format(n=buyer.next_no(), y=y)
    inv = seller.inv_fmt.format(n=seller.next_no(), y=t.year)
    prev_month = (t.replace(day=1) - timedelta(days=1))
    cname, curl = courier_link(rng, seller.courier, seller)
    docs = pick(rng, DOCS)
    ctx = SafeDict(
        item=item, item2=item2, qitem=qitem, qty=qty, qty2=qty2, po=po, inv=inv,
        quote_no=f"{pick(rng, ['Q', 'QU-', 'QT', 'Q-'])}{seller.next_no()}", amount=money(rng, seller.loc),
        day=day_text(rng, t, W.loc), day2=day_text(rng, t, W.loc, 5, 20),
        time=pick(rng, ["9:30", "10:00", "10:30", "11:00", "14:00", "14:30", "15:00", "16:00"]),
        month=f"{prev_month:%B}", year=str(prev_month.year), weeks=str(rng.randint(2, 8)), pct=str(rng.randint(3, 12)),
        ref=f"{pick(rng, ['REF', 'R', 'PAY', ''])}{rng.randint(10000, 99999)}", docs=docs, docs_cap=docs[0].upper() + docs[1:],
        topic=pick(rng, TOPICS), track=link(curl), courier=cname, quarter=f"Q{(t.month - 1) // 3 % 4 + 1 + 1 if t.month < 10 else 1}",
    )
    ctx["issue"] = fmt(pick(rng, ISSUES), ctx)
    return ctx


def choose_client(rng: random.Random, p: Person) -> Client:
    if p.alt_client is not None and rng.random() < p.alt_p:
        return p.alt_client
    return p.client


def compose(W: World, rng: random.Random, sender: Person, to: list, intent: str | None, ctx: dict, *, core: str | None = None,
            client: Client | None = None, extra: str | None = None, no_greet: bool = False, sig: bool = True) -> str:
    ctx = SafeDict(ctx)
    ctx["me"] = sender.first
    first_to = to[0] if to else None
    ctx["first"] = first_to.first if first_to is not None and not first_to.is_role else ""
    short = intent in ("thanks", "docs_ack", "meeting_reply", "quote_accept", "forecast_ack", "meeting_confirm")
    phone = client is not None and client.phone
    if no_greet or (short and rng.random() < sender.terse) or (phone and rng.random() < 0.5):
        g = None
    elif len(to) > 1 and rng.random() < 0.5:
        g = pick(rng, GREET_MANY)
    elif ctx["first"]:
        g = fmt(pick(rng, sender.greet), ctx)
    else:
        g = pick(rng, ["Hello,", "Hi,", "Good morning,", "Dear Sir or Madam,", "Hi there,", "Hello team,"])
    if core is None:
        pool = INTENTS[intent][1]
        if "fs" not in ctx or ctx.get("fs") is None:
            pool = [b for b in pool if "{fs}" not in b] or pool
        core = pick(rng, pool)
    paras = []
    lead = []
    if not short and not phone and rng.random() < 0.35:
        lead.append(pick(rng, OPENERS))
    lead.append(fmt(core, ctx))
    paras.append(" ".join(lead) if not lead[-1].count("\n") else "\n\n".join(lead))
    if extra:
        paras.append(fmt(extra, ctx))
    if not short and not phone and rng.random() < 0.4:
        paras.append(pick(rng, CLOSERS))
    text = ((g + "\n\n") if g else "") + "\n\n".join(paras)
    if not sig:
        return text
    if phone:
        tail = (sender.first + "\n\n" if rng.random() < 0.5 else "") + (client.footer or "")
        return text + "\n\n" + tail.strip()
    if short and rng.random() < 0.5:
        return text + "\n\n" + sender.first
    return text + "\n\n" + sender.signoff + "\n" + sender.sig


def thread_index(rng: random.Random, parent: Mail | None) -> str:
    if parent is not None and parent.thread_index:
        raw = base64.b64decode(parent.thread_index)
        return base64.b64encode(raw + rng.randbytes(5)).decode()
    return base64.b64encode(b"\x01\xda" + rng.randbytes(20)).decode()


def base_subject(s: str) -> str:
    while True:
        for pre in ("RE: ", "Re: ", "AW: ", "RE : ", "Antw: ", "SV: ", "Fwd: ", "FW: ", "WG: ", "TR : "):
            if s.startswith(pre):
                s = s[len(pre):]
                break
        else:
            return s


def reply_prefix(rng: random.Random, sender: Person, client: Client) -> str:
    pre = client.reply
    lang = sender.org.loc.lang
    if pre == "RE: ":
        if lang == "de":
            return "AW: "
        if lang == "fr":
            return "RE : "
        if lang == "sv":
            return "SV: "
        if lang == "nl" and rng.random() < 0.3:
            return "Antw: "
    return pre


def make_mail(W: World, rng: random.Random, sender: Person, t: datetime, to: list, cc: list | None = None, subject: str = "",
              text: str = "", *, parent: Mail | None = None, quote: bool = True, attachments: list | None = None,
              kind: str = "conversation", thread: str | None = None, client: Client | None = None, net: Network | None = None,
              extra: list | None = None, reply_to: tuple | None = None, want_html: bool | None = None, append: bool = True) -> Mail:
    cc = cc or []
    client = client or choose_client(rng, sender)
    org = sender.org
    net = net or org.net
    local = W.local
    if org is local:
        direction = "internal" if all(p.org is local for p in to + cc) else "out"
    else:
        direction = "in"
    rcpt = [p.email for p in to + cc if p.org is local] if direction != "out" else []
    if want_html is None:
        want_html = sender.html if client is sender.client else rng.random() < client.html
    m = Mail(t=t, sender=sender, frm=sender.addr, to=[p.addr for p in to], cc=[p.addr for p in cc], rcpt=rcpt, subject=subject,
             new_text=text, quote_of=parent if (parent is not None and quote) else None, want_html=want_html,
             attachments=list(attachments or []), net=net, client=client, direction=direction, thread=thread, kind=kind,
             extra=list(extra or []), reply_to=reply_to)
    m.to_people, m.cc_people = list(to), list(cc)
    m.mid = net.message_id(rng, sender, client, t, org.domain)
    if parent is not None:
        m.irt = parent.mid
        refs = parent.refs + [parent.mid]
        m.refs = refs if len(refs) <= 12 else refs[:1] + refs[-11:]
    if client.quote == "outlook" and client.key in ("outlook_exch", "outlook_smtp", "outlook_mac", "outlook_mobile"):
        m.thread_index = thread_index(rng, parent)
    if org.migrated_mark > 0 and kind == "conversation" and direction == "in":
        m.kind = "change:provider_migration"
        org.migrated_mark -= 1
    m.lang = org.loc.lang
    m.logo = org.logo and client.quote == "outlook" and want_html and not client.phone
    m.delay = rng.uniform(4, 95) if direction != "out" else rng.uniform(1, 5)
    if append:
        W.msgs.append(m)
    return m


# --------------------------------------------------------------------------------------------------
# rendering one message to bytes
# --------------------------------------------------------------------------------------------------

HEADER_ORDER = {
    "outlook": ["From", "To", "CC", "Reply-To", "Subject", "Thread-Topic", "Thread-Index", "Date", "Message-ID", "References", "In-Reply-To",
                "Accept-Language", "Content-Language", "X-MS-Has-Attach", "X-MS-TNEF-Correlator", "X-Mailer", "User-Agent", "*", "MIME-Version"],
    "gmail": ["MIME-Version", "References", "In-Reply-To", "From", "Date", "Message-ID", "Subject", "To", "Cc", "Reply-To", "X-Mailer", "*"],
    "apple": ["From", "Mime-Version", "Subject", "In-Reply-To", "Date", "Cc", "Reply-To", "Message-Id", "References", "To", "X-Mailer", "*"],
    "thunderbird": ["Message-ID", "Date", "MIME-Version", "User-Agent", "Subject", "To", "Cc", "References", "Reply-To", "From", "In-Reply-To", "*"],
    "plain": ["Date", "From", "To", "Cc", "Reply-To", "Subject", "Message-ID", "In-Reply-To", "References", "X-Mailer", "User-Agent", "*", "MIME-Version"],
}


def render(W: World, rng: random.Random, m: Mail) -> str:
    local = W.local
    q = m.client.quote if m.client else "plain"
    # ---- body
    text = m.text_override if m.text_override is not None else full_plain(m)
    logo_cid = None
    if m.logo and m.html_override is None:
        logo_cid = f"image001.png@01DA{rhex(rng, 4, True)}.{rhex(rng, 8, True)}"
    html = m.html_override if m.html_override is not None else (full_html(m, logo_cid) if m.want_html else None)
    if html is None:
        body = leaf_text("text/plain", text, q)
    else:
        body = multipart("alternative", boundary(rng, m, 0), [leaf_text("text/plain", text, q), leaf_text("text/html", html, q)])
        if logo_cid:
            body = multipart("related", boundary(rng, m, 1), [body, leaf_attachment("image001.png", "image/png", fake_payload(rng, "image/png"), logo_cid)],
                             extra='\n\ttype="multipart/alternative";')
    if m.attachments:
        body = multipart("mixed", boundary(rng, m, 2), [body] + [leaf_attachment(fn, ct, data) for fn, ct, data in m.attachments])
    # ---- message headers
    date_t = m.t if m.date_zone_override is None else m.t.astimezone(m.date_zone_override)
    hv: dict[str, str] = {}
    hv["From"] = fmt_addr(m.frm)
    if m.to_raw is not None:
        hv["To"] = m.to_raw
    elif m.to:
        hv["To"] = ", ".join(fmt_addr(a) for a in m.to)
    if m.cc:
        hv["CC" if q == "outlook" else "Cc"] = ", ".join(fmt_addr(a) for a in m.cc)
    if m.reply_to:
        hv["Reply-To"] = fmt_addr(m.reply_to)
    hv["Subject"] = enc_subject(m.subject)
    hv["Date"] = rfc_date(date_t, pad=(q in ("gmail", "thunderbird")))
    hv["Message-Id" if q == "apple" else "Message-ID"] = m.mid
    if m.refs:
        hv["References"] = " ".join(m.refs) if q != "outlook" else "\n ".join(m.refs)
    if m.irt:
        hv["In-Reply-To"] = m.irt
    hv["Mime-Version" if q == "apple" else "MIME-Version"] = "1.0" if q != "apple" else "1.0 (Mac OS X Mail 16.0 \\(3774.300.61.1.2\\))"
    if m.client and m.client.header:
        hv[m.client.header[0]] = m.client.header[1]
    if m.thread_index:
        hv["Thread-Topic"] = enc_subject(base_subject(m.subject))
        hv["Thread-Index"] = m.thread_index
        hv["Accept-Language"] = "de-DE, en-US" if m.lang == "de" else "en-GB, en-US"
        hv["Content-Language"] = "de-DE" if m.lang == "de" else "en-GB"
        hv["X-MS-Has-Attach"] = "yes" if m.attachments else ""
        hv["X-MS-TNEF-Correlator"] = ""
    order = HEADER_ORDER.get(q, HEADER_ORDER["plain"])
    msg_lines: list[str] = []
    seen = []
    for name in order:
        if name == "*":
            for n2, v2 in m.extra:
                msg_lines.append(fold_header(n2, v2))
            continue
        if name in hv:
            v = hv[name]
            msg_lines.append(f"{name}:" if v == "" else fold_header(name, v))
            seen.append(name)
    for name, v in hv.items():
        if name not in seen:
            msg_lines.append(f"{name}:" if v == "" else fold_header(name, v))
    # ---- trace headers
    trace: list[str] = []
    net = m.net
    sender_addr = m.frm[1]
    if m.direction in ("in", "internal"):
        rp = m.return_path or sender_addr
        trace.append(f"Return-Path: <{rp}>")
        for r in m.rcpt:
            trace.append(f"Delivered-To: {r}")
        helo, rdns, ip = m.hop if getattr(m, "hop", None) else net.hop(rng)
        tdel = W.zone.from_utc(m.t_deliver)
        tls = None if (net.family == "vps" and rng.random() < 0.5) else tls_line(net.tls_modern)
        rec = f"Received: from {helo} ({rdns} [{ip}])\n\t" + (tls + "\n\t" if tls else "")
        rec += f"by mx.{local.domain} (Postfix) with {'ESMTPS' if tls else 'ESMTP'} id {postfix_qid(rng)}"
        if len(m.rcpt) == 1:
            rec += f"\n\tfor <{m.rcpt[0]}>"
        rec += f"; {postfix_date(tdel, W.zone)}"
        sigs = dkim_sigs(rng, m, net)
        trace.append(rec)
        trace.append("Authentication-Results: " + auth_results(W, m, rp, ip, sigs))
        if m.auth and m.auth.get("upstream_ar"):
            trace.append("Authentication-Results: " + m.auth["upstream_ar"])
        inner = net.inner_received(rng, m.t + timedelta(seconds=min(3, m.delay / 3)), m.rcpt[0] if len(m.rcpt) == 1 else None, sender_addr,
                                   m.client_ip, m.sender.mbx if m.sender and m.sender.mbx else None)
        trace += ["Received: " + r for r in inner]
        for d, s, b, hlist in sigs:
            trace.append(dkim_header(rng, m, d, s, b, hlist))
        for n2, v2 in net.extra_headers(rng, m.t, m.sender, bool(m.attachments)):
            trace.append(fold_header(n2, v2))
    else:
        inner = net.inner_received(rng, m.t, None, sender_addr, None, m.sender.mbx if m.sender and m.sender.mbx else None)
        trace += ["Received: " + r for r in inner[-1:]]
    head = "\n".join(trace + msg_lines)
    raw = head + "\n" + body
    # mboxrd escaping of From_ lines inside the message
    if "From " in raw:
        raw = FROM_LINE.sub(r">\1", raw)
    return raw


FROM_LINE = re.compile(r"(?m)^(>*From )")


def dkim_sigs(rng: random.Random, m: Mail, net: Network) -> list:
    if m.auth and m.auth.get("dkim") == "none":
        return []
    out = []
    hl = "From:To:Subject:Date:Message-ID:Content-Type:MIME-Version"
    if m.auth and m.auth.get("dkim_d"):
        out.append((m.auth["dkim_d"], m.auth.get("dkim_s", net.selector or "default"), b64(rng, 256), hl))
    elif net.dkim_d:
        out.append((net.dkim_d, net.selector or "default", b64(rng, 256), hl))
    if net.family == "fastmail":
        out.append(("messagingengine.com", net.selector, b64(rng, 256), "cc:content-type:date:feedback-id:from:message-id:mime-version:subject:to"))
    if net.family in ("ses",):
        out.append(("amazonses.com", "ihchhvubuqgjsxyuhssfvqohv7z3u4hn", b64(rng, 128), "Subject:From:To:Date:MIME-Version:Content-Type:Message-ID:Feedback-ID"))
    if net.family in ("mailchimp",):
        out.append(("mcsv.net", "k3", b64(rng, 128), "From:Subject:To:Date:Message-ID:List-ID:List-Unsubscribe:Content-Type:MIME-Version"))
    if net.family in ("sendgrid",) and not out:
        out.append(("sendgrid.net", "smtpapi", b64(rng, 128), "from:subject:content-type:to"))
    return out


def dkim_header(rng: random.Random, m: Mail, d: str, s: str, b: str, hl: str) -> str:
    ts = int(m.t.timestamp())
    bh = b64(rng, 32)
    folded_b = "\n\t ".join(b[i:i + 70] for i in range(0, len(b), 70))
    return (f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={d};\n\ts={s}; t={ts}; bh={bh};\n\th={hl};\n\tb={folded_b}")


def aligned(d: str, from_dom: str) -> bool:
    d, from_dom = d.lower(), from_dom.lower()
    return d == from_dom or from_dom.endswith("." + d) or d.endswith("." + from_dom)


def auth_results(W: World, m: Mail, rp: str, ip: str, sigs: list) -> str:
    a = m.auth or {}
    from_dom = m.frm[1].rsplit("@", 1)[1].lower()
    rp_dom = rp.rsplit("@", 1)[1].lower() if "@" in rp else from_dom
    spf = a.get("spf", "pass")
    dk = a.get("dkim_result", "pass")
    pol = W.dmarc_policy(from_dom)
    parts = []
    for d, s, b, _ in sigs:
        parts.append(f"dkim={dk} (2048-bit key; unprotected) header.d={d} header.i=@{d} header.a=rsa-sha256 header.s={s} header.b={b[:8]}")
    if not sigs:
        parts.append("dkim=none (message not signed)")
    if spf == "pass":
        parts.append(f"spf=pass (mx.{W.local.domain}: domain of {rp} designates {ip} as permitted sender) smtp.mailfrom={rp}")
    else:
        parts.append(f"spf={spf} (mx.{W.local.domain}: {ip} is neither permitted nor denied by domain of {rp}) smtp.mailfrom={rp}")
    if "dmarc" in a:
        dm = a["dmarc"]
    elif pol is None:
        dm = "none"
    else:
        ok = (spf == "pass" and aligned(rp_dom, from_dom)) or (dk == "pass" and any(aligned(d, from_dom) for d, _, _, _ in sigs))
        dm = "pass" if ok else "fail"
    if pol is None:
        parts.append(f"dmarc={dm} header.from={from_dom}")
    else:
        parts.append(f"dmarc={dm} (p={pol.upper()} sp={pol.upper()} dis=NONE) header.from={from_dom}")
    return f"mx.{W.local.domain};\n\t" + ";\n\t".join(parts)

# --------------------------------------------------------------------------------------------------
# legitimate traffic
# --------------------------------------------------------------------------------------------------


def active(W: World, p: Person, t: datetime) -> bool:
    f = W.frac_of(t)
    return p.active[0] <= f < p.active[1]


def ext_people(W: World, org: Org, t: datetime) -> tuple[Person, Person]:
    ppl = [p for p in org.people if active(W, p, t)] or org.people[:1]
    main = [p for p in ppl if p.role in ("main", "ops", "manager")] or ppl
    acct = [p for p in ppl if p.role == "accounts"] or main
    return main[0] if org.main_first else pick(W.rng, main), acct[0]


def attach_for(W: World, rng: random.Random, intent: str, ctx: dict, org: Org, sender: Person) -> list:
    c = ctx
    files = []
    style = org.file_style if hasattr(org, "file_style") else 0
    if intent == "po_send" and rng.random() < 0.9:
        files.append(f"{c['po']}.pdf" if style != 1 else f"Purchase Order {c['po']}.pdf")
    elif intent == "order_confirm" and rng.random() < 0.25:
        files.append(f"Order acknowledgement {c['po']}.pdf")
    elif intent == "invoice_send":
        files.append([f"Invoice_{c['inv']}.pdf", f"{c['inv']}.pdf", f"{sender.org.short} Invoice {c['inv']}.pdf", f"INV_{c['inv']}.pdf"][style % 4])
    elif intent == "invoice_query_answer":
        files += [f"Credit note CN{sender.org.next_no()}.pdf", f"{c['inv']}-rev1.pdf"]
    elif intent == "statement_send":
        files.append(f"Statement {c['month']} {c['year']}.pdf")
    elif intent == "quote_send":
        files.append(f"{c['quote_no']}.pdf")
    elif intent == "quote_answer" and rng.random() < 0.3:
        files.append(f"{c['quote_no']} rev B.pdf")
    elif intent == "issue_report" and rng.random() < 0.6:
        files += [f"IMG_{rng.randint(1000, 9999)}.jpg" for _ in range(rng.randint(1, 3))]
    elif intent == "issue_resolution" and rng.random() < 0.4:
        files.append(f"Credit note CN{sender.org.next_no()}.pdf")
    elif intent == "remittance":
        files.append(f"Remittance {c['ref']}.pdf")
    elif intent == "forecast":
        files.append(f"Forecast {c['quarter']}.xlsx")
    elif intent == "review_request":
        files.append(f"{slug(c['item'].replace('the ', '')).title()} draft v{rng.randint(1, 4)}.docx")
    elif intent == "review_feedback" and rng.random() < 0.6:
        files.append(f"{slug(c['item'].replace('the ', '')).title()} - comments.docx")
    elif intent == "project_update" and rng.random() < 0.2:
        files.append(f"{slug(c['item'].replace('the ', '')).title()} v{rng.randint(2, 9)}.pdf")
    elif intent == "rfq" and rng.random() < 0.3:
        files.append(f"Specification {c['ref']}.pdf")
    return [attachment(rng, f) for f in files]


def on_holiday(W: World, p: Person, t: datetime) -> bool:
    h = getattr(p, "holiday", None)
    return bool(h) and h[0] <= t.astimezone(UTC) < h[1]


def auto_reply(W: World, rng: random.Random, p: Person, to_mail: Mail, thread: str | None):
    back = p.zone.from_utc(p.holiday[1])
    lang = p.org.loc.lang
    if lang == "de":
        subj = f"Abwesenheitsnotiz: {to_mail.subject}" if rng.random() < 0.5 else f"Automatische Antwort: {to_mail.subject}"
        txt = (f"Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich {back - timedelta(days=1):%d.%m.%Y} nicht im Büro und habe keinen Zugriff auf meine E-Mails. "
               f"In dringenden Fällen wenden Sie sich bitte an {p.org.people[-1].email}.\n\nThank you for your email. I am out of the office until {back:%d %B}.")
    else:
        subj = f"Automatic reply: {to_mail.subject}" if p.client.quote == "outlook" else f"Out of Office: {to_mail.subject}"
        txt = (f"Thank you for your email. I am out of the office until {back:%A %d %B} with limited access to email. "
               f"For anything urgent please contact {p.org.people[-1].email if p.org.people[-1] is not p else 'our office on ' + p.phone}.")
    t = p.zone.from_utc(to_mail.t_deliver + timedelta(seconds=rng.randint(20, 200)))
    m = make_mail(W, rng, p, t, [to_mail.sender], [], subj, txt + "\n\n" + p.name, parent=to_mail, quote=False, kind="auto_reply",
                  thread=thread, client=p.client, extra=[("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")], want_html=False)
    return m


def run_script(W: World, rng: random.Random, org: Org, steps: list, day: date, *, thread: str | None = None, first_time: datetime | None = None,
               first_client: Client | None = None, first_kind: str | None = None, first_cc_many: bool = False, first_sender: Person | None = None,
               first_core: str | None = None, ctx_extra: dict | None = None, min_len: int = 0, first_subject: str | None = None) -> list:
    thread = thread or W.new_thread()
    t0 = W.frac_utc(W.frac_of(datetime(day.year, day.month, day.day, 12, tzinfo=UTC)))
    ctx = thread_ctx(W, rng, org, t0)
    if ctx_extra:
        ctx.update(ctx_extra)
    main, acct = ext_people(W, org, t0)
    if first_sender is not None and first_sender.org is org:
        main = first_sender
    loc_p = pick(rng, org.contacts)
    a_side = "X" if rng.random() < 0.5 else "L"
    if org.fileshare:
        u, anchor = fileshare_link(rng, org.fileshare, org, main, ctx["docs_cap"])
        ctx["fs"] = link(u, u if rng.random() < 0.6 else anchor)
    else:
        ctx["fs"] = None
    msgs: list[Mail] = []
    prev: Mail | None = None
    skipped = False
    base = None
    for side, intent, gap, p, dep in steps:
        if dep and skipped:
            continue
        if rng.random() >= p and not (min_len and len(msgs) < min_len):
            skipped = True
            continue
        skipped = False
        if side == "A":
            side = a_side
        elif side == "B":
            side = "L" if a_side == "X" else "X"
        # sender and recipients
        if prev is None:
            if side == "X":
                sender = acct if intent in ACCOUNTS_INTENTS else main
                if first_sender is not None:
                    sender = first_sender
                if intent in ACCOUNTS_INTENTS:
                    to = [W.roles["accounts"]] if rng.random() < 0.7 else [W.by_role["finance"][0]]
                    cc = [loc_p] if rng.random() < 0.2 else []
                else:
                    to, cc = [loc_p], []
                    if len(org.contacts) > 1 and rng.random() < 0.35:
                        cc.append(org.contacts[1] if org.contacts[0] is loc_p else org.contacts[0])
                if rng.random() < 0.1 and len(org.people) > 1:
                    col = pick(rng, [x for x in org.people if x is not sender] or [sender])
                    if col is not sender and active(W, col, t0):
                        cc.append(col)
            else:
                sender = W.by_role["finance"][0] if intent in ACCOUNTS_INTENTS else loc_p
                to = [acct if intent in ("remittance", "invoice_send") else main]
                cc = []
                if rng.random() < 0.15:
                    col = pick(rng, W.employees)
                    if col is not sender:
                        cc.append(col)
            if first_cc_many:
                extra_local = [e for e in W.employees if e not in to and e is not sender]
                rng.shuffle(extra_local)
                cc += extra_local[:rng.randint(3, 6)]
                cc += [x for x in org.people if x is not sender][:2]
            client = first_client or choose_client(rng, sender)
            if first_time is not None:
                t = first_time
            else:
                t = W.work_time(rng, sender, day)
            subj_pool = INTENTS[intent][0] or ["{item}", "{item} - update", "Quick question - {item}", "Following up: {item}", "{item}"]
            if first_subject:
                subj_pool = [first_subject]
            sctx = SafeDict(ctx, my_co=sender.org.short, co=(W.local.short if sender.org is not W.local else org.short))
            for k in ("item", "qitem", "docs_cap"):
                v = sctx[k]
                if v.lower().startswith("the "):
                    sctx[k] = v[4:]
            subject = fmt(pick(rng, subj_pool), sctx)
            subject = subject[0].upper() + subject[1:]
            base = subject
        else:
            # the reply comes from the person the previous message was addressed to (on the right side)
            cands = [x for x in prev.to_people + prev.cc_people if (x.org is W.local) == (side == "L")]
            sender = cands[0] if cands else (loc_p if side == "L" else main)
            if sender.is_role:
                sender = sender.owner
            if sender.org is not W.local and not active(W, sender, prev.t):
                sender = main
            to = [prev.sender]
            cc = [x for x in prev.to_people + prev.cc_people if x is not sender and x is not prev.sender and not x.is_role]
            if sender.org is not W.local and getattr(sender.org, "ext_tag", False) and not base.startswith("[EXTERNAL]"):
                base = "[EXTERNAL] " + base
            client = choose_client(rng, sender)
            t = W.next_slot(rng, sender, prev.t_deliver, gap)
            subject = reply_prefix(rng, sender, client) + base
        if t.astimezone(UTC) > W.end:
            break
        if prev is not None and on_holiday(W, sender, t):
            t = W.next_slot(rng, sender, sender.holiday[1], "quick")
            if t.astimezone(UTC) > W.end:
                break
        mctx = SafeDict(ctx, my_co=sender.org.short, co=(W.local.short if sender.org is not W.local else org.short))
        if "{meet}" in "".join(INTENTS[intent][1]):
            url = meet_link(rng, sender.org if sender.org is not W.local else W.local)
            mctx["meet"] = link(url, url if rng.random() < 0.5 else pick(rng, ["Join the meeting", "Click here to join the meeting", "Join Zoom Meeting" if "zoom" in url else "Join"]))
        core = first_core if (prev is None and first_core) else None
        text = compose(W, rng, sender, to, intent, mctx, client=client, core=core)
        atts = attach_for(W, rng, intent, mctx, org, sender)
        said = text.split(sender.signoff)[0].lower()
        if not atts and ("attached" in said or "attach" in said.split("please find")[-1][:40]):
            name = {"docs_share": f"{mctx['docs_cap'].replace('The ', '')}.pdf", "price_update": f"Price list {mctx['year']}.xlsx",
                    "issue_report": f"IMG_{rng.randint(1000, 9999)}.jpg", "forecast": f"Forecast {mctx['quarter']}.xlsx"}.get(
                intent, f"{slug(mctx['item'].replace('the ', '')).replace('-', ' ').title() or 'Document'}.pdf")
            atts = [attachment(rng, name)]
        kind = first_kind if (prev is None and first_kind) else "conversation"
        m = make_mail(W, rng, sender, t, to, cc, subject, text, parent=prev, quote=rng.random() < 0.92, attachments=atts,
                      kind=kind, thread=thread, client=client)
        msgs.append(m)
        if m.direction == "out":
            for r in m.to_people:
                if r.org is not W.local and on_holiday(W, r, m.t) and m.sender.email not in r.ooo_sent:
                    r.ooo_sent.append(m.sender.email)  # Exchange and Gmail answer each sender once per absence
                    auto_reply(W, rng, r, m, thread)
        prev = m
    return msgs


def gen_relationships(W: World):
    rng = W.rng
    for org in W.orgs:
        for p in org.people:
            if rng.random() < 0.4:
                hs = W.frac_utc(rng.uniform(0.05, 0.9))
                p.holiday = (hs, hs + timedelta(days=rng.randint(5, 14)))
        if org.since > 0:
            intro_relationship(W, org)
        scripts = SCRIPTS[org.kind]
        rate = org.rate * W.scale
        f = max(org.since, 0.0) + rng.expovariate(rate) * 7 / W.days
        while f < 0.995:
            if org.migrate_at is not None and f >= org.migrate_at and not org.migrated:
                migrate(W, org)
            _, _, steps = wpick(rng, [((n, w, s), w) for n, w, s in scripts])
            run_script(W, rng, org, steps, W.frac_utc(f).date())
            f += rng.expovariate(rate) * 7 / W.days
        # monthly statements
        if org.statements:
            acct = next(p for p in org.people if p.role == "accounts")
            d = W.start.date().replace(day=1)
            while True:
                d = (d + timedelta(days=32)).replace(day=1)
                day = d + timedelta(days=rng.randint(0, 5))
                if W.frac_of(datetime(day.year, day.month, day.day, tzinfo=UTC)) > 0.99:
                    break
                if W.frac_of(datetime(day.year, day.month, day.day, tzinfo=UTC)) < max(org.since, 0) + 0.02:
                    continue
                run_script(W, rng, org, [("X", "statement_send", "", 1, 0), ("L", "thanks", "day", 0.12, 0)], day, first_sender=acct, first_kind="statement")


def migrate(W: World, org: Org):
    rng = W.rng
    org.migrated = True
    old_family = W.client_family(org.net)
    org.net = Network(rng, "m365" if old_family != "m365" else "google", org.domain, region=org.loc.region if org.loc.region != "apac" else "apac")
    fam = W.client_family(org.net)
    for p in org.people:
        p.client = W.clients[wpick(rng, FAMILY_CLIENTS[fam])]
        p.alt_client = None
        p.mbx = org.net.mailbox_id(rng) if fam == "m365" else ""
    org.migrated_mark = 3


def intro_relationship(W: World, org: Org):
    rng = W.rng
    day = W.frac_utc(org.since).date()
    p = org.people[0]
    lp = org.contacts[0]
    t = W.work_time(rng, p, day)
    what = {"vendor": f"we supply {pick(rng, org.items)} and similar to businesses like yours",
            "customer": f"we're looking for a new supplier for {pick(rng, org.items)}",
            "partner": f"{lp.first.split()[0]}'s colleague suggested we get in touch about {pick(rng, org.items)}"}[org.kind]
    site = link(f"https://{org.website}/", org.website)
    txt = compose(W, rng, p, [lp], None, {}, core=f"My name is {p.first} and I'm the {p.title} at {org.name}. {what[0].upper() + what[1:]}. "
                  f"You can find a bit more about us at {site}.", extra="Would you be open to a short call next week?")
    thread = W.new_thread()
    m1 = make_mail(W, rng, p, t, [lp], [], f"Introduction - {org.short}", txt, kind="first_contact", thread=thread)
    t2 = W.next_slot(rng, lp, m1.t_deliver, "day")
    r = compose(W, rng, lp, [p], None, {}, core="Thanks for reaching out. Yes, happy to talk. How about {day} at {time}?".format(
        day=day_text(rng, t2, W.loc), time=pick(rng, ["10:00", "11:30", "14:00", "15:30"])))
    m2 = make_mail(W, rng, lp, t2, [p], [], reply_prefix(rng, lp, lp.client) + m1.subject, r, parent=m1, thread=thread, kind="first_contact_reply")
    t3 = W.next_slot(rng, p, m2.t_deliver, "hours")
    r3 = compose(W, rng, p, [lp], "meeting_confirm", SafeDict(meet=link(meet_link(rng, org))))
    make_mail(W, rng, p, t3, [lp], [], reply_prefix(rng, p, p.client) + m1.subject, r3, parent=m2, thread=thread)


# ---- legitimate changes of habit -------------------------------------------------------------------


def gen_changes(W: World):
    rng = W.rng
    orgs = [o for o in W.orgs if o.kind in ("vendor", "customer", "partner")]
    lo = 0.25
    # a late-evening email from a known contact
    for _ in range(rng.randint(1, 3)):
        o = pick(rng, orgs)
        p = pick(rng, o.people)
        f = rng.uniform(max(lo, o.since + 0.05), 0.97)
        day = W.frac_utc(f).date()
        steps = pick(rng, SCRIPTS[o.kind])[2]
        steps = [s for s in steps if s[0] in ("X", "A")][:1] + [s for s in steps[1:] if s[0] != "X"][:1]
        steps = [("X", steps[0][1], "", 1, 0)] + [("L", "thanks", "day", 0.6, 0)]
        run_script(W, rng, o, steps, day, first_sender=p, first_time=W.work_time(rng, p, day, evening=True), first_kind="change:late_evening")
    # a message Cc'ing several people
    for _ in range(rng.randint(1, 2)):
        o = pick(rng, orgs)
        day = W.frac_utc(rng.uniform(max(lo, o.since + 0.05), 0.97)).date()
        run_script(W, rng, o, [("X", pick(rng, ["project_update", "meeting_propose", "price_update", "docs_share"]), "", 1, 0), ("L", "thanks", "hours", 0.7, 0)],
                   day, first_cc_many=True, first_kind="change:cc_many")
    # a known contact writes once from a new phone client
    cands = [p for o in orgs for p in o.people if p.alt_client is None and not p.client.phone]
    for p in rng.sample(cands, min(len(cands), rng.randint(1, 2))):
        fam = W.client_family(p.org.net)
        cl = W.clients[pick(rng, FAMILY_PHONE[fam] if fam != "m365" else ["iphone", "outlook_mobile"])]
        if cl.key == p.client.key:
            continue
        day = W.frac_utc(rng.uniform(max(0.35, p.org.since + 0.1), 0.97)).date()
        run_script(W, rng, p.org, [("X", pick(rng, ["thanks", "stock_answer", "meeting_reply", "project_reply", "issue_ack"]), "", 1, 0),
                                   ("L", "thanks", "hours", 0.4, 0)], day, first_sender=p, first_client=cl, first_kind="change:new_phone_client")
    # a vendor shares a WeTransfer link once for a big file after months of history
    vend = [o for o in orgs if o.fileshare != "wetransfer"]
    if vend:
        o = pick(rng, vend)
        p = o.people[0]
        day = W.frac_utc(rng.uniform(max(0.45, o.since + 0.2), 0.97)).date()
        u = f"https://we.tl/t-{rstr(rng, 10, B62)}" if rng.random() < 0.5 else f"https://wetransfer.com/downloads/{rhex(rng, 32)}{rng.randint(20230101, 20251231)}/{rhex(rng, 6)}"
        core = pick(rng, ["The {docs} are too big to email (about {mb} MB), so I've sent them via WeTransfer: {u}",
                          "Here are {docs}. The file is over {mb} MB so I've used WeTransfer this time: {u}",
                          "As discussed, {docs} via WeTransfer as they won't go through email: {u}"]).format(
            docs=pick(rng, DOCS).replace("the ", "the "), mb=rng.randint(60, 900), u=link(u))
        run_script(W, rng, o, [("X", "docs_share", "", 1, 0), ("L", "docs_ack", "hours", 0.8, 0)], day, first_sender=p, first_core=core,
                   first_kind="change:wetransfer_once")
    # a new colleague at a known org writes for the first time from the known domain (planned in plan_changes)
    o, newp, old, f = W.new_colleague
    day = W.frac_utc(f).date()
    core = pick(rng, ["I've taken over the {co} account from {old}, who has moved to a new role. I'll be your main contact from now on, so please copy me in on anything going forward.",
                      "Just a quick note to introduce myself: I've joined {my_co} as {title} and will be looking after your account alongside {old}.",
                      "{old} asked me to pick up your open orders for the next few weeks, so I'll be in touch about {item}."])
    core = core.replace("{old}", old.first).replace("{title}", newp.title)
    run_script(W, rng, o, [("X", "project_update" if o.kind == "partner" else "stock_answer", "", 1, 0), ("L", "thanks", "hours", 0.8, 0)], day,
               first_sender=newp, first_core=core, first_kind="change:new_colleague",
               first_subject=pick(rng, ["Introduction", f"New contact at {o.short}", f"{o.short} - your account", f"Hello from {o.short}", "Your account"]),
               first_time=W.work_time(rng, newp, day))
    # a genuine change of bank details, announced properly
    if rng.random() < 0.35:
        o = pick(rng, [x for x in orgs if x.kind == "vendor"] or orgs)
        acct = [p for p in o.people if p.role == "accounts"] or o.people
        day = W.frac_utc(rng.uniform(0.3, 0.95)).date()
        core = pick(rng, ["Please note that following our move to {bank}, our bank details change from {day}. The attached letter on our headed paper has the new details; {sig} will also call you to confirm before the next payment run. Please do not act on any change of details you receive by email alone.",
                          "As part of our merger with {parent}, our bank account changes from {day}. The signed notice is attached. For your security, please verify the new details by calling our main number on {phone} before updating your system."])
        core = core.replace("{bank}", pick(rng, ["Lloyds", "HSBC", "Barclays", "Commerzbank", "ING", "ABN AMRO", "BNP Paribas", "Westpac", "NAB"])) \
            .replace("{sig}", o.people[0].first).replace("{parent}", pick(rng, NAME_WORDS) + " Group").replace("{phone}", acct[0].phone)
        msgs = run_script(W, rng, o, [("X", "statement_send", "", 1, 0), ("L", "thanks", "hours", 1, 0)], day, first_sender=acct[0], first_core=core,
                          first_kind="change:bank_details")
        if msgs:
            msgs[0].subject = pick(rng, ["Change of bank details", f"{o.short} - new bank details", "Important: change of bank account"])
            msgs[0].attachments = [attachment(rng, "Change of bank details letter.pdf")]
            for m in msgs[1:]:
                m.subject = reply_prefix(rng, m.sender, m.client) + msgs[0].subject
                m.new_text = compose(W, rng, m.sender, m.to_people, None, {}, core="Thanks for letting us know. We'll call your office to verify the details before updating our records.")


def gen_announcements(W: World):
    """Known correspondents sometimes write to all their customers at once, with the list in Bcc."""
    rng = W.rng
    for o in W.orgs:
        if not o.bcc_announce:
            continue
        for _ in range(rng.randint(1, 2)):
            p = o.people[-1] if len(o.people) > 2 else o.people[0]
            f = rng.uniform(max(o.since, 0) + 0.05, 0.97)
            t = W.work_time(rng, p, W.frac_utc(f).date())
            site = link(f"https://{o.website}/", o.website)
            subj, core = pick(rng, [
                ("Christmas and New Year opening hours", f"Please note our offices will close on 23 December and reopen on 2 January. Orders placed after 18 December will be delivered in the new year. Full details on {site}."),
                (f"Price review {t.year + (t.month > 9)}", f"We are writing to let all our customers know that our prices will be reviewed from 1 {pick(rng, ['January', 'April', 'March'])}. Your account manager will be in touch with your individual price list. More information: {site}"),
                (f"{o.short} is moving", f"From {day_text(rng, t, o.loc, 20, 40)} our new address will be {pick(rng, STREETS.get(o.loc.lang, STREETS['en']))}. Phone numbers and email addresses stay the same."),
                ("New phone system", f"We're upgrading our phone system on {day_text(rng, t, o.loc, 5, 15)}. Lines may be intermittent for an hour that morning; email is unaffected."),
                ("Important: our bank details are NOT changing", f"We've seen fraudsters impersonating suppliers in our sector. Our bank details are not changing. If you ever receive an email saying otherwise, please call us on {p.phone} before acting on it."),
            ])
            text = compose(W, rng, p, [], None, {}, core=core, no_greet=rng.random() < 0.3)
            to_self = rng.random() < 0.6
            m = make_mail(W, rng, p, t, [p] if to_self else [], [], subj, text, kind="vendor_announcement", thread=None)
            if not to_self:
                m.to_raw = "undisclosed-recipients:;"
            m.rcpt = list(dict.fromkeys([c.email for c in o.contacts] + ([W.roles["accounts"].email] if rng.random() < 0.5 else [])))


# ---- the rest of a mailbox ----------------------------------------------------------------------------


def stranger(W: World, kind: str, loc: Locale | None = None, suffixes=None, family: str | None = None) -> Org:
    rng = W.rng
    loc = loc or (W.loc if rng.random() < 0.7 else LOCALES[pick(rng, NEIGHBOURS[W.loc.key])])
    o = W.new_org(kind, None, loc, suffixes or ["Solutions", "Group", "Partners", "Consulting", "Services", "Recruitment", "Events"])
    if family:
        o.net = W.make_net(family, o.domain, loc)
    o.items = []
    W.make_person(o, "main")
    return o


def freemail_person(W: World, loc: Locale | None = None) -> Person:
    rng = W.rng
    loc = loc or W.loc
    dom = pick(rng, ["gmail.com", "gmail.com", "outlook.com", "hotmail.com", "yahoo.com"] + (["gmx.de", "web.de"] if loc.key == "de" else []) + (["icloud.com"]))
    o = Org(dom, dom, dom, "free", loc)
    o.zone = ZONES[pick(rng, loc.zones)]
    o.display_fmt = 0
    o.email_fmt = 0
    fam = {"gmail.com": "google", "outlook.com": "outlookcom", "hotmail.com": "outlookcom"}.get(dom, "vps")
    if fam == "vps":
        o.net = Network(rng, "own", dom, host="mout{n}." + dom, prefix=pick(rng, ["212.82.96", "213.165.67", "17.58.63"]), sel="s2048")
    else:
        o.net = Network(rng, fam, dom, region=loc.region)
    o.website = ""
    o.disclaimer = None
    o.sig_fmt = 2
    o.logo = False
    first, last = W.person_name(loc, [])
    lp = pick(rng, [f"{slug(first)}.{slug(last)}", f"{slug(first)}{slug(last)}{rng.randint(1, 99)}", f"{slug(first)[0]}{slug(last)}{rng.randint(70, 99)}"])
    p = Person(first, last, f"{lp}@{dom}", o, "", "main", W.clients["gmail_web" if fam == "google" else "owa_bare" if fam == "outlookcom" else "iphone"])
    p.zone, p.greet, p.signoff, p.sig, p.html = o.zone, [pick(rng, GREETINGS["en"])], pick(rng, SIGNOFFS["en"]), first, fam == "google"
    o.people.append(p)
    return p


def gen_first_contacts(W: World):
    rng = W.rng
    n = int(W.months * rng.uniform(2.0, 4.5))
    for _ in range(n):
        f = rng.uniform(0.01, 0.99)
        day = W.frac_utc(f).date()
        kind = wpick(rng, [("recruiter", 2), ("prospect", 3), ("supplier", 3), ("cold", 2), ("event_bcc", 0.6)])
        if kind == "prospect" and rng.random() < 0.35:
            p = freemail_person(W)
            o = p.org
        else:
            o = stranger(W, kind, suffixes={"recruiter": ["Recruitment", "Talent", "Search", "People"], "event_bcc": ["Events", "Expo", "Forum", "Summit"],
                                            "supplier": list(pick(rng, W.ind["vendors"]).suffixes), "cold": ["Software", "Analytics", "Cloud", "Solutions", "Labs"]}.get(kind))
            p = o.people[0]
        site = link(f"https://{o.website}/", o.website) if o.website else ""
        thread = W.new_thread()
        sells = pick(rng, W.ind["sells"])
        if kind == "recruiter":
            to = [W.roles["jobs"]] if rng.random() < 0.5 else [W.employees[0]]
            subj = pick(rng, ["Recruitment support", f"Candidates for {W.local.short}", "Hiring this year?", "Quick question about your hiring plans"])
            core = pick(rng, [(f"I specialise in recruiting for {W.ind['desc']} businesses in your area and noticed {W.local.short} has been growing. "
                               f"We currently have a couple of strong candidates on our books. Would it be worth a quick chat? More about us: {site}"),
                              (f"I hope you don't mind me reaching out. We place {pick(rng, ['operations', 'finance', 'sales', 'technical'])} staff with firms "
                               f"like yours, on a no-placement-no-fee basis. Details are on our website {site}.")])
        elif kind == "prospect":
            to = [W.roles["info"]] if rng.random() < 0.5 else [W.roles["sales"]]
            subj = pick(rng, ["Enquiry", f"Enquiry about {sells.replace('the ', '')}", "Pricing request", "New customer enquiry", "Question"])
            core = pick(rng, [f"We came across your website and are interested in {sells.replace('the ', '')}. Could someone send me some information and prices?",
                              f"I'm looking for a supplier for {sells.replace('the ', '')} and was recommended {W.local.short}. Do you take on new customers at the moment?",
                              f"Could you give me a call about {sells.replace('the ', '')}? We're a small business {('based nearby' if rng.random() < 0.5 else 'opening a second site')}."])
        elif kind == "supplier":
            to = [pick(rng, W.by_role.get("buyer", []) + [W.roles["info"]])]
            subj = pick(rng, [f"Introduction - {o.short}", f"{o.short} - new supplier", "Supplier introduction", f"Can {o.short} help?"])
            core = pick(rng, [f"I wanted to introduce {o.name}. We supply businesses like yours and I'd love the chance to quote next time you buy. Our range is on {site}.",
                              f"We've recently opened a branch near you and would like to offer {W.local.short} a trade account. Brochure attached, more at {site}."])
        elif kind == "cold":
            to = [pick(rng, W.employees)]
            subj = pick(rng, ["Quick question", f"{W.local.short} + {o.short}", "Saving time on admin", "Worth a chat?", "Re-thinking your reporting"])
            core = pick(rng, [f"Teams like yours use {o.short} to cut the time spent on reporting by about a third. Would a 15-minute demo be useful? You can see how it works at {site}.",
                              f"I noticed {W.local.short} is hiring, which usually means admin is growing too. We help {W.ind['desc']} firms automate it. Any interest?"])
        else:
            to = rng.sample(W.employees, min(len(W.employees), rng.randint(2, 4)))
            subj = pick(rng, [f"Invitation: {o.short} {W.start.year + 1}", f"Save the date - {o.short}", "You're invited", "Free exhibitor passes"])
            core = pick(rng, [f"We'd like to invite you to {o.short}, the trade event for the {W.ind['desc']} sector. Registration is free for trade visitors: {link('https://' + o.website + '/register', 'Register here')}",
                              f"Join 300 {W.ind['desc']} professionals at {o.short} this autumn. Programme and free registration at {site}."])
        text = compose(W, rng, p, to if kind != "event_bcc" else [], None, {}, core=core)
        t = W.work_time(rng, p, day)
        atts = [attachment(rng, f"{o.short} brochure.pdf")] if kind == "supplier" and "Brochure" in core else []
        if kind == "event_bcc":
            m = make_mail(W, rng, p, t, [p], [], subj, text, kind="first_contact_bcc", thread=thread, attachments=atts)
            m.rcpt = [x.email for x in to]
            continue
        m = make_mail(W, rng, p, t, to, [], subj, text, kind="first_contact", thread=thread, attachments=atts)
        if rng.random() < 0.35:
            owner = to[0].owner if to[0].is_role else to[0]
            t2 = W.next_slot(rng, owner, m.t_deliver, "hours|day")
            r = compose(W, rng, owner, [p], None, {}, core=pick(rng, ["Thanks for getting in touch. I'll pass this to the right person.",
                                                                       "Thanks for your email. Could you send a bit more detail on what you need?",
                                                                       "Thanks, not for us at the moment but I'll keep your details on file.",
                                                                       "Thanks. Happy to have a call, does {d} work?".replace("{d}", day_text(rng, t2, W.loc))]))
            m2 = make_mail(W, rng, owner, t2, [p], [], reply_prefix(rng, owner, owner.client) + subj, r, parent=m, thread=thread, kind="first_contact_reply")
            if rng.random() < 0.5:
                t3 = W.next_slot(rng, p, m2.t_deliver, "hours|day")
                r3 = compose(W, rng, p, [owner], "thanks", {})
                make_mail(W, rng, p, t3, [owner], [], reply_prefix(rng, p, p.client) + subj, r3, parent=m2, thread=thread, kind="first_contact")
        elif kind in ("recruiter", "cold") and rng.random() < 0.4:
            t2 = W.next_slot(rng, p, m.t_deliver, "days|weeks")
            r = compose(W, rng, p, to, None, {}, core=pick(rng, ["Just bumping this to the top of your inbox in case it got buried.",
                                                                  "Following up on my note below, is this something you'd consider?"]))
            make_mail(W, rng, p, t2, to, [], reply_prefix(rng, p, p.client) + subj, r, parent=m, thread=thread, kind="first_contact")


def gen_internal(W: World):
    rng = W.rng
    emp = W.employees
    f = rng.expovariate(1.3) * 7 / W.days
    while f < 0.995:
        a, b = rng.sample(emp, 2)
        day = W.frac_utc(f).date()
        subj_t, body_t = pick(rng, INTERNAL)
        ctx = SafeDict(day=day_text(rng, W.frac_utc(f), W.loc), day2=day_text(rng, W.frac_utc(f), W.loc, 3, 9), item=pick(rng, W.ind["sells"]),
                       co=pick(rng, W.orgs).short, topic=pick(rng, TOPICS), month=f"{W.frac_utc(f):%B}")
        thread = W.new_thread()
        t = W.work_time(rng, a, day)
        text = compose(W, rng, a, [b], None, ctx, core=body_t)
        to = [b] if rng.random() < 0.8 else rng.sample(emp, min(3, len(emp)))
        if a in to:
            to = [b]
        atts = [attachment(rng, f"Numbers {ctx['month']}.xlsx")] if "attached" in body_t else []
        m = make_mail(W, rng, a, t, to, [], fmt(subj_t, ctx), text, kind="internal", thread=thread, attachments=atts)
        if rng.random() < 0.6:
            t2 = W.next_slot(rng, b, m.t_deliver, "quick|hours")
            r = compose(W, rng, b, [a], "thanks", {}, core=pick(rng, INTERNAL_REPLIES))
            make_mail(W, rng, b, t2, [a], [], reply_prefix(rng, b, b.client) + m.subject, r, parent=m, kind="internal", thread=thread)
        f += rng.expovariate(1.3) * 7 / W.days
    # all-staff announcements
    allp = Person("All Staff", "", f"all@{W.local.domain}", W.local, is_role=True)
    everyone = W.employees + W.staff
    d = W.start.date()
    while True:
        d += timedelta(days=rng.randint(18, 40))
        if W.frac_of(datetime(d.year, d.month, d.day, tzinfo=UTC)) > 0.99:
            break
        a = pick(rng, [W.employees[0]] + W.by_role.get("admin", []) + W.by_role["finance"][:1])
        subj, body = pick(rng, [("Office closed on {day}", "Just a reminder that the office is closed on {day}."),
                                 ("Fire alarm test", "Fire alarm test on {day} at 10am, no need to leave the building."),
                                 ("Welcome {name}", "Please welcome {name}, who joins us this week as {title}."),
                                 ("Christmas party", "Save the date: our Christmas party is on {day}. More details to follow."),
                                 ("IT maintenance tonight", "Email and the file server will be unavailable tonight from 8pm for maintenance."),
                                 ("Quarterly update", "Thanks everyone for a busy quarter. A short summary of where we are is attached."),
                                 ("Parking", "The car park is being resurfaced on {day}, please park on the street.")])
        nb = pick(rng, W.staff)
        ctx = SafeDict(day=day_text(rng, datetime(d.year, d.month, d.day, tzinfo=UTC), W.loc), name=nb.name, title=nb.title)
        text = compose(W, rng, a, [allp, allp], None, ctx, core=body)
        m = make_mail(W, rng, a, W.work_time(rng, a, d), [allp], [], fmt(subj, ctx), text, kind="internal_all", thread=None,
                      attachments=[attachment(rng, "Quarterly update.pdf")] if "attached" in body else [])
        m.rcpt = [p.email for p in everyone if p is not a]

# ---- bulk and automated mail --------------------------------------------------------------------------

NEWS_HEADLINES = ["{brand} Weekly: {n} things worth knowing", "Your {month} industry round-up", "Webinar: {topic_news}", "New this month at {brand}",
                  "The {brand} briefing", "{n} ideas for the quarter ahead", "Market update: {commodity}", "Don't miss: {event}",
                  "Last chance: early-bird tickets for {event}", "{brand} news - {month}"]
NEWS_ARTICLES = ["How {ind} firms are handling rising costs", "Regulation update: what changes in {month}", "Case study: cutting waste by {pct}%",
                 "Five tips for better cash flow", "Market report: {commodity} prices this quarter", "Interview: running a {ind} business in {year}",
                 "What the new energy rules mean for you", "Events near you this month", "Survey results: the state of the {ind} sector",
                 "Product spotlight: {product}", "Why late payments are rising - and what to do", "Hiring in a tight labour market",
                 "Sustainability reporting made simple", "Cyber security basics for small firms", "Our new online ordering portal"]
COMMODITIES = ["steel", "timber", "diesel", "packaging", "freight", "energy", "coffee", "paper", "aluminium", "wine"]


def esp_for(W: World, brand_domain: str) -> Network:
    rng = W.rng
    fam = wpick(rng, [("mailchimp", 4), ("sendgrid", 3), ("ses", 3), ("mailgun", 1.5)])
    net = Network(rng, fam, brand_domain, region="us")
    net.dkim_d = brand_domain
    return net


def esp_links(W: World, net: Network, brand_domain: str, rng: random.Random) -> tuple:
    f = net.family
    if f == "mailchimp":
        pre = f"https://{slug(brand_domain.split('.')[0])}.us{rng.randint(2, 21)}.list-manage.com"
        u = net.kw["mcu"]
        click = lambda: f"{pre}/track/click?u={u}&id={rhex(rng, 10)}&e={rhex(rng, 10)}"
        unsub = f"{pre}/unsubscribe?u={u}&id={rhex(rng, 10)}&e={rhex(rng, 10)}&c={rhex(rng, 10)}"
        img = lambda: f"https://mcusercontent.com/{u}/images/{ruuid(rng)}.png"
    elif f == "sendgrid":
        uid = rng.randint(1000000, 9999999)
        click = lambda: f"https://u{uid}.ct.sendgrid.net/ls/click?upn={rstr(rng, 140, B62 + '-_')}"
        unsub = f"https://u{uid}.ct.sendgrid.net/wf/unsubscribe?upn={rstr(rng, 120, B62 + '-_')}"
        img = lambda: f"https://cdn.{brand_domain}/email/{rhex(rng, 10)}.png"
    elif f == "ses":
        reg = net.kw["sesreg"]
        click = lambda: f"https://{rstr(rng, 8)}.r.{reg}.awstrack.me/L0/https:%2F%2Fwww.{brand_domain}%2F{rstr(rng, 8)}%3Futm_source=newsletter/1/0102018{rhex(rng, 9)}-{ruuid(rng)}-000000/{rstr(rng, 28, B62)}=3{rng.randint(10, 99)}"
        unsub = f"https://www.{brand_domain}/email/unsubscribe?token={rstr(rng, 40, B62)}"
        img = lambda: f"https://www.{brand_domain}/static/email/{rhex(rng, 8)}.jpg"
    else:
        click = lambda: f"https://email.mg.{brand_domain}/c/{rstr(rng, 120, B62 + '_-')}"
        unsub = f"https://email.mg.{brand_domain}/u/{rstr(rng, 80, B62 + '_-')}"
        img = lambda: f"https://www.{brand_domain}/img/mail/{rhex(rng, 8)}.png"
    return click, unsub, img


def bulk_headers(W: World, net: Network, brand: str, brand_domain: str, list_slug: str, unsub: str, rng: random.Random, rcpt: str) -> tuple[list, str]:
    f = net.family
    lid = {"mailchimp": f"{rhex(rng, 24)}mc list <{net.kw.get('mcu', rhex(rng, 25))}.{rng.randint(100000, 999999)}.list-id.mcsv.net>",
           "sendgrid": f"{brand} <{list_slug}.{brand_domain}>", "ses": f"{brand} <{list_slug}.{brand_domain}>",
           "mailgun": f"<{list_slug}.mg.{brand_domain}>"}[f]
    rp = {"mailchimp": f"bounce-mc.us{rng.randint(2, 21)}_{rng.randint(10**7, 10**8)}.{rng.randint(10**6, 10**7)}-{rhex(rng, 10)}@{net.hops[0][0]}",
          "sendgrid": f"bounces+{rng.randint(1000000, 9999999)}-{rhex(rng, 4)}-{rcpt.replace('@', '=')}@em{rng.randint(100, 9999)}.{brand_domain}",
          "ses": f"0102018{rhex(rng, 9)}-{ruuid(rng)}-000000@{net.kw.get('sesreg', 'eu-west-1')}.amazonses.com",
          "mailgun": f"bounce+{rhex(rng, 6)}.{rhex(rng, 6)}-{rcpt.replace('@', '=')}@mg.{brand_domain}"}[f]
    hdrs = [("List-Id", lid), ("List-Unsubscribe", f"<{unsub}>, <mailto:unsubscribe-{rhex(rng, 16)}@{rp.split('@')[1]}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"), ("Precedence", "bulk")]
    if f in ("mailchimp", "ses"):
        hdrs.append(("Feedback-ID", f"{rng.randint(10**6, 10**7)}:{rng.randint(10**6, 10**7)}:{rng.randint(1, 999)}:{'mailchimp' if f == 'mailchimp' else 'ses'}"))
    if f == "mailchimp":
        hdrs.append(("X-MC-User", net.kw["mcu"]))
    return hdrs, rp


def newsletter_html(rng: random.Random, brand: str, headline: str, preheader: str, articles: list, unsub: str, prefs: str, img, home: str, address: str, color: str) -> str:
    rows = []
    for title, summary, url in articles:
        rows.append(f'<tr><td style="padding:16px 24px"><a href="{esc(url)}"><img src="{esc(img())}" width="552" alt="{esc(title)}" style="display:block;border:0"></a>'
                    f'<h2 style="font-family:Arial,sans-serif;font-size:20px;margin:12px 0 6px"><a href="{esc(url)}" style="color:#222;text-decoration:none">{esc(title)}</a></h2>'
                    f'<p style="font-family:Arial,sans-serif;font-size:14px;color:#444;line-height:20px">{esc(summary)}</p>'
                    f'<table role="presentation" cellpadding="0" cellspacing="0"><tr><td style="background:{color};border-radius:4px">'
                    f'<a href="{esc(url)}" style="display:inline-block;padding:10px 22px;font-family:Arial,sans-serif;font-size:14px;color:#ffffff;text-decoration:none">Read more</a>'
                    f'</td></tr></table></td></tr>')
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>' + esc(headline) + '</title></head>\n'
            '<body style="margin:0;padding:0;background:#f2f2f2">\n'
            f'<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">{esc(preheader)}&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;</div>\n'
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" bgcolor="#f2f2f2"><tr><td align="center">\n'
            '<table role="presentation" width="600" cellpadding="0" cellspacing="0" bgcolor="#ffffff">\n'
            f'<tr><td style="padding:20px 24px"><a href="{esc(home)}"><img src="{esc(img())}" width="180" alt="{esc(brand)}" style="border:0"></a></td></tr>\n'
            f'<tr><td style="padding:0 24px"><h1 style="font-family:Arial,sans-serif;font-size:26px">{esc(headline)}</h1></td></tr>\n'
            + "\n".join(rows) +
            f'\n<tr><td style="padding:24px;font-family:Arial,sans-serif;font-size:11px;color:#888">You are receiving this email because you signed up at '
            f'{esc(brand)}.<br><a href="{esc(prefs)}" style="color:#888">Update your preferences</a> | <a href="{esc(unsub)}" style="color:#888">Unsubscribe</a>'
            f'<br>{esc(address)}</td></tr>\n</table></td></tr></table>\n<img src="{esc(img())}" width="1" height="1" alt="" style="display:none">\n</body></html>\n')


def gen_newsletters(W: World):
    rng = W.rng
    lists = []
    for _ in range(rng.randint(3, 6)):
        o = stranger(W, "newsletter", suffixes=["Media", "Insights", "Association", "Network", "Online", "Hub", "Digest", "Supplies"])
        lists.append((o.short, o.domain, o.loc))
    # a known vendor's marketing newsletter (same domain, different infrastructure: legitimately so)
    vend = [o for o in W.orgs if o.kind == "vendor"]
    if vend and rng.random() < 0.7:
        v = pick(rng, vend)
        lists.append((v.short, v.domain, v.loc))
    everyone = W.employees + W.staff
    for brand, dom, loc in lists:
        net = esp_for(W, dom)
        sender_lp = pick(rng, ["news", "newsletter", "hello", "info", "marketing", "team"])
        sub_dom = dom if rng.random() < 0.6 else pick(rng, ["news.", "mail.", "e.", "email."]) + dom
        frm = (pick(rng, [brand, f"{brand} News", f"The {brand} Team", f"{brand} Newsletter"]), f"{sender_lp}@{sub_dom}")
        W.dmarc_pol.setdefault(sub_dom, W.dmarc_policy(dom))
        readers = rng.sample(everyone, min(len(everyone), rng.randint(1, 4)))
        period = rng.choice([7, 7, 14, 30])
        color = pick(rng, ["#e4572e", "#0b6e4f", "#1d4ed8", "#7c3aed", "#b45309", "#0f766e"])
        click, unsub, img = esp_links(W, net, dom, rng)
        prefs = unsub.replace("unsubscribe", "profile")
        d = W.start + timedelta(days=rng.uniform(0, period))
        wd = rng.randint(0, 4)
        fake_person = Person(frm[0], "", frm[1], W.local, is_role=True)
        fake_person.org = Org(brand, brand, dom, "bulk", loc)
        fake_person.org.display_fmt = 0
        while d < W.end - timedelta(days=1):
            dd = d.date()
            while dd.weekday() != wd:
                dd += timedelta(days=1)
            zone = ZONES[loc.zones[0]]
            t = zone.local(datetime(dd.year, dd.month, dd.day) + timedelta(seconds=rng.randint(6 * 3600, 11 * 3600)))
            if t.astimezone(UTC) >= W.end:
                break
            ctx = SafeDict(brand=brand, n=rng.randint(3, 7), month=f"{t:%B}", topic_news=pick(rng, NEWS_ARTICLES).format(ind=W.ind_key, month=f"{t:%B}", pct=rng.randint(5, 40), commodity=pick(rng, COMMODITIES), year=t.year, product=pick(rng, W.ind["sells"])),
                           commodity=pick(rng, COMMODITIES), event=f"{brand} Live {t.year}")
            headline = fmt(pick(rng, NEWS_HEADLINES), ctx)
            arts = []
            for title in rng.sample(NEWS_ARTICLES, rng.randint(2, 5)):
                title = title.format(ind=W.ind["desc"].split(" and ")[0], month=f"{t:%B}", pct=rng.randint(5, 40), commodity=pick(rng, COMMODITIES), year=t.year, product=pick(rng, W.ind["sells"]).replace("the ", ""))
                arts.append((title, pick(rng, ["A quick read on what is changing and why it matters.", "We look at the numbers behind the headlines.",
                                               "Practical steps you can take this month.", "Three businesses share what worked for them.",
                                               "Everything you need to know in five minutes."]), click()))
            pre = pick(rng, ["Plus: dates for your diary", "This week's highlights inside", "Your update is here", "News, tips and offers"])
            html = newsletter_html(rng, brand, headline, pre, arts, unsub, prefs, img, click(), f"{brand}, {pick(rng, STREETS['en'])}", color)
            text = f"{pre}\n\n{headline}\n\n" + "\n\n".join(f"{a}\n{s}\nRead more: {u}" for a, s, u in arts) + \
                   f"\n\n--\nYou are receiving this email because you signed up at {brand}.\nUnsubscribe: {unsub}\n"
            for r in readers if rng.random() < 0.3 else [readers]:
                rl = r if isinstance(r, list) else [r]
                rcpt = rl[0].email
                hdrs, rp = bulk_headers(W, net, brand, dom, slug(brand)[:12], unsub, rng, rcpt)
                m = Mail(t=t, sender=fake_person, frm=frm, to=[(x.display, x.email) for x in rl[:1]], rcpt=[x.email for x in rl], subject=headline,
                         text_override=text, html_override=html, net=net, client=Client("esp", None, True, "plain", 1.0), kind="newsletter",
                         extra=hdrs, return_path=rp, delay=rng.uniform(5, 600))
                m.mid = esp_mid(rng, net, dom, t)
                m.to_people, m.cc_people = rl[:1], []
                W.msgs.append(m)
            d += timedelta(days=period * rng.uniform(0.85, 1.15))


def esp_mid(rng: random.Random, net: Network, dom: str, t: datetime) -> str:
    f = net.family
    if f == "mailchimp":
        return f"<{rhex(rng, 24)}.{rhex(rng, 16)}.{rng.randint(10**6, 10**7)}@{net.hops[0][0]}>"
    if f == "sendgrid":
        return f"<{rstr(rng, 22, B62 + '-_')}@geopod-ismtpd-{rng.randint(1, 40)}>"
    if f == "ses":
        return f"<0102018{rhex(rng, 9)}-{ruuid(rng)}-000000@{net.kw.get('sesreg', 'eu-west-1')}.amazonses.com>"
    if f == "google":
        return f"<{rstr(rng, 22, B62 + '-_')}@google.com>"
    return f"<{int(t.timestamp())}.{rhex(rng, 16)}@{net.hops[0][0]}>"


SAAS = {
    "microsoft": ("Microsoft 365 Message center", "o365mc@microsoft.com", "m365", [
        ("Message center weekly digest", "Here are the updates from the past week for your organisation: {n} new posts, including changes to Teams meetings and Exchange Online.", "https://admin.microsoft.com/AdminPortal/home#/MessageCenter"),
        ("Your Microsoft 365 subscription has been renewed", "Your subscription renewed successfully. View your invoice in the admin centre.", "https://admin.microsoft.com/Adminportal/Home#/subscriptions")]),
    "google": ("The Google Workspace Team", "workspace-noreply@google.com", "google", [
        ("[Google Workspace] Your monthly invoice is available", "Your invoice for {month} is available in the Admin console.", "https://admin.google.com/ac/billing"),
        ("Google Workspace: new features this month", "Catch up on what's new in Gmail, Drive and Meet.", "https://workspaceupdates.googleblog.com/")]),
    "linkedin": ("LinkedIn", "messages-noreply@linkedin.com", "own:mailb-{n}.linkedin.com:108.174.6", [
        ("You appeared in {n} searches this week", "See who's looking at your profile.", "https://www.linkedin.com/me/search-appearances/"),
        ("{name} sent you a message", "You have a new message waiting on LinkedIn.", "https://www.linkedin.com/messaging/")]),
    "zoom": ("Zoom", "no-reply@zoom.us", "sendgrid", [
        ("Cloud Recording - {topic} is now available", "Your cloud recording is now available. Share it with viewers using the link below.", "https://us02web.zoom.us/rec/share/{tok}"),
        ("Your Zoom invoice", "Thank you for your payment. Your invoice is available in your account.", "https://zoom.us/billing")]),
    "slack": ("Slack", "feedback@slack.com", "ses", [
        ("[Slack] Notifications from the {ws} workspace", "You have {n} new messages in #general and #operations.", "https://{ws}.slack.com/messages"),]),
    "calendly": ("Calendly", "notifications@calendly.com", "sendgrid", [
        ("New Event: {name} - {time} {day} - 30 Minute Meeting", "A new event has been scheduled.", "https://calendly.com/app/scheduled_events/user/me")]),
    "dropbox": ("Dropbox", "no-reply@dropbox.com", "own:mail-{n}.dropbox.com:162.125.6", [
        ("Your Dropbox is almost full", "You're using {n}0% of your space.", "https://www.dropbox.com/plans"),
        ("Your weekly Dropbox activity", "{n} files were added to your shared folders this week.", "https://www.dropbox.com/home"),
        ("{name} shared \"{topic}\" with you", "Open the folder to see the shared files.", "https://www.dropbox.com/scl/fo/{tok}")]),
}


def saas_mail(W: World, rng: random.Random, key: str, t: datetime, rcpt: list, subj: str, body: str, url: str, frm: tuple, reply_to=None,
              kind: str = "saas", button: str | None = None, thread: str | None = None, color: str = "#0f62fe") -> Mail:
    fam = SAAS[key][2] if key in SAAS else "ses"
    dom = frm[1].split("@")[1]
    cache = W.saas_nets
    if key not in cache:
        if fam.startswith("own:"):
            _, host, prefix = fam.split(":")
            net = Network(rng, "own", dom, host=host.replace("{n}", "{n}"), prefix=prefix)
            net.dkim_d = ".".join(dom.split(".")[-2:])
        else:
            net = Network(rng, fam, dom, region="us")
            net.dkim_d = ".".join(dom.split(".")[-2:])
        cache[key] = net
    net = cache[key]
    btn = button or "View"
    html = ('<!DOCTYPE html><html><body style="font-family:Helvetica,Arial,sans-serif;background:#f6f6f6">'
            '<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center"><table width="560" bgcolor="#ffffff" cellpadding="24">'
            f'<tr><td><p style="font-size:16px">{esc(body)}</p>'
            f'<table cellpadding="0" cellspacing="0"><tr><td bgcolor="{color}" style="border-radius:4px"><a href="{esc(url)}" '
            f'style="display:inline-block;padding:12px 28px;color:#ffffff;font-size:15px;font-weight:bold;text-decoration:none">{esc(btn)}</a></td></tr></table>'
            f'<p style="font-size:12px;color:#777">If the button does not work, copy this link into your browser: {esc(url)}</p></td></tr>'
            '</table></td></tr></table></body></html>')
    text = f"{body}\n\n{btn}: {url}\n"
    sp = Person(frm[0], "", frm[1], W.local, is_role=True)
    sp.org = Org(frm[0], frm[0], dom, "bulk", W.loc)
    sp.org.display_fmt = 0
    m = Mail(t=t, sender=sp, frm=frm, to=[(p.display, p.email) for p in rcpt], rcpt=[p.email for p in rcpt], subject=subj, text_override=text,
             html_override=html, net=net, client=Client("saas", None, True, "plain", 1.0), kind=kind, thread=thread, reply_to=reply_to,
             delay=rng.uniform(3, 60), extra=[("Auto-Submitted", "auto-generated")] if rng.random() < 0.5 else [])
    m.to_people, m.cc_people = list(rcpt), []
    if net.family == "ses":
        m.return_path = f"0102018{rhex(rng, 9)}-{ruuid(rng)}-000000@{net.kw['sesreg']}.amazonses.com"
    elif net.family == "sendgrid":
        m.return_path = f"bounces+{rng.randint(1000000, 9999999)}-{rhex(rng, 4)}-{rcpt[0].email.replace('@', '=')}@em{rng.randint(100, 9999)}.{dom}"
    m.mid = esp_mid(rng, net, dom, t)
    W.msgs.append(m)
    return m


def gen_saas(W: World):
    rng = W.rng
    fam = W.client_family(W.local.net)
    keys = [k for k in ("linkedin", "zoom", "slack", "calendly", "dropbox") if rng.random() < 0.5]
    keys.append("microsoft" if fam in ("m365", "exchange") else "google" if fam == "google" else pick(rng, ["zoom", "slack"]))
    ws = slug(W.local.short.split()[0])
    for key in dict.fromkeys(keys):
        name, addr, _, items = SAAS[key]
        readers = rng.sample(W.employees, min(len(W.employees), rng.randint(1, 3)))
        per_week = rng.uniform(0.2, 1.2)
        f = rng.expovariate(per_week) * 7 / W.days
        while f < 0.995:
            subj, body, url = pick(rng, items)
            r = pick(rng, readers)
            t = W.work_time(rng, r, W.frac_utc(f).date()) + timedelta(minutes=rng.randint(-120, 240))
            ctx = SafeDict(n=rng.randint(2, 14), month=f"{t:%B}", name=pick(rng, EN_FIRST) + " " + pick(rng, EN_LAST), topic=pick(rng, TOPICS).replace("the ", "").title(),
                           ws=ws, time=pick(rng, ["09:30", "11:00", "14:00"]), day=day_text(rng, t, W.loc), tok=rstr(rng, 60, B62 + "-_"))
            saas_mail(W, rng, key, t, [r], fmt(subj, ctx), fmt(body, ctx), fmt(url, ctx), (name, addr))
            f += rng.expovariate(per_week) * 7 / W.days
    # known correspondents that send through SaaS: invoices via Xero/QuickBooks, DocuSign envelopes, sharing notifications
    for o in W.orgs:
        if o.kind == "vendor" and rng.random() < 0.3:
            via = pick(rng, ["xero", "quickbooks"])
            acct = [p for p in o.people if p.role == "accounts"] or o.people
            f = max(o.since, 0) + rng.uniform(0.02, 0.1)
            while f < 0.99:
                t = W.work_time(rng, acct[0], W.frac_utc(f).date())
                inv = o.inv_fmt.format(n=o.next_no(), y=t.year)
                amount = money(rng, o.loc)
                if via == "xero":
                    url = f"https://in.xero.com/{rstr(rng, 40, B62)}"
                    key_frm = (o.short, "messaging-service@post.xero.com")
                    subj = pick(rng, [f"Invoice {inv} from {o.name} for {W.local.name}", f"{o.short}: Invoice {inv}"])
                else:
                    url = f"https://connect.intuit.com/portal/app/CommerceNetwork/view/scs-v1-{rhex(rng, 48)}"
                    key_frm = (o.short, "quickbooks@notification.intuit.com")
                    subj = f"Invoice {inv} from {o.short}"
                body = f"Hi, here's invoice {inv} for {amount}. The amount outstanding of {amount} is due on {day_text(rng, t, o.loc, 14, 30)}. View and pay your invoice online."
                SAAS.setdefault(via, (key_frm[0], key_frm[1], "ses", []))
                saas_mail(W, rng, via, t, [W.roles["accounts"]], subj, body, url, key_frm, reply_to=acct[0].addr, kind="saas_vendor_invoice",
                          button="View invoice", color="#13b5ea" if via == "xero" else "#2ca01c")
                f += rng.uniform(25, 40) / W.days
        if o.kind in ("customer", "partner") and rng.random() < 0.35:
            for _ in range(rng.randint(1, 3)):
                p = pick(rng, o.people)
                f = rng.uniform(max(o.since, 0) + 0.02, 0.98)
                t = W.work_time(rng, p, W.frac_utc(f).date())
                SAAS.setdefault("docusign", ("DocuSign", "dse@eumail.docusign.net", "own:mailout{n}.docusign.net:64.207.219", []))
                url = f"https://eu.docusign.net/Signing/EmailStart.aspx?a={ruuid(rng)}&etti=24&acct={ruuid(rng)}&er={ruuid(rng)}"
                doc = pick(rng, ["Supply Agreement", "Mutual NDA", "Purchase Agreement", "Service Order", "Change Order", "Framework Agreement"])
                r = pick(rng, o.contacts)
                saas_mail(W, rng, "docusign", t, [r], f"Complete with DocuSign: {o.short} - {doc}.pdf",
                          f"{p.name} sent you a document to review and sign. Please review {o.short} - {doc}.pdf.", url,
                          (f"{p.name} via DocuSign", "dse@eumail.docusign.net"), reply_to=p.addr, kind="saas_docusign", button="REVIEW DOCUMENT", color="#ffc820")
        if o.fileshare == "wetransfer" and rng.random() < 0.6:
            p = o.people[0]
            for _ in range(rng.randint(1, 2)):
                t = W.work_time(rng, p, W.frac_utc(rng.uniform(max(o.since, 0) + 0.02, 0.98)).date())
                SAAS.setdefault("wetransfer", ("WeTransfer", "noreply@wetransfer.com", "ses", []))
                url = f"https://wetransfer.com/downloads/{rhex(rng, 32)}{t:%Y%m%d%H%M%S}/{rhex(rng, 40)}/{rhex(rng, 6)}"
                n = rng.randint(2, 14)
                saas_mail(W, rng, "wetransfer", t, [pick(rng, o.contacts)], f"{p.email} sent you some files",
                          f"{n} items, {rng.randint(30, 900)} MB in total. Expires in 7 days. Message from {p.first}: {pick(rng, ['Files as discussed.', 'Photos from site.', 'Artwork files, enjoy!', 'See attached docs.'])}",
                          url, ("WeTransfer", "noreply@wetransfer.com"), reply_to=p.addr, kind="saas_fileshare", button="Get your files", color="#409fff")


def gen_mailing_list(W: World):
    rng = W.rng
    if rng.random() < 0.45:
        return
    assoc = stranger(W, "list", suffixes=["Association", "Forum", "Network", "Guild", "Federation"])
    lname = slug(assoc.short.split()[0])[:10] + "-" + pick(rng, ["members", "discuss", "forum", "talk"])
    ldom = "lists." + assoc.domain
    laddr = f"{lname}@{ldom}"
    host = f"lists.{assoc.domain}"
    net = Network(rng, "own", ldom, host=host, prefix=pick(rng, ["95.216.14", "172.105.80", "46.101.33"]), sel="lists")
    net.hops = [(host, host, net.hops[0][2])]
    net.dkim_d = ldom
    W.dmarc_pol[ldom] = "none"
    reader = pick(rng, W.employees)
    authors = []
    for _ in range(rng.randint(6, 12)):
        o = stranger(W, "member", suffixes=list(pick(rng, W.ind["customers"] + W.ind["vendors"]).suffixes))
        authors.append(o.people[0])
    topics = ["Has anyone dealt with the new {x} rules?", "Recommendations for a {x} supplier?", "Meeting notes from last month",
              "Anyone going to the trade show?", "Insurance renewals - much of an increase?", "Software for {x}: what do you use?",
              "Apprenticeship funding", "Energy contracts"]
    posts: list[Mail] = []
    f = rng.uniform(0.0, 0.05)
    while f < 0.99:
        a = pick(rng, authors)
        t = W.work_time(rng, a, W.frac_utc(f).date())
        parent = pick(rng, posts[-6:]) if posts and rng.random() < 0.55 else None
        if parent is not None and t.astimezone(UTC) <= parent.t_deliver + timedelta(minutes=5):
            t = a.zone.from_utc(parent.t_deliver + timedelta(minutes=rng.randint(10, 300)))
        if parent is not None:
            subj = "Re: " + base_subject(parent.subject.split("] ", 1)[-1])
            core = pick(rng, ["We had the same problem last year. Happy to share what we did, drop me a line.", "+1, would also like to know.",
                              "We use {x} and are happy with it.", "Thanks, very helpful.", "I'll be there on the Thursday if anyone wants to meet up."])
        else:
            subj = pick(rng, topics)
            core = pick(rng, ["Curious what others are doing about this.", "Any pointers appreciated.", "Notes attached for those who missed it.",
                              "Would be good to compare notes."])
        x = pick(rng, ["packaging", "waste", "payroll", "fleet", "cyber", "export", "energy", "quality"])
        subj = f"[{assoc.short.split()[0]}] " + subj.replace("{x}", x)
        text = compose(W, rng, a, [], None, {}, core=core.replace("{x}", x), no_greet=True) + \
            f"\n\n_______________________________________________\n{assoc.short} mailing list -- {laddr}\nTo unsubscribe send an email to {lname}-leave@{ldom}"
        adom = a.email.split("@")[1]
        rewrite = W.dmarc_policy(adom) in ("quarantine", "reject")
        frm = (f"{a.name} via {assoc.short.split()[0]}", laddr) if rewrite else a.addr
        hdrs = [("List-Id", f"{assoc.short} discussion <{lname}.{ldom}>"), ("List-Help", f"<mailto:{lname}-request@{ldom}?subject=help>"),
                ("List-Post", f"<mailto:{laddr}>"), ("List-Subscribe", f"<mailto:{lname}-join@{ldom}>"),
                ("List-Unsubscribe", f"<mailto:{lname}-leave@{ldom}>"), ("Precedence", "list"), ("Sender", f"{lname}-bounces@{ldom}")]
        if rewrite:
            hdrs.append(("X-Original-From", fmt_addr(a.addr)))
        m = Mail(t=t, sender=a, frm=frm, to=[(assoc.short, laddr)], rcpt=[reader.email], subject=subj, text_override=text, net=net,
                 client=a.client, kind="list_post", reply_to=a.addr if rewrite else None, extra=hdrs, return_path=f"{lname}-bounces@{ldom}",
                 delay=rng.uniform(20, 400))
        m.mid = a.org.net.message_id(rng, a, a.client, t, adom)
        m.to_people, m.cc_people = [], []
        if parent is not None:
            m.irt = parent.mid
            m.refs = parent.refs + [parent.mid]
        m.auth = {"upstream_ar": f"{host}; dkim=pass header.d={adom}; spf=pass smtp.mailfrom={adom}"}
        W.msgs.append(m)
        posts.append(m)
        f += rng.expovariate(1.2) * 7 / W.days

# --------------------------------------------------------------------------------------------------
# attacks
# --------------------------------------------------------------------------------------------------

CYR = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445", "i": "\u0456", "y": "\u0443"}
LEET = {"o": "0", "i": "1", "l": "1", "e": "3", "a": "4", "s": "5"}
LEET_WORDS = ["secureonline", "microsoft-o365", "microsoft-365", "microsoft", "office365", "docusign", "paypal", "onedrive", "sharepoint", "outlook", "adobe-docs",
              "dropbox", "securedocs", "wetransfer", "login-portal", "account-verify", "mailbox-update", "invoice-portal", "secure-file"]
CHEAP_TLDS = [".com", ".net", ".online", ".site", ".app", ".co", ".info", ".xyz", ".live", ".cloud", ".top", ".click"]
FREEMAIL = ["gmail.com", "outlook.com", "hotmail.com", "proton.me", "gmx.com", "yahoo.com", "aol.com", "mail.com", "zohomail.eu"]
BANKS = {"uk": ["Lloyds Bank", "Barclays", "NatWest", "Santander UK", "Metro Bank", "Starling Bank", "Monzo Business"],
         "de": ["Deutsche Bank", "Commerzbank", "N26", "Sparkasse", "Revolut Business"], "nl": ["ING", "ABN AMRO", "Rabobank", "bunq"],
         "fr": ["BNP Paribas", "Société Générale", "Crédit Agricole", "Qonto"], "au": ["Westpac", "NAB", "ANZ", "Commonwealth Bank"],
         "us": ["Chase", "Bank of America", "Wells Fargo", "Mercury"], "ie": ["AIB", "Bank of Ireland", "Revolut Business"],
         "nz": ["ANZ", "ASB", "Kiwibank"], "se": ["SEB", "Swedbank", "Handelsbanken"], "sg": ["DBS", "OCBC", "UOB"]}


def leetify(rng: random.Random, word: str) -> str:
    chars = list(word)
    idx = [i for i, c in enumerate(chars) if c in LEET]
    if rng.random() < 0.2 and "m" in word:
        return word.replace("m", "rn", 1)
    if rng.random() < 0.15 and "w" in word:
        return word.replace("w", "vv", 1)
    for i in rng.sample(idx, min(len(idx), rng.randint(1, 2))):
        chars[i] = LEET[chars[i]]
    return "".join(chars)


def bank_details(rng: random.Random, loc: Locale) -> str:
    bank = pick(rng, BANKS.get(loc.key, BANKS["uk"]))
    if loc.key == "uk":
        return f"Bank: {bank}\nAccount name: {{acct_name}}\nSort code: {rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}\nAccount number: {rng.randint(10000000, 99999999)}"
    if loc.key in ("au", "nz"):
        return f"Bank: {bank}\nAccount name: {{acct_name}}\nBSB: {rng.randint(100, 999)}-{rng.randint(100, 999)}\nAccount number: {rng.randint(100000000, 999999999)}"
    if loc.key == "us":
        return f"Bank: {bank}\nAccount name: {{acct_name}}\nRouting (ABA): {rng.randint(10**8, 10**9 - 1)}\nAccount number: {rng.randint(10**9, 10**10 - 1)}"
    cc = {"de": "DE", "nl": "NL", "fr": "FR", "ie": "IE", "se": "SE", "sg": "SG"}.get(loc.key, "DE")
    iban = cc + str(rng.randint(10, 99)) + " " + " ".join(str(rng.randint(1000, 9999)) for _ in range(4)) + " " + str(rng.randint(10, 99))
    return f"Bank: {bank}\nAccount holder: {{acct_name}}\nIBAN: {iban}\nBIC: {rstr(rng, 4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{cc}{rstr(rng, 2, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}"


class Attacks:
    def __init__(self, W: World):
        self.W = W
        self.rng = random.Random(W.seed * 7919 + 17)
        self.lookalikes: list[str] = []

    # ---- helpers
    def when(self, person: Person | None, odd: bool = False, zone: Zone | None = None) -> datetime:
        W, rng = self.W, self.rng
        f = rng.uniform(*ATTACK_WINDOW)
        day = W.frac_utc(f).date()
        if person is None:
            person = Person("x", "", "x@x", W.local)
            person.zone = zone or W.zone
        if odd:
            z = person.zone
            if rng.random() < 0.3:
                while day.weekday() < 5:
                    day += timedelta(days=1)
                h = rng.uniform(8, 20)
            else:
                h = rng.choice([rng.uniform(0.3, 5.5), rng.uniform(21.5, 23.9)])
            t = z.local(datetime(day.year, day.month, day.day) + timedelta(seconds=int(h * 3600) + rng.randint(0, 59)))
        else:
            t = W.work_time(rng, person, day)
        if W.frac_of(t) > 0.995:
            t = person.zone.from_utc(W.frac_utc(0.99))
        if W.frac_of(t) < ATTACK_WINDOW[0]:
            t = person.zone.from_utc(W.frac_utc(ATTACK_WINDOW[0] + 0.001))
        return t

    def later(self, person: Person, t: datetime, lo_h: float = 20, hi_h: float = 80) -> datetime:
        t2 = person.zone.from_utc(t.astimezone(UTC) + timedelta(hours=self.rng.uniform(lo_h, hi_h)))
        if self.W.frac_of(t2) > 0.995:
            t2 = person.zone.from_utc(t.astimezone(UTC) + timedelta(hours=self.rng.uniform(1, 3)))
        return t2

    def lookalike(self, org: Org) -> tuple[str, str]:
        rng, W = self.rng, self.W
        dom = org.domain
        label, _, tld = dom.partition(".")
        for _ in range(60):
            tech = wpick(rng, [("swap", 2), ("digit", 2), ("hyphen", 1.5), ("tld", 2), ("double", 1), ("drop", 1), ("rn", 0.7), ("idn", 1.5), ("word", 1.5)])
            lab, t2 = label, tld
            if tech == "swap" and len(lab) > 4:
                i = rng.randint(1, len(lab) - 3)
                if lab[i] == lab[i + 1] or "-" in lab[i:i + 2]:
                    continue
                lab = lab[:i] + lab[i + 1] + lab[i] + lab[i + 2:]
            elif tech == "digit":
                idx = [i for i, c in enumerate(lab) if c in "oli"]
                if not idx:
                    continue
                i = pick(rng, idx)
                lab = lab[:i] + {"o": "0", "l": "1", "i": "1"}[lab[i]] + lab[i + 1:]
            elif tech == "hyphen":
                if "-" in lab:
                    lab = lab.replace("-", "", 1)
                else:
                    w = slug(org.short.split()[0])
                    if lab.startswith(w) and len(lab) > len(w):
                        lab = w + "-" + lab[len(w):]
                    else:
                        i = len(lab) // 2
                        lab = lab[:i] + "-" + lab[i:]
            elif tech == "tld":
                alts = {"co.uk": ["com", "uk", "co", "org.uk", "co.uk.com"], "com": ["co", "net", "org", "com.co", "us"], "de": ["com", "eu", "de.com", "co"],
                        "nl": ["com", "eu", "co"], "fr": ["com", "eu", "co"], "com.au": ["com", "au", "net.au", "co"], "io": ["com", "co", "app"],
                        "ie": ["com", "eu", "co"], "eu": ["com", "de"], "se": ["com", "eu"], "co.nz": ["com", "nz", "co"], "nz": ["co.nz", "com"],
                        "com.sg": ["com", "sg"], "sg": ["com.sg", "com"], "uk": ["co.uk", "com"], "co": ["com", "co.uk"], "us": ["com"], "net.au": ["com.au", "com"]}
                t2 = pick(rng, alts.get(tld, ["com", "net"]))
            elif tech == "double":
                i = rng.randint(1, len(lab) - 2)
                if not lab[i].isalpha():
                    continue
                lab = lab[:i] + lab[i] + lab[i:]
            elif tech == "drop":
                vowels = [i for i, c in enumerate(lab) if c in "aeiou" and 0 < i < len(lab) - 1]
                if not vowels:
                    continue
                i = pick(rng, vowels)
                lab = lab[:i] + lab[i + 1:]
            elif tech == "rn":
                if "m" in lab:
                    lab = lab.replace("m", "rn", 1)
                elif "w" in lab:
                    lab = lab.replace("w", "vv", 1)
                else:
                    continue
            elif tech == "idn":
                idx = [i for i, c in enumerate(lab) if c in CYR]
                if not idx:
                    continue
                i = pick(rng, idx)
                uni = lab[:i] + CYR[lab[i]] + lab[i + 1:]
                lab = uni.encode("idna").decode("ascii")
            elif tech == "word":
                lab = pick(rng, [lab + "-invoices", lab + "ltd", lab + "-accounts", lab + "group", lab + "-uk", "my" + lab, lab + "-finance", lab + "-pay"])
            new = f"{lab}.{t2}"
            if new != dom and new not in W.used_domains and new not in self.lookalikes:
                self.lookalikes.append(new)
                W.dmarc_pol[new] = wpick(rng, [(None, 5), ("none", 3), ("quarantine", 1)])
                return new, tech
        new = f"{label}-{rstr(rng, 3)}.{tld}"
        self.lookalikes.append(new)
        W.dmarc_pol[new] = None
        return new, "word"

    def attacker_net(self, domain: str, loc: Locale, families=None) -> Network:
        rng = self.rng
        fam = wpick(rng, families or [("privateemail", 4), ("m365", 2.5), ("google", 1.5), ("zoho", 1), ("vps", 1.5)])
        net = Network(rng, fam, domain, region=loc.region if fam != "zoho" else "us", custom_dkim=rng.random() < 0.4)
        return net

    def attacker_client(self, net: Network, avoid: list) -> Client:
        rng, C = self.rng, self.W.clients
        fam = net.family
        opts = {"m365": ["owa_bare", "outlook_exch", "emclient"], "google": ["gmail_web"], "zoho": ["zoho"], "privateemail": ["roundcube", "thunderbird_old", "emclient", "outlook_smtp"],
                "vps": ["phpmailer", "outlook_express", "winlive"], "cpanel": ["roundcube", "phpmailer"], "outlookcom": ["owa_bare"]}.get(fam, ATTACK_CLIENTS)
        cands = [k for k in opts if k not in avoid] or [k for k in ATTACK_CLIENTS if k not in avoid]
        return C[pick(rng, cands)]

    def new_client_for(self, p: Person, keys) -> Client:
        """An attacker's client that looks different from every client the person really uses."""
        C = self.W.clients
        habits = [p.client.header] + ([p.alt_client.header] if p.alt_client else [])
        cands = [k for k in keys if C[k].header not in habits] or [k for k in ATTACK_CLIENTS if C[k].header not in habits]
        return C[pick(self.rng, cands)]

    def clone(self, p: Person, domain: str, net: Network) -> Person:
        fake = Org(p.org.name, p.org.short, domain, "attacker", p.org.loc)
        fake.display_fmt, fake.zone, fake.net = p.org.display_fmt, p.org.zone, net
        fake.website, fake.disclaimer = p.org.website, p.org.disclaimer
        q = Person(p.first, p.last, p.email.split("@")[0] + "@" + domain, fake, p.title, p.role, p.client)
        q.zone, q.hours, q.greet, q.signoff, q.sig, q.html, q.terse = p.zone, p.hours, p.greet, p.signoff, p.sig, p.html, p.terse
        q.mbx = net.mailbox_id(self.rng) if net.family in ("m365", "outlookcom") else ""
        return q

    def freemail_reply_to(self, p: Person, org_short: str) -> tuple:
        rng = self.rng
        dom = pick(rng, FREEMAIL)
        lp = pick(rng, [f"{slug(p.first)}.{slug(p.last)}", f"{slug(p.first)}{slug(p.last)}{rng.randint(1, 99)}", f"accounts.{slug(org_short.split()[0])}",
                        f"{slug(org_short.split()[0])}.finance", f"{slug(p.first)[0]}{slug(p.last)}.{slug(org_short.split()[0])}"])
        return (p.display, f"{lp}@{dom}")

    def emit(self, sender: Person, t: datetime, to: list, cc: list, subject: str, text: str, campaign: str, variant: str, *, net=None, client=None,
             parent=None, quote=True, attachments=None, reply_to=None, html=None, text_plain=None, rcpt=None, to_raw=None, client_ip=None,
             auth=None, want_html=None, thread=None, date_zone=None, hop=None) -> Mail:
        W, rng = self.W, self.rng
        m = make_mail(W, rng, sender, t, to, cc, subject, text, parent=parent, quote=quote, attachments=attachments, kind=f"{campaign}:{variant}",
                      client=client, net=net, reply_to=reply_to, want_html=want_html, thread=thread)
        m.label, m.campaign = "attack", campaign
        if html is not None:
            m.html_override = html
        if text_plain is not None:
            m.text_override = text_plain
        if rcpt is not None:
            m.rcpt = rcpt
        if to_raw is not None:
            m.to_raw = to_raw
        m.client_ip = client_ip
        m.auth = auth
        m.date_zone_override = date_zone
        if hop is not None:
            m.hop = hop
        return m

    def known_pairs(self):
        """(org, person) pairs with history before the attack window."""
        W = self.W
        seen = {}
        for m in W.msgs:
            if m.direction == "in" and m.sender is not None and m.sender.org in W.orgs and W.frac_of(m.t) < ATTACK_WINDOW[0]:
                seen[m.sender.email] = seen.get(m.sender.email, 0) + 1
        out = []
        for o in W.orgs:
            for p in o.people:
                if seen.get(p.email, 0) >= 3 and p.active[0] < 0.3:
                    out.append((o, p, seen[p.email]))
        return out

    def recipients_of(self, p: Person) -> list:
        W = self.W
        cnt = {}
        for m in W.msgs:
            if m.sender is p:
                for r in m.to_people + m.cc_people:
                    if r.org is W.local:
                        cnt[r.email] = (cnt.get(r.email, (0, r))[0] + 1, r)
        ranked = sorted(cnt.values(), key=lambda x: -x[0])
        return [r for _, r in ranked] or p.org.contacts

    def link_host(self, org: Org, avoid: list, doc: str) -> str:
        rng = self.rng
        vs = slug(org.short.replace(" ", "-")).strip("-")[:20] or "docs"
        vs1 = slug(org.short.split()[0])
        docf = doc.replace(" ", "_")
        region = pick(rng, ["eu-west-2", "us-east-1", "eu-central-1", "ap-southeast-2"])
        other = pick(rng, NAME_WORDS).lower() + pick(rng, ["group", "consulting", "ltd", "co", "partners", "law"])
        options = [
            ("weebly", f"https://{vs}{pick(rng, ['', '-docs', '-statement', '-portal'])}.weebly.com/"),
            ("wix", f"https://{slug(pick(rng, EN_FIRST))}{rng.randint(10, 999)}.wixsite.com/{vs}"),
            ("r2", f"https://pub-{rhex(rng, 32)}.r2.dev/{vs1}/{docf}.html"),
            ("s3", f"https://{vs}-{pick(rng, ['docs', 'share', 'files', 'portal'])}.s3.{region}.amazonaws.com/index.html"),
            ("s3path", f"https://s3.{region}.amazonaws.com/{vs1}-{rhex(rng, 6)}/{docf}.html"),
            ("firebase", f"https://{vs}-{rhex(rng, 4)}.web.app/"),
            ("firebasestorage", f"https://firebasestorage.googleapis.com/v0/b/{vs1}-{rhex(rng, 5)}.appspot.com/o/{docf}.html?alt=media&token={ruuid(rng)}"),
            ("sharepoint", f"https://{other}-my.sharepoint.com/:o:/g/personal/{slug(pick(rng, EN_FIRST))}_{other}_onmicrosoft_com/E{rstr(rng, 44, B62 + '-_')}?e={rstr(rng, 6, B62)}"),
            ("docs.google", f"https://docs.google.com/presentation/d/e/2PACX-1v{rstr(rng, 80, B62 + '-_')}/pub?start=false&loop=false"),
            ("dropbox", f"https://www.dropbox.com/scl/fi/{rstr(rng, 21)}/{vs1.title()}_{docf}.pdf?rlkey={rstr(rng, 25)}&dl=0"),
            ("canva", f"https://www.canva.com/design/DAF{rstr(rng, 8, B62)}/{rstr(rng, 22, B62 + '-_')}/view"),
            ("canva.site", f"https://{vs}.my.canva.site/"),
            ("clickfunnels", f"https://{vs}{pick(rng, ['', '-docs', '-secure'])}.{pick(rng, ['clickfunnels.com', 'myclickfunnels.com'])}/{pick(rng, ['proposal', 'statement', 'documents', 'optin'])}"),
            ("pages.dev", f"https://{pick(rng, ['wetransfer', 'we-transfer', 'transfer'])}-{vs1}-{rhex(rng, 4)}.pages.dev/"),
            ("netlify", f"https://{vs1}-{pick(rng, ['files', 'share', 'docs'])}-{rhex(rng, 4)}.netlify.app/"),
            ("box", f"https://app.box.com/s/{rstr(rng, 32)}"),
            ("forms.office", f"https://forms.office.com/r/{rstr(rng, 10, B62)}"),
            ("notion", f"https://{vs1}-{rhex(rng, 4)}.notion.site/{docf.replace('_', '-')}-{rhex(rng, 32)}"),
            ("onedrive", f"https://1drv.ms/b/s!A{rstr(rng, 30, B62 + '-_')}"),
        ]
        options = [o for o in options if o[0] not in avoid]
        key, url = pick(rng, options)
        self.last_host_key = key
        return url

    # ---- campaigns
    def new_sender_bcc(self, n: int):
        W, rng = self.W, self.rng
        pool = W.employees + list(W.roles.values())[:3] + W.staff[:10]
        for i in range(n):
            v = wpick(rng, [("compromised_third_party", 3), ("new_domain", 2), ("freemail", 1.5)])
            if v == "freemail":
                p = freemail_person(W, LOCALES[pick(rng, [W.loc.key] + NEIGHBOURS[W.loc.key])])
                o = p.org
            elif v == "new_domain":
                loc = LOCALES[pick(rng, [W.loc.key] + NEIGHBOURS[W.loc.key])]
                o = stranger(W, "attacker", loc=loc, suffixes=["Advisory", "Consulting", "Holdings", "Capital", "Procurement", "Group"])
                o.net = self.attacker_net(o.domain, loc)
                p = o.people[0]
                p.client = self.attacker_client(o.net, [])
                W.dmarc_pol[o.domain] = wpick(rng, [(None, 3), ("none", 2)])
            else:
                o = stranger(W, "attacker", suffixes=["Builders", "Dental", "Accountants", "Properties", "Engineering", "Logistics", "Foods", "Church", "School"],
                             family=pick(rng, ["m365", "m365", "google", "exchange"]))
                p = o.people[0]
            doc = pick(rng, ["Proposal Document", "RFQ Documents", "Payment Advice", "Project Specification", "Tender Documents", "Invoice Copy",
                             "Contract Review", "Company Profile", "Purchase Order"])
            url = self.link_host(o, [], doc)
            subj = pick(rng, [f"{o.short} shared \"{doc}\" with you", f"{doc} - {W.local.short}", f"New {doc}", f"{doc} for your review",
                              f"RE: {doc}", f"Shared file: {doc}.pdf", f"{o.short} - {doc}", f"Invitation to tender - {o.short}"])
            anchor = pick(rng, ["View Document", "Open", "Access files", "Review document", url, "Download PDF", "View shared file"])
            core = pick(rng, [f"Please find the {doc.lower()} shared with you below. Kindly review and revert at your earliest convenience.\n\n{link(url, anchor)}",
                              f"I have shared the {doc.lower()} with you through our secure file portal. The link expires in 48 hours.\n\n{link(url, anchor)}",
                              f"We are currently reviewing suppliers for an upcoming project and would like {W.local.short} to take a look at the attached {doc.lower()}: {link(url, anchor)}",
                              f"Hope this finds you well. See the {doc.lower()} here: {link(url, anchor)}\n\nLet me know if you have any trouble opening it."])
            text = compose(W, rng, p, [], None, {}, core=core)
            local_r = rng.sample(pool, min(len(pool), rng.randint(3, 9)))
            odd = rng.random() < 0.25
            t = self.when(p, odd=odd)
            vto = rng.random()
            to, to_raw = ([p], None) if vto < 0.4 else ([], "undisclosed-recipients:;") if vto < 0.8 else ([freemail_person(W)], None)
            m = self.emit(p, t, to, [], subj, text, "new_sender_bcc", v, rcpt=[x.email for x in local_r], to_raw=to_raw,
                          want_html=rng.random() < 0.6)
            if to_raw:
                m.to = []

    def vendor_new_filesharing(self, n: int):
        W, rng = self.W, self.rng
        pairs = [x for x in self.known_pairs() if x[0].kind in ("vendor", "partner", "customer")]
        pairs.sort(key=lambda x: -x[2])
        chosen = rng.sample(pairs[:8], min(len(pairs[:8]), rng.randint(1, 3)))
        for i in range(n):
            o, p, _ = chosen[i % len(chosen)]
            doc = pick(rng, ["Statement", "Proposal Document", "Remittance Advice", "Invoice", "Price List", "Contract", "Purchase Order", "Shared Files"])
            avoid = [o.fileshare or "", "sharepoint" if o.fileshare == "sharepoint" else "", "dropbox" if o.fileshare == "dropbox" else "",
                     "docs.google" if o.fileshare == "gdrive" else "", "box" if o.fileshare == "box" else ""]
            url = self.link_host(o, avoid, f"{o.short.split()[0]}_{doc}")
            subj = pick(rng, [f"New Approved Statement From {o.short}", f"{o.short} - Proposal Document", f"{o.short} - {doc}", f"{doc} from {o.short}",
                              f"{o.short} shared a document with you", f"Updated {doc.lower()} - {o.short}", f"{o.name} - {doc} {rng.randint(1000, 9999)}",
                              f"Outstanding invoices - {o.short}"])
            anchor = pick(rng, [f"View {doc}", "Open Document", "Review Proposal", "Access Document", url, f"{doc}.pdf", "Click here to view"])
            core = pick(rng, [f"Please find your {doc.lower()} from {o.short} below. {link(url, anchor)}",
                              f"We've shared our latest {doc.lower()} with you. You can review it here:\n\n{link(url, anchor)}",
                              f"Kindly review the attached {doc.lower()} and confirm. Due to the file size it is available via the link below.\n\n{link(url, anchor)}",
                              f"Our approved {doc.lower()} is ready for your review: {link(url, anchor)}\n\nPlease let me know once you've had a look.",
                              f"As discussed, here is the {doc.lower()}. {link(url, anchor)}"])
            to = self.recipients_of(p)[:rng.randint(1, 2)]
            if rng.random() < 0.3:
                to = to + [x for x in rng.sample(W.employees, 2) if x not in to]
            t = self.when(p, odd=rng.random() < 0.15)
            client = p.client if rng.random() < 0.8 else (p.alt_client or p.client)
            text = compose(W, rng, p, to, None, {}, core=core, client=client)
            self.emit(p, t, to[:1], to[1:], subj, text, "vendor_new_filesharing", self.last_host_key, client=client)

    def link_masking(self, n: int):
        W, rng = self.W, self.rng
        pairs = self.known_pairs()
        for i in range(n):
            o, p, _ = pick(rng, pairs)
            v = pick(rng, ["button", "mismatch_text", "image_link", "hidden_link", "wrapped_body"])
            doc = pick(rng, ["invoice", "statement", "remittance advice", "purchase order", "signed contract", "credit note"])
            inv = o.inv_fmt.format(n=o.next_no(), y=W.frac_utc(0.8).year)
            url = self.link_host(o, [o.fileshare or ""], f"{doc.replace(' ', '_')}_{inv}")
            to = self.recipients_of(p)[:rng.randint(1, 2)]
            first = to[0].first if not to[0].is_role else ""
            greet = fmt(pick(rng, p.greet), {"first": first}) if first else "Hello,"
            sig_html = to_html_inline(p.sig).replace("\n", "<br>\n")
            intro = pick(rng, [f"Please see the {doc} {inv} below for your records.", f"Your {doc} {inv} is ready to view.",
                               f"Kindly find the {doc} for this month, {inv}.", f"We have issued {doc} {inv}. Please review at your earliest convenience."])
            fake_shown = pick(rng, [f"https://portal.{o.domain}/documents/{inv}", f"https://{o.website}/invoices/{inv}.pdf", f"{o.website}/secure/{inv}",
                                    f"{inv}.pdf", f"https://www.{o.domain}/statements"])
            if v == "button":
                label = pick(rng, ["VIEW INVOICE", "VIEW DOCUMENT", "ACCESS DOCUMENT", "REVIEW & SIGN", "OPEN STATEMENT", "DOWNLOAD PDF"])
                color = pick(rng, ["#0078d4", "#1a73e8", "#e4572e", "#2e7d32", "#f59e0b"])
                inner = (f'<p>{esc(greet)}</p><p>{esc(intro)}</p><table role="presentation" cellpadding="0" cellspacing="0" style="margin:28px 0">'
                         f'<tr><td align="center" bgcolor="{color}" style="border-radius:6px"><a href="{esc(url)}" target="_blank" '
                         f'style="display:block;width:320px;padding:18px 0;font-family:Segoe UI,Arial,sans-serif;font-size:20px;font-weight:bold;color:#ffffff;text-decoration:none">'
                         f'{label}</a></td></tr></table><p>{esc(p.signoff)}<br>{sig_html}</p>')
                plain = f"{greet}\n\n{intro}\n\n{label.title()}\n\n{p.signoff}\n{to_plain(p.sig)}"
            elif v == "mismatch_text":
                inner = (f'<p>{esc(greet)}</p><p>{esc(intro)} You can view and download it from our customer portal:</p>'
                         f'<p><a href="{esc(url)}">{esc(fake_shown)}</a></p><p>{esc(p.signoff)}<br>{sig_html}</p>')
                plain = f"{greet}\n\n{intro} You can view and download it from our customer portal:\n\n{fake_shown}\n\n{p.signoff}\n{to_plain(p.sig)}"
            elif v == "image_link":
                img = pick(rng, [f"https://i.ibb.co/{rstr(rng, 7, B62)}/pdf-icon.png", f"https://i.imgur.com/{rstr(rng, 7, B62)}.png",
                                 f"https://{url.split('/')[2]}/assets/preview.png"])
                inner = (f'<p>{esc(greet)}</p><p>{esc(intro)}</p><p><a href="{esc(url)}"><img src="{esc(img)}" width="220" height="64" '
                         f'alt="{esc(inv)}.pdf" style="border:0"></a></p><p>{esc(p.signoff)}<br>{sig_html}</p>')
                plain = f"{greet}\n\n{intro}\n\n[{inv}.pdf]\n\n{p.signoff}\n{to_plain(p.sig)}"
            elif v == "hidden_link":
                inner = (f'<p>{esc(greet)}</p><p>{esc(intro)} Please open the document using the secure viewer '
                         f'<a href="{esc(url)}" style="color:#ffffff;font-size:1px;text-decoration:none">{esc(inv)}</a>'
                         f'<span style="display:none"><a href="{esc(url)}">view</a></span> attached to this message.</p>'
                         f'<p>{esc(p.signoff)}<br>{sig_html}</p>')
                plain = f"{greet}\n\n{intro} Please open the document using the secure viewer attached to this message.\n\n{p.signoff}\n{to_plain(p.sig)}"
            else:
                inner = (f'<a href="{esc(url)}" style="color:inherit;text-decoration:none"><div><p>{esc(greet)}</p><p>{esc(intro)}</p>'
                         f'<p style="border:1px solid #ccc;padding:10px;width:260px">&#128196; {esc(inv)}.pdf<br><span style="font-size:11px;color:#666">'
                         f'{rng.randint(90, 900)} KB</span></p><p>{esc(p.signoff)}<br>{sig_html}</p></div></a>')
                plain = f"{greet}\n\n{intro}\n\n{inv}.pdf ({rng.randint(90, 900)} KB)\n\n{p.signoff}\n{to_plain(p.sig)}"
            html = wrap_html(p.client.quote, inner, p.org.loc.lang)
            subj = pick(rng, [f"{doc.title()} {inv}", f"{o.short} {doc.title()} {inv}", f"Your {doc} from {o.short}", f"{doc.title()} - {inv} - {W.local.short}"])
            t = self.when(p, odd=rng.random() < 0.2)
            self.emit(p, t, to[:1], to[1:], subj, "", "link_masking", v, html=html, text_plain=plain, want_html=True)

    def lookalike_domain(self, n: int):
        W, rng = self.W, self.rng
        pairs = [x for x in self.known_pairs() if x[0].kind in ("vendor", "partner")] or self.known_pairs()
        chosen = rng.sample(pairs, min(len(pairs), rng.randint(1, 3)))
        state = {}
        for i in range(n):
            o, p, _ = chosen[i % len(chosen)]
            if id(o) not in state or rng.random() < 0.3:
                dom, tech = self.lookalike(o)
                net = self.attacker_net(dom, o.loc)
                state[id(o)] = (dom, tech, net)
            dom, tech, net = state[id(o)]
            fake = self.clone(p, dom, net)
            client = self.attacker_client(net, [])
            rt = None
            if rng.random() < 0.55:
                rt = self.freemail_reply_to(p, o.short) if rng.random() < 0.6 else (p.display, f"{p.email.split('@')[0]}@{self.lookalike(o)[0]}")
            inv = o.inv_fmt.format(n=o.next_no(), y=W.frac_utc(0.8).year)
            amount = money(rng, o.loc, 2000, 48000)
            v = pick(rng, ["bank_change", "overdue", "payment_query", "invoice_attached"])
            bd = bank_details(rng, o.loc).replace("{acct_name}", o.name)
            core = {
                "bank_change": pick(rng, [f"Please be advised that we have updated our banking details following our annual audit. All future payments, including {inv}, should be made to the account below:\n\n{bd}\n\nPlease confirm once your records have been updated.",
                                          f"We are currently changing banks and our old account will be closed at the end of the month. Kindly update our details on your system before the next payment run:\n\n{bd}\n\nAn updated letter will follow.",
                                          "Could you please confirm the email address of the person who handles supplier payments? We need to send over our new bank details ahead of the next payment run."]),
                "overdue": pick(rng, [f"Our records show that invoice {inv} for {amount} is now overdue. Could you arrange payment today? I've attached a copy of the invoice for reference.",
                                      f"Following up on our outstanding balance of {amount}. Please advise when payment will be released, as the account is due to be placed on hold."]),
                "payment_query": pick(rng, ["Could you let me know when you are planning to pay the open invoices? Please also send me a current aged creditors statement for our account.",
                                            f"Can you confirm the status of payment for {inv}? Our finance team is reconciling the account this week."]),
                "invoice_attached": pick(rng, [f"Please find attached invoice {inv} for {amount}. Note the updated remittance details on the invoice.",
                                               f"Attached is invoice {inv}. Please process for payment this week, and note our new account details on the second page."]),
            }[v]
            to = [W.roles["accounts"]] if rng.random() < 0.5 else self.recipients_of(p)[:1]
            text = compose(W, rng, fake, to, None, {}, core=core, client=client)
            atts = [attachment(rng, f"{inv}.pdf")] if v in ("overdue", "invoice_attached") or (v == "bank_change" and rng.random() < 0.3) else []
            subj = pick(rng, [f"Invoice {inv}", f"Outstanding payment - {o.short}", f"Updated bank details - {o.short}", "RE: Payment status",
                              f"{o.short} - account update", f"Overdue invoice {inv}", "Remittance query"])
            t = self.when(fake, odd=rng.random() < 0.2)
            self.emit(fake, t, to, [], subj, text, "lookalike_domain", tech, net=net, client=client, attachments=atts, reply_to=rt, want_html=rng.random() < 0.4)

    def leet_link(self, n: int):
        W, rng = self.W, self.rng
        pairs = self.known_pairs()
        for i in range(n):
            known = rng.random() < 0.55
            if known:
                o, p, _ = pick(rng, pairs)
                client, net = None, None
                to = self.recipients_of(p)[:rng.randint(1, 2)]
            else:
                o = stranger(W, "attacker", suffixes=["Solutions", "Services", "Group", "Consulting"], family=pick(rng, ["m365", "google", "vps", "privateemail"]))
                p = o.people[0]
                if o.net.family in ("vps", "privateemail"):
                    p.client = self.attacker_client(o.net, [])
                client, net = None, None
                to = rng.sample(W.employees, rng.randint(1, 3))
            word = pick(rng, LEET_WORDS)
            tok = leetify(rng, word)
            form = rng.randrange(5)
            if form == 0:
                url = f"https://{tok}{pick(rng, ['', '-auth', '-docs', '-verify', '-portal'])}{pick(rng, CHEAP_TLDS)}/{pick(rng, ['login', 'auth', 'view', 'doc'])}?id={rhex(rng, 12)}"
            elif form == 1:
                url = f"https://{tok}-{rhex(rng, 4)}.web.app/{pick(rng, ['index.html', 'secure/', ''])}"
            elif form == 2:
                url = f"https://pub-{rhex(rng, 32)}.r2.dev/{tok}/{pick(rng, ['auth', 'view', 'document'])}.html"
            elif form == 3:
                url = f"https://{slug(o.short.split()[0])}-{tok}.{pick(rng, ['weebly.com', 'wixsite.com/portal', 'netlify.app', 'pages.dev'])}"
            else:
                url = f"https://storage.googleapis.com/{tok}-{rhex(rng, 6)}/{pick(rng, ['index.html', 'doc.html', 'secure.html'])}"
            theme = "docusign" if "d0cu" in tok or "docus" in tok else "microsoft" if any(x in tok for x in ("rnicro", "micr", "0ffice", "offic", "sharep", "0nedr", "onedr", "0utl", "outl")) else "generic"
            subj = {"docusign": pick(rng, [f"Please DocuSign: {o.short} Agreement.pdf", f"Completed: {o.short} - Contract for signature", "Review and sign: Payment Authorisation"]),
                    "microsoft": pick(rng, [f"{p.name} shared \"{o.short} Q{rng.randint(1, 4)} Docs\" with you", "Action required: shared document pending", f"{o.short} sent you a secure message"]),
                    "generic": pick(rng, [f"Secure message from {o.short}", f"Payment confirmation #{rng.randint(10000, 99999)}", f"{o.short}: document ready for review", "Encrypted document"])}[theme]
            anchor = pick(rng, ["Review Document", "Open", "View message", "Sign now", url])
            core = pick(rng, [f"You have received a secure document from {o.short}. {link(url, anchor)}",
                              f"Please review and sign the attached agreement via the link below:\n\n{link(url, anchor)}",
                              f"I've shared a file with you. Access it here: {link(url, anchor)}",
                              f"Please see the document for your approval: {link(url, anchor)}\n\nThe link will expire in 24 hours."])
            text = compose(W, rng, p, to, None, {}, core=core, client=client)
            t = self.when(p, odd=rng.random() < 0.2)
            self.emit(p, t, to[:1], to[1:], subj, text, "leet_link", ("known_" if known else "unknown_") + theme, client=client, net=net,
                      want_html=rng.random() < 0.7)

    def compromised_mailbox(self, n: int):
        W, rng = self.W, self.rng
        pairs = [x for x in self.known_pairs() if x[0].kind == "vendor"] or self.known_pairs()
        chosen = rng.sample(pairs, min(len(pairs), rng.randint(1, 2)))
        i = 0
        while i < n:
            o, p, _ = chosen[i % len(chosen)]
            v = pick(rng, ["same_provider_new_client", "new_network", "new_network", "same_provider_new_client"])
            fam = W.client_family(o.net)
            client_ip = None
            if v == "new_network" or fam in ("google", "zoho", "fastmail"):
                v = "new_network"
                net = Network(rng, pick(rng, [f for f in ("cpanel", "vps", "privateemail", "ovh") if f != o.net.family]), o.domain, region=o.loc.region)
                if net.family == "privateemail":
                    net.dkim_d = None
                client_ip = ip_in(rng, pick(rng, ATTACKER_PREFIXES))
                auth = {"spf": "pass"}  # the vendor's SPF covers its web host / is lax; DMARC passes on SPF alignment
                client = self.new_client_for(p, {"cpanel": ("roundcube", "phpmailer"), "vps": ("phpmailer", "outlook_express", "winlive"),
                                                 "privateemail": ("roundcube", "thunderbird_old", "emclient"),
                                                 "ovh": ("roundcube", "emclient", "outlook_express")}[net.family])
            else:
                net = o.net
                auth = None
                client = self.new_client_for(p, ("owa_bare", "emclient", "thunderbird_old", "winlive", "phpmailer"))
                client_ip = ip_in(rng, pick(rng, ATTACKER_PREFIXES))
            rt = self.freemail_reply_to(p, o.short) if rng.random() < 0.75 else None
            bd = bank_details(rng, o.loc).replace("{acct_name}", o.name)
            core = pick(rng, [f"Please note that we have changed our bank account. Kindly update your records and make all outstanding and future payments to:\n\n{bd}\n\nPlease confirm by return email once updated.",
                              f"Due to an ongoing audit of our current account, we are unable to receive payments into it at the moment. Please hold any pending payments and use the account below instead:\n\n{bd}",
                              "Can you send me a statement of all open invoices on your side? We are updating our payment details and I want to make sure nothing is paid to the old account.",
                              f"I'm working from my phone today. Please could you make an urgent payment of {money(rng, o.loc, 4000, 60000)} for the outstanding invoices to our new account; details below.\n\n{bd}",
                              "Kindly confirm if you can process a same-day payment today. I will forward the updated remittance details."])
            to = [W.roles["accounts"]] if rng.random() < 0.5 else [W.by_role["finance"][0]]
            if rng.random() < 0.3:
                to = to + self.recipients_of(p)[:1]
            text_only = rng.random() < 0.7
            body = compose(W, rng, p, to, None, {}, core=core, client=client)
            subj = pick(rng, ["Change of bank details", "Updated banking information", "Urgent: payment remittance", f"{o.short} - payment details",
                              "Account update", "Outstanding invoices", "Request"])
            t = self.when(p, odd=rng.random() < 0.75)
            dz = timezone(timedelta(hours=pick(rng, [1, 0, -5, 3, 8]))) if rng.random() < 0.35 else None
            m = self.emit(p, t, to[:1], to[1:], subj, body, "compromised_mailbox", v, net=net, client=client, reply_to=rt, want_html=not text_only,
                          client_ip=client_ip, auth=auth, date_zone=dz)
            i += 1
            if i < n and rng.random() < 0.5:
                t2 = self.later(p, t)
                b2 = compose(W, rng, p, to[:1], None, {}, core=pick(rng, ["Did you receive my previous email? Please confirm once the details are updated.",
                                                                            "Just following up on the below, can you confirm the change has been made?",
                                                                            "Please advise on the status of this, it is urgent."]), client=client)
                self.emit(p, t2, to[:1], [], reply_prefix(rng, p, client) + subj, b2, "compromised_mailbox", v + "_chaser", net=net, client=client,
                          parent=m, reply_to=rt, want_html=False, client_ip=client_ip, auth=auth, date_zone=dz)
                i += 1

    def fanout(self, n: int):
        W, rng = self.W, self.rng
        pairs = [x for x in self.known_pairs() if len(self.recipients_of(x[1])) <= 2]
        pairs = pairs or self.known_pairs()
        pool = W.employees + W.staff + list(W.roles.values())
        for i in range(n):
            o, p, _ = pick(rng, pairs)
            k = min(len(pool), rng.randint(20, 40))
            rs = rng.sample(pool, k)
            v = pick(rng, ["visible_to", "visible_cc", "bcc"])
            doc = pick(rng, ["Q3 Documents", "Contract Renewal", "Updated Contact List", "Year-End Statement", "Project Files", "Important Notice"])
            url = self.link_host(o, [o.fileshare or ""], doc) if rng.random() < 0.7 else f"https://{leetify(rng, pick(rng, LEET_WORDS))}{pick(rng, CHEAP_TLDS)}/{rhex(rng, 10)}"
            subj = pick(rng, [f"{o.short} shared \"{doc}\" with you", f"{doc} - please review", f"{o.short}: {doc}", f"Important: {doc}"])
            core = pick(rng, [f"Please review the {doc.lower()} shared with you: {link(url, 'View ' + doc)}",
                              f"I have shared {doc.lower()} with you. {link(url, 'Open')}",
                              f"Please find the {doc.lower()} in the link below and confirm receipt.\n\n{link(url)}"])
            text = compose(W, rng, p, rs[:2], None, {}, core=core)
            t = self.when(p, odd=rng.random() < 0.35)
            if v == "visible_to":
                self.emit(p, t, rs, [], subj, text, "fanout", v)
            elif v == "visible_cc":
                self.emit(p, t, rs[:1], rs[1:], subj, text, "fanout", v)
            else:
                self.emit(p, t, [p], [], subj, text, "fanout", v, rcpt=[x.email for x in rs])

    def thread_hijack(self, n: int) -> int:
        W, rng = self.W, self.rng
        by_thread: dict[str, list] = {}
        for m in W.msgs:
            if m.thread and m.label == "legit" and m.kind in ("conversation",):
                by_thread.setdefault(m.thread, []).append(m)
        cands = []
        for tid, ms in by_thread.items():
            ms.sort(key=lambda x: x.t_deliver)
            org = next((x.sender.org for x in ms if x.sender.org in W.orgs), None)
            if org is None or len(ms) < 3:
                continue
            for k in range(1, len(ms) - 1):
                a, b = ms[k], ms[k + 1]
                if ATTACK_WINDOW[0] + 0.005 < W.frac_of(a.t) and W.frac_of(b.t) < 0.995 and (b.t_utc - a.t_deliver).total_seconds() > 4 * 3600:
                    cands.append((tid, k, org))
                    break
        rng.shuffle(cands)
        if not cands:
            orgs = [o for o in W.orgs if o.kind in ("vendor", "partner", "customer")]
            for _ in range(3):
                o = pick(rng, orgs)
                ms = run_script(W, rng, o, SCRIPTS["partner"][0][2], W.frac_utc(rng.uniform(0.62, 0.72)).date(), min_len=5)
                if len(ms) >= 3:
                    tid = ms[0].thread
                    for k in range(1, len(ms) - 1):
                        if (ms[k + 1].t_utc - ms[k].t_deliver).total_seconds() > 4 * 3600 and W.frac_of(ms[k].t) > ATTACK_WINDOW[0]:
                            cands.append((tid, k, o))
                            break
        used = 0
        for tid, k, org in cands:
            if used >= n:
                break
            ms = by_thread.get(tid) or sorted([m for m in W.msgs if m.thread == tid], key=lambda x: x.t_deliver)
            a, b = ms[k], ms[k + 1]
            ext = [x for x in ms if x.sender.org is org]
            victim = pick(rng, ext).sender
            v = pick(rng, ["real_address_new_network", "real_address_new_client", "lookalike"])
            lo, hi = a.t_deliver + timedelta(minutes=15), b.t_utc - timedelta(minutes=30)
            tu = lo + (hi - lo) * rng.uniform(0.1, 0.9)
            t = victim.zone.from_utc(tu)
            client_ip = None
            auth = None
            if v == "lookalike":
                dom, _ = self.lookalike(org)
                net = self.attacker_net(dom, org.loc)
                sender = self.clone(victim, dom, net)
                client = self.attacker_client(net, [])
            elif v == "real_address_new_network":
                sender = victim
                net = Network(rng, pick(rng, [f for f in ("cpanel", "vps", "privateemail", "ovh") if f != org.net.family]), org.domain, region=org.loc.region)
                client = self.new_client_for(victim, ("roundcube", "phpmailer", "outlook_express", "thunderbird_old", "emclient"))
                client_ip = ip_in(rng, pick(rng, ATTACKER_PREFIXES))
                auth = {"spf": "pass"}
            else:
                sender = victim
                net = org.net
                client = self.new_client_for(victim, ("owa_bare", "emclient", "thunderbird_old", "phpmailer", "roundcube"))
                client_ip = ip_in(rng, pick(rng, ATTACKER_PREFIXES))
            locals_ = [x for x in a.to_people + a.cc_people + [a.sender] if x.org is W.local and not x.is_role] or org.contacts
            to = [a.sender] if a.sender.org is W.local else locals_[:1]
            cc = [x for x in locals_ if x not in to][:2]
            inv = org.inv_fmt.format(n=org.next_no(), y=t.year)
            if rng.random() < 0.55:
                bd = bank_details(rng, org.loc).replace("{acct_name}", org.name)
                core = pick(rng, [f"Before you process payment for this, please note that our bank details have changed. Please use the account below for {inv} and all future payments:\n\n{bd}",
                                  f"Quick one on the back of this: our accounts team asked me to let you know our bank account has changed. Updated details:\n\n{bd}\n\nCould you confirm once updated?",
                                  "Thanks. Also, please see the updated invoice attached with our new remittance details; kindly disregard the previous version."])
                atts = [attachment(rng, f"{inv}.pdf")] if "attached" in core else []
                var2 = "bank_change"
            else:
                url = self.link_host(org, [org.fileshare or ""], f"{base_subject(a.subject)[:20]}")
                core = pick(rng, [f"Thanks for this. I've put the revised documents here as they're too large to attach: {link(url, 'View documents')}",
                                  f"Please find the updated version here: {link(url)}\n\nLet me know your thoughts.",
                                  f"Following on from the below, please review and sign off via this link: {link(url, 'Review & approve')}"])
                atts = []
                var2 = "new_link"
            text = compose(W, rng, sender, to, None, {}, core=core, client=client)
            base = base_subject(a.subject)
            subj = reply_prefix(rng, victim, client) + base
            m = self.emit(sender, t, to, cc, subj, text, "thread_hijack", f"{v}:{var2}", net=net, client=client, parent=a, attachments=atts,
                          client_ip=client_ip, auth=auth, thread=tid, reply_to=self.freemail_reply_to(victim, org.short) if (v != "lookalike" and rng.random() < 0.3) else None)
            m.hijacked = True
            W.hijacked_threads.append(tid)
            used += 1
            if used < n and rng.random() < 0.35 and (b.t_utc - m.t_deliver).total_seconds() > 6 * 3600:
                t2 = sender.zone.from_utc(m.t_deliver + (b.t_utc - m.t_deliver) * rng.uniform(0.3, 0.8))
                text2 = compose(W, rng, sender, to, None, {}, core=pick(rng, ["Just checking you saw my note below?", "Any update on this? We need to get it sorted today.",
                                                                               "Could you confirm the details have been updated on your side?"]), client=client)
                self.emit(sender, t2, to, cc, reply_prefix(rng, victim, client) + base, text2, "thread_hijack", f"{v}:chaser", net=net, client=client,
                          parent=m, client_ip=client_ip, auth=auth, thread=tid)
                used += 1
        return used

    def fake_reply(self, n: int):
        W, rng = self.W, self.rng
        pairs = self.known_pairs()
        for i in range(n):
            v = pick(rng, ["unknown", "lookalike", "freemail"])
            if v == "lookalike":
                o, p, _ = pick(rng, pairs)
                dom, tech = self.lookalike(o)
                net = self.attacker_net(dom, o.loc)
                sender = self.clone(p, dom, net)
                sender.client = self.attacker_client(net, [])
                v = f"lookalike_{tech}"
            elif v == "freemail":
                sender = freemail_person(W)
                o = sender.org
            else:
                o = stranger(W, "attacker", suffixes=["Supplies", "Trading", "Industrial", "Services", "Procurement"])
                o.net = self.attacker_net(o.domain, o.loc)
                sender = o.people[0]
                sender.client = self.attacker_client(o.net, [])
            lp = pick(rng, W.employees)
            topic = pick(rng, [f"Invoice {rng.randint(1000, 99999)}", "Outstanding payment", f"PO {rng.randint(1000, 9999)}", "Payment schedule",
                               "Updated remittance details", "Signed agreement", f"Quote {pick(rng, ['Q', 'QU-'])}{rng.randint(100, 9999)}"])
            fake_t = W.local.zone.from_utc(self.when(lp).astimezone(UTC) - timedelta(days=rng.randint(1, 12), minutes=rng.randint(-90, 90)))
            fake_mid = W.local.net.message_id(rng, lp, lp.client, fake_t, W.local.domain)
            refs = [W.local.net.message_id(rng, lp, lp.client, fake_t, W.local.domain) for _ in range(rng.randint(0, 2))] + [fake_mid]
            quoted = (f"\n\n________________________________\nFrom: {lp.name} <{lp.email}>\nSent: {fake_t:%A}, {fake_t.day} {fake_t:%B %Y} {fake_t:%H:%M}\n"
                      f"To: {sender.display} <{sender.email}>\nSubject: {topic}\n\n"
                      + pick(rng, [f"Hi {sender.first},\n\nCould you send over the invoice so we can process it this week?\n\nThanks,\n{lp.first}",
                                   f"Hi {sender.first},\n\nThanks, please send the revised documents when ready.\n\n{lp.first}",
                                   f"Hello,\n\nWe'll review and come back to you.\n\nRegards,\n{lp.name}"]))
            url = self.link_host(o, [], topic.replace(" ", "_")) if rng.random() < 0.5 else None
            core = pick(rng, [("Please find the requested invoice here: " + link(url, "View invoice")) if url else "Please find the requested invoice attached. Kindly process payment today as discussed.",
                              ("Following up on the below. The documents are available here: " + link(url)) if url else "Following up on the below, please confirm payment date. Updated account details attached.",
                              "As per our conversation, please see attached and confirm receipt."])
            atts = [] if url else [attachment(rng, f"{topic.replace(' ', '_')}.pdf")]
            text = compose(W, rng, sender, [lp], None, {}, core=core) + quoted
            t = self.when(sender, odd=rng.random() < 0.2)
            m = self.emit(sender, t, [lp], [], pick(rng, ["RE: ", "Re: ", "RE: RE: "]) + topic, text, "fake_reply", v, attachments=atts,
                          want_html=rng.random() < 0.5, reply_to=self.freemail_reply_to(sender, o.short) if rng.random() < 0.3 else None)
            m.irt, m.refs = fake_mid, refs

    def run(self, n_legit: int):
        rng = self.rng
        total = round(n_legit * rng.uniform(0.046, 0.062))
        w = {c: rng.uniform(0.7, 1.4) for c in CAMPAIGNS}
        counts = {c: 2 for c in CAMPAIGNS}
        rest = max(0, total - 2 * len(CAMPAIGNS))
        for _ in range(rest):
            counts[wpick(rng, list(w.items()))] += 1
        got = self.thread_hijack(counts["thread_hijack"])
        short = counts["thread_hijack"] - got
        for _ in range(short):
            counts[pick(rng, ["vendor_new_filesharing", "lookalike_domain", "compromised_mailbox"])] += 1
        for c in CAMPAIGNS:
            if c != "thread_hijack":
                getattr(self, c)(counts[c])

# --------------------------------------------------------------------------------------------------
# putting it together
# --------------------------------------------------------------------------------------------------


def plan_changes(W: World):
    """Changes that must be known before the relationships are generated."""
    rng = W.rng
    if rng.random() < 0.4:
        o = pick(rng, [x for x in W.orgs if x.kind == "vendor"] or W.orgs)
        o.migrate_at = rng.uniform(0.3, 0.85)
    orgs = [x for x in W.orgs if x.since < 0.3]
    o = pick(rng, orgs or W.orgs)
    f = rng.uniform(0.5, 0.9)
    old = o.people[0]
    newp = W.make_person(o, "main")
    newp.active = (f + 0.004, 2.0)
    if rng.random() < 0.5:
        old.active = (old.active[0], f + 0.02)
    o.people.remove(newp)
    o.people.insert(0, newp)
    W.new_colleague = (o, newp, old, f)


def fit_volume(W: World):
    """Bring the legitimate volume to the company's target size (800-1500 messages in all) by adding or removing
    whole conversations."""
    rng = W.rng
    target = W.target
    orgs = [o for o in W.orgs]
    guard = 0
    n = len(W.msgs)
    while n < target * 0.97 and guard < 2000:
        guard += 1
        o = pick(rng, orgs)
        f = rng.uniform(max(o.since, 0) + 0.01, 0.99)
        _, _, steps = wpick(rng, [((n_, w, st), w) for n_, w, st in SCRIPTS[o.kind]])
        before = len(W.msgs)
        run_script(W, rng, o, steps, W.frac_utc(f).date())
        n += sum(1 for m in W.msgs[before:] if m.t_deliver < W.end)
    W.msgs = [m for m in W.msgs if m.t_deliver < W.end]
    if len(W.msgs) > target * 1.03:
        threads: dict[str, list] = {}
        for m in W.msgs:
            if m.thread:
                threads.setdefault(m.thread, []).append(m)
        removable = [t for t, ms in threads.items() if all(m.kind in ("conversation", "auto_reply") for m in ms)]
        rng.shuffle(removable)
        drop: set = set()
        n = len(W.msgs)
        for t in removable:
            if n <= target:
                break
            drop.add(t)
            n -= len(threads[t])
        W.msgs = [m for m in W.msgs if m.thread not in drop]


def mbox_from_line(m: Mail) -> str:
    t = m.t_deliver
    env = m.return_path or m.frm[1]
    if m.direction == "out":
        env = m.frm[1]
    return f"From {env} {t:%a %b} {t.day:2d} {t:%H:%M:%S %Y}"


def build(seed: int) -> World:
    W = World(seed)
    plan_changes(W)
    gen_relationships(W)
    gen_changes(W)
    gen_announcements(W)
    gen_first_contacts(W)
    gen_internal(W)
    gen_newsletters(W)
    gen_saas(W)
    gen_mailing_list(W)
    W.msgs = [m for m in W.msgs if m.t_deliver < W.end]
    fit_volume(W)
    n_legit = len(W.msgs)
    Attacks(W).run(n_legit)
    W.msgs = [m for m in W.msgs if m.t_deliver < W.end]
    for i, m in enumerate(W.msgs):
        m.seq = i
    W.msgs.sort(key=lambda m: (m.t_deliver, m.seq))
    hij = set(W.hijacked_threads)
    for m in W.msgs:
        if m.thread in hij:
            m.hijacked = True
    return W


def generate(seed: int, out_dir: Path) -> str:
    """Write ``out_dir/mailbox.mbox`` and ``out_dir/labels.jsonl`` for this seed; return the local domain."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    W = build(seed)
    rr = random.Random(seed * 1_000_003 + 7)
    chunks: list[str] = []
    labels: list[str] = []
    for m in W.msgs:
        raw = render(W, rr, m)
        chunks.append(mbox_from_line(m) + "\n" + raw.rstrip("\n") + "\n\n")
        labels.append(json.dumps({"message_id": m.mid, "label": m.label, "campaign": m.campaign, "thread": m.thread,
                                  "hijacked_thread": bool(m.hijacked), "kind": m.kind}))
    (out_dir / "mailbox.mbox").write_bytes("".join(chunks).encode("utf-8"))
    (out_dir / "labels.jsonl").write_text("\n".join(labels) + "\n", encoding="utf-8")
    return W.local.domain


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate a labelled mailbox of a made-up company (vecguard evaluation corpus).")
    ap.add_argument("--seed", type=int, required=True, help="seed; each seed is a different company")
    ap.add_argument("--out", type=Path, required=True, help="output directory (mailbox.mbox, labels.jsonl)")
    args = ap.parse_args(argv)
    print(generate(args.seed, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tests for vecguard.lookalike: skeletons, lookalike domains, the deletion index and disguised names."""

from __future__ import annotations

import collections
import dataclasses
import random
import string
from pathlib import Path

import pytest

from vecguard import lookalike
from vecguard.baseline import TAGGED, Baseline, KnownDomain, Profile
from vecguard.domains import registered_domain
from vecguard.features import Address, Context
from vecguard.lookalike import (
    NameIndex,
    Resemblance,
    brand_index,
    embedded_keys,
    index_keys,
    is_mixed_script,
    lure_index,
    resemble_domain,
    skeleton,
    tokens_of,
)
from vecguard.lookalike_edits import is_typo_edit, single_edit
from vecguard.signals.lookalike import LookalikeDomain, sender_lookalike

from .helpers import default_policy, features_of, message

TRANCO = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "lists" / "sublime-tranco_top_50k.csv"
KNOWN = "harborlogistics.co.uk"
CYRILLIC_ABLE = ("apple.com", "ebay.com", "space.com", "cisco.com", "capcom.com", "pepsico.com", "yahoo.com",
                 "shopee.com", "scope.com", "people.com", "peapod.com", "espace.fr", "hospice.org", "copyscape.com",
                 "spacex.com", "echo.com", "skype.com", "sap.com", "cpa.org", "pay.com")


def punycode(host: str) -> str:
    """``host`` with its non-ASCII labels written as xn-- (as they arrive in mail headers)."""
    return ".".join(label if label.isascii() else "xn--" + label.encode("punycode").decode() for label in host.split("."))


# ----------------------------------------------------------------------------------------------- skeleton

@pytest.mark.parametrize(("text", "expected"), [
    ("paypal", "paypal"),
    ("PaypaI", "paypal"),                # capital I for l
    ("paypa1", "paypal"),                # leet 1
    ("pаypal", "paypal"),                # Cyrillic а
    ("ｐａｙｐａｌ", "paypal"),            # fullwidth (NFKC)
    ("pay\u200bpal", "paypal"),          # zero-width space
    ("pay\u202epal", "paypal"),          # bidi override
    ("páypal", "paypal"),                # diacritic
    ("rnicrosoft", "mlcrosoft"),         # rn -> m, i -> l
    ("micros0ft", "mlcrosoft"),
    ("vvikipedia", "wlklpedla"),         # vv -> w
    ("clropbox", "dropbox"),             # cl -> d
    ("harbor-logistics", "harborloglstlcs"),  # hyphens removed
    ("s3cure0line", "secureollne"),
    ("$ecure@ccess", "secureaccess"),
    ("ł", "l"),                          # stroke letters fold by name
    ("ɡооglе", "google"),                # script g, Cyrillic о and е
])
def test_skeleton(text: str, expected: str) -> None:
    assert skeleton(text) == expected


def test_skeleton_keeps_unmapped_digits() -> None:
    assert skeleton("h264") == "h26a"  # 4 reads as a; 2 and 6 read as nothing
    assert skeleton("x86") == "x86"


def test_aligned_skeleton_matches_skeleton() -> None:
    for token in ["s3cure0line", "pаypal", "rnicrosoft", "0ffice365", "ｐａｙｐａｌ", "pay\u200bpal", "cl1ent"]:
        folded, spans = lookalike._aligned(token)
        assert folded == skeleton(token)
        assert len(spans) == len(folded)


@pytest.mark.parametrize(("label", "mixed"), [
    ("paypal", False),
    ("pаypal", True),            # Latin + Cyrillic
    ("παypal", True),            # Latin + Greek
    ("раура", False),            # all Cyrillic: a whole-script confusable, not mixed
    ("münchen", False),
    ("日本語abc", False),         # Han + Latin is allowed
    ("ひらがなカタカナ漢字", False),
    (punycode("pаypal"), True),  # xn-- decoded first
    ("x86-64", False),
])
def test_is_mixed_script(label: str, mixed: bool) -> None:
    assert is_mixed_script(label) is mixed


# ---------------------------------------------------------------------------------------- resemble_domain

@pytest.mark.parametrize(("seen", "kind", "distance"), [
    ("harb0rlogistics.co.uk", "leet", 0),
    ("harborlogistlcs.co.uk", "homoglyph", 0),
    ("harborIogistics.co.uk", "homoglyph", 0),
    ("harborlogistics.com", "tld_swap", 0),
    ("harborlogistics.co", "tld_swap", 0),
    ("harbor-logistics.co.uk", "hyphenation", 0),
    (punycode("harbоrlogistics.co.uk"), "mixed_script", 0),   # Cyrillic о, as xn--
    ("harbоrlogistics.co.uk", "mixed_script", 0),
    ("hárborlogistics.co.uk", "homoglyph", 0),
    ("harbrologistics.co.uk", "transposition", 1),
    ("harborlogistic.co.uk", "edit", 1),                      # omission
    ("harborlogisticss.co.uk", "edit", 1),                    # repetition
    ("harborlogisitcs.co.uk", "transposition", 1),
    ("harborlogustics.co.uk", "edit", 1),                     # replacement
    ("harbourlogistics.co.uk", "edit", 1),                    # insertion
    ("harbourlogistic.co.uk", "edit", 2),                     # two edits: allowed for long names
    ("harborlogistics.co.uk.evil.net", "subdomain", 0),
    ("harborlogistics-co-uk.evil.net", "subdomain", 0),
    ("www.harborlogistics.co.uk.login.evil.net", "subdomain", 0),
    ("harbor.logistics.co.uk", "subdomain", 0),
    ("harborlogistics-invoice.com", "combo", 7),
    ("secure-harborlogistics.co.uk", "combo", 6),
    ("harborlogisticsltd.com", "combo", 3),
])
def test_resemble_domain(seen: str, kind: str, distance: int) -> None:
    found = resemble_domain(seen, KNOWN)
    assert found is not None, seen
    assert (found.kind, found.distance, found.target) == (kind, distance, KNOWN)


@pytest.mark.parametrize("seen", [
    "harborlogistics.co.uk",              # the same domain
    "mail.harborlogistics.co.uk",         # the same organisation
    "HarborLogistics.co.uk.",
    "harborfreight.com",                  # shares a word, nothing more
    "harborlogistics.evil.net",           # bare name in a subdomain: NameIndex.plainly_in's job
    "harborlogistics-consulting.com",     # an added word that is no lure
    "logistics.co.uk",
    "192.0.2.1",
])
def test_resemble_domain_rejects(seen: str) -> None:
    assert resemble_domain(seen, KNOWN) is None


@pytest.mark.parametrize(("seen", "known"), [
    ("ibm.com", "ibn.com"),            # short names: skeleton equality only
    ("dhl.com", "dhx.com"),
    ("acme.com", "acne.com"),
    ("tiktokv.us", "tiktok.com"),      # short name, one letter and the suffix apart
    ("ns1host.com", "ns2host.com"),    # numbered siblings
    ("t-msedge.net", "msedge.net"),    # a whole hyphen-separated part added
    ("kaspersky-labs.com", "kaspersky.com"),  # the brand's own infrastructure-style name
    ("tekla.com", "tesla.com"),        # k for s: no slip makes that edit in a short name
    ("weber.com", "webex.com"),
    ("globeq.com", "globex.com"),      # x -> q: neither keyboard neighbours nor one bit apart
    ("ytimg.com", "etimg.com"),        # the edit is in the two letters before a generic word
    ("ebxcdn.com", "rbxcdn.com"),
    ("latimes.com", "atimes.com"),
    ("c-msedge.net", "a-msedge.net"),  # a one-letter code in a hyphenated name
    ("au-msedge.net", "a-msedge.net"),
    ("ig.com", "lg.com"),              # two ordinary letters fold together by chance
    ("globexs.de", "globex.com"),      # an edit and another suffix: short names keep the suffix
    ("paypalcorp.com", "paypal.com"),  # a company word glued onto a short name (zillowgroup: the brand's own)
    ("zillowgroup.com", "zillow.com"),
    ("zillow-group.com", "zillow.com"),  # behind a hyphen only legal forms count on short names (-inc, -ltd)
    ("lechange.cn", "change.org"),     # "le" is no region, though ie folds to le
    ("strip-chat.io", "stripchat.com"),  # a hyphen and another suffix, like an edit and another suffix
    ("ezviz.com", "ezviz7.com"),       # the parent of a numbered name
    ("cdn77.com", "cdn777.com"),       # a doubled digit counts only in a number of 3 digits or more
    ("pic-time.com", "time.com"),      # pic is no legal form, though it folds to plc
    ("ab-inc.com", "ab.com"),          # a legal form behind a hyphen, but a name under 3 letters
    ("cloud-inc.com", "cloud.com"),    # ... and not on a generic word
    ("taimes.com", "atimes.com"),      # a swap in the short stem of a short name is still a stem edit
])
def test_unrelated_or_short_names_are_not_lookalikes(seen: str, known: str) -> None:
    assert resemble_domain(seen, known) is None


@pytest.mark.parametrize(("seen", "known", "kind"), [
    ("paypak.com", "paypal.com", "edit"),          # keyboard neighbour
    ("paypcl.com", "paypal.com", "edit"),          # a -> c is one bit
    ("pzypal.com", "paypal.com", "edit"),          # a -> z: neighbours on QWERTY
    ("paypel.com", "paypal.com", "edit"),          # vowel
    ("qlobex.com", "globex.com", "edit"),          # g -> q looks alike
    ("paypl.com", "paypal.com", "edit"),           # omission
    ("papyal.com", "paypal.com", "transposition"),
    ("paypall.com", "paypal.com", "edit"),
    ("paypalx.com", "paypal.com", "edit"),         # addition at the end
    ("d4opbox.com", "dropbox.com", "edit"),        # r -> 4, a keyboard neighbour, as written
    ("f5.com", "fs.com", "leet"),                  # a digit in a two-letter name is a disguise
    ("kudlow-inc.com", "kudlow.com", "combo"),     # a legal form behind a hyphen, on a name of 6+
    ("pira-inc.com", "pira.com", "combo"),         # ... and of 3 to 5 letters
    ("pdq-inc.net", "pdq.net", "combo"),
    ("ltd-intcx.com", "intcx.com", "combo"),       # in front too
    ("em50000.com", "em5000.com", "edit"),         # a doubled digit in a long number: no sibling
    ("em500.com", "em5000.com", "edit"),           # or a doubled digit dropped
    ("rciefinancial.com", "ricefinancial.com", "transposition"),  # a swap in the short stem of a long name
    ("paypal-corp.com", "paypal.com", "combo"),    # (which PayPal's own corporate site also is)
    ("paypal-secure.com", "paypal.com", "combo"),  # lure words still make combos with short names
    ("globex-invoice.com", "globex.com", "combo"),
    ("instragram.com", "instagram.com", "edit"),
    ("harbor-logistics.com", "harborlogistics.co.uk", "hyphenation"),  # long names may change the suffix
    ("strip-chat.com", "stripchat.com", "hyphenation"),
])
def test_typo_shaped_edits_of_short_names_are_lookalikes(seen: str, known: str, kind: str) -> None:
    found = resemble_domain(seen, known)
    assert found is not None and found.kind == kind, found


@pytest.mark.parametrize(("seen", "known", "typo"), [
    ("paypak", "paypal", True),
    ("paypa", "paypal", True),
    ("paypla", "paypal", True),
    ("ppaypal", "paypal", True),    # repetition
    ("payopal", "paypal", True),    # o, a neighbour of the p it is typed beside
    ("payqpal", "paypal", False),   # q is no neighbour of y or p
    ("paypalx", "paypal", True),    # anything at the end
    ("paypbl", "paypal", False),    # a -> b: two bits, far apart
    ("tekla", "tesla", False),
    ("zuora", "quora", True),       # q and z are neighbours on AZERTY
    ("pаypak", "paypal", False),    # two edits
    ("paypal", "paypal", False),    # no edit
])
def test_is_typo_edit(seen: str, known: str, typo: bool) -> None:
    assert is_typo_edit(seen, known) is typo


def test_single_edit() -> None:
    assert single_edit("paypak", "paypal") == ("replace", 5, "l", "k")
    assert single_edit("paypall", "paypal") == ("insert", 6, "", "l")
    assert single_edit("paypl", "paypal") == ("delete", 4, "a", "")
    assert single_edit("papyal", "paypal") == ("swap", 2, "yp", "py")
    assert single_edit("pxypxl", "paypal") is None


def test_short_names_match_by_skeleton_only() -> None:
    found = resemble_domain("dh1.com", "dhl.com")
    assert found is not None and found.kind == "leet"
    assert resemble_domain("ups.co", "ups.com") == Resemblance("ups.co", "ups.com", "tld_swap", 0)


def test_resemblance_is_frozen() -> None:
    found = resemble_domain("paypa1.com", "paypal.com")
    assert found == Resemblance("paypa1.com", "paypal.com", "leet", 0)
    with pytest.raises(AttributeError):
        found.kind = "x"  # type: ignore[misc]


# ------------------------------------------------------------------------------------------------ the index

def _edit(name: str, rng: random.Random) -> str:
    """One random insertion, deletion, substitution or adjacent transposition."""
    i = rng.randrange(len(name))
    letter = rng.choice(string.ascii_lowercase)
    op = rng.choice(("insert", "delete", "substitute", "transpose"))
    if op == "insert":
        return name[:i] + letter + name[i:]
    if op == "delete":
        return name[:i] + name[i + 1:]
    if op == "substitute":
        return name[:i] + letter + name[i + 1:]
    i = min(i, len(name) - 2)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def test_index_keys_collide_for_single_edits() -> None:
    rng = random.Random(20260821)
    names = [n for n in lookalike._read_list("brands.txt") if len(n) >= 6][:120]
    names += ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(6, 16))) for _ in range(80)]
    assert len(names) == 200
    typos = others = 0
    for name in names:
        known = f"{name}.com"
        for _ in range(5):
            edited = _edit(name, rng)
            if edited == name:
                continue
            seen = f"{edited}.com"
            assert index_keys(seen) & index_keys(known), (seen, known)
            found = resemble_domain(seen, known)
            if lookalike._edits_short_stem(edited, name):
                continue  # ytimg / etimg: the edit is in the few letters before a generic word
            if len(name) >= lookalike.TYPO_ONLY_BELOW or is_typo_edit(edited, name):
                assert found is not None, (seen, known)
                typos += 1
            else:
                assert found is None or found.kind != "edit", (seen, known, found)  # two names, not a typo
                others += 1
    assert typos > 500 and others > 100  # both branches are exercised


def test_index_keys_shapes() -> None:
    assert skeleton("harborlogistics") in index_keys("mail.harborlogistics.co.uk")
    assert index_keys("ibm.com") == frozenset({"lbm"})  # short: no deletions
    assert index_keys("harb0rlogistics.co.uk") & index_keys("harborlogistics.com")
    assert index_keys("harbor-logistics.co.uk") & index_keys(KNOWN)
    assert index_keys(punycode("harbоrlogistics.co.uk")) & index_keys(KNOWN)
    assert index_keys("192.0.2.1") == frozenset()


@pytest.mark.parametrize("seen", [
    "harborlogistics.co.uk.evil.net",
    "harborlogistics-co-uk.evil.net",
    "harbor.logistics.co.uk",
    "harborlogistics-invoice.com",
    "harborlogisticsinvoice.com",
    "harborlogisticscouk.com",
])
def test_embedded_keys_find_subdomain_and_combo_candidates(seen: str) -> None:
    assert embedded_keys(seen) & index_keys(KNOWN)
    assert resemble_domain(seen, KNOWN) is not None


@pytest.mark.parametrize(("seen", "known"), [("pira-inc.com", "pira.com"), ("pdq-inc.net", "pdq.net"),
                                             ("inc-hsbc.com", "hsbc.com")])
def test_embedded_keys_find_short_names_behind_a_legal_form(seen: str, known: str) -> None:
    # a name under 5 letters is filed under its skeleton alone: the query must carry it stripped
    assert embedded_keys(seen) & index_keys(known)
    assert embedded_keys("pic-time.com") & index_keys("time.com") == frozenset()


@pytest.mark.parametrize(("seen", "known", "flagged"), [
    ("quik.co", "quik.com", True),      # a letter dropped from the suffix, first contact
    ("utmb.cm", "utmb.com", True),
    ("quik.net", "quik.com", False),    # another suffix: short names recur under many
    ("ebay.be", "ebay.de", False),      # one letter changed: another country
    ("ab.co", "ab.com", False),         # a name under tld_typo_min_name_length
])
def test_short_name_tld_typo_flagged_for_a_first_contact(seen: str, known: str, flagged: bool) -> None:
    cfg = default_policy().detectors
    similar = {seen: (KnownDomain(known, 10),)}
    copied = {known: (f"sales@{known}",)}  # a tld swap imitates only when it copies someone there
    sender = Address(f"sales@{seen}", "", seen, seen)
    verdict = sender_lookalike(sender, Baseline(similar=similar, copied=copied), Context(), cfg)
    assert (verdict is not None) == flagged, verdict
    if flagged:
        assert verdict is not None and verdict[0].kind == "tld_swap"
        established = Baseline(similar=similar, org=Profile(inbound=5), copied=copied)
        assert sender_lookalike(sender, established, Context(), cfg) is None  # not once it has history


@pytest.mark.parametrize(("seen", "known", "kind"), [
    ("python.net", "python.org", "tld_swap"),
    ("t-mobile.com", "tmobile.com", "hyphenation"),
    ("harborlogistics-ltd.com", "harborlogistics.co.uk", "combo"),
])
def test_spelled_out_name_imitates_only_when_it_copies_a_person(seen: str, known: str, kind: str) -> None:
    """A sender domain that spells a known name right counts only when the sender copies one of the
    known domain's people (the store's ``copied``); copying nobody it is a neighbour, at the
    ``spelled_out_uncopied_factor`` (0 by default, so no hit)."""
    cfg = dict(default_policy().detectors)
    similar = {seen: (KnownDomain(known, 40),)}
    sender = Address(f"jane.doe@{seen}", "Jane Doe", seen, seen)
    copying = sender_lookalike(sender, Baseline(similar=similar, copied={known: (f"jane.doe@{known}",)}),
                               Context(), cfg)
    assert copying is not None and copying[0].kind == kind and copying[1] > 0.4
    assert sender_lookalike(sender, Baseline(similar=similar), Context(), cfg) is None
    assert sender_lookalike(sender, Baseline(similar=similar, copied={"other.com": ("jane.doe@other.com",)}),
                            Context(), cfg) is None  # a copy at another domain is no copy of this one
    half = sender_lookalike(sender, Baseline(similar=similar), Context(), cfg | {"spelled_out_uncopied_factor": 0.5})
    assert half is not None and half[1] == pytest.approx(copying[1] * 0.5)


@pytest.mark.parametrize("seen", ["harb0rlogistics.co.uk", "harborlogistlcs.co.uk", "harborlogsitics.co.uk"])
def test_disguised_name_imitates_without_copying_anyone(seen: str) -> None:
    cfg = default_policy().detectors
    similar = {seen: (KnownDomain("harborlogistics.co.uk", 40),)}
    verdict = sender_lookalike(Address(f"billing@{seen}", "", seen, seen), Baseline(similar=similar), Context(), cfg)
    assert verdict is not None and verdict[0].kind not in ("tld_swap", "hyphenation", "combo")


def test_local_domain_spelled_out_counts_without_a_copy() -> None:
    """Our own name under another suffix, to our own users, needs no copied person to count."""
    cfg = default_policy().detectors
    ctx = Context(local_domains=frozenset({"fernhollowfoods.com"}))
    sender = Address("ceo@fernhollowfoods.co", "", "fernhollowfoods.co", "fernhollowfoods.co")
    verdict = sender_lookalike(sender, Baseline(), ctx, cfg)
    assert verdict is not None and verdict[0].kind == "tld_swap" and verdict[0].target == "fernhollowfoods.com"


def _osa(a: str, b: str) -> int:
    """Reference optimal-string-alignment distance (full table)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def test_bounded_distance_agrees_with_reference() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        a = "".join(rng.choice("abcr") for _ in range(rng.randint(0, 9)))
        b = _edit(a, rng) if a and rng.random() < 0.5 else "".join(rng.choice("abcr") for _ in range(rng.randint(0, 9)))
        if a and rng.random() < 0.3:
            b = _edit(b, rng) if b else b
        for limit in (1, 2):
            assert lookalike._distance(a, b, limit) == min(_osa(a, b), limit + 1), (a, b, limit)


# ------------------------------------------------------------------------------------- disguised names

@pytest.fixture(scope="module")
def names() -> NameIndex:
    return NameIndex([*lookalike._read_list("brands.txt"), *lookalike._read_list("lure_words.txt")])


@pytest.mark.parametrize(("token", "target"), [
    ("s3cure0line", "secure"),
    ("micros0ft", "microsoft"),
    ("paypa1", "paypal"),
    ("PaypaI", "paypal"),
    ("d0cusign", "docusign"),
    ("0ffice365", "office365"),
    ("pаypal", "paypal"),            # Cyrillic а
    ("ｐａｙｐａｌ", "paypal"),
    ("g00gle", "google"),
    ("faceb00k", "facebook"),
    ("sh4repoint", "sharepoint"),
    ("paypa1secure", "paypal"),
    ("micros0fft", "microsoft"),     # leet plus an edit
])
def test_disguised_in_hits(names: NameIndex, token: str, target: str) -> None:
    found = names.disguised_in(token)
    assert target in [r.target for r in found], found
    assert all(r.seen == token for r in found)


def test_disguised_in_finds_concatenations(names: NameIndex) -> None:
    found = {r.target: r for r in names.disguised_in("s3cure0line")}
    assert found["secure"].kind == "leet" and found["online"].kind == "combo"
    assert found["online"].distance == 1


@pytest.mark.parametrize("token", [
    "a3f9e0c1d2", "mp3", "h264", "utf8", "v2", "2fa", "b2b", "x86_64", "win10", "office365", "microsoft365",
    "20240115", "2024-01-15", "1700000000", "agvsbg8gd29ybgq", "dGhpcyBpcyBhIHRlc3Q", "ipv4", "s3", "k8s",
    "e2e", "4k", "covid19", "web3", "3d", "sm-g991b", "rtx3080", "a1b2c3", "iso27001", "27bank", "emal15",
    "permalink3", "paypal", "invoice", "Invoice", "secureonline", "mp4", "i18n", "l10n", "ps5", "iphone15",
    "1080p", "h265", "gpt4", "aes256", "sha256", "base64", "s3bucket", "oauth2", "http2",
    "télécharger", "sécurité", "zürich", "пример",
])
def test_disguised_in_ignores_ordinary_tokens(names: NameIndex, token: str) -> None:
    assert names.disguised_in(token) == []
    assert lure_index().disguised_in(token) == []
    assert brand_index().disguised_in(token) == []


def test_cached_indexes() -> None:
    assert brand_index() is brand_index()
    assert lure_index() is lure_index()
    assert "paypal" in brand_index() and "office" not in brand_index() and "store" not in brand_index()
    assert 250 <= len(brand_index()) <= 2000
    assert 60 <= len(lure_index()) <= 130
    assert [r.target for r in lure_index().disguised_in("b4nk")] == ["bank"]
    assert [r.target for r in brand_index().disguised_in("d0cusign")] == ["docusign"]


def test_plainly_in() -> None:
    index = NameIndex(["paypal", "harborlogistics", "docusign"])
    assert index.plainly_in("paypal") == ["paypal"]
    assert index.plainly_in("PayPal-Login") == ["paypal"]
    assert index.plainly_in("harborlogisticsdocusign") == ["harborlogistics", "docusign"]
    assert index.plainly_in("paypa1") == []
    assert index.plainly_in("pal") == []
    assert NameIndex(["abc"]).plainly_in("abcdef") == []  # under min_length


def test_tokens_of() -> None:
    host = punycode("pаypal.com.evil.net")
    tokens = tokens_of(host, "/s3cure0line/Login%20Now/?id=a3f9e0c1d2&x=pay%E2%80%8Bpal&y=ab")
    assert tokens == ["pаypal", "evil", "s3cure0line", "login", "a3f9e0c1d2", "paypal"]
    assert tokens_of("EXAMPLE.com", "/doc") == ["example"]


# ----------------------------------------------------------------------------- corpora (skipped if absent)

@dataclasses.dataclass(frozen=True)
class FalseMatches:
    """Tranco domains as new senders against the known ones: what the LookalikeDomain detector reports
    for each (seen domain -> the resemblance it names) when the sender copies nobody at the known domain
    (``flagged``) and when it copies a person at every one of them (``flagged_copying``: the worst case,
    and the detector's count before spelled-out names needed a copied person), and every pair
    resemble_domain confirms among the candidates (``kinds``, pairs by kind, before the detector's rules)."""

    seen: int
    kinds: collections.Counter[str]
    flagged: dict[str, Resemblance]
    flagged_copying: dict[str, Resemblance]

    def domains(self, *, tld_swaps: bool, copying: bool = False) -> list[str]:
        """Domains the detector flags; without tld_swaps, those it flags for another kind of resemblance
        (the kind it reports is the strongest one; a tld swap counts half)."""
        flagged = self.flagged_copying if copying else self.flagged
        return sorted(d for d, r in flagged.items() if tld_swaps or r.kind != "tld_swap")


@pytest.fixture(scope="module")
def tranco_false_matches() -> FalseMatches:
    """The issue's test: the first 1,000 Tranco domains as known correspondents, the other 49,000 as new
    senders. Each is looked up the way the store does it (known domains filed under index_keys; a
    candidate looked up by index_keys | embedded_keys, itself excluded, and only its own organisation
    handed over when that is known) and judged by the detector's own function, with the default policy's
    settings: free mailbox providers are neither suspects nor targets, tld swaps of short names are
    ignored. ``flagged`` is exactly the set of senders that would get a LOOKALIKE_SENDER_DOMAIN hit."""
    if not TRANCO.exists():
        pytest.skip(f"{TRANCO} not found (../shared/corpora not mounted)")
    rows = [line.strip().split(",")[1] for line in TRANCO.read_text().splitlines() if "," in line]
    assert len(rows) == 50_000
    known, seen = rows[:1000], rows[1000:]
    index: dict[str, set[str]] = collections.defaultdict(set)
    for domain in known:
        for key in index_keys(domain):
            index[key].add(domain)
    cfg = default_policy().detectors
    ctx = Context()
    kinds: collections.Counter[str] = collections.Counter()
    flagged: dict[str, Resemblance] = {}
    flagged_copying: dict[str, Resemblance] = {}
    for domain in seen:
        own = registered_domain(domain)
        candidates: set[str] = set()
        for key in index_keys(domain) | embedded_keys(domain):
            candidates |= index.get(key, set())
        candidates.discard(domain)
        for candidate in candidates:
            if (found := resemble_domain(domain, candidate)) is not None:
                kinds[found.kind] += 1
        if own in candidates:
            candidates = {own}
        similar = {own: tuple(KnownDomain(d, 1) for d in sorted(candidates))}
        sender = Address(f"info@{domain}", "", domain, own)
        if (verdict := sender_lookalike(sender, Baseline(similar=similar), ctx, cfg)) is not None:
            flagged[domain] = verdict[0]
        copied = {d: (f"info@{d}",) for d in candidates}
        if (verdict := sender_lookalike(sender, Baseline(similar=similar, copied=copied), ctx, cfg)) is not None:
            flagged_copying[domain] = verdict[0]
    return FalseMatches(len(seen), kinds, flagged, flagged_copying)


def test_false_lookalikes_among_popular_domains(tranco_false_matches: FalseMatches) -> None:
    """Measured numbers, reported in docs/EVALUATION.md, held as a regression bound. A sender that copies
    nobody at the known domain is flagged only for a disguised name (an edit: instragram, tawitter,
    xvideos2, and close names of different owners that one typo-shaped edit joins, zuora/quora); one that
    copies a person there is flagged for the spelled-out kinds too (google.de for google.com is a tld swap
    by definition, t-mobile/tmobile, paypal-corp)."""
    fm = tranco_false_matches
    print(f"\nTranco 1,000 known x {fm.seen:,} seen: resemble_domain pairs by kind {dict(fm.kinds)}")
    for copying, who in ((False, "copying nobody"), (True, "copying a person at the known domain")):
        flagged = fm.domains(tld_swaps=True, copying=copying)
        other = fm.domains(tld_swaps=False, copying=copying)
        verdicts = fm.flagged_copying if copying else fm.flagged
        by_kind = collections.Counter(verdicts[d].kind for d in flagged)
        print(f"  flagged by LookalikeDomain, sender {who}: {len(flagged)} ({len(flagged) / fm.seen:.2%}), "
              f"by kind {dict(by_kind)}; other than a tld swap: {len(other)} ({len(other) / fm.seen:.2%})")
    assert fm.flagged["instragram.com"].target == "instagram.com"  # a real typosquat on the list
    assert "tekla.com" not in fm.flagged_copying and "weber.com" not in fm.flagged_copying  # other names, not slips
    assert "google.ca" in fm.flagged_copying and "google.ca" not in fm.flagged  # a tld swap needs a copied person
    assert set(fm.flagged) <= set(fm.flagged_copying)  # copying a person never makes a sender less suspect
    assert len(fm.domains(tld_swaps=True)) <= 72  # 68 when written, all edits (706 before copies were required)
    assert len(fm.domains(tld_swaps=False, copying=True)) <= 110  # 104 when written (241 before issue 6)
    assert len(fm.domains(tld_swaps=True, copying=True)) <= 720  # 706 when written (841 before issue 6)


@pytest.mark.xfail(strict=True, reason="issue 6 target not met: 0.05% of 49,000 is 24 domains; measured 68 "
                                       "flagged (0.14%) for senders copying nobody, 706 (1.44%) for senders "
                                       "copying a person at the known domain (see docs/EVALUATION.md)")
def test_false_lookalikes_meet_the_issue_target(tranco_false_matches: FalseMatches) -> None:
    assert len(tranco_false_matches.domains(tld_swaps=True)) <= 0.0005 * tranco_false_matches.seen


def test_dnstwist_recall() -> None:
    """Recall of resemble_domain on dnstwist's offline permutations of 20 vendor-like domains, per fuzzer.
    Homoglyph permutations (two substitutions each, ~150k for these names) are sampled."""
    dnstwist = pytest.importorskip("dnstwist")
    known = ["harborlogistics.co.uk", "paypal.com", "microsoft.com", "docusign.net", "dropbox.com",
             "wellsfargo.com", "northwindtraders.com", "contoso.com", "fabrikam.com", "adventure-works.com",
             "globex.com", "initech.com", "umbrellacorp.com", "stark-industries.com", "wayneenterprises.com",
             "bluewaterpartners.com", "meridianhealth.org", "pinnaclebank.com", "summitsupply.de",
             "cascadeengineering.fr"]
    fuzzers = ["bitsquatting", "cyrillic", "hyphenation", "insertion", "omission", "repetition", "replacement",
               "transposition", "vowel-swap", "tld-swap", "addition", "subdomain"]
    rng = random.Random(0)
    permutations: list[tuple[str, str, str]] = []
    for domain in known:
        fuzzer = dnstwist.Fuzzer(domain, tld_dictionary=["com", "net", "org", "co.uk", "de", "fr", "io"])
        fuzzer.generate(fuzzers=fuzzers)
        permutations += [(p["fuzzer"], p["domain"], domain) for p in fuzzer.domains if p["domain"] != domain]
    for domain in ("paypal.com", "globex.com", "contoso.com", "initech.com", "summitsupply.de"):
        fuzzer = dnstwist.Fuzzer(domain)
        fuzzer.generate(fuzzers=["homoglyph"])
        sample = sorted(p["domain"] for p in fuzzer.domains)
        permutations += [("homoglyph", d, domain) for d in rng.sample(sample, min(300, len(sample)))]
    # dnstwist's cyrillic fuzzer writes a whole name in Cyrillic, so only names made of letters with a
    # Cyrillic twin have one: these do (the 20 above give 2).
    for domain in CYRILLIC_ABLE:
        fuzzer = dnstwist.Fuzzer(domain)
        fuzzer.generate(fuzzers=["cyrillic"])
        permutations += [("cyrillic", p["domain"], domain) for p in fuzzer.domains if p["domain"] != domain]
    total: collections.Counter[str] = collections.Counter()
    hits: collections.Counter[str] = collections.Counter()
    for fuzzer_name, domain, original in permutations:
        total[fuzzer_name] += 1
        if resemble_domain(domain, original) is not None:
            hits[fuzzer_name] += 1
    recall = {name: hits[name] / total[name] for name in total}
    print("\n" + "\n".join(f"{name:14s} {total[name]:5d} {recall[name]:.3f}" for name in sorted(total)))
    for name in [*fuzzers, "homoglyph"]:
        assert total[name] >= 20, name
        # the issue's target for its classes; addition and subdomain are extra classes, held at 0.9
        assert recall[name] >= (0.9 if name in ("addition", "subdomain") else 0.95), (name, recall[name])


@pytest.mark.parametrize(("org", "damped"), [
    (Profile(inbound=6, held=1), True),     # more untagged deliveries than holds: an organisation of its own
    (Profile(inbound=1, held=1), False),    # as many holds as deliveries
    (Profile(inbound=3, facts={TAGGED: {"messages": 3}}), False),  # tagged mail vouches for nothing
    (Profile(), False),                     # a first contact
])
def test_established_lookalike_factor(org: Profile, damped: bool) -> None:
    f = features_of(message(sender="Greg <gward@harborlogistics.net>"))
    similar = {"harborlogistics.net": (KnownDomain("harborlogistics.co.uk", 40),)}
    copied = {"harborlogistics.co.uk": ("gward@harborlogistics.co.uk",)}  # a tld swap counts when it copies someone
    cfg = default_policy().detectors
    hits = list(LookalikeDomain().evaluate(f, Baseline(similar=similar, org=org, copied=copied), Context(), cfg, ()))
    full = list(LookalikeDomain().evaluate(f, Baseline(similar=similar, copied=copied), Context(), cfg, ()))
    assert "copies gward@harborlogistics.co.uk" in full[0].evidence[0]
    assert [h.name for h in hits] == ["LOOKALIKE_SENDER_DOMAIN"] == [h.name for h in full]
    expected = full[0].strength * (cfg["established_lookalike_factor"] if damped else 1.0)
    assert hits[0].strength == pytest.approx(expected)

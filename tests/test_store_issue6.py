"""Store reads added for issue 6, on SQLite and PostgreSQL: local users an inbound sender may impersonate,
authentication results learned per sender, the lookalike lookup of a candidate whose own organisation
is known, and the known people a lookalike sender copies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from vecguard import baseline as b
from vecguard.features import AuthResults
from vecguard.history.store import Store
from vecguard.learn import Lesson, lesson

from .test_store import T0, features


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    st = Store(store_url)  # the real lookalike keys
    yield st
    st.close()


def _our_users(store: Store) -> None:
    with store.session() as s:
        s.learn(lesson(features("lena.fischer@ours.example", "Lena Fischer", to=("sam@vendor.example",)), "pass"))
        s.learn(lesson(features("info@ours.example", "Info Desk", to=("sam@vendor.example",),
                                message_id="m9@ours.example"), "pass"))


def test_local_users_by_display_name_and_local_part(store: Store) -> None:
    _our_users(store)
    with store.session() as s:
        by_name = s.baseline(features("lena.f@gmail.example", "LENA  FISCHER", message_id="x1@gmail.example"))
        by_address = s.baseline(features("lena.fischer@gmail.example", "L.", message_id="x2@gmail.example"))
        role = s.baseline(features("info@gmail.example", "Info Desk", message_id="x3@gmail.example"))
        stranger = s.baseline(features("someone@vendor.example", "Sam Reed", message_id="x4@vendor.example"))
        ours = s.baseline(features("lena.fischer@ours.example", "Lena Fischer", to=("sam@vendor.example",),
                                   message_id="x5@ours.example"))
    assert by_name.local_names == {"lena fischer"} and by_name.local_addresses == frozenset()
    assert by_address.local_addresses == {"lena.fischer@ours.example"}
    # a one-word local part (info@) never matches by address; "Info Desk" is two words and matches by name
    assert role.local_addresses == frozenset() and role.local_names == {"info desk"}
    assert stranger.local_names == frozenset() and stranger.local_addresses == frozenset()
    assert ours.local_names == frozenset() and ours.local_addresses == frozenset()


def test_auth_results_are_facts_of_the_sender_and_org(store: Store) -> None:
    auth = AuthResults("pass", "pass", "pass", ("vendor.example",), "reject", "mx.ours.example")
    with store.session() as s:
        for day in range(3):
            f = features(message_id=f"a{day}@vendor.example", date=T0 + timedelta(days=day))
            s.learn(lesson(replace(f, auth=auth), "pass"))
        unsure = AuthResults("temperror", "temperror", "temperror")
        s.learn(lesson(replace(features(message_id="t@vendor.example"), auth=unsure), "pass"))
        base = s.baseline(features(message_id="b@vendor.example"))
    for kind in (b.AUTH_SPF, b.AUTH_DKIM, b.AUTH_DMARC):
        assert dict(base.sender.values(kind)) == {"pass": 3}, kind  # temperror is our DNS: not learned
        assert dict(base.org.values(kind)) == {"pass": 3}, kind
    assert dict(base.sender.values(b.DKIM)) == {"vendor.example": 3}


def test_a_known_candidate_brings_only_itself(store: Store) -> None:
    with store.session() as s:
        s.learn(Lesson(None, known_domains=("google.com", "google.de", "google.fr", "gogle.com")))
        s.commit()
        similar = s._similar(["docs.google.com", "googel.com"])
    assert [k.domain for k in similar["docs.google.com"]] == ["google.com"]
    assert {k.domain for k in similar["googel.com"]} >= {"google.com", "google.de", "google.fr"}


def test_local_user_names_follow_address_conventions(store: Store) -> None:
    with store.session() as s:
        for n, (addr, name) in enumerate([("jurgen.muller@ours.example", "Jürgen Müller"),
                                          ("kwong@ours.example", "Kim Wong"),
                                          ("x7q2@ours.example", "Pat Doe")]):
            s.learn(lesson(features(addr, name, to=("sam@vendor.example",), message_id=f"o{n}@ours.example"), "pass"))
        found = {who: s.baseline(features("x@gmail.example", who, message_id=f"q{who}@gmail.example")).local_names
                 for who in ("Jürgen Müller", "kim wong", "Pat Doe")}
    assert found == {"Jürgen Müller": {"jürgen müller"}, "kim wong": {"kim wong"},
                     # an address that follows no convention is not found: the price of an indexed lookup
                     "Pat Doe": frozenset()}


def test_people_a_lookalike_sender_copies(store: Store) -> None:
    """``copied``: for the known domains the sender's organisation resembles, the correspondents there
    with the sender's local part (at the organisation or a subdomain of it) or display name."""
    with store.session() as s:
        for n, (addr, name) in enumerate([("jane.doe@harborlogistics.co.uk", "Jane Doe"),
                                          ("bstengle@houston.harborlogistics.co.uk", "Nancy Stengle"),
                                          ("sam@other.example", "Sam Reed")]):
            s.learn(lesson(features(addr, name, message_id=f"k{n}@x.example"), "pass"))
        s.learn(lesson(features("ghost@harborlogistics.co.uk", "Ghost", message_id="h@x.example"), "hold"))
        s.commit()

        def copied(addr: str, name: str = "") -> dict[str, tuple[str, ...]]:
            return dict(s.baseline(features(addr, name, message_id=f"q-{addr}")).copied)

        target = "harborlogistics.co.uk"
        assert copied("jane.doe@harborlogistics.com") == {target: ("jane.doe@harborlogistics.co.uk",)}
        assert copied("j.doe@harborlogistics.com", "JANE  DOE") == {target: ("jane.doe@harborlogistics.co.uk",)}
        assert copied("bstengle@harborlogistics.com") == {target: ("bstengle@harborlogistics.co.uk",)}  # person row
        assert copied("ghost@harborlogistics.com") == {}   # only ever held: nobody we corresponded with
        assert copied("sam@harborlogistics.com") == {}     # a known local part at another organisation
        assert copied("accounts@harborlogistics.com", "Accounts") == {}
        assert copied("jane.doe@unrelated.example") == {}  # no known domain resembles it: no query


def test_mailing_lists_we_receive(store: Store) -> None:
    """A learned list post (own_list) files its list; a later message copied to that list, even without
    list headers (To: the list, Cc: us), names a known list. Held mail teaches nothing."""
    post = replace(features("tor@torb.example", "Tor", to=("ilug@linux.example",), message_id="p1@torb.example"),
                   bulk=True, own_list="ilug@linux.example")
    held = replace(features("x@evil.example", "X", to=("other@lists.example",), message_id="p2@evil.example"),
                   bulk=True, own_list="other@lists.example")
    with store.session() as s:
        s.learn(lesson(post, "pass"))
        s.learn(lesson(held, "hold"))
        s.commit()
        copy = features("ann@elsewhere.example", "Ann", to=("ilug@linux.example", "bob@ours.example"),
                        message_id="c1@elsewhere.example")
        assert s.baseline(copy).known_lists == {"ilug@linux.example": 1}
        other = features("ann@elsewhere.example", "Ann", to=("other@lists.example", "bob@ours.example"),
                         message_id="c2@elsewhere.example")
        assert s.baseline(other).known_lists == {}
        assert s.baseline(features(message_id="c3@vendor.example")).known_lists == {}

"""Which authentication and impersonation signals fire on which .eml, against a learned vendor history.

The world (tests/helpers.py): four months of Harbor Logistics mail, every message with our MX's
Authentication-Results ``spf=pass dkim=pass header.d=harborlogistics.co.uk dmarc=pass``. Our authserv-id
is ``mx.acme-parts.com`` (a host in the local domain, the default when no --authserv-id is configured).
Scenarios are scored without learning.
"""

from __future__ import annotations

import pytest

from vecguard.baseline import AUTH_DKIM, AUTH_DMARC, AUTH_SPF, DKIM
from vecguard.features import Context
from vecguard.signals.auth import AuthFailForUsuallyPassing, DmarcFailEnforced, LocalUserImpersonation, NewDkimDomain

from .helpers import LOCAL, VENDOR_ADDR, World, check_scenario, eml, features_of, message, signals

AUTH = {"AUTH_FAIL_FOR_USUALLY_PASSING", "DMARC_FAIL_ENFORCED", "NEW_DKIM_DOMAIN", "LOCAL_USER_IMPERSONATION"}


SCENARIOS = [
    # (file, must fire, must not fire)
    ("auth_spoof_dmarc_reject.eml", {"AUTH_FAIL_FOR_USUALLY_PASSING", "DMARC_FAIL_ENFORCED"},
     {"NEW_DKIM_DOMAIN", "LOCAL_USER_IMPERSONATION", "FIRST_CONTACT"}),
    # our MX's header on top says fail (and nothing about DKIM); a copy claiming our authserv-id lower
    # down (with a passing DKIM d= this sender never used) and one from the sender's own host: forged
    ("auth_forged_results.eml", {"AUTH_FAIL_FOR_USUALLY_PASSING", "DMARC_FAIL_ENFORCED"},
     {"NEW_DKIM_DOMAIN", "LOCAL_USER_IMPERSONATION"}),
    # only a header from outside: no results at all, so nothing about authentication fires
    ("auth_forged_only.eml", set(), AUTH),
    ("auth_new_dkim_domain.eml", {"NEW_DKIM_DOMAIN"},
     {"AUTH_FAIL_FOR_USUALLY_PASSING", "DMARC_FAIL_ENFORCED", "LOCAL_USER_IMPERSONATION"}),
    ("local_user_display_name.eml", {"LOCAL_USER_IMPERSONATION", "FIRST_CONTACT"},
     {"AUTH_FAIL_FOR_USUALLY_PASSING", "DMARC_FAIL_ENFORCED", "NEW_DKIM_DOMAIN"}),
    ("local_user_address.eml", {"LOCAL_USER_IMPERSONATION"}, {"AUTH_FAIL_FOR_USUALLY_PASSING", "DMARC_FAIL_ENFORCED"}),
    # a stranger who merely addresses our user by name, from a role address: nothing to see
    ("local_namesake.eml", set(), AUTH),
    # the existing scenarios: authentication passes as always, no auth signal (and passing lowers nothing)
    ("vendor_normal.eml", set(), AUTH),
    ("compromised_mailbox.eml", set(), {"AUTH_FAIL_FOR_USUALLY_PASSING", "DMARC_FAIL_ENFORCED",
                                        "LOCAL_USER_IMPERSONATION"}),
    ("first_contact.eml", set(), AUTH),
]


@pytest.mark.parametrize("name,fires,quiet", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_auth_scenario_signals(world: World, name: str, fires: set[str], quiet: set[str]) -> None:
    check_scenario(world, name, fires, quiet)


@pytest.mark.parametrize("name", ["auth_spoof_dmarc_reject.eml", "auth_forged_results.eml"])
def test_spoofs_of_a_passing_vendor_are_held(world: World, name: str) -> None:
    assert world.score(eml(name)).decision.action == "hold"


def test_evidence_names_the_history(world: World) -> None:
    outcome = world.score(eml("auth_spoof_dmarc_reject.eml"))
    by_name = {c.name: c for c in outcome.decision.report.contributions}
    evidence = " | ".join(by_name["AUTH_FAIL_FOR_USUALLY_PASSING"].evidence)
    assert "dkim=none" in evidence and "spf=fail" in evidence and "dmarc=fail" in evidence
    assert "passed 16/16" in evidence
    assert by_name["DMARC_FAIL_ENFORCED"].evidence == ("dmarc=fail p=reject for harborlogistics.co.uk (mx.acme-parts.com)",)
    assert by_name["AUTH_FAIL_FOR_USUALLY_PASSING"].strength == pytest.approx(16 / 18, abs=1e-3)
    new_dkim = {c.name: c for c in world.score(eml("auth_new_dkim_domain.eml")).decision.report.contributions}
    assert new_dkim["NEW_DKIM_DOMAIN"].evidence == ("dkim d=sendgrid.net", "usual: harborlogistics.co.uk")


def test_results_are_learned_per_sender(world: World) -> None:
    with world.store.session() as session:
        b = session.baseline(features_of(eml("vendor_normal.eml")))
    assert dict(b.sender.values(AUTH_SPF)) == {"pass": 16}
    assert dict(b.sender.values(AUTH_DKIM)) == {"pass": 16}
    assert dict(b.sender.values(AUTH_DMARC)) == {"pass": 16}
    assert dict(b.sender.values(DKIM)) == {"harborlogistics.co.uk": 16}


def test_store_fills_local_users_only_for_inbound(world: World) -> None:
    with world.store.session() as session:
        impostor = session.baseline(features_of(eml("local_user_display_name.eml")))
        by_address = session.baseline(features_of(eml("local_user_address.eml")))
        namesake = session.baseline(features_of(eml("local_namesake.eml")))
        outbound = session.baseline(features_of(message(sender="Lena Fischer <lena.fischer@acme-parts.com>",
                                                         to="Sam Reed <sam.reed@harborlogistics.co.uk>")))
    assert impostor.local_names == {"lena fischer"} and impostor.local_addresses == frozenset()
    assert by_address.local_addresses == {"lena.fischer@acme-parts.com"}
    assert namesake.local_names == frozenset() and namesake.local_addresses == frozenset()
    assert outbound.local_names == frozenset() and outbound.local_addresses == frozenset()


# ------------------------------------------------------------------------------ detectors on their own

CTX = Context(local_domains=frozenset({LOCAL}))


def _auth_header(value: str) -> bytes:
    return message(extra=()).replace(b"Authentication-Results: mx.acme-parts.com; spf=pass smtp.mailfrom="
                                     b"harborlogistics.co.uk; dkim=pass header.d=harborlogistics.co.uk; dmarc=pass",
                                     b"Authentication-Results: mx.acme-parts.com; " + value.encode())


def test_temperror_and_neutral_never_count(world: World) -> None:
    raw = _auth_header("spf=temperror; dkim=temperror; dmarc=temperror")
    assert not signals(world.score(raw)) & AUTH
    raw = _auth_header("spf=neutral; dkim=pass header.d=harborlogistics.co.uk; dmarc=pass")
    assert not signals(world.score(raw)) & AUTH


def test_dmarc_policy_none_is_not_enforced(world: World) -> None:
    found = signals(world.score(_auth_header("spf=pass; dkim=pass header.d=harborlogistics.co.uk; "
                                             "dmarc=fail (p=NONE) header.from=harborlogistics.co.uk")))
    assert "DMARC_FAIL_ENFORCED" not in found and "AUTH_FAIL_FOR_USUALLY_PASSING" in found


def test_dmarc_quarantine_through_a_list_is_damped(world: World) -> None:
    from vecguard.baseline import Baseline

    detector = DmarcFailEnforced()
    f = features_of(_auth_header("dmarc=fail policy.dmarc=quarantine"))
    hits = list(detector.evaluate(f, Baseline(), CTX, detector.settings, []))
    assert [(h.name, h.strength) for h in hits] == [("DMARC_FAIL_ENFORCED", 0.8)]
    listed = features_of(_auth_header("dmarc=fail policy.dmarc=quarantine").replace(
        b"MIME-Version", b"List-Id: <ops.harborlogistics.co.uk>\nMIME-Version"))
    hits = list(detector.evaluate(listed, Baseline(), CTX, detector.settings, []))
    assert [h.strength for h in hits] == [pytest.approx(0.24)]


def test_detectors_need_history() -> None:
    from vecguard.baseline import Baseline

    f = features_of(eml("auth_spoof_dmarc_reject.eml"))
    assert f.auth.source == "mx.acme-parts.com" and f.auth.dmarc_policy == "reject"
    for detector in (AuthFailForUsuallyPassing(), NewDkimDomain()):
        assert list(detector.evaluate(f, Baseline(), CTX, detector.settings, [])) == []
    # a sender with no history who shows our user's name is the strongest case
    imp = LocalUserImpersonation()
    g = features_of(eml("local_user_display_name.eml"))
    hits = list(imp.evaluate(g, Baseline(local_names=frozenset({"lena fischer"})), CTX, imp.settings, []))
    assert [h.strength for h in hits] == [1.0]
    assert VENDOR_ADDR not in hits[0].evidence[0]


def test_local_part_at_a_company_domain_is_not_impersonation() -> None:
    """jane.joyce@dynegy.com writing to enron.com, where jane.joyce@enron.com is a user: after a merger the
    same person, not an impostor (Enron corpus). Only a free mailbox's local part is anyone's."""
    from vecguard.baseline import Baseline

    imp = LocalUserImpersonation()
    raw = eml("local_user_address.eml").replace(b'"lena.fischer@acme-parts.com" <lena.fischer@outlook.com>',
                                                b"Lena <lena.fischer@harborlogistics.co.uk>")
    b = Baseline(local_addresses=frozenset({"lena.fischer@acme-parts.com"}))
    assert list(imp.evaluate(features_of(raw), b, CTX, imp.settings, [])) == []
    free = eml("local_user_address.eml").replace(b'"lena.fischer@acme-parts.com" <', b"Lena <")
    hits = list(imp.evaluate(features_of(free), b, CTX, imp.settings, []))
    expected = "address imitates local user lena.fischer@acme-parts.com: lena.fischer@outlook.com"
    assert [h.evidence for h in hits] == [(expected,)]


def test_a_namesake_at_a_company_domain_is_weaker() -> None:
    from vecguard.baseline import Baseline, Profile

    imp = LocalUserImpersonation()
    b = Baseline(local_names=frozenset({"lena fischer"}))
    company = features_of(eml("local_user_display_name.eml").replace(b"lena.fischer.acme@gmail.com",
                                                                      b"lena.fischer@fischer-bau.example"))
    assert [h.strength for h in imp.evaluate(company, b, CTX, imp.settings, [])] == [0.5]
    known = Baseline(sender=Profile(key="x", inbound=3), local_names=b.local_names)
    free = features_of(eml("local_user_display_name.eml"))
    assert [h.strength for h in imp.evaluate(free, known, CTX, imp.settings, [])] == [0.3]

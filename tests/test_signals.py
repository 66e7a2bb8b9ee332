"""Which signals fire on which .eml scenario, against a learned vendor history (rspamd's functional style).

The world (tests/helpers.py): acme-parts.com buys from Harbor Logistics; four months of purchase orders
and replies are learned through the real engine and a real SQLite store before each scenario is scored.
Scenarios are scored without learning, so they do not influence each other.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from .helpers import START, World, check_scenario, eml, message, vendor_history

SCENARIOS = [
    # (file, must fire, must not fire)
    ("first_contact.eml", {"FIRST_CONTACT"},
     {"NEW_SENDER_UNDISCLOSED", "FAKE_REPLY", "LOOKALIKE_SENDER_DOMAIN", "NEW_LINK_FILE_SHARING"}),
    ("new_sender_bcc.eml", {"FIRST_CONTACT", "NEW_SENDER_UNDISCLOSED", "NEW_LINK_FILE_SHARING"},
     {"FAN_OUT", "THREAD_HIJACK", "NEW_MAIL_CLIENT"}),
    ("vendor_normal.eml", {"REPLY_TO_OUR_MAIL", "LONG_CLEAN_HISTORY"},
     {"FIRST_CONTACT", "NEW_LINK_SITE", "NEW_MAIL_CLIENT", "NEW_SENDING_NETWORK", "UNUSUAL_HOUR",
      "THREAD_HIJACK", "FAKE_REPLY", "THREAD_OUTSIDER", "LOOKALIKE_SENDER_DOMAIN"}),
    ("vendor_new_filesharing.eml", {"NEW_LINK_SITE_BUILDER", "CORRESPONDENT_NAME_IN_LINK"},
     {"FIRST_CONTACT", "NEW_MAIL_CLIENT", "NEW_SENDING_NETWORK", "THREAD_HIJACK", "FAKE_REPLY"}),
    ("vendor_link_presentation.eml", {"PROMINENT_LINK", "LINK_TEXT_MISMATCH", "IMAGE_ONLY_LINK", "HIDDEN_LINK",
                                      "NEW_LINK_SITE_BUILDER"},
     {"FIRST_CONTACT", "NEW_MAIL_CLIENT"}),
    ("lookalike_sender.eml", {"LOOKALIKE_SENDER_DOMAIN", "DISGUISED_LINK_TOKEN", "FIRST_CONTACT"},
     {"LOOKALIKE_LOCAL_DOMAIN", "NEW_MAIL_CLIENT"}),
    ("compromised_mailbox.eml", {"NEW_MAIL_CLIENT", "NEW_SENDING_NETWORK", "UNUSUAL_HOUR", "REPLY_TO_FREEMAIL"},
     {"FIRST_CONTACT", "NEW_LINK_SITE", "LOOKALIKE_SENDER_DOMAIN"}),
    ("fanout.eml", {"FAN_OUT"}, {"FIRST_CONTACT", "NEW_LINK_SITE", "NEW_MAIL_CLIENT"}),
    ("thread_hijack.eml", {"THREAD_HIJACK", "NEW_LINK_FILE_SHARING", "NEW_MAIL_CLIENT", "NEW_SENDING_NETWORK"},
     {"FAKE_REPLY", "FIRST_CONTACT", "THREAD_OUTSIDER"}),
    ("thread_outsider.eml", {"THREAD_OUTSIDER", "FIRST_CONTACT"}, {"FAKE_REPLY", "THREAD_HIJACK"}),
    ("fake_reply.eml", {"FAKE_REPLY", "FIRST_CONTACT"}, {"THREAD_HIJACK", "REPLY_TO_OUR_MAIL"}),
    ("new_colleague.eml", {"NEW_SENDER_AT_KNOWN_ORG"},
     {"FIRST_CONTACT", "NEW_MAIL_CLIENT", "NEW_SENDING_NETWORK", "FAKE_REPLY"}),
    ("payment_change_new_client.eml", {"PAYMENT_CHANGE_REQUEST", "NEW_MAIL_CLIENT", "ACCOUNT_TAKEOVER"},
     {"THREAD_HIJACK", "REPLY_TO_OUR_MAIL", "LONG_CLEAN_HISTORY", "NEW_SENDING_NETWORK"}),
    ("payment_warning_footer.eml", set(), {"PAYMENT_CHANGE_REQUEST", "ACCOUNT_TAKEOVER"}),
    ("brand_on_builder.eml", {"BRAND_IN_LINK", "NEW_LINK_SITE_BUILDER", "MIXED_SCRIPT_LINK_HOST", "FIRST_CONTACT"},
     {"CORRESPONDENT_NAME_IN_LINK", "LOOKALIKE_LOCAL_DOMAIN"}),
    ("lookalike_local.eml", {"LOOKALIKE_LOCAL_DOMAIN", "FIRST_CONTACT"}, {"LOOKALIKE_SENDER_DOMAIN"}),
    ("reply_to_lookalike.eml", {"LOOKALIKE_REPLY_TO", "FIRST_CONTACT"}, {"LOOKALIKE_SENDER_DOMAIN"}),
    ("link_lookalike.eml", {"LOOKALIKE_LINK_DOMAIN"}, {"LOOKALIKE_SENDER_DOMAIN", "FIRST_CONTACT"}),
    ("reply_to_new_domain.eml", {"REPLY_TO_NEW_DOMAIN"}, {"REPLY_TO_FREEMAIL", "LOOKALIKE_REPLY_TO"}),
    ("vendor_shortener.eml", {"NEW_LINK_SHORTENER"}, {"NEW_LINK_SITE", "NEW_LINK_FILE_SHARING", "FIRST_CONTACT"}),
]


@pytest.mark.parametrize("name,fires,quiet", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario_signals(world: World, name: str, fires: set[str], quiet: set[str]) -> None:
    check_scenario(world, name, fires, quiet)


@pytest.mark.parametrize("name", ["new_sender_bcc.eml", "vendor_new_filesharing.eml", "vendor_link_presentation.eml",
                                  "lookalike_sender.eml", "compromised_mailbox.eml", "thread_hijack.eml",
                                  "fake_reply.eml", "fanout.eml", "payment_change_new_client.eml",
                                  "lookalike_local.eml", "link_lookalike.eml"])
def test_attack_scenarios_are_held(world: World, name: str) -> None:
    assert world.score(eml(name)).decision.action == "hold"


@pytest.mark.parametrize("name", ["vendor_normal.eml", "first_contact.eml", "new_colleague.eml",
                                  "payment_warning_footer.eml"])
def test_ordinary_scenarios_pass(world: World, name: str) -> None:
    outcome = world.score(eml(name))
    assert outcome.decision.action == "pass", outcome.decision.report


def test_evidence_names_the_new_site(world: World) -> None:
    outcome = world.score(eml("thread_hijack.eml"))
    by_name = {c.name: c for c in outcome.decision.report.contributions}
    assert any("wetransfer.com" in e for e in by_name["NEW_LINK_FILE_SHARING"].evidence)
    assert any("NEW_LINK_FILE_SHARING" in e for e in by_name["THREAD_HIJACK"].evidence)


def test_vendor_history_makes_link_novelty_strong(world: World) -> None:
    # the vendor sent 16 messages sharing 2 sites: a new site-builder page is surprising (0.8 with the
    # default prior), far more than from a correspondent with no history (unknown_sender_link_strength)
    outcome = world.score(eml("vendor_new_filesharing.eml"))
    hit = next(c for c in outcome.decision.report.contributions if c.name == "NEW_LINK_SITE_BUILDER")
    assert hit.strength >= 0.75
    bcc = world.score(eml("new_sender_bcc.eml"))
    unknown = next(c for c in bcc.decision.report.contributions if c.name == "NEW_LINK_FILE_SHARING")
    assert unknown.strength < hit.strength


def test_payment_change_alone_in_a_real_thread_is_a_hijack(tmp_path: Path) -> None:
    # The vendor's real address, client and network (a mailbox in someone else's hands): only the
    # request for new bank details is out of character, inside a conversation history knows.
    w = World(tmp_path)
    try:
        ours, theirs = vendor_history(w)
        bank = "Hi Lena,\n\nplease note our bank details have changed; pay the open invoice to the new account.\n\nSam\n"
        outcome = w.score(message(subject="RE: PO 4415", in_reply_to=theirs, references=f"{ours} {theirs}",
                                  body=bank, date=START + timedelta(days=7 * 16 + 2, hours=10)))
        fired = {c.name for c in outcome.decision.report.contributions}
        assert {"PAYMENT_CHANGE_REQUEST", "THREAD_HIJACK"} <= fired, outcome.decision.report
        assert outcome.decision.action == "hold", outcome.decision.report
        # the same reply without the request: nothing out of character, no hijack
        calm = w.score(message(subject="RE: PO 4415", in_reply_to=theirs, references=f"{ours} {theirs}",
                               date=START + timedelta(days=7 * 16 + 2, hours=10)))
        assert calm.decision.action == "pass" and "THREAD_HIJACK" not in {
            c.name for c in calm.decision.report.contributions}
    finally:
        w.close()


@pytest.mark.parametrize(("reply_to", "fires"), [
    ("group@groups.msn.com", False),   # a service on the provider's subdomain: a group's address
    ("someone@msn.com", True),         # a mailbox at the provider itself
])
def test_reply_to_freemail_means_a_mailbox_at_the_provider(tmp_path: Path, reply_to: str, fires: bool) -> None:
    w = World(tmp_path)
    try:
        outcome = w.score(message(sender="Ann <ann.lee@hotmail.com>", reply_to=reply_to))
        assert ("REPLY_TO_FREEMAIL" in {c.name for c in outcome.decision.report.contributions}) == fires
    finally:
        w.close()

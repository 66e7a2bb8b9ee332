"""Mailing-list traffic: the list a message came through (features.list_addresses, Features.own_list), the
lists we receive (Baseline.known_lists), and what the detectors make of list posts and their copies."""

from __future__ import annotations

import pytest

from vecguard.baseline import Baseline, ThreadView
from vecguard.features import Context, list_addresses
from vecguard.learn import reply_to_value
from vecguard.message import parse
from vecguard.policy import load_policy
from vecguard.signals.novelty import UndisclosedRecipients
from vecguard.signals.thread import FakeReply, ThreadOutsider

from .helpers import BUYER_ADDR, LOCAL, POLICY_DIR, features_of, message

MAILMAN = (("List-Id", "Irish Linux Users' Group <ilug.linux.ie>"), ("List-Post", "<mailto:ilug@linux.ie>"),
           ("List-Unsubscribe", "<http://www.linux.ie/mailman/listinfo/ilug>,\n <mailto:ilug-request@linux.ie?subject=unsubscribe>"),
           ("Precedence", "bulk"))
EZMLM = (("List-Unsubscribe", "<mailto:zzzzteana-unsubscribe@yahoogroups.com>"), ("Precedence", "bulk"))


def test_list_addresses_from_list_headers() -> None:
    assert {"ilug@linux.ie"} <= list_addresses(parse(message(extra=MAILMAN)))
    assert list_addresses(parse(message(extra=EZMLM))) == {"zzzzteana@yahoogroups.com"}
    assert list_addresses(parse(message())) == frozenset()


def test_a_post_addressed_to_its_own_list() -> None:
    """own_list: the list a bulk message came through, when its To or Cc names it, as list posts do; a
    newsletter or a campaign with an unsubscribe address of its own names no list."""
    assert features_of(message(to="Declan <decdelmur@iol.ie>", cc="ilug@linux.ie", extra=MAILMAN)).own_list == "ilug@linux.ie"
    assert features_of(message(to="zzzzteana@yahoogroups.com", extra=EZMLM)).own_list == "zzzzteana@yahoogroups.com"
    assert features_of(message(to="someone@iol.ie", extra=EZMLM)).own_list is None
    unsubscribe = (("List-Unsubscribe", "<mailto:unsubscribe@mailer.example>"),)
    assert features_of(message(to="victim@acme-parts.com", extra=unsubscribe)).own_list is None
    assert features_of(message(to="ilug@linux.ie")).own_list is None  # no list headers: not a list post


@pytest.mark.parametrize(("to", "cc", "extra", "expected"), [
    ("Declan <decdelmur@iol.ie>", "ilug@linux.ie", MAILMAN, 0.0),   # a list post: subscribers are hidden
    ("someone@iol.ie", None, EZMLM, 0.25),                          # bulk, but not to its list: half of 0.5
    ("someone@iol.ie", None, (), 0.5),                              # one hidden recipient, not bulk
])
def test_hidden_recipients_of_a_list_post_are_its_subscribers(
        to: str, cc: str | None, extra: tuple[tuple[str, str], ...], expected: float) -> None:
    f = features_of(message(sender="Tor <tor@torb.mine.nu>", to=to, cc=cc, extra=extra, delivered_to=BUYER_ADDR))
    assert f.undisclosed_count == 1
    cfg = load_policy(POLICY_DIR).detectors
    hits = list(UndisclosedRecipients().evaluate(f, Baseline(), Context(local_domains=frozenset({LOCAL})), cfg, ()))
    assert (hits[0].strength if hits else 0.0) == pytest.approx(expected)


def test_a_copy_of_a_list_discussion_is_list_traffic() -> None:
    """To: a mailing list we receive, Cc: us, replying to a post we never got: FAKE_REPLY counts as for
    list mail (bulk_factor) and THREAD_OUTSIDER does not fire; the same message to us alone is judged
    in full."""
    cfg = load_policy(POLICY_DIR).detectors
    ctx = Context(local_domains=frozenset({LOCAL}))
    reply = message(sender="Malte <malte@stretz.example>", to="SpamAssassin Talk <talk@lists.example>",
                    cc=BUYER_ADDR, subject="Re: [SAtalk] site down?", in_reply_to="<p1@cats.example>",
                    references="<p1@cats.example>", html='<p>see <a href="https://www.traceroute.example/x">this</a></p>')
    f = features_of(reply)
    unknown = ThreadView(referenced=("p1@cats.example",))
    alone = list(FakeReply().evaluate(f, Baseline(thread=unknown), ctx, cfg, ()))
    listed = list(FakeReply().evaluate(f, Baseline(thread=unknown, known_lists={"talk@lists.example": 3}),
                                       ctx, cfg, ()))
    planted = list(FakeReply().evaluate(f, Baseline(thread=unknown, known_lists={"talk@lists.example": 1}),
                                        ctx, cfg, ()))
    assert alone[0].strength == pytest.approx(1.0)
    assert listed[0].strength == pytest.approx(cfg["bulk_factor"])
    assert planted[0].strength == pytest.approx(1.0)  # one list-shaped message does not make a list
    thread = ThreadView(referenced=("p1@cats.example",), known=frozenset({"p1@cats.example"}), messages=2,
                        participants=frozenset({"john@cats.example", "talk@lists.example"}))
    assert list(ThreadOutsider().evaluate(f, Baseline(thread=thread), ctx, cfg, ()))
    assert not list(ThreadOutsider().evaluate(f, Baseline(thread=thread, known_lists={"talk@lists.example": 3}),
                                              ctx, cfg, ()))


def test_a_list_that_sets_reply_to_to_itself_moves_nothing() -> None:
    post = features_of(message(sender="Tabor <tabor@fsckit.example>", to="ilug@linux.ie", reply_to="ilug@linux.ie",
                               extra=MAILMAN))
    assert post.own_list == "ilug@linux.ie" and reply_to_value(post) == "(none)"
    elsewhere = features_of(message(sender="Niall <niall@linux.ie>", to="ilug@linux.ie",
                                    reply_to="niall@magic.example", extra=MAILMAN))
    assert reply_to_value(elsewhere) == "magic.example"

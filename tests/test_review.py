"""The review views without Postfix: `vecguard correspondent show` and `vecguard hunt` on a real SQLite
history, the held-list join of records, queue and audit log, and Postfix output parsing.
(The hold-queue commands themselves are tested against a real Postfix in test_review_postfix.py.)"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vecguard import review
from vecguard.cli import main
from vecguard.postfix import PostfixError, Queue, QueueEntry, parse_queue, valid_queue_id

from .helpers import BUYER_ADDR, POLICY_DIR, VENDOR_ADDR, World, eml, vendor_history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Four months of a vendor relationship, then three attacks decided and logged (held, not learned)."""
    base = tmp_path_factory.mktemp("review")
    world = World(base)
    vendor_history(world)
    for name in ("vendor_new_filesharing.eml", "thread_hijack.eml", "vendor_shortener.eml"):
        world.learn(eml(name))
    world.close()
    yield f"sqlite:///{base / 'history.db'}"


def vg(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------------- correspondent


def test_correspondent_show_address(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = vg(capsys, "correspondent", "show", VENDOR_ADDR, "--db", history, "--json")
    assert code == 0
    view = json.loads(out)
    # 16 replies plus the tagged shortener message (delivered, so counted, but its facts and recipient are
    # only provisional until they recur: vecguard.baseline.PROVISIONAL); two held
    assert (view["scope"], view["inbound"], view["outbound"], view["held"]) == ("address", 17, 16, 2)
    assert view["usual_recipients"] == [[BUYER_ADDR, 16]]
    assert view["usual"]["mail client"][0] == ["outlook", 16]
    assert dict(view["usual"]["link site"]) == {"harborlogistics.co.uk": 6, "harborlogistics.sharepoint.com": 6}
    assert view["tagged_only"]["link site"] == [["bit.ly", 1]]
    assert 3.5 < view["per_month"] < 5  # 17 messages over about 4 months
    assert [d["action"] for d in view["recent_decisions"]][:3] == ["tag", "hold", "hold"]

    code, out, _ = vg(capsys, "correspondent", "show", VENDOR_ADDR, "--db", history)
    assert code == 0 and "usual mail client" in out and "outlook x16" in out and "link site (tagged mail only)" in out and "bit.ly x1" in out and "recent decisions" in out


def test_correspondent_show_organisation_and_unknown(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = vg(capsys, "correspondent", "show", "mail.harborlogistics.co.uk", "--db", history, "--json")
    view = json.loads(out)
    assert code == 0 and view["correspondent"] == "harborlogistics.co.uk" and view["scope"] == "organisation"
    assert view["addresses"] == [[VENDOR_ADDR, 33]]

    code, out, _ = vg(capsys, "correspondent", "show", "someone@never-seen.example", "--db", history, "--json")
    assert code == 0 and json.loads(out)["known"] is False
    for bad in ("not a domain", "nodot", ""):
        code, out, err = vg(capsys, "correspondent", "show", bad, "--db", history)
        assert code == 2 and out == "" and err.count("\n") == 1


# ----------------------------------------------------------------------------------------------- hunt


def test_hunt_by_signal_and_strength(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = vg(capsys, "hunt", "--signal", "NEW_LINK_SITE_BUILDER", "--since", "1d", "--db", history, "--json")
    assert code == 0
    found = json.loads(out)["decisions"]
    assert [d["subject"] for d in found] == ["Harbor Logistics - Proposal Document"]
    (matched,) = found[0]["matched"]
    assert matched["name"] == "NEW_LINK_SITE_BUILDER" and matched["evidence"]

    strength = matched["strength"]
    code, out, _ = vg(capsys, "hunt", "--signal", f"NEW_LINK_SITE_BUILDER:{strength}", "--db", history, "--json")
    assert len(json.loads(out)["decisions"]) == 1
    if strength < 1:
        code, out, _ = vg(capsys, "hunt", "--signal", f"NEW_LINK_SITE_BUILDER:{min(1.0, strength + 0.01)}",
                          "--db", history, "--json")
        assert json.loads(out)["decisions"] == []
    # several signals must all have fired; actions filter
    code, out, _ = vg(capsys, "hunt", "--signal", "THREAD_HIJACK", "--signal", "NEW_MAIL_CLIENT", "--action", "hold",
                      "--db", history, "--json")
    assert [d["message_id"] for d in json.loads(out)["decisions"]] == ["hj-1@harborlogistics.co.uk"]

    for bad in (["--signal", "NO_SUCH_SIGNAL"], ["--signal", "THREAD_HIJACK:2"], ["--since", "yesterday"]):
        code, out, err = vg(capsys, "hunt", *bad, "--db", history)
        assert code == 2 and out == "" and err.count("\n") == 1, err


def test_hunt_rescore_with_a_new_policy(history: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A local layer (a rule holding a vendor's shortener links) re-scored over the logged decisions:
    exactly the decisions it changes are listed, and the same policy re-scores to no change at all."""
    policy = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy)
    code, out, _ = vg(capsys, "hunt", "--rescore", str(policy), "--db", history, "--json")
    assert code == 0 and json.loads(out)["decisions"] == []  # unchanged policy: unchanged decisions
    (policy / "zz-local.toml").write_text(
        '[[rules]]\nname = "SHORTENER_FROM_VENDOR"\naction = "hold"\n'
        'when = { sender_domain = "harborlogistics.co.uk", signals = ["NEW_LINK_SHORTENER"] }\n')
    code, out, _ = vg(capsys, "hunt", "--rescore", str(policy), "--db", history, "--json")
    report = json.loads(out)
    changed = {d["message_id"]: (d["action"], d["new_action"], d["new_reason"]) for d in report["decisions"]}
    assert changed == {SHORTENER_ID: ("tag", "hold", "rule SHORTENER_FROM_VENDOR")}
    assert report["rescored"]["tag -> hold"] == 1 and report["rescored"]["hold -> hold"] == 2


# ----------------------------------------------------------------------------- held list (pure parts)


SHORTENER_ID = "trk-1@harborlogistics.co.uk"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def entry(queue_id: str, queue_name: str = "hold", sender: str = "a@vendor.example") -> QueueEntry:
    return QueueEntry(queue_id, queue_name, NOW, sender, ("b@ours.example",), 1000)


def record(queue_id: str, minutes: int) -> dict[str, object]:
    return {"id": minutes, "queue_id": queue_id, "created_at": NOW - timedelta(minutes=minutes), "sender": "x@y.example",
            "recipients": ["b@ours.example"], "subject": "s", "score": 60.0,
            "signals": [{"name": "A", "score": 10.0}, {"name": "B", "score": 50.0}, {"name": "C", "score": -5.0}]}


def test_held_rows_say_where_each_message_is() -> None:
    records = [record("AAAAA1", 1), record("BBBBB2", 2), record("CCCCC3", 3), record("DDDDD4", 4), record("EEEEE5", 5)]
    queue = {"AAAAA1": entry("AAAAA1"), "BBBBB2": entry("BBBBB2", "deferred"), "FFFFF6": entry("FFFFF6")}
    audit = [{"queue_id": "CCCCC3", "action": "release", "actor": "ana"},
             {"queue_id": "DDDDD4", "action": "export", "actor": "ana"},
             {"queue_id": "DDDDD4", "action": "delete", "actor": "bo"}]
    rows = {r.queue_id: r for r in review.held_rows(records, queue, audit)}
    assert {q: (r.state, r.by) for q, r in rows.items()} == {
        "AAAAA1": ("held", None), "BBBBB2": ("releasing", None), "CCCCC3": ("released", "ana"),
        "DDDDD4": ("deleted", "bo"), "EEEEE5": ("gone", None), "FFFFF6": ("unrecorded", None)}
    assert rows["AAAAA1"].signals == ("B", "A")  # positive contributions, largest first
    assert "FFFFF6" not in {r.queue_id for r in review.held_rows(records, queue, audit, unrecorded=False)}


def test_differences_compare_with_sender_then_organisation() -> None:
    from vecguard.baseline import Profile

    sender = Profile(key="s@v.example", inbound=9, facts={"client": {"outlook": 9}})
    org = Profile(key="v.example", inbound=20, facts={"client": {"outlook": 15, "thunderbird": 5},
                                                       "link_site": {"v.example": 3}})
    diffs = review.differences([("client", "thunderbird"), ("link_site", "dropbox.com")], sender, org,
                               {"b@ours.example": 9}, ["b@ours.example", "c@ours.example"])
    by_value = {d["value"]: d for d in diffs}
    assert by_value["thunderbird"]["new"] is False and by_value["thunderbird"]["org_seen"] == 5
    assert by_value["thunderbird"]["usual"] == [["outlook", 9]]  # the sender's own habits first
    assert by_value["dropbox.com"]["new"] is True and by_value["dropbox.com"]["usual"] == [["v.example", 3]]
    assert (by_value["b@ours.example"]["new"], by_value["c@ours.example"]["new"]) == (False, True)


def test_postfix_queue_output_and_checks() -> None:
    text = ('{"queue_name": "hold", "queue_id": "3F2A1B", "arrival_time": 1795311179, "message_size": 1273, '
            '"sender": "a@b.example", "recipients": [{"address": "c@d.example"}]}\nnot json\n'
            '{"queue_name": "deferred", "queue_id": "4B2A1C", "arrival_time": 1795311180, "sender": "", '
            '"recipients": []}\n')
    parsed = parse_queue(text)
    assert parsed["3F2A1B"].held and parsed["3F2A1B"].recipients == ("c@d.example",)
    assert not parsed["4B2A1C"].held and parsed["4B2A1C"].size == 0
    assert valid_queue_id("3F2A1B") and valid_queue_id("4dHgYk2Zq1zJx9") and not valid_queue_id("-d ALL")
    with pytest.raises(PostfixError, match="no Postfix configuration"):
        Queue("/nonexistent")
    refused = subprocess.CompletedProcess(["postsuper"], 1, "", "postsuper: fatal: use of this command is reserved "
                                                                "for the superuser\n")
    assert Queue._why("postsuper", refused) == ("postsuper: no permission on the Postfix queue (use of this command "
                                                "is reserved for the superuser); run as root")

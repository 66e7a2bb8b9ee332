"""Policy loading and validation: strict keys, layering, thresholds, overrides and rules."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from vecguard.errors import PolicyError
from vecguard.policy import decide, load_policy
from vecguard.scoring import ScoreReport
from vecguard.signals import REGISTRY, registered_signals

from .helpers import POLICY_DIR, features_of, message


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, target)
    return target


def test_default_policy_covers_every_registered_signal() -> None:
    policy = load_policy(POLICY_DIR)
    assert set(registered_signals()) <= set(policy.signals)
    assert 0 < policy.tag < policy.hold <= 100


def test_default_policy_states_every_detector_setting_at_its_default() -> None:
    """default.toml is where an administrator reads and changes the numbers: it lists every detector
    setting, each with the default the detector declares (so a layer that omits one changes nothing)."""
    stated = tomllib.loads((POLICY_DIR / "default.toml").read_text())["detectors"]
    for detector in REGISTRY:
        for key, default in detector.settings.items():
            assert stated.get(key) == default, (type(detector).__name__, key, stated.get(key), default)
    declared = {key for detector in REGISTRY for key in detector.settings}
    assert set(stated) == declared


def expect_error(directory: Path, file: str, key: str) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(directory)
    text = str(info.value)
    assert file in text and key in text and "\n" not in text


def test_unknown_top_level_key_names_file_and_key(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text("[surprise]\nx = 1\n")
    expect_error(policy_dir, "local.toml", "surprise")


def test_unknown_signal_is_an_error(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text('[signals.NO_SUCH_SIGNAL]\nweight = 5\ngroup = "novelty"\n')
    expect_error(policy_dir, "local.toml", "signals.NO_SUCH_SIGNAL")


def test_unknown_key_inside_signal_is_an_error(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text("[signals.FIRST_CONTACT]\nwieght = 5\n")
    expect_error(policy_dir, "local.toml", "signals.FIRST_CONTACT.wieght")


def test_registered_signal_without_weight_is_an_error(policy_dir: Path) -> None:
    default = policy_dir / "default.toml"
    text = default.read_text()
    start = text.index("[signals.FAN_OUT]")
    end = text.index("[signals.", start + 1)
    default.write_text(text[:start] + text[end:])
    expect_error(policy_dir, "default.toml", "signals.FAN_OUT")


def test_thresholds_must_be_ordered(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text("[actions]\ntag = 80\nhold = 50\n")
    with pytest.raises(PolicyError, match="tag < hold"):
        load_policy(policy_dir)


def test_unknown_detector_setting_is_an_error(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text("[detectors]\nmin_histroy = 2\n")
    expect_error(policy_dir, "local.toml", "detectors.min_histroy")


def test_invalid_toml_names_file(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text("[actions\n")
    expect_error(policy_dir, "local.toml", "invalid TOML")


def test_local_file_layers_on_top(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text("[actions]\nhold = 90\n[signals.FIRST_CONTACT]\nweight = 1\n")
    policy = load_policy(policy_dir)
    assert policy.hold == 90 and policy.signals["FIRST_CONTACT"].weight == 1
    assert policy.signals["FIRST_CONTACT"].group == "novelty"  # untouched keys keep their default


def test_override_forces_action_by_sender_domain(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text(
        '[[overrides]]\nname = "partner"\nwhen = { sender_domain = ["partner.co.uk"] }\naction = "pass"\n')
    policy = load_policy(policy_dir)
    f = features_of(message(sender="Ann <ann@partner.co.uk>"))
    report = ScoreReport(95.0, 95.0, ())
    decision = decide(report, f, policy)
    assert decision.action == "pass" and decision.override == "partner"
    other = features_of(message(sender="Bob <bob@other.com>"))
    assert decide(report, other, policy).action == "hold"


def test_rule_with_unknown_condition_is_an_error(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text(
        '[[rules]]\nname = "X_RULE"\nweight = 5\ngroup = "rules"\nwhen = { colour = "red" }\n')
    expect_error(policy_dir, "local.toml", "rules[0].when.colour")


def test_rule_needs_weight_or_action(policy_dir: Path) -> None:
    (policy_dir / "local.toml").write_text(
        '[[rules]]\nname = "X_RULE"\nwhen = { subject_matches = "invoice" }\n')
    expect_error(policy_dir, "local.toml", "rules[0]")


def test_missing_policy_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(tmp_path / "nope")


def test_custom_rule_adds_its_signal_and_experimental_rule_only_records(policy_dir: Path) -> None:
    from vecguard.baseline import Baseline
    from vecguard.features import Context
    from vecguard.pipeline import judge
    from vecguard.report import record

    (policy_dir / "local.toml").write_text(
        '[[rules]]\nname = "QUOTE_REQUEST"\nweight = 7\ngroup = "rules"\n'
        'when = { subject_matches = "quotation", signals = ["FIRST_CONTACT"] }\n'
        '[[rules]]\nname = "SHADOW_HOLD"\naction = "hold"\nexperimental = true\n'
        'when = { subject_matches = "quotation" }\n')
    policy = load_policy(policy_dir)
    f = features_of(message(sender="Maria <maria@ibercast-metals.es>", subject="Request for quotation"))
    decision = judge(f, Baseline(), policy, Context(local_domains=frozenset({"acme-parts.com"})))
    scores = {c.name: c.score for c in decision.report.contributions}
    assert scores["QUOTE_REQUEST"] == 7 and "FIRST_CONTACT" in scores
    assert decision.action == "pass"  # the experimental hold was not acted on
    shadow = [s for s in record(f, decision)["signals"] if s["name"] == "SHADOW_HOLD"]
    assert shadow and shadow[0]["score"] == 0 and "would hold" in " ".join(shadow[0]["evidence"])


def test_forced_rule_action_applies(policy_dir: Path) -> None:
    from vecguard.baseline import Baseline
    from vecguard.features import Context
    from vecguard.pipeline import judge

    (policy_dir / "local.toml").write_text(
        '[[rules]]\nname = "ZIP_FROM_STRANGER"\naction = "hold"\n'
        'when = { signals = ["FIRST_CONTACT"], subject_matches = "zip" }\n')
    policy = load_policy(policy_dir)
    f = features_of(message(sender="x <x@new-sender.com>", subject="files.zip"))
    decision = judge(f, Baseline(), policy, Context(local_domains=frozenset({"acme-parts.com"})))
    assert decision.action == "hold" and decision.override == "ZIP_FROM_STRANGER"

"""Scoring arithmetic: weight x strength, group caps and floors, clamping, ordering, shadow rules."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from vecguard.policy import GroupSpec, Policy, SignalSpec
from vecguard.scoring import Hit, clamp, score


def make_policy(signals: dict[str, tuple[float, str]], groups: dict[str, GroupSpec],
                experimental: frozenset[str] = frozenset()) -> Policy:
    specs = {n: SignalSpec(n, w, g, "", n in experimental) for n, (w, g) in signals.items()}
    return Policy(40, 70, MappingProxyType(specs), MappingProxyType(groups))


def invariant(report) -> None:  # type: ignore[no-untyped-def]
    assert report.score == clamp(sum(c.score for c in report.contributions))


def test_weight_times_strength_sorted_by_size() -> None:
    policy = make_policy({"A": (10, "g"), "B": (40, "g")}, {"g": GroupSpec("g")})
    report = score([Hit("A", 1.0), Hit("B", 0.5)], policy)
    assert [(c.name, c.score) for c in report.contributions] == [("B", 20.0), ("A", 10.0)]
    assert report.score == 30.0
    invariant(report)


def test_group_cap_scales_members_and_is_recorded() -> None:
    policy = make_policy({"A": (30, "g"), "B": (30, "g"), "C": (5, "h")},
                         {"g": GroupSpec("g", max_score=45), "h": GroupSpec("h")})
    report = score([Hit("A"), Hit("B"), Hit("C")], policy)
    by_name = {c.name: c.score for c in report.contributions}
    assert by_name["A"] + by_name["B"] == pytest.approx(45.0)
    assert by_name["C"] == 5.0
    assert report.adjustments == ("group g capped 60 -> 45",)
    invariant(report)


def test_negative_group_floor_and_clamp_to_zero() -> None:
    policy = make_policy({"T1": (-15, "trust"), "T2": (-15, "trust"), "X": (10, "g")},
                         {"trust": GroupSpec("trust", min_score=-20), "g": GroupSpec("g")})
    report = score([Hit("T1"), Hit("T2"), Hit("X")], policy)
    assert sum(c.score for c in report.contributions if c.group == "trust") == pytest.approx(-20.0)
    assert report.raw == pytest.approx(-10.0)
    assert report.score == 0.0
    invariant(report)


def test_clamped_to_100() -> None:
    policy = make_policy({"A": (80, "g"), "B": (80, "h")}, {"g": GroupSpec("g"), "h": GroupSpec("h")})
    report = score([Hit("A"), Hit("B")], policy)
    assert report.raw == 160.0 and report.score == 100.0
    invariant(report)


def test_duplicate_hits_count_once_with_strongest_strength_and_merged_evidence() -> None:
    policy = make_policy({"A": (10, "g")}, {"g": GroupSpec("g")})
    report = score([Hit("A", 0.3, ("x",)), Hit("A", 0.9, ("y",))], policy)
    assert len(report.contributions) == 1
    assert report.contributions[0].score == 9.0
    assert report.contributions[0].evidence == ("x", "y")


def test_strength_outside_0_1_is_clipped() -> None:
    policy = make_policy({"A": (10, "g")}, {"g": GroupSpec("g")})
    assert score([Hit("A", 7.0)], policy).score == 10.0
    assert score([Hit("A", -1.0)], policy).score == 0.0


def test_experimental_signals_are_shadow_only() -> None:
    policy = make_policy({"A": (10, "g"), "E": (50, "g")}, {"g": GroupSpec("g")}, frozenset({"E"}))
    report = score([Hit("A"), Hit("E")], policy)
    assert report.score == 10.0
    assert [c.name for c in report.shadow] == ["E"] and report.shadow[0].score == 50.0
    invariant(report)

"""Scoring: hits x policy weights -> an explainable 0-100 score (pure).

Contribution = weight x strength (rspamd's insert_result multiplier rule). Each group's positive total is
capped at ``max_score`` and its negative total floored at ``min_score``; every cap is recorded as an
adjustment. Invariant: ``report.score == clamp(sum(c.score for c in report.contributions))``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .policy import Policy


@dataclass(frozen=True, slots=True)
class Hit:
    """A detector's finding: a signal name, a strength in 0..1 and evidence strings. It knows no weight."""

    name: str
    strength: float = 1.0
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contribution:
    """One signal's part of the score, after group caps. ``shadow`` marks experimental rules (not counted)."""

    name: str
    group: str
    score: float
    strength: float
    evidence: tuple[str, ...]
    shadow: bool = False


@dataclass(frozen=True, slots=True)
class ScoreReport:
    """The score and how it was reached."""

    score: float
    raw: float
    contributions: tuple[Contribution, ...]
    adjustments: tuple[str, ...] = ()
    shadow: tuple[Contribution, ...] = ()

    def names(self) -> list[str]:
        """Names of the counted contributions, largest first."""
        return [c.name for c in self.contributions]


def clamp(value: float) -> float:
    """Clamp to the 0-100 score range."""
    return max(0.0, min(100.0, value))


def _merge(hits: Iterable[Hit]) -> list[Hit]:
    # a signal counts once per message: keep its strongest hit, union the evidence
    merged: dict[str, Hit] = {}
    for hit in hits:
        strength = max(0.0, min(1.0, hit.strength))
        old = merged.get(hit.name)
        if old is None:
            merged[hit.name] = Hit(hit.name, strength, hit.evidence)
        else:
            evidence = old.evidence + tuple(e for e in hit.evidence if e not in old.evidence)
            merged[hit.name] = Hit(hit.name, max(old.strength, strength), evidence[:8])
    return list(merged.values())


def score(hits: Iterable[Hit], policy: Policy) -> ScoreReport:
    """Turn hits into a ScoreReport using the policy's weights, groups and caps."""
    counted: list[Contribution] = []
    shadow: list[Contribution] = []
    for hit in _merge(hits):
        spec = policy.signals[hit.name]
        contribution = Contribution(hit.name, spec.group, round(spec.weight * hit.strength, 2),
                                    round(hit.strength, 3), hit.evidence, spec.experimental)
        (shadow if spec.experimental else counted).append(contribution)
    adjustments: list[str] = []
    capped: list[Contribution] = []
    for group in dict.fromkeys(c.group for c in counted):
        members = [c for c in counted if c.group == group]
        limits = policy.groups.get(group)
        positive = sum(c.score for c in members if c.score > 0)
        negative = sum(c.score for c in members if c.score < 0)
        up = down = 1.0
        if limits and limits.max_score is not None and positive > limits.max_score:
            up = limits.max_score / positive
            adjustments.append(f"group {group} capped {positive:g} -> {limits.max_score:g}")
        if limits and limits.min_score is not None and negative < limits.min_score:
            down = limits.min_score / negative
            adjustments.append(f"group {group} floored {negative:g} -> {limits.min_score:g}")
        for c in members:
            factor = up if c.score > 0 else down
            capped.append(c if factor == 1.0 else Contribution(
                c.name, c.group, round(c.score * factor, 2), c.strength, c.evidence))
    capped.sort(key=lambda c: (-abs(c.score), c.name))
    shadow.sort(key=lambda c: (-abs(c.score), c.name))
    raw = round(sum(c.score for c in capped), 2)
    return ScoreReport(clamp(raw), raw, tuple(capped), tuple(adjustments), tuple(shadow))

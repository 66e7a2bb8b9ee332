"""Compare scan records with labels kept beside a mailbox (pure): detection per campaign, false holds.

Labels are JSON lines ``{"message_id", "label": "legit"|"attack", "campaign", ...}``, never inside the
messages. Records are the JSONL records of ``vecguard scan``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


def normalise_id(message_id: object) -> str:
    """Message-IDs as the records carry them: lower-case, without angle brackets."""
    return str(message_id or "").strip().strip("<>").lower()


@dataclass(frozen=True, slots=True)
class Rates:
    """Counts for one group of messages."""

    total: int = 0
    held: int = 0
    tagged: int = 0
    missing: int = 0

    @property
    def held_rate(self) -> float:
        """Share held."""
        return self.held / self.total if self.total else 0.0

    @property
    def flagged_rate(self) -> float:
        """Share tagged or held."""
        return (self.held + self.tagged) / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Detection per campaign and false positives on legitimate mail."""

    campaigns: Mapping[str, Rates]
    attacks: Rates
    legit: Rates
    misses: tuple[tuple[Mapping[str, Any], Mapping[str, Any]], ...] = field(default=())     # (label, record)
    false_holds: tuple[tuple[Mapping[str, Any], Mapping[str, Any]], ...] = field(default=())

    def lines(self) -> list[str]:
        """A plain-text report."""
        out = [f"{'campaign':<28} {'n':>5} {'held':>7} {'flagged':>8}"]
        for name, r in sorted(self.campaigns.items()):
            out.append(f"{name:<28} {r.total:>5} {r.held_rate:>7.1%} {r.flagged_rate:>8.1%}")
        a, legit = self.attacks, self.legit
        out.append(f"{'all attacks':<28} {a.total:>5} {a.held_rate:>7.1%} {a.flagged_rate:>8.1%}")
        out.append(f"{'legitimate (false)':<28} {legit.total:>5} {legit.held_rate:>7.2%} {legit.flagged_rate:>8.2%}"
                   f"   held {legit.held}, tagged {legit.tagged}")
        for label, rec in self.misses[:10]:
            out.append(f"  missed {label.get('campaign')}: {rec.get('action')} {rec.get('score')} "
                       + ", ".join(f"{s['name']}({s['score']:g})" for s in rec.get("signals", [])[:4]))
        for label, rec in self.false_holds[:10]:
            out.append(f"  false hold {rec.get('from')}: {rec.get('score')} "
                       + ", ".join(f"{s['name']}({s['score']:g})" for s in rec.get("signals", [])[:4]))
        return out


def _rates(items: Iterable[Mapping[str, Any] | None]) -> Rates:
    counts: Counter[str] = Counter()
    total = 0
    for rec in items:
        total += 1
        counts["missing" if rec is None else str(rec.get("action"))] += 1
    return Rates(total, counts["hold"], counts["tag"], counts["missing"])


def evaluate(records: Iterable[Mapping[str, Any]], labels: Iterable[Mapping[str, Any]]) -> Evaluation:
    """Join records and labels by Message-ID and count outcomes."""
    by_id = {normalise_id(r.get("message_id")): r for r in records}
    attack_rows: dict[str, list[Mapping[str, Any] | None]] = {}
    legit_rows: list[Mapping[str, Any] | None] = []
    misses, false_holds = [], []
    for label in labels:
        rec = by_id.get(normalise_id(label.get("message_id")))
        if label.get("label") == "attack":
            attack_rows.setdefault(str(label.get("campaign") or "attack"), []).append(rec)
            if rec is not None and rec.get("action") != "hold":
                misses.append((label, rec))
        else:
            legit_rows.append(rec)
            if rec is not None and rec.get("action") == "hold":
                false_holds.append((label, rec))
    campaigns = {name: _rates(rows) for name, rows in attack_rows.items()}
    all_attacks = _rates(r for rows in attack_rows.values() for r in rows)
    return Evaluation(campaigns, all_attacks, _rates(legit_rows), tuple(misses), tuple(false_holds))

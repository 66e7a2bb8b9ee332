"""Compare scan records with labels kept beside a mailbox (pure): detection per campaign, false holds.

Labels are JSON lines ``{"message_id", "label": "legit"|"attack", "campaign", ...}``, never inside the
messages. Records are the JSONL records of ``vecguard scan``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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


# ------------------------------------------------------------------------- the full report of vecguard eval


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True, slots=True)
class SignalRate:
    """How often one signal fired on attacks and on legitimate mail, and its mean contribution when it did."""

    name: str
    attack_hits: int
    legit_hits: int
    attack_rate: float
    legit_rate: float
    attack_mean: float
    legit_mean: float


@dataclass(frozen=True, slots=True)
class Assessment:
    """What ``vecguard eval`` reports: rates, score percentiles, per-signal hit rates, worst cases."""

    evaluation: Evaluation
    percentiles: Mapping[str, Mapping[str, float]]   # "legit"|"attack" -> "p50"|"p90"|"p99" -> score
    signals: tuple[SignalRate, ...]
    worst_false_positives: tuple[tuple[Mapping[str, Any], Mapping[str, Any]], ...]
    worst_misses: tuple[tuple[Mapping[str, Any], Mapping[str, Any]], ...]
    hijacked_threads: Mapping[str, float] = field(default_factory=dict)  # real/inserted median scores
    legit_inbound: Rates = field(default_factory=Rates)  # the legitimate mail that was scored (from outside)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``vecguard eval --json``)."""
        ev = self.evaluation

        def rates(r: Rates) -> dict[str, Any]:
            return {"total": r.total, "held": r.held, "tagged": r.tagged, "missing": r.missing,
                    "held_rate": r.held_rate, "tagged_rate": r.tagged / r.total if r.total else 0.0,
                    "flagged_rate": r.flagged_rate}

        def case(pair: tuple[Mapping[str, Any], Mapping[str, Any]]) -> dict[str, Any]:
            label, rec = pair
            return {"message_id": rec.get("message_id"), "campaign": label.get("campaign"), "from": rec.get("from"),
                    "score": rec.get("score"), "action": rec.get("action"), "signals": list(rec.get("signals", []))}

        return {
            "campaigns": {name: rates(r) for name, r in sorted(ev.campaigns.items())},
            "attacks": rates(ev.attacks),
            "legit": rates(ev.legit),
            "legit_inbound": rates(self.legit_inbound),
            "percentiles": {k: dict(v) for k, v in self.percentiles.items()},
            "signals": [{"name": s.name, "attack_hits": s.attack_hits, "legit_hits": s.legit_hits,
                         "attack_rate": s.attack_rate, "legit_rate": s.legit_rate,
                         "attack_mean_score": s.attack_mean, "legit_mean_score": s.legit_mean}
                        for s in self.signals],
            "worst_false_positives": [case(p) for p in self.worst_false_positives],
            "worst_misses": [case(p) for p in self.worst_misses],
            "hijacked_threads": dict(self.hijacked_threads),
        }

    def lines(self) -> list[str]:
        """A plain-text report: rates, percentiles, signals, worst cases with their explanations."""
        ev = self.evaluation
        out = [f"{'campaign':<28} {'n':>6} {'held':>7} {'flagged':>8}"]
        for name, r in sorted(ev.campaigns.items()):
            out.append(f"{name:<28} {r.total:>6} {r.held_rate:>7.1%} {r.flagged_rate:>8.1%}")
        a, lg = ev.attacks, ev.legit
        out.append(f"{'all attacks':<28} {a.total:>6} {a.held_rate:>7.1%} {a.flagged_rate:>8.1%}")
        tag_rate = lg.tagged / lg.total if lg.total else 0.0
        out.append(f"legitimate: {lg.total} messages, false holds {lg.held} ({lg.held_rate:.2%}), "
                   f"false tags {lg.tagged} ({tag_rate:.2%})" + (f", {lg.missing} missing" if lg.missing else ""))
        li = self.legit_inbound
        out.append(f"  of which inbound (scored): {li.total}, false holds {li.held} ({li.held_rate:.2%}), "
                   f"false tags {li.tagged} ({li.tagged / li.total if li.total else 0.0:.2%})")
        if a.missing:
            out.append(f"attacks missing from the scan: {a.missing}")
        for kind in ("legit", "attack"):
            p = self.percentiles.get(kind, {})
            out.append(f"score {kind:<6}  p50 {p.get('p50', 0):6.1f}  p90 {p.get('p90', 0):6.1f}  "
                       f"p99 {p.get('p99', 0):6.1f}")
        if self.hijacked_threads:
            h = self.hijacked_threads
            out.append(f"hijacked threads: real messages median {h.get('real_median', 0):g} "
                       f"(n={h.get('real', 0):g}), inserted median {h.get('inserted_median', 0):g} "
                       f"(n={h.get('inserted', 0):g})")
        if self.signals:
            out.append("signals (hit rates over inbound mail; mean = mean contribution when fired):")
            out.append(f"{'signal':<28} {'attack hit':>10} {'mean':>6} {'legit hit':>10} {'mean':>6}")
            for s in self.signals:
                out.append(f"{s.name:<28} {s.attack_rate:>10.1%} {s.attack_mean:>6.1f} {s.legit_rate:>10.2%} "
                           f"{s.legit_mean:>6.1f}")
        for title, cases in (("worst false positives", self.worst_false_positives),
                             ("worst missed attacks", self.worst_misses)):
            if cases:
                out.append(f"{title}:")
            for label, rec in cases:
                what = label.get("campaign") or "legit"
                out.append(f"  {rec.get('action')} {rec.get('score')} {what} {rec.get('from')} "
                           f"{rec.get('message_id')}")
                for s in list(rec.get("signals", []))[:6]:
                    out.append(f"      {s['name']}({s['score']:g}) {'; '.join(s.get('evidence', []))[:110]}")
        return out


def assess(records: Iterable[Mapping[str, Any]], labels: Iterable[Mapping[str, Any]], worst: int = 10) -> Assessment:
    """Everything ``vecguard eval`` reports, from scan records and labels joined by Message-ID."""
    records = list(records)
    labels = list(labels)
    by_id = {normalise_id(r.get("message_id")): r for r in records}
    ev = evaluate(records, labels)
    pairs: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {"legit": [], "attack": []}
    for label in labels:
        rec = by_id.get(normalise_id(label.get("message_id")))
        if rec is not None:
            pairs["attack" if label.get("label") == "attack" else "legit"].append((label, rec))
    percentiles = {kind: {f"p{q}": round(percentile([float(r.get("score") or 0) for _, r in rows], q), 2)
                          for q in (50, 90, 99)} for kind, rows in pairs.items()}
    hits: dict[str, dict[str, list[float]]] = {}
    for kind, rows in pairs.items():
        for _, rec in rows:
            for s in rec.get("signals", []):
                hits.setdefault(str(s["name"]), {"legit": [], "attack": []})[kind].append(float(s["score"]))
    # rates over the mail that was scored: our own outbound and internal mail never carries a signal
    n_attack, n_legit = (sum(1 for _, r in pairs[k] if r.get("direction", "inbound") == "inbound")
                         for k in ("attack", "legit"))
    signals = tuple(sorted(
        (SignalRate(name, len(h["attack"]), len(h["legit"]),
                    len(h["attack"]) / n_attack if n_attack else 0.0, len(h["legit"]) / n_legit if n_legit else 0.0,
                    sum(h["attack"]) / len(h["attack"]) if h["attack"] else 0.0,
                    sum(h["legit"]) / len(h["legit"]) if h["legit"] else 0.0)
         for name, h in hits.items()),
        key=lambda s: (-s.attack_rate, s.legit_rate, s.name)))
    fps = sorted(((lb, r) for lb, r in pairs["legit"] if r.get("action") in ("hold", "tag")),
                 key=lambda p: -float(p[1].get("score") or 0))
    misses = sorted(((lb, r) for lb, r in pairs["attack"] if r.get("action") != "hold"),
                    key=lambda p: float(p[1].get("score") or 0))
    inbound = _rates(r for _, r in pairs["legit"] if r.get("direction") == "inbound")
    return Assessment(ev, percentiles, signals, tuple(fps[:worst]), tuple(misses[:worst]),
                      _hijacked(pairs), inbound)


def _hijacked(pairs: Mapping[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]]) -> dict[str, float]:
    """Median scores of the real and the inserted messages of threads that carry an injected reply."""
    threads = {lb.get("thread") for lb, _ in pairs["attack"] if lb.get("thread")}
    if not threads:
        return {}
    real = [float(r.get("score") or 0) for lb, r in pairs["legit"] if lb.get("thread") in threads]
    inserted = [float(r.get("score") or 0) for lb, r in pairs["attack"] if lb.get("thread") in threads]
    return {"real": len(real), "real_median": round(percentile(real, 50), 2),
            "inserted": len(inserted), "inserted_median": round(percentile(inserted, 50), 2)}

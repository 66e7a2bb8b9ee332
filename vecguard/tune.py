"""``vecguard tune``: fit signal weights and thresholds on labelled eval records (scikit-learn).

Input: the records of ``vecguard eval --jsonl`` (label and each signal's strength per message). A logistic
regression (L2, balanced classes) is fitted on the per-signal strengths of inbound mail. Signs are
constrained by the signal's role in the current policy: a signal with a positive weight can only raise
suspicion (coefficient >= 0), a trust signal with a negative weight can only lower it (<= 0). scikit-learn
has no bounded logistic regression, so the constraint is an active set: a coefficient with the wrong sign
is fixed at 0 and the model refitted until every sign is right. Coefficients are scaled so that an attack
probability of 0.9 lands on the policy's hold threshold (0.5 on tag); then either threshold is raised, if
needed, until the fitting part's legitimate mail meets the false-hold and false-tag targets, scored with
group caps exactly as the scorer applies them. Thresholds follow the false-positive targets, never the
attack rate. The result is a policy layer (``[actions]`` and ``[signals.X] weight``)
written to a file, never an edit of default.toml; the held-out part is rescored with it and reported next to
the current policy.

Rescoring from recorded strengths is exact for the score arithmetic but does not replay learning: a
message held under the new weights would not have taught the baseline. ``vecguard eval --policy DIR`` with
the layer in DIR is the full check.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError, VecguardError
from .evalrun import read_jsonl
from .evaluation import Rates
from .policy import Policy
from .scoring import Hit, score

Row = dict[str, Any]
HOLD_LOGIT = math.log(0.9 / 0.1)  # the attack probability that maps onto the hold threshold


def read_records(paths: Iterable[str]) -> list[Row]:
    """Labelled inbound records from eval JSONL files (others carry no score to fit)."""
    return [row for path in paths for _, row in read_jsonl(path)
            if row.get("label") in ("legit", "attack") and row.get("direction") == "inbound"]


def fittable(policy: Policy) -> list[str]:
    """Signals whose weight is fitted: counted (not experimental), not informational (weight 0)."""
    return sorted(n for n, s in policy.signals.items() if s.weight != 0 and not s.experimental)


def matrix(rows: Sequence[Row], names: Sequence[str]) -> list[list[float]]:
    """Per-signal strengths, one row per message (0 where the signal did not fire)."""
    index = {n: i for i, n in enumerate(names)}
    out = []
    for row in rows:
        x = [0.0] * len(names)
        for s in row.get("signals", []):
            i = index.get(s["name"])
            if i is not None:
                x[i] = float(s.get("strength", 0.0))
        out.append(x)
    return out


def fit_signed(x: list[list[float]], y: list[int], signs: Sequence[int], c: float) -> tuple[list[float], float]:
    """L2 logistic regression with coefficient signs constrained (+1: >= 0, -1: <= 0), by active set.
    Returns the coefficients and the intercept."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    xa = np.asarray(x, dtype=float)
    active = [j for j in range(xa.shape[1]) if xa[:, j].any()]
    coef = [0.0] * xa.shape[1]
    intercept = 0.0
    while active:
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        model.fit(xa[:, active], np.asarray(y))
        wrong = [j for j, w in zip(active, model.coef_[0], strict=True) if w * signs[j] < 0]
        if not wrong:
            for j, w in zip(active, model.coef_[0], strict=True):
                coef[j] = float(w)
            intercept = float(model.intercept_[0])
            break
        active = [j for j in active if j not in wrong]
    return coef, intercept


def rescore(rows: Sequence[Row], policy: Policy) -> list[float]:
    """Scores of recorded messages under ``policy`` (weights and group caps; strengths as recorded)."""
    out = []
    for row in rows:
        hits = [Hit(s["name"], float(s.get("strength", 0.0))) for s in row.get("signals", [])
                if s["name"] in policy.signals]
        out.append(score(hits, policy).score)
    return out


def threshold_for(legit_scores: Sequence[float], max_rate: float) -> float:
    """The lowest threshold (0.1 steps) that flags at most ``max_rate`` of the legitimate scores."""
    allowed = math.floor(max_rate * len(legit_scores))
    ordered = sorted(legit_scores, reverse=True)
    if allowed >= len(ordered):
        return 0.1
    return round(math.floor(ordered[allowed] * 10 + 1e-9) / 10 + 0.1, 1)


def rates(rows: Sequence[Row], scores: Sequence[float], tag: float, hold: float) -> dict[str, Rates]:
    """Rates per campaign ("attack:NAME"), all attacks ("attacks") and legitimate mail ("legit")."""
    counts: dict[str, list[int]] = {}
    for row, s in zip(rows, scores, strict=True):
        keys = ["legit"] if row["label"] == "legit" else ["attacks", f"attack:{row.get('campaign') or 'attack'}"]
        for k in keys:
            c = counts.setdefault(k, [0, 0, 0])
            c[0] += 1
            c[1] += s >= hold
            c[2] += tag <= s < hold
    return {k: Rates(t, h, g) for k, (t, h, g) in counts.items()}


@dataclasses.dataclass(frozen=True, slots=True)
class Fit:
    """Fitted weights and thresholds, and the policy they make."""

    weights: Mapping[str, float]
    tag: float
    hold: float
    policy: Policy
    dropped: tuple[str, ...]   # fitted to 0: no weight once the others are known (noise, or redundant)
    unseen: tuple[str, ...]    # never fired in the fitting part: weight kept


def fit(rows: Sequence[Row], policy: Policy, c: float = 1.0, max_false_hold: float = 0.001,
        max_false_tag: float = 0.01) -> Fit:
    """Fit weights on ``rows`` and choose thresholds for the false-hold / false-tag targets."""
    names = fittable(policy)
    y = [1 if r["label"] == "attack" else 0 for r in rows]
    if len(set(y)) < 2:
        raise VecguardError("tune: the fitting records need both attacks and legitimate mail")
    signs = [1 if policy.signals[n].weight > 0 else -1 for n in names]
    coef, intercept = fit_signed(matrix(rows, names), y, signs, c)
    # Scale: the model's 0.9 attack probability (logit 2.2) lands on the policy's hold threshold, and its
    # 0.5 on the tag threshold. These are floors; the legitimate mail of the fitting part, scored with
    # group caps, then raises either threshold as far as the false-hold / false-tag targets need.
    scale = policy.hold / max(0.1, HOLD_LOGIT - intercept)
    model_tag = max(1.0, min(policy.hold - 1, round(scale * -intercept, 1)))
    # a signal that never fired in the fitting part has no evidence either way: it keeps its weight
    seen = {s["name"] for r in rows for s in r.get("signals", [])}
    weights = {n: round(w * scale, 1) if n in seen else policy.signals[n].weight
               for n, w in zip(names, coef, strict=True)}
    fitted_signals = {n: dataclasses.replace(s, weight=weights[n]) if n in weights else s
                      for n, s in policy.signals.items()}
    trial = dataclasses.replace(policy, signals=fitted_signals)
    legit = [s for s, r in zip(rescore(rows, trial), rows, strict=True) if r["label"] == "legit"]
    tag = min(99.9, max(model_tag, threshold_for(legit, max_false_tag)))
    hold = min(100.0, max(policy.hold, tag + 0.1, threshold_for(legit, max_false_hold)))
    dropped = tuple(n for n, w in weights.items() if w == 0 and policy.signals[n].weight != 0)
    unseen = tuple(n for n in names if n not in seen)
    return Fit(weights, tag, hold, dataclasses.replace(trial, tag=tag, hold=hold), dropped, unseen)


def policy_layer(result: Fit, note: str) -> str:
    """The TOML layer: thresholds and weights only, merged over the policy directory's files."""
    lines = [f"# {line}" for line in note.splitlines()]
    lines += ["", "[actions]", f"tag = {result.tag:g}", f"hold = {result.hold:g}", ""]
    for name, w in sorted(result.weights.items()):
        lines += [f"[signals.{name}]", f"weight = {w:g}", ""]
    return "\n".join(lines)


def _table(title: str, rows: Sequence[Row], before: dict[str, Rates], after: dict[str, Rates]) -> list[str]:
    out = [f"{title}: {len(rows)} inbound messages",
           f"  {'':<30} {'n':>6} {'held now':>9} {'fitted':>7} {'flagged now':>12} {'fitted':>7}"]
    for key in sorted(before, key=lambda k: (k == "legit", k)):
        b, a = before[key], after[key]
        if key == "legit":
            out.append(f"  {'legit (false held / tagged)':<30} {b.total:>6} {b.held:>9} {a.held:>7} "
                       f"{b.tagged:>12} {a.tagged:>7}")
        else:
            out.append(f"  {key:<30} {b.total:>6} {b.held_rate:>9.1%} {a.held_rate:>7.1%} "
                       f"{b.flagged_rate:>12.1%} {a.flagged_rate:>7.1%}")
    return out


def run_tune(args: argparse.Namespace) -> int:
    """Fit on --fit records, report fit and held-out rates (current vs fitted), write --out."""
    from .cli import _policy

    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise VecguardError("tune: scikit-learn is not installed; pip install 'vecguard[fit]'") from None
    if not (0 <= args.max_false_hold <= args.max_false_tag < 1) or args.c <= 0:
        raise VecguardError("tune: need 0 <= --max-false-hold <= --max-false-tag < 1 and --C > 0")
    policy = _policy(args.policy)
    rows = read_records(args.fit)
    held_out = read_records(args.held_out)
    result = fit(rows, policy, args.c, args.max_false_hold, args.max_false_tag)
    for title, part in (("fitting part", rows), ("held-out part", held_out)):
        if not part:
            continue
        before = rates(part, rescore(part, policy), policy.tag, policy.hold)
        after = rates(part, rescore(part, result.policy), result.tag, result.hold)
        print("\n".join(_table(title, part, before, after)))
    print(f"thresholds: tag {policy.tag:g} -> {result.tag:g}, hold {policy.hold:g} -> {result.hold:g}")
    changed = [f"{n} {policy.signals[n].weight:g}->{w:g}" for n, w in sorted(result.weights.items())
               if w != policy.signals[n].weight]
    print("weights: " + ", ".join(changed))
    print("fitted to 0: " + (", ".join(result.dropped) or "none"))
    print("not seen in the fitting part (weight kept): " + (", ".join(result.unseen) or "none"))
    note = (f"Fitted by vecguard tune on {len(rows)} records ({', '.join(args.fit)}), C={args.c:g},\n"
            f"targets: false hold <= {args.max_false_hold:g}, false tag <= {args.max_false_tag:g}.")
    try:
        Path(args.out).write_text(policy_layer(result, note), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{args.out}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {args.out}")
    return 0

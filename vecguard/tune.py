"""``vecguard tune``: fit signal weights and thresholds on labelled eval records (scikit-learn, scipy).

Input: the records of ``vecguard eval --jsonl`` (label and each signal's strength per message). Legitimate
mail and attacks weigh the same in total, and by default every attack campaign weighs the same within the
attacks. Two fits:

- ``centre="policy"`` (the default): weights in score units, minimising the weighted log-loss of
  ``sigmoid((x . w + b) / T)`` plus ``lambda * ||w - w_policy||^2``: the penalty pulls every weight towards
  the hand-set policy (which encodes the design), not towards 0, so signals that co-occur in the data keep
  their hand-set split and only what the data speaks to moves. ``T`` makes the policy's tag threshold the
  model's 0.5 point and its hold threshold the 0.9 point. Sign bounds are box constraints (L-BFGS-B).
- ``centre="zero"``: a plain L2 logistic regression (scikit-learn) with signs constrained by an active set
  (a coefficient with the wrong sign is fixed at 0 and the model refitted), scaled so that an attack
  probability of 0.9 lands on the policy's hold threshold.

Signs follow the signal's role in the current policy: a positive weight can only raise suspicion, a trust
signal's negative weight can only lower it. The penalty (lambda, or C) is chosen from a grid by 5-fold
cross-validation on the fitting part only (partial ROC AUC up to the false-hold target: the ranking
quality where the hold threshold sits). A signal that fires fewer than ``min_hits`` times in the fitting
part is not fitted: it keeps its weight (centre "zero": relative to the hold threshold) and the report
says so.

Thresholds follow the false-positive targets, never the attack rate: hold and tag are set at the lowest
scores (0.1 steps) whose fitting-part false holds / false tags stay within ``margin`` x the targets, scored
with group caps exactly as the scorer applies them (tag never below the model's 0.5 probability point).
The command line sets them per mailbox (each ``--fit`` file must meet the targets on its own; the strictest
wins) as rates of all its legitimate mail, as ``vecguard eval`` counts; ``--weights-only`` records (synthetic
mailboxes whose legitimate mail is ambiguous by design) shape the weights but set no threshold.
The result is a policy layer (``[actions]`` and ``[signals.X] weight``) or, with ``--write-default``, a copy
of default.toml with only those lines changed; the held-out part is rescored and reported next to the
current policy.

Rescoring from recorded strengths is exact for the score arithmetic but does not replay learning: a
message held under the new weights would not have taught the baseline (a newsletter's first issue held
keeps the next ones first contacts), so the held-out report is optimistic. ``vecguard eval --policy DIR``
with the layer in DIR is the full check.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError, VecguardError
from .evalrun import read_jsonl
from .evaluation import Rates
from .policy import Policy
from .scoring import Hit, score

Row = dict[str, Any]
HOLD_LOGIT = math.log(0.9 / 0.1)  # the attack probability that maps onto the policy's hold threshold
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)   # regularisation strengths tried by cross-validation (centre 0)
# penalties per squared score point towards the hand-set weights, tried by cross-validation (centre policy)
LAMBDA_GRID = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)


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


def fit_signed(x: list[list[float]], y: list[int], signs: Sequence[int], c: float,
               sample_weight: Sequence[float] | None = None) -> tuple[list[float], float]:
    """L2 logistic regression with coefficient signs constrained (+1: >= 0, -1: <= 0), by active set.
    Classes are balanced (or weighted per message by ``sample_weight``). Returns the coefficients and the
    intercept."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    xa = np.asarray(x, dtype=float)
    active = [j for j in range(xa.shape[1]) if xa[:, j].any()]
    coef = [0.0] * xa.shape[1]
    intercept = 0.0
    while active:
        model = LogisticRegression(C=c, class_weight=None if sample_weight is not None else "balanced",
                                   max_iter=2000)
        model.fit(xa[:, active], np.asarray(y), sample_weight=sample_weight)
        wrong = [j for j, w in zip(active, model.coef_[0], strict=True) if w * signs[j] < 0]
        if not wrong:
            for j, w in zip(active, model.coef_[0], strict=True):
                coef[j] = float(w)
            intercept = float(model.intercept_[0])
            break
        active = [j for j in active if j not in wrong]
    return coef, intercept


def fit_centred(x: list[list[float]], y: list[int], prior: Sequence[float], bounds: Sequence[tuple[float, float]],
                lam: float, temperature: float, sample_weight: Sequence[float],
                start_intercept: float = 0.0) -> tuple[list[float], float]:
    """Weights in score units centred on ``prior`` (the hand-set policy): minimise the weighted mean log-loss
    of ``sigmoid((x . w + b) / temperature)`` plus ``lam * ||w - prior||^2`` within ``bounds`` (the sign
    constraints), by L-BFGS-B. The penalty pulls every weight towards the policy's, not towards 0: a signal
    the data says little about (it co-occurs with others, or fires rarely) keeps its hand-set weight.
    ``b`` (minus the model's 0.5-probability score) is not penalised. Returns the weights and ``b``."""
    import numpy as np
    from scipy.optimize import minimize  # type: ignore[import-untyped,unused-ignore]

    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    wa = np.asarray(sample_weight, dtype=float)
    wa = wa / wa.sum()
    w0 = np.asarray(prior, dtype=float)

    def objective(theta: Any) -> tuple[float, Any]:
        w, b = theta[:-1], theta[-1]
        z = (xa @ w + b) / temperature
        # log(1 + e^z) - y z, stably; its derivative in z is sigmoid(z) - y
        loss = float(wa @ (np.logaddexp(0.0, z) - ya * z))
        g = wa * (1.0 / (1.0 + np.exp(-z)) - ya) / temperature
        d = w - w0
        grad = np.append(xa.T @ g + 2.0 * lam * d, g.sum())
        return loss + lam * float(d @ d), grad

    start = np.append(np.clip(w0, [lo for lo, _ in bounds], [hi for _, hi in bounds]), start_intercept)
    res = minimize(objective, start, jac=True, method="L-BFGS-B",
                   bounds=[*bounds, (None, None)], options={"maxiter": 5000})
    return [float(v) for v in res.x[:-1]], float(res.x[-1])


def rescore(rows: Sequence[Row], policy: Policy) -> list[float]:
    """Scores of recorded messages under ``policy`` (weights and group caps; strengths as recorded)."""
    out = []
    for row in rows:
        hits = [Hit(s["name"], float(s.get("strength", 0.0))) for s in row.get("signals", [])
                if s["name"] in policy.signals]
        out.append(score(hits, policy).score)
    return out


def count_legit(paths: Iterable[str]) -> int:
    """Legitimate messages of every direction in eval JSONL files (outbound and internal mail is never
    flagged, but it is legitimate mail: the issue's targets and ``vecguard eval`` count it)."""
    return sum(1 for path in paths for _, row in read_jsonl(path) if row.get("label") == "legit")


def threshold_for(legit_scores: Sequence[float], max_rate: float, step: float = 0.1,
                  total: int | None = None) -> float:
    """The lowest threshold (a multiple of ``step``) that flags at most ``max_rate`` of the legitimate
    mail (``total`` messages, by default the scores given): just above the score of the first legitimate
    message that would be one too many."""
    allowed = math.floor(max_rate * (len(legit_scores) if total is None else total) + 1e-9)
    ordered = sorted(legit_scores, reverse=True)
    if allowed >= len(ordered):
        return step
    return round((math.floor(ordered[allowed] / step + 1e-9) + 1) * step, 6)


def strictest(mailboxes: Sequence[tuple[Sequence[float], int | None]], max_rate: float) -> float:
    """The lowest threshold at which every mailbox (its legitimate scores, its legitimate total) flags at
    most ``max_rate`` of its legitimate mail (:func:`threshold_for` per mailbox; the highest wins)."""
    return max(threshold_for(scores, max_rate, total=total) for scores, total in mailboxes)


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
    unseen: tuple[str, ...]    # fired fewer than min_hits times in the fitting part: weight kept (x hold ratio)
    c: float = 1.0             # C (centre "zero") or lambda (centre "policy") used (chosen by cross-validation)
    cv: Mapping[float, float] = dataclasses.field(default_factory=dict)   # C or lambda -> mean partial AUC
    centre: str = "policy"     # "policy": penalty towards the hand-set weights; "zero": plain L2


def sample_weights(rows: Sequence[Row], balance: str) -> list[float]:
    """Per-message weights: legitimate mail and attacks weigh the same in total; with ``balance="campaign"``
    every campaign weighs the same within the attacks (a big corpus of one kind does not outvote the rest)."""
    legit = sum(1 for r in rows if r["label"] == "legit")
    campaigns = Counter(str(r.get("campaign") or "attack") for r in rows if r["label"] == "attack")
    attacks = sum(campaigns.values())
    out = []
    for r in rows:
        if r["label"] == "legit":
            out.append(len(rows) / (2 * legit))
        elif balance == "campaign":
            out.append(len(rows) / (2 * len(campaigns) * campaigns[str(r.get("campaign") or "attack")]))
        else:
            out.append(len(rows) / (2 * attacks))
    return out


def cross_validate(x: list[list[float]], y: list[int], grid: Sequence[float], max_fpr: float,
                   sample_weight: Sequence[float], fitter: Any, folds: int = 5,
                   seed: int = 0) -> dict[float, float]:
    """Mean partial ROC AUC (FPR <= ``max_fpr``, McClish-standardised, messages weighted as in the fit) of
    each grid value over stratified folds of the fitting part: the ranking quality where the hold threshold
    sits. ``fitter(x, y, value, sample_weight)`` returns the coefficients and the intercept."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    xa, ya, wa = np.asarray(x, dtype=float), np.asarray(y), np.asarray(sample_weight, dtype=float)
    splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(xa, ya))
    out = {}
    for value in grid:
        aucs = []
        for train, test in splits:
            coef, _ = fitter(xa[train].tolist(), ya[train].tolist(), value, wa[train].tolist())
            aucs.append(float(roc_auc_score(ya[test], xa[test] @ np.asarray(coef), max_fpr=max_fpr,
                                        sample_weight=wa[test])))
        out[value] = sum(aucs) / len(aucs)
    return out


def fit(rows: Sequence[Row], policy: Policy, c: float | Sequence[float] | None = None,
        max_false_hold: float = 0.001, max_false_tag: float = 0.01, margin: float = 1.0, min_hits: int = 5,
        balance: str = "campaign", centre: str = "policy", legit_total: int | None = None,
        mailboxes: Sequence[tuple[Sequence[Row], int | None]] | None = None) -> Fit:
    """Fit weights on ``rows`` and choose thresholds for the false-hold / false-tag targets.

    ``centre="policy"`` (the default): weights in score units, penalised by ``lambda * ||w - w_policy||^2``
    (:func:`fit_centred`); ``c`` is lambda, or a grid to choose it from (default ``LAMBDA_GRID``).
    ``centre="zero"``: a plain L2 logistic regression (:func:`fit_signed`) scaled so that an attack
    probability of 0.9 lands on the policy's hold threshold; ``c`` is scikit-learn's C (default ``C_GRID``).
    A grid is chosen from by 5-fold cross-validation on ``rows``.
    ``margin``: the share of each target the fitting part may use (0.5: thresholds set for half the allowed
    false holds / tags, so that the held-out mail has room). ``min_hits``: a signal firing fewer times in
    ``rows`` keeps its weight (too rare to fit). ``legit_total``: the legitimate messages the targets are
    rates of (default: the legitimate ``rows``, i.e. inbound mail; all directions is how ``vecguard eval``
    and the issue count them). ``mailboxes``: the thresholds are set on each of these (records, legitimate
    total) on its own and the strictest wins, so that every mailbox meets the targets and a large quiet one
    cannot pay for a noisy one (default: ``rows`` pooled, with ``legit_total``)."""
    if centre not in ("policy", "zero"):
        raise VecguardError(f"tune: unknown centre {centre!r}")
    y = [1 if r["label"] == "attack" else 0 for r in rows]
    if len(set(y)) < 2:
        raise VecguardError("tune: the fitting records need both attacks and legitimate mail")
    hits = {n: 0 for n in fittable(policy)}
    for r in rows:
        for name in {s["name"] for s in r.get("signals", [])} & hits.keys():
            hits[name] += 1
    names = [n for n, k in hits.items() if k >= max(1, min_hits)]
    kept = tuple(n for n, k in hits.items() if k < max(1, min_hits))
    signs = [1 if policy.signals[n].weight > 0 else -1 for n in names]
    x = matrix(rows, names)
    if c is None:
        c = LAMBDA_GRID if centre == "policy" else C_GRID
    grid = [c] if isinstance(c, (int, float)) else list(c)
    sw = sample_weights(rows, balance)
    if centre == "policy":
        prior = [policy.signals[n].weight for n in names]
        bounds = [(0.0, 100.0) if sign > 0 else (-100.0, 0.0) for sign in signs]
        # The policy's tag threshold is the model's 0.5 point and its hold threshold the 0.9 point: this
        # fixes the score-to-logit scale, so the penalty is in score points and the hand-set weights are
        # a model of the same units.
        temperature = max(0.1, (policy.hold - policy.tag) / HOLD_LOGIT)

        def fitter(xs: list[list[float]], ys: list[int], value: float,
                   weights: Sequence[float]) -> tuple[list[float], float]:
            return fit_centred(xs, ys, prior, bounds, value, temperature, weights, -policy.tag)
    else:
        def fitter(xs: list[list[float]], ys: list[int], value: float,
                   weights: Sequence[float]) -> tuple[list[float], float]:
            return fit_signed(xs, ys, signs, value, weights)
    cv = cross_validate(x, y, grid, max_false_hold, sw, fitter) if len(grid) > 1 else {}
    # ties go to the stronger regularisation (the larger lambda, the smaller C)
    best = max(grid, key=lambda g: (cv.get(g, 0.0), g if centre == "policy" else -g))
    coef, intercept = fitter(x, y, best, sw)
    if centre == "policy":
        scale, ratio = 1.0, None
        model_tag = round(max(0.1, -intercept), 1)
    else:
        # Scale: the model's 0.9 attack probability (logit 2.2) lands on the policy's hold threshold.
        scale = policy.hold / max(0.1, HOLD_LOGIT - intercept)
        model_tag = round(max(0.1, scale * -intercept), 1)
        ratio = 1.0
    weights = {n: round(max(-100.0, min(100.0, w * scale)), 1) for n, w in zip(names, coef, strict=True)}
    # The thresholds are set from the fitting part's legitimate mail scored with group caps, exactly as the
    # scorer will: never from the attacks. A kept signal keeps its weight (centre "policy": the weights are
    # in the policy's units) or its share of a hold (centre "zero": thresholds are set with the kept weights
    # as they are, then those are rescaled to the new hold and the thresholds set once more; a kept signal
    # fired fewer than min_hits times, so this moves little).
    tag, hold = policy.tag, policy.hold
    for _ in range(2 if ratio is not None else 1):
        weights.update({n: round(policy.signals[n].weight * (hold / policy.hold if ratio is not None else 1.0), 1)
                        for n in kept})
        trial = dataclasses.replace(policy, signals={n: dataclasses.replace(s, weight=weights[n]) if n in weights
                                                     else s for n, s in policy.signals.items()})
        legit = [([s for s, r in zip(rescore(part, trial), part, strict=True) if r["label"] == "legit"], total)
                 for part, total in (mailboxes or [(rows, legit_total)])]
        # Never tag what the model finds more likely legitimate than not (its 0.5 probability point); a
        # threshold above the target's only flags less, so hold is raised past tag when the two meet.
        tag = min(99.9, max(model_tag, strictest(legit, max_false_tag * margin)))
        hold = round(min(100.0, max(tag + 0.1, strictest(legit, max_false_hold * margin))), 1)
    dropped = tuple(n for n in names if weights[n] == 0)
    return Fit(weights, tag, hold, dataclasses.replace(trial, tag=tag, hold=hold), dropped, kept, best, cv, centre)


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


def default_toml(base: str, result: Fit) -> str:
    """``base`` (a default.toml) with the fitted thresholds and weights written in: only the ``tag`` and
    ``hold`` lines of ``[actions]`` and the ``weight`` lines of ``[signals.X]`` change; comments, order and
    every other line stay as they are."""
    out, table = [], ""
    values = {("actions", "tag"): result.tag, ("actions", "hold"): result.hold}
    values |= {(f"signals.{n}", "weight"): w for n, w in result.weights.items()}
    for line in base.splitlines(keepends=True):
        header = re.match(r"\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            table = header.group(1).strip()
        key = re.match(r"(\s*)(\w+)(\s*=\s*)([-+0-9.eE]+)(.*)$", line, re.DOTALL)
        if key and (table, key.group(2)) in values:
            line = f"{key.group(1)}{key.group(2)}{key.group(3)}{values[(table, key.group(2))]:g}{key.group(5)}"
        out.append(line)
    return "".join(out)


def _grid(text: str) -> list[float]:
    try:
        grid = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not grid or any(v <= 0 or not math.isfinite(v) for v in grid):
        raise argparse.ArgumentTypeError("every value must be a positive number")
    return grid


def add_arguments(tune: argparse.ArgumentParser) -> None:
    """The ``vecguard tune`` options."""
    tune.add_argument("--fit", metavar="JSONL", action="append", required=True,
                      help="labelled records of the fitting part (vecguard eval --jsonl; repeatable)")
    tune.add_argument("--weights-only", metavar="JSONL", action="append", default=[],
                      help="labelled records that enter the weight fit but set no threshold (e.g. synthetic "
                           "mailboxes whose legitimate mail is ambiguous by design; repeatable)")
    tune.add_argument("--held-out", metavar="JSONL", action="append", default=[],
                      help="labelled records of the held-out part (repeatable)")
    tune.add_argument("--policy", metavar="DIR", default=None, help="the policy the records were scored with")
    tune.add_argument("--out", metavar="FILE.toml", required=True, help="write the fitted policy layer here")
    tune.add_argument("--write-default", metavar="FILE.toml", default=None,
                      help="also write a copy of --base with the fitted thresholds and weights (a new default.toml)")
    tune.add_argument("--base", metavar="FILE.toml", default=None,
                      help="the default.toml that --write-default starts from (default: the --policy directory's)")
    tune.add_argument("--max-false-hold", type=float, default=0.001, help="legit held-rate target (default 0.001)")
    tune.add_argument("--max-false-tag", type=float, default=0.01, help="legit tagged-rate target (default 0.01)")
    tune.add_argument("--margin", type=float, default=1.0,
                      help="share of each target the fitting part may use (default 1; 0.5 leaves half for new mail)")
    tune.add_argument("--centre", choices=("policy", "zero"), default="policy",
                      help="pull the weights towards the current policy's (default; penalty lambda) or "
                           "towards 0 (plain L2 logistic regression; penalty 1/C)")
    tune.add_argument("--lambda", dest="lam", type=_grid, default=None,
                      help="with --centre policy: the penalty per squared score point, or a comma-separated grid "
                           "to choose from by 5-fold cross-validation on the fitting part "
                           f"(default {','.join(f'{v:g}' for v in LAMBDA_GRID)})")
    tune.add_argument("--C", dest="c", type=_grid, default=None,
                      help="with --centre zero: inverse regularisation strength, or a comma-separated grid to choose "
                           "from by 5-fold cross-validation on the fitting part "
                           f"(default {','.join(f'{c:g}' for c in C_GRID)})")
    tune.add_argument("--min-hits", type=int, default=5,
                      help="a signal firing fewer times in the fitting part keeps its weight (default 5)")
    tune.add_argument("--rates-of", choices=("inbound", "all"), default="all",
                      help="the false-hold / false-tag targets are rates of all legitimate mail, outbound and "
                           "internal included, as vecguard eval counts (default), or of the inbound mail only")
    tune.add_argument("--thresholds", choices=("per-mailbox", "pooled"), default="per-mailbox",
                      help="every --fit file must meet the targets on its own, the strictest wins (default), or "
                           "the --fit files pooled")
    tune.add_argument("--balance", choices=("campaign", "class"), default="campaign",
                      help="weigh every attack campaign the same (default) or every attack the same")


def run_tune(args: argparse.Namespace) -> int:
    """Fit on --fit records, report fit and held-out rates (current vs fitted), write --out."""
    from .cli import _policy, default_policy_dir

    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise VecguardError("tune: scikit-learn is not installed; pip install 'vecguard[fit]'") from None
    if not (0 <= args.max_false_hold <= args.max_false_tag < 1) or not 0 < args.margin <= 1 or args.min_hits < 1:
        raise VecguardError("tune: need 0 <= --max-false-hold <= --max-false-tag < 1, 0 < --margin <= 1 "
                            "and --min-hits >= 1")
    if (args.centre == "policy" and args.c is not None) or (args.centre == "zero" and args.lam is not None):
        raise VecguardError("tune: --C goes with --centre zero, --lambda with --centre policy")
    policy = _policy(args.policy)
    base_text = None
    if args.write_default:
        base = Path(args.base) if args.base else Path(args.policy or default_policy_dir()) / "default.toml"
        try:
            base_text = base.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{base}: cannot read: {exc.strerror or exc}") from None
    per_file = [read_records([path]) for path in args.fit]
    rows = [row for part in per_file for row in part] + read_records(args.weights_only)

    def total(paths: list[str]) -> int | None:
        return count_legit(paths) if args.rates_of == "all" else None
    if args.thresholds == "per-mailbox":
        mailboxes = [(part, total([path])) for part, path in zip(per_file, args.fit, strict=True)]
    else:
        mailboxes = [([row for part in per_file for row in part], total(args.fit))]
    held_out = read_records(args.held_out)
    if args.centre == "policy":
        grid, knob = (args.lam or list(LAMBDA_GRID)), "lambda"
    else:
        grid, knob = (args.c or list(C_GRID)), "C"
    result = fit(rows, policy, grid, args.max_false_hold, args.max_false_tag, args.margin, args.min_hits,
                 args.balance, args.centre, mailboxes=mailboxes)
    for title, part in (("fitting part", rows), ("held-out part", held_out)):
        if not part:
            continue
        before = rates(part, rescore(part, policy), policy.tag, policy.hold)
        after = rates(part, rescore(part, result.policy), result.tag, result.hold)
        print("\n".join(_table(title, part, before, after)))
    if result.cv:
        print(f"cross-validation (partial AUC, FPR <= {args.max_false_hold:g}): "
              + ", ".join(f"{knob}={c:g} {v:.4f}" for c, v in result.cv.items()) + f"; chosen {knob}={result.c:g}")
    print(f"thresholds: tag {policy.tag:g} -> {result.tag:g}, hold {policy.hold:g} -> {result.hold:g}")
    changed = [f"{n} {policy.signals[n].weight:g}->{w:g}" for n, w in sorted(result.weights.items())
               if w != policy.signals[n].weight]
    print("weights: " + ", ".join(changed))
    print("fitted to 0: " + (", ".join(result.dropped) or "none"))
    kept_how = "weight kept" if args.centre == "policy" else "weight kept, x new/old hold"
    print(f"fired fewer than {args.min_hits} times in the fitting part ({kept_how}): "
          + (", ".join(result.unseen) or "none"))
    weights_only = f"; weights only: {', '.join(args.weights_only)}" if args.weights_only else ""
    note = (f"Fitted by vecguard tune on {len(rows)} records ({', '.join(args.fit)}{weights_only}),\n"
            f"centre={args.centre}, {knob}={result.c:g} (grid {','.join(f'{c:g}' for c in grid)}), "
            f"balance={args.balance}, thresholds {args.thresholds}, rates of {args.rates_of} legitimate mail,\n"
            f"targets: false hold <= {args.max_false_hold:g}, false tag <= {args.max_false_tag:g}, "
            f"margin {args.margin:g}, min hits {args.min_hits}.")
    outputs = [(args.out, policy_layer(result, note))]
    if base_text is not None:
        outputs.append((args.write_default, default_toml(base_text, result)))
    for path, text in outputs:
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        print(f"wrote {path}")
    return 0

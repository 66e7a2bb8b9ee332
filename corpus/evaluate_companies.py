"""Generate labelled company mailboxes (corpus/company.py) and score them with vecguard, seed by seed.

    python corpus/evaluate_companies.py 1 2 3 ... [--keep DIR] [--records FILE]

Each company is built independently of the demo (its own vendors, threads and attack wording), replayed
in Date order on a fresh SQLite baseline (``vecguard eval``, the scan loop) and compared with its labels:
attacks held / tagged-or-held per seed, legitimate mail falsely held / tagged. Prints one row per seed and
the totals. ``--records FILE`` writes the labelled records of all seeds (``vecguard eval --jsonl``: label,
campaign and each signal's strength), which ``vecguard tune --fit`` takes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from company import generate  # noqa: E402

from vecguard.cli import main as vecguard  # noqa: E402
from vecguard.evaluation import Rates, evaluate  # noqa: E402


def run(seed: int, work: Path) -> tuple[str, Rates, Rates]:
    out = work / f"seed{seed}"
    out.mkdir(parents=True, exist_ok=True)
    local = generate(seed, out)
    jsonl = out / "records.jsonl"
    with contextlib.redirect_stdout(io.StringIO()):   # eval's own report: the rates are computed below
        code = vecguard(["eval", str(out / "mailbox.mbox"), "--labels", str(out / "labels.jsonl"),
                         "--local-domain", local, "--db", f"sqlite:///{out / 'history.db'}",
                         "--jsonl", str(jsonl), "--json"])
    if code:
        raise SystemExit(code)
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    labels = [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]
    result = evaluate(records, labels)
    return local, result.attacks, result.legit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="+", type=int)
    parser.add_argument("--keep", type=Path, help="keep the generated mailboxes and scans here")
    parser.add_argument("--records", type=Path,
                        help="write the labelled records of all seeds here (JSONL, for vecguard tune --fit)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="vecguard-companies-"))
    totals = {"attacks": [0, 0, 0], "legit": [0, 0, 0]}
    print(f"{'seed':>4} {'company':<28} {'attacks':>7} {'held':>7} {'flagged':>8} {'legit':>6} {'held':>6} {'tagged':>7}")
    for seed in args.seeds:
        local, attacks, legit = run(seed, work)
        if args.records:
            with args.records.open("a" if seed != args.seeds[0] else "w", encoding="utf-8") as out:
                out.write((work / f"seed{seed}" / "records.jsonl").read_text(encoding="utf-8"))
        print(f"{seed:>4} {local:<28} {attacks.total:>7} {attacks.held_rate:>7.1%} {attacks.flagged_rate:>8.1%} "
              f"{legit.total:>6} {legit.held:>6} {legit.tagged:>7}")
        for key, r in (("attacks", attacks), ("legit", legit)):
            totals[key][0] += r.total
            totals[key][1] += r.held
            totals[key][2] += r.tagged
    a, lg = totals["attacks"], totals["legit"]
    print(f"{'all':>4} {'':<28} {a[0]:>7} {a[1] / a[0]:>7.1%} {(a[1] + a[2]) / a[0]:>8.1%} "
          f"{lg[0]:>6} {lg[1]:>6} {lg[2]:>7}   legit held {lg[1] / lg[0]:.2%}, tagged {lg[2] / lg[0]:.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

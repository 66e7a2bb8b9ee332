"""Compare a scan's JSONL output with the demo labels and print what `make demo` promises.

    python corpus/demo_report.py SCAN.jsonl LABELS.jsonl

Exit status 1 when an attack was not held, a legitimate message was held, or a legitimate message of the
hijacked thread scored above 5.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(path: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    results = {r["message_id"]: r for r in load(argv[1])}
    labels = load(argv[2])
    failures = 0
    print("\nattacks in corpus/demo.mbox")
    for label in labels:
        if label["label"] != "attack":
            continue
        mid = str(label["message_id"]).strip("<>").lower()
        r = results.get(mid)
        if r is None:
            print(f"  MISSING  {label['campaign']:<26} {mid}")
            failures += 1
            continue
        ok = r["action"] == "hold"
        failures += not ok
        top = ", ".join(f"{s['name']}({s['score']:g})" for s in r["signals"][:4])  # type: ignore[index]
        print(f"  {'ok  ' if ok else 'FAIL'} {r['action']:<5} {r['score']:>5.1f}  {label['campaign']:<24} {top}")
    print("\nlegitimate messages of the hijacked thread")
    for label in labels:
        if label["label"] != "legit" or label.get("thread") != "hijacked":
            continue
        r = results.get(str(label["message_id"]).strip("<>").lower())
        if r is None:
            continue
        ok = float(r["score"]) <= 5  # type: ignore[arg-type]
        failures += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} {r['action']:<5} {r['score']:>5.1f}  {r['direction']:<8} {r['from']}")
    legit = [results.get(str(l["message_id"]).strip("<>").lower()) for l in labels if l["label"] == "legit"]
    held = sum(1 for r in legit if r and r["action"] == "hold")
    tagged = sum(1 for r in legit if r and r["action"] == "tag")
    failures += held
    print(f"\nlegitimate messages: {len(legit)}, held {held}, tagged {tagged}")
    print("demo: " + ("every attack held, hijacked thread clean" if not failures else f"{failures} problem(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

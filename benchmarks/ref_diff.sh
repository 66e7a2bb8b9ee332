#!/bin/sh
# Behaviour check for performance work: scan the demo, Enron and sa_ham corpora into JSONL and diff
# against reference outputs made from an untouched tree.
#   benchmarks/ref_diff.sh ref    # write /tmp/wt-perf-ref-*.jsonl
#   benchmarks/ref_diff.sh new    # write /tmp/wt-perf-new-*.jsonl and diff them against the reference
set -e
mode=${1:-new}
C=/work/shared/corpora
SA_LOCAL="--local-domain spamassassin.taint.org --local-domain localhost.spamassassin.taint.org --local-domain localhost.netnoteinc.com --local-domain netnoteinc.com --local-domain jmason.org"
scan() {  # name mailbox local-domain-args...
    name=$1; box=$2; shift 2
    rm -f /tmp/wt-perf-$mode-$name.db /tmp/wt-perf-$mode-$name.db-wal /tmp/wt-perf-$mode-$name.db-shm
    .venv/bin/vecguard scan "$box" "$@" --db sqlite:////tmp/wt-perf-$mode-$name.db \
        --jsonl /tmp/wt-perf-$mode-$name.jsonl > /dev/null
}
scan demo corpus/demo.mbox --local-domain "$(cat corpus/demo.local-domain)" &
scan enron $C/enron/enron_inbox_subset.mbox --local-domain enron.com
wait
scan sa_ham $C/spamassassin/sa_ham.mbox $SA_LOCAL
if [ "$mode" = new ]; then
    for n in demo enron sa_ham; do
        if cmp -s /tmp/wt-perf-ref-$n.jsonl /tmp/wt-perf-new-$n.jsonl; then echo "$n: identical";
        else echo "$n: DIFFERENT"; diff /tmp/wt-perf-ref-$n.jsonl /tmp/wt-perf-new-$n.jsonl | head -5; fi
    done
fi

# make demo: set up .venv and scan the committed demo mailbox on a fresh SQLite baseline.
# make test: set up .venv and run the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := $(VENV)/demo-history.db
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test test-corpus enron companies eval-real lint venv clean

venv: $(STAMP)

# The demo needs vecguard alone; the tests add the test tools and pymilter, which builds against
# libmilter-dev. Outside CI a missing libmilter only makes the milter tests skip (they say why); in CI
# (CI=true, where .ci/run installed the packages) it is an error.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet -e '.[milter]' || { [ -z "$$CI" ] && \
		echo "make: pymilter not built (apt-get install libmilter-dev python3-dev gcc); milter tests will skip" >&2; }
	touch $(TEST_STAMP)

demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/vecguard scan corpus/demo.mbox --local-domain $$(cat corpus/demo.local-domain) \
		--db sqlite:///$(DEMO_DB) --jsonl $(VENV)/demo.jsonl
	$(BIN)/python corpus/demo_report.py $(VENV)/demo.jsonl corpus/demo.labels.jsonl

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -m "not corpus"

# Large runs over ../shared/corpora (minutes); not part of `make test`.
test-corpus: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -m corpus

enron: $(STAMP)
	rm -f $(VENV)/enron.db*
	$(BIN)/vecguard scan ../shared/corpora/enron/enron_inbox_subset.mbox --local-domain enron.com \
		--db sqlite:///$(VENV)/enron.db --jsonl $(VENV)/enron.jsonl

# Ten generated companies (corpus/company.py), independent of the demo: attacks held, false holds.
companies: $(STAMP)
	$(BIN)/python corpus/evaluate_companies.py 1 2 3 4 5 6 7 8 9 10

# Real-mail evaluation (corpus/inject.py; docs/EVALUATION.md): attacks injected into Enron and SpamAssassin
# ham, real phishing delivered; eval the fitting and held-out parts and generated companies (seeds 1-3 fit,
# 4-10 held out), then fit weights (vecguard tune), which writes a policy layer and a candidate default.toml
# ($(EVAL_DIR)/default.toml) without touching policies/, and replay the held-out parts and the demo with it
# (the adoption gates: docs/EVALUATION.md, "`vecguard tune`").
EVAL_DIR ?= $(VENV)/eval-real
SA_LOCAL = $$(sed 's/^/--local-domain /' $(EVAL_DIR)/sa-heldout.local-domains)
eval-real: $(STAMP)
	$(BIN)/python corpus/inject.py --out $(EVAL_DIR) --seed 1
	$(BIN)/vecguard eval $(EVAL_DIR)/enron-fit.mbox --labels $(EVAL_DIR)/enron-fit.labels.jsonl \
		--local-domain enron.com --jsonl $(EVAL_DIR)/enron-fit.records.jsonl
	$(BIN)/vecguard eval $(EVAL_DIR)/sa-fit.mbox --labels $(EVAL_DIR)/sa-fit.labels.jsonl \
		$(SA_LOCAL) --jsonl $(EVAL_DIR)/sa-fit.records.jsonl
	$(BIN)/vecguard eval $(EVAL_DIR)/enron-heldout.mbox --labels $(EVAL_DIR)/enron-heldout.labels.jsonl \
		--local-domain enron.com --jsonl $(EVAL_DIR)/enron-heldout.records.jsonl
	$(BIN)/vecguard eval $(EVAL_DIR)/sa-heldout.mbox --labels $(EVAL_DIR)/sa-heldout.labels.jsonl \
		$(SA_LOCAL) --jsonl $(EVAL_DIR)/sa-heldout.records.jsonl
	$(BIN)/python corpus/evaluate_companies.py 1 2 3 --keep $(EVAL_DIR)/companies-fit \
		--records $(EVAL_DIR)/companies-fit.records.jsonl
	$(BIN)/python corpus/evaluate_companies.py 4 5 6 7 8 9 10 --keep $(EVAL_DIR)/companies-heldout \
		--records $(EVAL_DIR)/companies-heldout.records.jsonl
	$(BIN)/vecguard tune --fit $(EVAL_DIR)/enron-fit.records.jsonl --fit $(EVAL_DIR)/sa-fit.records.jsonl \
		--weights-only $(EVAL_DIR)/companies-fit.records.jsonl \
		--held-out $(EVAL_DIR)/enron-heldout.records.jsonl --held-out $(EVAL_DIR)/sa-heldout.records.jsonl \
		--held-out $(EVAL_DIR)/companies-heldout.records.jsonl \
		--out $(EVAL_DIR)/fitted.toml --write-default $(EVAL_DIR)/default.toml
	mkdir -p $(EVAL_DIR)/fitted-policy && cp $(EVAL_DIR)/default.toml $(EVAL_DIR)/fitted-policy/
	$(BIN)/vecguard eval $(EVAL_DIR)/enron-heldout.mbox --labels $(EVAL_DIR)/enron-heldout.labels.jsonl \
		--local-domain enron.com --policy $(EVAL_DIR)/fitted-policy
	$(BIN)/vecguard eval $(EVAL_DIR)/sa-heldout.mbox --labels $(EVAL_DIR)/sa-heldout.labels.jsonl \
		$(SA_LOCAL) --policy $(EVAL_DIR)/fitted-policy
	VECGUARD_POLICY=$(EVAL_DIR)/fitted-policy $(BIN)/python corpus/evaluate_companies.py 4 5 6 7 8 9 10
	rm -f $(EVAL_DIR)/demo.db*
	VECGUARD_POLICY=$(EVAL_DIR)/fitted-policy $(BIN)/vecguard scan corpus/demo.mbox --local-domain \
		$$(cat corpus/demo.local-domain) --db sqlite:///$(EVAL_DIR)/demo.db --jsonl $(EVAL_DIR)/demo.jsonl -q
	-$(BIN)/python corpus/demo_report.py $(EVAL_DIR)/demo.jsonl corpus/demo.labels.jsonl
	@cmp -s policies/default.toml $(EVAL_DIR)/default.toml \
		&& echo "eval-real: policies/default.toml is the fit's output" \
		|| echo "eval-real: the fit differs from policies/default.toml (diff policies/default.toml $(EVAL_DIR)/default.toml)"

lint: $(TEST_STAMP)
	$(BIN)/mypy
	$(BIN)/ruff check vecguard tests

clean:
	rm -rf $(VENV) build *.egg-info

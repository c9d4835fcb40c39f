# Fashion-MNIST course. `make book` builds the book, `make test` runs every test;
# both first create .venv, install the pinned requirements and helpers/, and install
# Debian's dataset-fashion-mnist, chromium and chromium-driver when apt is available and
# we are root.

PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
# Chapters executed at once by `make book`. 1: on this 2-core machine two TensorFlow
# processes did not reliably train faster than one (`make bench`, benchmarks/results.md),
# and would inflate the training times the pages report. Raise it with more cores.
BOOK_JOBS ?= 1
# Where _build/ goes (jupyter-book's --path-output); `make bench` times cold builds elsewhere.
BOOK_OUTPUT ?= .

# Notebook kernels start "python" from PATH: make it the venv's.
export PATH := $(BIN):$(PATH)
export TF_CPP_MIN_LOG_LEVEL ?= 3
export PYDEVD_DISABLE_FILE_VALIDATION := 1

ASSIGNMENTS := $(notdir $(patsubst %/,%,$(wildcard solutions/*/)))

.PHONY: setup data browser book test bench claims lab exercises grade clean-notebooks clean help

help:
	@echo "make book        build the book (full scale) into _build/html (BOOK_JOBS=2: two chapters at once)"
	@echo "make test        run the whole test suite (quick mode)"
	@echo "make bench       training throughput of each chapter model vs the matmul ceiling"
	@echo "                 (BENCH_ARGS=\"--cold-book --book --tests\" to time those too)"
	@echo "make claims      every chapter's claims over several seeds (hours, resumable)"
	@echo "                 (CLAIMS_ARGS=\"--chapters 05 --seeds 42,1,2\" to narrow it)"
	@echo "make lab         JupyterLab with nbgrader, for working on the exercises"
	@echo "make exercises   regenerate exercises/ from solutions/ with nbgrader"
	@echo "make grade       autograde submitted/ in parallel, feedback, grades/grades.csv"
	@echo "                 (ASSIGNMENT=ex06_reading STUDENTS=ann,bob JOBS=2 to narrow it)"
	@echo "                 (CLUSTER=tcp://HOST:8786 on a Dask cluster, FORCE=1 to regrade all)"
	@echo "make clean-notebooks  strip outputs and canonicalise every notebook"

setup: $(STAMP) data browser

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The data: use any intact copy helpers.data finds; else install Debian's package.
data: $(STAMP)
	@if $(BIN)/python -c "import helpers; helpers.load_data(download=False)" 2>/dev/null; then \
	  echo "Fashion-MNIST: found"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Fashion-MNIST: installing Debian's dataset-fashion-mnist"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	else \
	  echo "Fashion-MNIST: not found and cannot apt-get install it here;"; \
	  echo "  the notebooks will try the Keras download (see helpers/data.py)."; \
	fi

# Headless Chromium and its driver for the browser tests, and bubblewrap, the sandbox
# student code is graded in (Debian's packages).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	    && command -v bwrap >/dev/null; then \
	  echo "Chromium, bubblewrap: found"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "Chromium, bubblewrap: installing Debian's chromium, chromium-driver, bubblewrap"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver bubblewrap >/dev/null; \
	else \
	  echo "Chromium or bubblewrap: not found and cannot apt-get install them here; the"; \
	  echo "  browser tests fail without chromium and chromium-driver, and grading refuses"; \
	  echo "  to run student code without bubblewrap (python -m grading --no-sandbox)."; \
	fi

# Chapters are executed (BOOK_JOBS at a time) into Jupyter Book's cache, again when
# helpers/ changed, then the build only renders; see course/execute.py.
book: setup
	$(BIN)/python -m course.execute --jobs $(BOOK_JOBS) --path-output $(BOOK_OUTPUT)
	$(BIN)/jupyter-book build . --path-output $(BOOK_OUTPUT) -W --keep-going

test: setup
	$(BIN)/python -m pytest -n $(JOBS) --dist=load --maxschedchunk=1 --durations=15

# Not part of the tests: writes benchmarks/results.md and .json (see README).
bench: setup
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# Not part of the tests: every chapter at full scale for several seeds (hours; resumable),
# writes helpers/claims.json and benchmarks/claims.md (see benchmarks/claims.py).
claims: setup
	$(BIN)/python benchmarks/claims.py $(CLAIMS_ARGS)

# Localhost, a free port, a fresh token, no browser: it prints the address to open.
lab: setup
	$(BIN)/python -m course.lab

# Regenerate student notebooks (a throwaway gradebook keeps the instructor's untouched)
# and the table of exercises on book/exercises.md.
exercises: setup
	@db=$$(mktemp -d); for a in $(ASSIGNMENTS); do \
	  $(BIN)/nbgrader generate_assignment $$a --force --log-level=WARN \
	    --db=sqlite:///$$db/gradebook.db || exit 1; done; rm -rf $$db
	$(BIN)/python -m course.notebooks exercises
	$(BIN)/python -m course.exercise_table

# Instructors: autograde every submission under submitted/ (all assignments, or
# ASSIGNMENT=...; STUDENTS=a,b for some students), JOBS students at a time, or on the
# workers of the Dask scheduler CLUSTER=tcp://HOST:8786; unchanged submissions are
# skipped unless FORCE=1; then feedback without hidden tests and grades/grades.csv.
# See book/instructors.md.
grade: setup
	$(BIN)/python -m grading grade $(ASSIGNMENT) --jobs $(JOBS) $(if $(STUDENTS),--students $(STUDENTS)) \
	  $(if $(CLUSTER),--cluster $(CLUSTER)) $(if $(FORCE),--force)

clean-notebooks: $(STAMP)
	$(BIN)/python -m course.notebooks book solutions exercises

clean:
	rm -rf _build

# Two commands do all the set-up on a fresh machine with only Python:
#   make run    start the whole product locally (embedded PostgreSQL and Redis)
#   make test   run the whole test suite
#   make backup                          dump PostgreSQL to backups/ (BACKUP_DIR=… or FILE=…)
#   make restore FILE=… [CONFIRM=yes]    replace the database with a backup
#   make bench [BENCH_SCALE=small|medium|full|all]   the book at scale, timed, and the cost curve
#   make bench-model                     scorecard_fit against optbinning and one-hot LR
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?= -n 2 --dist load --maxschedchunk 2
BENCH_SCALE ?= full
BACKUP_DIR ?= backups

.PHONY: run test browser-deps lint format messages stop bench bench-model clean backup restore

$(PY):
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# A stamp per extra set, remade when pyproject.toml changes, so repeated runs skip pip.
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[embedded]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[embedded,test]"
	touch $@

run: $(VENV)/.installed-run
	$(PY) -m ops.dev run --port $(PORT)

# Browser tests drive Debian's Chromium (with CJK fonts for the zh-hans pages). As root it is
# installed when missing; otherwise those tests are skipped and say why.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-noto-cjk >/dev/null; \
	else \
		echo "Chromium is missing and this is not root: the browser tests will be skipped."; \
	fi

test: $(VENV)/.installed-test browser-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m ops.dev test -- $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The book at scale, timed (bench/run.py): BENCH_SCALE=small (10,000 loans, about a minute),
# medium (100,000), full (1,000,000, the default) or all (the three in turn). Ends with the cost
# curve once two scales have results (bench/cost_curve.py: growth per 10× of loans, projected
# to 10 and 50 million). Never part of `make test`.
bench: $(VENV)/.installed-run
	$(PY) bench/run.py --scale $(BENCH_SCALE)

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[bench]"
	touch $@

# scorecard_fit against optbinning's Scorecard and a one-hot logistic regression on generated
# data sets of 700, 5,000 and 100,000 rows (bench/model_bench.py; a few minutes).
bench-model: $(VENV)/.installed-bench
	$(PY) bench/model_bench.py

# Regenerates the zh-hans catalogue from the code and compiles it (needs GNU gettext).
messages: $(VENV)/.installed-test
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=static \
		--ignore=tests --ignore=artifacts
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

# Backup and restore of PostgreSQL (ops/backup.py): the embedded database, or the one
# DATABASE_URL names. PostgreSQL holds every record, the audit trail and the beat schedules;
# Redis holds only the queue and the cache, so it is not backed up.
backup: $(VENV)/.installed-run
	$(PY) -m ops.backup backup $(if $(FILE),--file "$(FILE)",--dir "$(BACKUP_DIR)")

# Refused when the database already holds data unless CONFIRM=yes; restores into a scratch
# database and swaps it in only when complete, so a failure leaves the database as it was.
restore: $(VENV)/.installed-run
	@if [ -z "$(FILE)" ]; then \
		echo "Usage: make restore FILE=backups/crm-YYYYMMDDTHHMMSSZ.dump [CONFIRM=yes]" >&2; \
		exit 2; \
	fi
	$(PY) -m ops.backup restore "$(FILE)" $(if $(filter yes,$(CONFIRM)),--force)

# Stops the embedded PostgreSQL and Redis if something left them running.
stop: $(VENV)/.installed-run
	$(PY) -m ops.dev stop

clean: stop
	rm -rf .data

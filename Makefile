# Linli: `make run` serves the demo, `make test` checks everything. Both set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The tests run on this many processes (pytest-xdist), one per core; PYTEST_WORKERS=0 runs them in
# one. Each test module stays on one worker (--dist loadscope), so a module's live server, or the
# elderly-modes pages found once for all ten roles, is set up once rather than on each worker.
PYTEST_WORKERS ?= $(shell nproc)
export FLASK_APP := app.py
SOURCES := app.py extensions.py blueprints templates

.PHONY: run dev test test-fast lint format translations extract compile browser nginx db clean

# gunicorn serves the pages; beside it, the outbox's loop delivers text messages.
run: $(VENV)/.runtime compile db
	$(BIN)/flask notices deliver --loop & loop=$$!; trap 'kill $$loop' EXIT INT TERM; \
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py

dev: $(VENV)/.runtime compile db
	SMS_DELIVERY=inline $(BIN)/flask run --debug --host $(HOST) --port $(PORT)

db: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	@if [ "$$LINLI_ENV" != production ]; then $(BIN)/flask demo load; fi

test: $(VENV)/.dev compile browser nginx
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

# Everything but the slow tests (pyproject.toml's `slow` marker: live servers, the browser, the
# every-page sweeps): a few minutes on two cores, for the loop of changing and checking.
test-fast: lint compile
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope -m "not slow" $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Translations: msgids are the Chinese text; translations/en holds the English.
extract: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o messages.pot $(SOURCES)

translations: extract
	$(BIN)/pybabel update -i messages.pot -d translations -l en --no-fuzzy-matching

compile: $(VENV)/.runtime
	$(BIN)/pybabel compile --statistics -d translations

# Browser tests need Debian's Chromium and CJK fonts; installed here when missing and root.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; \
	  else \
	    echo "Browser tests need Debian packages chromium, fonts-noto-cjk and fonts-noto-color-emoji (run as root to install)."; \
	  fi; \
	fi

# The two-instance test (tests/test_two_instances.py) puts Debian's nginx in front; installed
# here when missing and root.
nginx:
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	  else \
	    echo "The two-instance test needs Debian's nginx-light (run as root to install)."; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) instance messages.pot
	find translations -name '*.mo' -delete

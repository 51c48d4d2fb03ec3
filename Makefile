# The two set-up commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := lms

.PHONY: run test install system-deps postgres translations demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,serve]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@$(BIN)/pybabel compile -f -d lms/translations >/dev/null 2>&1 || true

# Debian packages the PDFs and the tests need (HarfBuzz subset for WeasyPrint,
# poppler-utils to read PDFs, Chromium for browser tests). Installed only when missing.
SYSTEM_PACKAGES := libharfbuzz-subset0 poppler-utils chromium
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done

run: install
	@mkdir -p instance
	$(BIN)/flask db upgrade heads
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# First the import contracts of pyproject.toml ([tool.importlinter]: the layers; no kinds or
# demo in the core), then the suite on both databases.
# Every public operation, hook and signal is documented (ruff's D1 rules).
DOCUMENTED := lms/*/operations.py certificates/operations.py modules/*/operations.py \
	lms/attendance/marking.py lms/attendance/checkin.py lms/attendance/rosters.py lms/attendance/cadence.py \
	lms/plugins.py lms/signals.py

test: install system-deps postgres
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/ruff check --no-cache --select D1 $(DOCUMENTED)
	$(BIN)/python -m pytest --db=sqlite
	$(BIN)/python -m pytest --db=postgresql

clean:
	rm -rf $(VENV) instance/brobygger.db*

# Refresh the translation catalogues after changing user-visible strings.
messages: $(STAMP)
	$(BIN)/python -m compileall -q lms certificates modules >/dev/null  # a syntax error must not empty the template
	$(BIN)/pybabel extract -F babel.cfg -k _l -o lms/translations/messages.pot .
	$(BIN)/pybabel update -N --ignore-obsolete -i lms/translations/messages.pot -d lms/translations
